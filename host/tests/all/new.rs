//! `imr new`: each template, generated into a fresh folder, builds with `imr build`, passes its own
//! `cargo test`, and runs with `imr run --epochs` on its sample epochs. The templates share one
//! target folder per build kind, so the dependencies compile once.

use std::path::Path;
use std::process::{Command, Output};

use crate::support::workspace;

fn imr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imr"));
    c.env("IMR_CACHE_DIR", std::env::temp_dir().join("imr-test-cache"));
    c
}

fn ok(o: Output, what: &str) -> String {
    assert!(
        o.status.success(),
        "{what}: {}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn build_test_and_run(dir: &Path, shared: &Path) {
    let name = dir.file_name().unwrap().to_string_lossy().replace('-', "_");
    ok(
        imr()
            .arg("build")
            .arg(dir)
            .arg("--target-dir")
            .arg(shared.join("guest"))
            .output()
            .unwrap(),
        "imr build",
    );
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = ok(
        Command::new(cargo)
            .args(["test", "--offline", "--locked", "--manifest-path"])
            .arg(dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", shared.join("native"))
            .env_remove("RUSTFLAGS")
            .env_remove("CARGO_ENCODED_RUSTFLAGS")
            .output()
            .unwrap(),
        "cargo test",
    );
    // The generated unit tests ran (the doc tests are none), and the golden scenario of
    // tests/scenario.rs (imr_guest::testing) matched the shipped expected weights.
    assert!(
        out.contains("test tests::") && out.contains(" ... ok"),
        "{out}"
    );
    assert!(out.contains("test golden_weights ... ok"), "{out}");
    let component = shared.join("guest").join(format!("{name}.component.wasm"));
    let run = ok(
        imr()
            .arg("run")
            .arg("--mechanism")
            .arg(&component)
            .arg("--epochs")
            .arg(dir.join("epochs"))
            .arg("--out")
            .arg(dir.join("out"))
            .output()
            .unwrap(),
        "imr run",
    );
    assert!(run.contains("succeeded  2"), "{run}");
    let weights: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out/weights.json")).unwrap()).unwrap();
    assert!(!weights["values"].as_array().unwrap().is_empty());
}

#[test]
fn every_template_builds_tests_and_runs() {
    let tmp = tempfile::tempdir().unwrap();
    let shared = tmp.path().join("target");
    for template in ["time-series", "prompt-ranking"] {
        let dir = tmp.path().join(format!("my-{template}"));
        let out = ok(
            imr()
                .arg("new")
                .arg(&dir)
                .args(["--template", template])
                .output()
                .unwrap(),
            "imr new",
        );
        assert!(out.contains("imr build"), "{out}");
        let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
        assert!(
            readme.contains("absolute") && readme.contains("cargo test"),
            "{readme}"
        );
        build_test_and_run(&dir, &shared);
    }
    // Inside the checkout: the SDK path is relative, and the crate is its own workspace.
    let inside = tempfile::tempdir_in(workspace().join("target")).unwrap();
    let dir = inside.path().join("my-minimal");
    ok(
        imr().arg("new").arg(&dir).output().unwrap(),
        "imr new (minimal)",
    );
    let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).unwrap();
    assert!(
        manifest.contains("path = \"../../../guest-sdk\""),
        "{manifest}"
    );
    build_test_and_run(&dir, &shared);
    // A folder that is not empty is refused.
    let o = imr().arg("new").arg(&dir).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("not empty"));
}
