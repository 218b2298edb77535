//! The resolved wasmtime feature set is part of the consensus: a stray feature
//! (threads, gc, relaxed SIMD, async) changes semantics, so this test fails if
//! the set resolved for the workspace ever changes.

use std::collections::BTreeSet;
use std::process::Command;

use crate::support::workspace;

#[test]
fn wasmtime_feature_set_is_exactly_the_pinned_one() {
    // `cargo tree` resolves for this platform only, so it needs nothing beyond
    // what the build already downloaded (`--offline`).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "-e",
            "features",
            "-i",
            "wasmtime",
            "--prefix",
            "none",
            "--locked",
            "--offline",
        ])
        .current_dir(workspace())
        .output()
        .expect("cargo tree");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("wasmtime v48.0.8"), "{text}");
    let features: BTreeSet<&str> = text
        .lines()
        .filter_map(|l| l.strip_prefix("wasmtime feature \""))
        .filter_map(|l| l.split('"').next())
        .collect();
    let expected: BTreeSet<&str> = [
        "component-model",
        "cranelift",
        "parallel-compilation",
        "pooling-allocator",
        "pulley",
        "runtime",
        "std",
        // Implied by the features above (wasmtime's own Cargo.toml).
        "once_cell",
        "wasmtime-jit-icache-coherence",
        "wasmtime-unwinder",
    ]
    .into_iter()
    .collect();
    let forbidden = [
        "threads",
        "async",
        "component-model-async",
        "gc",
        "wat",
        "cache",
        "winch",
        "debug",
        "rr",
    ];
    for f in forbidden {
        assert!(
            !features.contains(f),
            "forbidden wasmtime feature {f} is enabled"
        );
    }
    assert_eq!(
        features, expected,
        "the resolved wasmtime feature set changed"
    );
}

#[test]
fn a_memory_limit_over_4_gib_is_refused_naming_the_maximum() {
    let limits = imr_host::Limits {
        memory_bytes: 5u64 << 30,
        ..Default::default()
    };
    let err = imr_host::DeterministicEngine::with(imr_host::Backend::Cranelift, limits)
        .unwrap_err()
        .to_string();
    assert!(err.contains("maximum of 4096 MiB"), "{err}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_imr"))
        .args([
            "run",
            "-m",
            "m.wasm",
            "-e",
            "e.json",
            "--memory-mib",
            "17592186044672",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not in 1..=4096"), "{stderr}");
}
