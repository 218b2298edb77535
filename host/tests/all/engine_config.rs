//! The resolved wasmtime feature set is part of the consensus: a stray feature
//! (threads, gc, relaxed SIMD, async) changes semantics, so this test fails if
//! the set resolved for the workspace ever changes.

use std::collections::BTreeSet;
use std::process::Command;

use crate::support::workspace;

#[test]
fn wasmtime_feature_set_is_exactly_the_pinned_one() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--locked", "--offline"])
        .current_dir(workspace())
        .output()
        .expect("cargo metadata");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let nodes = meta["resolve"]["nodes"].as_array().unwrap();
    let wasmtime = nodes
        .iter()
        .find(|n| n["id"].as_str().unwrap().contains("wasmtime@48.0.8"))
        .expect("wasmtime 48.0.8 is in the resolved graph");
    let features: BTreeSet<&str> = wasmtime["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
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
    ]
    .into_iter()
    .collect();
    let forbidden = [
        "threads",
        "async",
        "component-model-async",
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
