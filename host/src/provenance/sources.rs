//! The build's source files and their tree hash.
//!
//! # Which files
//!
//! The sources of a build are, relative to the workspace root:
//!
//! 1. every file rustc read for the guest crate and its path dependencies: the files cargo's
//!    dep-info for the artifact lists (`<target>/wasm32-unknown-unknown/guest/<lib>.d`),
//!    which includes `include_str!`/`include_bytes!` files and the WIT files `wit-bindgen`
//!    reads, leaving out the files of registry and git dependencies (under `CARGO_HOME`: those
//!    are pinned by `Cargo.lock`'s checksums) and anything under the target directory
//!    (generated);
//! 2. the `Cargo.toml` of each package those files belong to (the nearest one above the file),
//!    and its `build.rs` if there is one;
//! 3. the workspace root's `Cargo.toml`, `rust-toolchain.toml`, `rust-toolchain`,
//!    `.cargo/config.toml` and `.cargo/config`, those that exist.
//!
//! `Cargo.lock` is recorded on its own. Files outside the workspace root (a path dependency
//! elsewhere) get a relative path with `..` components. Only these files are hashed, not whole
//! directories: test data, READMEs that no code includes, `out/` folders and editor files never
//! reach the compiler, and binding the component's bytes to them would make a clean checkout and
//! a working copy build different components.
//!
//! # The tree hash
//!
//! Each file is hashed with blake3. The tree hash is blake3 over, for every file in byte order of
//! its relative path (`/`-separated, UTF-8): the path, a NUL byte, the file's 64-character hex
//! hash, a newline.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::ProvenanceError;

/// Workspace-root files that configure every build of the workspace.
pub const WORKSPACE_FILES: [&str; 5] = [
    "Cargo.toml",
    "rust-toolchain.toml",
    "rust-toolchain",
    ".cargo/config.toml",
    ".cargo/config",
];

/// The tree hash of `files` (relative path → blake3 hex), as the module docs define it.
pub fn tree_hash(files: &BTreeMap<String, String>) -> String {
    let mut h = blake3::Hasher::new();
    for (path, hash) in files {
        h.update(path.as_bytes());
        h.update(b"\0");
        h.update(hash.as_bytes());
        h.update(b"\n");
    }
    h.finalize().to_hex().to_string()
}

/// blake3 (hex) of a file's content.
pub fn hash_file(path: &Path) -> Result<String, ProvenanceError> {
    let bytes = std::fs::read(path).map_err(|e| ProvenanceError::Io {
        path: path.to_path_buf(),
        source: e,
    })?;
    Ok(blake3::hash(&bytes).to_hex().to_string())
}

/// The paths a cargo dep-info file lists for its target (the first rule), unescaped.
pub fn parse_dep_info(text: &str) -> Vec<PathBuf> {
    let Some(line) = text.lines().find(|l| !l.trim().is_empty()) else {
        return Vec::new();
    };
    // The rule is `target: dep dep ...`; the target may itself contain escaped spaces or a
    // colon (Windows drive letters); the separator is the first ": " not escaped.
    let deps = match line.find(": ") {
        Some(i) => &line[i + 2..],
        None => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = deps.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if matches!(chars.peek(), Some(' ') | Some('\\') | Some('#')) => {
                cur.push(chars.next().expect("peeked"));
            }
            ' ' => {
                if !cur.is_empty() {
                    out.push(PathBuf::from(std::mem::take(&mut cur)));
                }
            }
            c => cur.push(c),
        }
    }
    if !cur.is_empty() {
        out.push(PathBuf::from(cur));
    }
    out
}

/// `path` relative to `base` (both absolute and canonical), with `..` where `path` is not
/// under `base`, `/`-separated. Errs on a path that is not UTF-8.
pub fn relative(path: &Path, base: &Path) -> Result<String, ProvenanceError> {
    let p: Vec<Component> = path.components().collect();
    let b: Vec<Component> = base.components().collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<String> = Vec::new();
    for _ in common..b.len() {
        parts.push("..".into());
    }
    for c in &p[common..] {
        let s = c.as_os_str().to_str().ok_or_else(|| {
            ProvenanceError::Sources(format!("{} is not a UTF-8 path", path.display()))
        })?;
        parts.push(s.to_string());
    }
    Ok(parts.join("/"))
}

/// Where the files of a build are.
#[derive(Debug, Clone)]
pub struct SourceRoots {
    /// The workspace root (canonical).
    pub workspace_root: PathBuf,
    /// cargo's home (registry and git sources live there).
    pub cargo_home: PathBuf,
    /// The build's target directory.
    pub target_dir: PathBuf,
}

fn canonical(p: &Path) -> PathBuf {
    p.canonicalize().unwrap_or_else(|_| p.to_path_buf())
}

/// The build's source files (relative path → blake3 hex) from the artifact's dep-info file.
pub fn collect(
    roots: &SourceRoots,
    dep_info: &Path,
) -> Result<BTreeMap<String, String>, ProvenanceError> {
    let text = std::fs::read_to_string(dep_info).map_err(|e| ProvenanceError::Io {
        path: dep_info.to_path_buf(),
        source: e,
    })?;
    let root = canonical(&roots.workspace_root);
    let cargo_home = canonical(&roots.cargo_home);
    let target = canonical(&roots.target_dir);
    let mut absolute: Vec<PathBuf> = Vec::new();
    for dep in parse_dep_info(&text) {
        let dep = if dep.is_absolute() {
            dep
        } else {
            root.join(dep)
        };
        if !dep.exists() {
            return Err(ProvenanceError::Sources(format!(
                "{} lists {}, which does not exist (a stale dep-info file?)",
                dep_info.display(),
                dep.display()
            )));
        }
        let dep = canonical(&dep);
        if dep.starts_with(&cargo_home) || dep.starts_with(&target) {
            continue;
        }
        // The package the file belongs to: its manifest and build script.
        let mut dir = dep.parent();
        while let Some(d) = dir {
            if d.join("Cargo.toml").is_file() {
                absolute.push(d.join("Cargo.toml"));
                if d.join("build.rs").is_file() {
                    absolute.push(d.join("build.rs"));
                }
                break;
            }
            if d == root {
                break;
            }
            dir = d.parent();
        }
        absolute.push(dep);
    }
    for name in WORKSPACE_FILES {
        let p = root.join(name);
        if p.is_file() {
            absolute.push(p);
        }
    }
    let mut files = BTreeMap::new();
    for p in absolute {
        let rel = relative(&p, &root)?;
        if rel == "Cargo.lock" || files.contains_key(&rel) {
            continue;
        }
        files.insert(rel, hash_file(&p)?);
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dep_info_paths_are_unescaped() {
        let text = "/t/a.wasm: /w/src/lib.rs /w/my\\ dir/x.rs /w/wit/m.wit\n\n/w/src/lib.rs:\n";
        assert_eq!(
            parse_dep_info(text),
            vec![
                PathBuf::from("/w/src/lib.rs"),
                PathBuf::from("/w/my dir/x.rs"),
                PathBuf::from("/w/wit/m.wit")
            ]
        );
    }

    #[test]
    fn relative_paths_use_dotdot_outside_the_root() {
        let r = |p: &str, b: &str| relative(Path::new(p), Path::new(b)).unwrap();
        assert_eq!(r("/w/a/b.rs", "/w"), "a/b.rs");
        assert_eq!(r("/x/sdk/src/lib.rs", "/w/ws"), "../../x/sdk/src/lib.rs");
    }

    #[test]
    fn the_tree_hash_covers_paths_and_contents_in_order() {
        let files = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        let a = files(&[("a.rs", "11"), ("b.rs", "22")]);
        let same = files(&[("b.rs", "22"), ("a.rs", "11")]);
        assert_eq!(tree_hash(&a), tree_hash(&same));
        let mut expected = blake3::Hasher::new();
        expected.update(b"a.rs\x0011\nb.rs\x0022\n");
        assert_eq!(tree_hash(&a), expected.finalize().to_hex().to_string());
        assert_ne!(
            tree_hash(&a),
            tree_hash(&files(&[("a.rs", "11"), ("c.rs", "22")]))
        );
        assert_ne!(
            tree_hash(&a),
            tree_hash(&files(&[("a.rs", "11"), ("b.rs", "23")]))
        );
    }

    #[test]
    fn collect_keeps_workspace_files_and_package_manifests_and_drops_registry_and_target() {
        let dir = tempfile::tempdir().unwrap();
        let ws = dir.path().join("ws");
        let home = dir.path().join("home");
        let w = |p: &Path, s: &str| {
            std::fs::create_dir_all(p.parent().unwrap()).unwrap();
            std::fs::write(p, s).unwrap();
        };
        w(&ws.join("Cargo.toml"), "[workspace]");
        w(&ws.join("Cargo.lock"), "lock");
        w(&ws.join("rust-toolchain.toml"), "tc");
        w(&ws.join("g/Cargo.toml"), "[package]");
        w(&ws.join("g/src/lib.rs"), "fn f() {}");
        w(&ws.join("g/data/big.json"), "{}");
        w(&ws.join("wit/m.wit"), "world");
        w(&home.join("registry/src/serde/lib.rs"), "serde");
        w(&ws.join("target/gen.rs"), "gen");
        let dep_info = ws.join("target/a.d");
        let text = format!(
            "/t/a.wasm: {} {} {} {}\n",
            ws.join("g/src/lib.rs").display(),
            ws.join("wit/m.wit").display(),
            home.join("registry/src/serde/lib.rs").display(),
            ws.join("target/gen.rs").display()
        );
        w(&dep_info, &text);
        let roots = SourceRoots {
            workspace_root: ws.clone(),
            cargo_home: home,
            target_dir: ws.join("target"),
        };
        let files = collect(&roots, &dep_info).unwrap();
        let names: Vec<&str> = files.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "Cargo.toml",
                "g/Cargo.toml",
                "g/src/lib.rs",
                "rust-toolchain.toml",
                "wit/m.wit"
            ]
        );
        assert_eq!(
            files["g/src/lib.rs"],
            blake3::hash(b"fn f() {}").to_hex().to_string()
        );
        // A dep-info file naming a file that is gone is refused.
        std::fs::remove_file(ws.join("g/src/lib.rs")).unwrap();
        assert!(matches!(
            collect(&roots, &dep_info),
            Err(ProvenanceError::Sources(_))
        ));
    }
}
