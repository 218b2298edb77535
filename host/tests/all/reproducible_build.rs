//! Building the example guest in two different directories (of different path
//! lengths) gives a component with the same blake3, and the same `imr-build` provenance
//! section, which names no absolute path, user or time.

use std::path::Path;

use imr_host::build::{build_guest, BuildOptions};
use imr_host::provenance::section::section_bytes;
use imr_host::provenance::sources::tree_hash;
use imr_host::provenance::{extract, BuildProvenance};

use crate::support::workspace;

/// Copies a source tree, leaving out `.git`, `target*` and `out`.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let name = entry.file_name();
        let name_s = name.to_string_lossy();
        if name_s == ".git" || name_s.starts_with("target") || name_s == "out" {
            continue;
        }
        let ty = entry.file_type().unwrap();
        if ty.is_dir() {
            copy_tree(&entry.path(), &to.join(&name));
        } else if ty.is_file() {
            std::fs::copy(entry.path(), to.join(&name)).unwrap();
        }
    }
}

#[test]
fn example_component_is_identical_when_built_in_two_directories() {
    let tmp = tempfile::tempdir().unwrap();
    let a = tmp.path().join("a");
    let b = tmp
        .path()
        .join("a-much-longer-directory-name-to-shift-every-path-in-the-build");
    let mut hashes = Vec::new();
    let mut sections = Vec::new();
    for root in [&a, &b] {
        copy_tree(&workspace(), root);
        let built = build_guest(&root.join("examples/time-series"), &BuildOptions::default())
            .unwrap_or_else(|e| panic!("build in {}: {e}", root.display()));
        assert!(built.path.starts_with(root));
        hashes.push(built.blake3);
        let bytes = std::fs::read(&built.path).unwrap();
        let section = section_bytes(&bytes)
            .unwrap()
            .expect("an imr-build section");
        assert_eq!(extract(&bytes).unwrap().as_ref(), Some(&built.provenance));
        sections.push(String::from_utf8(section.to_vec()).unwrap());
    }
    assert_eq!(sections[0], sections[1]);
    assert_eq!(hashes[0], hashes[1]);
    // No absolute path, user name or home directory in the section.
    let text = &sections[0];
    let mut forbidden = vec![
        tmp.path().display().to_string(),
        workspace().display().to_string(),
        "/root".to_string(),
        "/home".to_string(),
    ];
    for var in ["HOME", "USER", "LOGNAME", "CARGO_HOME"] {
        if let Some(v) = std::env::var_os(var).filter(|v| v.len() > 2) {
            forbidden.push(v.to_string_lossy().into_owned());
        }
    }
    for f in &forbidden {
        assert!(
            !text.contains(f.as_str()),
            "the section contains {f:?}: {text}"
        );
    }
    // What it records: the example's and the SDK's sources, the WIT, the manifests, the lock.
    let p: BuildProvenance = serde_json::from_str(text).unwrap();
    for file in [
        "Cargo.toml",
        "rust-toolchain.toml",
        "examples/time-series/Cargo.toml",
        "examples/time-series/src/lib.rs",
        "guest-sdk/Cargo.toml",
        "guest-sdk/src/lib.rs",
        "helpers/src/lib.rs",
        "types/src/lib.rs",
        "wit/mechanism.wit",
    ] {
        let hash = p
            .sources
            .files
            .get(file)
            .unwrap_or_else(|| panic!("{file} not recorded: {text}"));
        let here = blake3::hash(&std::fs::read(a.join(file)).unwrap());
        assert_eq!(hash, &here.to_hex().to_string(), "{file}");
    }
    assert!(
        !p.sources
            .files
            .keys()
            .any(|f| f.contains("/data/") || f.starts_with("target")),
        "{text}"
    );
    assert_eq!(p.sources.tree, tree_hash(&p.sources.files));
    assert_eq!(
        p.cargo_lock,
        blake3::hash(&std::fs::read(a.join("Cargo.lock")).unwrap())
            .to_hex()
            .to_string()
    );
    assert_eq!(p.package.name, "imr-example-time-series");
    assert!(p.toolchain.rustc.starts_with("rustc 1."), "{text}");
    // And it is the same component the workspace itself builds.
    let here = build_guest(
        &workspace().join("examples/time-series"),
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(here.blake3, hashes[0]);
}
