//! Build provenance (issue 17 item 3): `imr inspect` shows the `imr-build` section and
//! `imr verify-build` passes on the examples and fails, naming the difference, after a one-byte
//! edit of a source file and after a change to `Cargo.lock`. The failing cases run in temporary
//! copies of the workspace and need no build (a differing recorded input stops verify-build
//! before it rebuilds).

use std::path::Path;

use crate::reproducible_build::copy_tree;
use crate::runlog::{imr, scratch};
use crate::support::{component, workspace};

fn verify_build(wasm: &Path, src: &Path) -> (Option<i32>, String, String) {
    let o = imr()
        .arg("verify-build")
        .arg(wasm)
        .arg(src)
        .output()
        .unwrap();
    (
        o.status.code(),
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn verify_build_passes_on_the_example_crates() {
    for rel in ["examples/time-series", "examples/prompt-ranking"] {
        let wasm = component(rel);
        let (code, stdout, stderr) = verify_build(&wasm, &workspace().join(rel));
        assert_eq!(code, Some(0), "{rel}: {stdout}{stderr}");
        assert!(stdout.starts_with("identical: "), "{stdout}");
        let blake3 = blake3::hash(&std::fs::read(&wasm).unwrap())
            .to_hex()
            .to_string();
        assert!(stdout.contains(&blake3), "{stdout}");
    }
}

#[test]
fn verify_build_fails_after_a_one_byte_source_edit_and_after_a_lock_change() {
    let wasm = component("examples/time-series");
    let dir = scratch();
    let ws = dir.path().join("ws");
    copy_tree(&workspace(), &ws);
    let src = ws.join("examples/time-series");

    // One byte of one source file.
    let lib = src.join("src/lib.rs");
    let original = std::fs::read(&lib).unwrap();
    let mut edited = original.clone();
    let at = edited.iter().position(|&b| b == b'a').unwrap();
    edited[at] = b'b';
    std::fs::write(&lib, &edited).unwrap();
    let (code, stdout, stderr) = verify_build(&wasm, &src);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("source examples/time-series/src/lib.rs: content differs"),
        "{stdout}"
    );
    assert!(stdout.contains("not rebuilt"), "{stdout}");
    assert_eq!(stdout.matches("source ").count(), 1, "{stdout}");
    std::fs::write(&lib, &original).unwrap();

    // Cargo.lock.
    let lock = ws.join("Cargo.lock");
    let mut text = std::fs::read_to_string(&lock).unwrap();
    text = text.replacen("version = \"", "version = \"0", 1);
    std::fs::write(&lock, text).unwrap();
    let (code, stdout, stderr) = verify_build(&wasm, &src);
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(stdout.contains("Cargo.lock: recorded blake3 "), "{stdout}");
    assert!(!stdout.contains("source "), "{stdout}");

    // JSON names the same differences.
    let o = imr()
        .args(["verify-build", "--json"])
        .arg(&wasm)
        .arg(&src)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["differences"][0]["kind"], "cargo_lock");
    assert!(json["rebuilt"].is_null());
}

#[test]
fn verify_build_refuses_a_component_without_provenance() {
    let dir = scratch();
    let bare = dir.path().join("bare.wasm");
    std::fs::write(&bare, wat::parse_str("(component)").unwrap()).unwrap();
    let (code, stdout, _) = verify_build(&bare, &workspace().join("examples/time-series"));
    assert_eq!(code, Some(1));
    assert!(stdout.contains("has no imr-build section"), "{stdout}");
}

#[test]
fn inspect_shows_the_build_section() {
    let wasm = component("examples/time-series");
    let o = imr().arg("inspect").arg(&wasm).output().unwrap();
    assert!(o.status.success());
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("build     imr-example-time-series 0.1.0 (imr "),
        "{stdout}"
    );
    assert!(stdout.contains("  Cargo.lock blake3 "), "{stdout}");
    let o = imr()
        .args(["inspect", "--json"])
        .arg(&wasm)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(json["build"]["format"], "imr-build/1");
    assert!(json["build"]["sources"]["files"]["examples/time-series/src/lib.rs"].is_string());
    assert!(json["build_error"].is_null());
}
