//! Building the example guest in two different directories (of different path
//! lengths) gives a component with the same blake3.

use std::path::Path;

use imr_host::build::{build_guest, BuildOptions};

use crate::support::workspace;

fn copy_tree(from: &Path, to: &Path) {
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
    for root in [&a, &b] {
        copy_tree(&workspace(), root);
        let built = build_guest(&root.join("examples/time-series"), &BuildOptions::default())
            .unwrap_or_else(|e| panic!("build in {}: {e}", root.display()));
        assert!(built.path.starts_with(root));
        hashes.push(built.blake3);
    }
    assert_eq!(hashes[0], hashes[1]);
    // And it is the same component the workspace itself builds.
    let here = build_guest(
        &workspace().join("examples/time-series"),
        &BuildOptions::default(),
    )
    .unwrap();
    assert_eq!(here.blake3, hashes[0]);
}
