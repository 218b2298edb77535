//! Load-time admission: only the mechanism world's own imports.

use imr_host::{LoadError, Mechanism};
use wit_component::{dummy_module, embed_component_metadata, ComponentEncoder, StringEncoding};
use wit_parser::{LiftLowerAbi, ManglingAndAbi, Resolve};

use crate::support::{engine, hostile, workspace};

/// A component exporting the mechanism world's `score` but also importing
/// `extra_imports` (WIT package sources plus the import names).
fn component_with_imports(packages: &[&str], imports: &[&str]) -> (Vec<u8>, Vec<u8>) {
    let mut resolve = Resolve::default();
    resolve.push_dir(workspace().join("wit")).unwrap();
    for (i, p) in packages.iter().enumerate() {
        resolve.push_str(format!("dep{i}.wit"), p).unwrap();
    }
    let world_src = format!(
        "package test:hostile;\nworld with-extras {{\n  include imr:mechanism/mechanism@0.1.0;\n{}\n}}\n",
        imports.iter().map(|i| format!("  import {i};")).collect::<Vec<_>>().join("\n")
    );
    let pkg = resolve.push_str("test.wit", &world_src).unwrap();
    let world = resolve.select_world(&[pkg], Some("with-extras")).unwrap();
    let mut core = dummy_module(&resolve, world, ManglingAndAbi::Legacy(LiftLowerAbi::Sync));
    let core_plain = core.clone();
    embed_component_metadata(&mut core, &resolve, world, StringEncoding::UTF8).unwrap();
    let component = ComponentEncoder::default()
        .module(&core)
        .unwrap()
        .validate(true)
        .encode()
        .unwrap();
    (component, core_plain)
}

const WASI_CLOCKS: &str =
    "package wasi:clocks@0.2.6;\ninterface wall-clock { now: func() -> u64; }\n";
const WASI_RANDOM: &str =
    "package wasi:random@0.2.6;\ninterface random { get-random-u64: func() -> u64; }\n";

#[test]
fn wasi_imports_are_refused_at_load_and_every_one_is_named() {
    let (component, _) = component_with_imports(
        &[WASI_CLOCKS, WASI_RANDOM],
        &["wasi:clocks/wall-clock@0.2.6", "wasi:random/random@0.2.6"],
    );
    match Mechanism::from_bytes(&engine(), &component, None) {
        Err(LoadError::ForbiddenImports(names)) => assert_eq!(
            names,
            ["wasi:clocks/wall-clock@0.2.6", "wasi:random/random@0.2.6"]
        ),
        other => panic!("expected ForbiddenImports, got {other:?}"),
    }
}

#[test]
fn the_world_itself_is_admitted() {
    let (component, _) = component_with_imports(&[], &[]);
    let m = Mechanism::from_bytes(&engine(), &component, None).expect("admitted");
    assert!(m
        .imports()
        .iter()
        .all(|i| imr_host::mechanism::ALLOWED_IMPORTS.contains(&i.as_str())));
}

#[test]
fn build_refuses_a_core_module_with_forbidden_imports() {
    let (_, core) = component_with_imports(&[WASI_CLOCKS], &["wasi:clocks/wall-clock@0.2.6"]);
    match imr_host::build::componentize(&core) {
        Err(imr_host::build::BuildError::ForbiddenImports(names)) => {
            assert_eq!(names, ["wasi:clocks/wall-clock@0.2.6::now"])
        }
        other => panic!("expected ForbiddenImports, got {other:?}"),
    }
}

#[test]
fn non_components_are_refused_with_a_clear_error() {
    let e = engine();
    let core_module = b"\0asm\x01\0\0\0";
    let err = Mechanism::from_bytes(&e, core_module, None).unwrap_err();
    assert!(
        err.to_string()
            .contains("core wasm module, not a component"),
        "{err}"
    );
    let err = Mechanism::from_bytes(&e, b"{\"not\": \"wasm\"}", None).unwrap_err();
    assert!(
        err.to_string().contains("not a WebAssembly binary"),
        "{err}"
    );
    // A truncated component.
    let bytes = std::fs::read(hostile()).unwrap();
    let err = Mechanism::from_bytes(&e, &bytes[..bytes.len() / 2], None).unwrap_err();
    assert!(matches!(err, LoadError::Invalid(_)), "{err}");
}
