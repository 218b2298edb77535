//! Test plumbing shared by imr's crates (a dev-dependency only):
//!
//! * [`workspace_root`] and [`workspace_path`]: paths inside the workspace, wherever the test runs from;
//! * [`vectors_root`], [`vectors_dir`] and [`json_files`]: the golden vectors (`IMR_VECTORS`, else
//!   `../shared/vectors` beside the workspace). A missing root or folder is a test failure, never a
//!   silent skip: a vector test that finds no data must not pass;
//! * [`check_golden`]: a file of expected output compared line by line, rewritten with `IMR_BLESS=1`;
//! * [`read_json`]: a JSON file parsed, failing with its path.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};

/// The variable naming the golden vectors root.
pub const VECTORS_VAR: &str = "IMR_VECTORS";
/// The variable that makes [`check_golden`] rewrite golden files instead of comparing.
pub const BLESS_VAR: &str = "IMR_BLESS";

/// The workspace root (the folder of the workspace's `Cargo.toml`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("test-support/ is inside the workspace")
        .to_path_buf()
}

/// `rel` inside the workspace.
pub fn workspace_path(rel: impl AsRef<Path>) -> PathBuf {
    workspace_root().join(rel)
}

/// Where the vectors root is, given the value of `IMR_VECTORS`: the value (a relative
/// path is resolved against the workspace root), else `../shared/vectors` beside the
/// workspace. Not checked.
pub fn vectors_location(var: Option<&OsStr>) -> PathBuf {
    match var.filter(|v| !v.is_empty()) {
        Some(v) => {
            let p = PathBuf::from(v);
            if p.is_absolute() {
                p
            } else {
                workspace_root().join(p)
            }
        }
        None => workspace_root().join("../shared/vectors"),
    }
}

/// The vectors root for this value of `IMR_VECTORS`, or why there is none (naming the
/// path and how it was chosen).
pub fn resolve_vectors_root(var: Option<&OsStr>) -> Result<PathBuf, String> {
    let root = vectors_location(var);
    if root.is_dir() {
        return Ok(root);
    }
    let how = match var.filter(|v| !v.is_empty()) {
        Some(v) => format!("{VECTORS_VAR}={}", Path::new(v).display()),
        None => format!("the default: {VECTORS_VAR} is unset"),
    };
    Err(format!(
        "the golden vectors root {} is not a folder ({how}); set {VECTORS_VAR} to the vectors folder",
        root.display()
    ))
}

/// A required sub-folder of the vectors root, or why it is missing.
pub fn resolve_vectors_dir(root: &Path, sub: &str) -> Result<PathBuf, String> {
    let dir = root.join(sub);
    if dir.is_dir() {
        Ok(dir)
    } else {
        Err(format!(
            "the golden vectors folder {} is missing (the vectors root comes from {VECTORS_VAR})",
            dir.display()
        ))
    }
}

/// The golden vectors root (see [`vectors_location`]). Panics, a test failure, when it
/// is not a folder: vector tests never pass without their data.
pub fn vectors_root() -> PathBuf {
    resolve_vectors_root(std::env::var_os(VECTORS_VAR).as_deref()).unwrap_or_else(|e| panic!("{e}"))
}

/// A required vectors sub-folder (`scoring`, `subtensor`, ...). Panics when it is missing.
pub fn vectors_dir(sub: &str) -> PathBuf {
    resolve_vectors_dir(&vectors_root(), sub).unwrap_or_else(|e| panic!("{e}"))
}

/// The `*.json` files of `dir`, sorted by path; with `deep`, those of its sub-folders
/// too (at any depth). Panics, naming the folder, when a folder cannot be read.
pub fn json_files(dir: &Path, deep: bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    collect_json(dir, deep, &mut files);
    files.sort();
    files
}

fn collect_json(dir: &Path, deep: bool, out: &mut Vec<PathBuf>) {
    let entries = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the folder {}: {e}", dir.display()));
    for entry in entries {
        let path = entry
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .path();
        if path.is_dir() {
            if deep {
                collect_json(&path, deep, out);
            }
        } else if path.extension().is_some_and(|x| x == "json") {
            out.push(path);
        }
    }
}

/// Reads and parses a JSON file; panics with the path on failure (a test failure).
pub fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: bad JSON: {e}", path.display()))
}

/// Whether `IMR_BLESS` asks for golden files to be rewritten (set, and neither empty nor `0`).
pub fn blessing() -> bool {
    std::env::var_os(BLESS_VAR).is_some_and(|v| !v.is_empty() && v != "0")
}

/// Compares `actual` with the golden file at `path`, line by line, and panics at the
/// first difference naming the file and the line. With `IMR_BLESS=1` it writes `actual`
/// to the file instead (review the diff and commit it).
pub fn check_golden(path: &Path, actual: &str) {
    if blessing() {
        std::fs::write(path, actual)
            .unwrap_or_else(|e| panic!("cannot bless {}: {e}", path.display()));
        eprintln!("blessed {}", path.display());
        return;
    }
    let golden = std::fs::read_to_string(path).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with {BLESS_VAR}=1 to create it)",
            path.display()
        )
    });
    if let Some(message) = first_difference(&golden, actual) {
        panic!(
            "{}: {message} (if the change is deliberate, run with {BLESS_VAR}=1 and review the diff)",
            path.display()
        );
    }
}

/// The first difference between a golden text and the actual one, or `None` when they are equal.
pub fn first_difference(golden: &str, actual: &str) -> Option<String> {
    for (k, (want, got)) in golden.lines().zip(actual.lines()).enumerate() {
        if want != got {
            return Some(format!(
                "line {} differs:\n  golden: {want}\n  actual: {got}",
                k + 1
            ));
        }
    }
    let (g, a) = (golden.lines().count(), actual.lines().count());
    if g != a {
        return Some(format!("{a} lines, the golden file has {g}"));
    }
    (golden != actual).then(|| "the texts differ in line endings or a final newline".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_texts_have_no_difference() {
        assert_eq!(first_difference("a\nb\n", "a\nb\n"), None);
    }

    #[test]
    fn a_changed_line_is_named() {
        let d = first_difference("a\nb\nc\n", "a\nx\nc\n").unwrap();
        assert!(d.starts_with("line 2 differs"), "{d}");
        assert!(d.contains("golden: b") && d.contains("actual: x"), "{d}");
    }

    #[test]
    fn a_missing_or_extra_line_is_a_difference() {
        assert!(first_difference("a\nb\n", "a\n")
            .unwrap()
            .contains("1 lines"));
        assert!(first_difference("a\n", "a\nb\n")
            .unwrap()
            .contains("2 lines"));
        assert!(first_difference("a\n", "a").is_some());
        assert!(first_difference("a\r\n", "a\n").is_some());
    }

    #[test]
    fn the_workspace_root_holds_the_workspace_manifest() {
        let manifest = std::fs::read_to_string(workspace_path("Cargo.toml")).unwrap();
        assert!(manifest.contains("[workspace]"));
    }

    #[test]
    fn json_files_are_found_sorted_and_deep_only_when_asked() {
        let dir = std::env::temp_dir().join(format!("imr-test-support-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        for f in ["b.json", "a.json", "c.txt", "sub/d.json"] {
            std::fs::write(dir.join(f), "{}").unwrap();
        }
        let names = |deep| -> Vec<String> {
            json_files(&dir, deep)
                .iter()
                .map(|p| p.strip_prefix(&dir).unwrap().display().to_string())
                .collect()
        };
        assert_eq!(names(false), ["a.json", "b.json"]);
        assert_eq!(names(true), ["a.json", "b.json", "sub/d.json"]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_vectors_root_that_points_nowhere_is_an_error_naming_it() {
        let e = resolve_vectors_root(Some(OsStr::new("/nonexistent/imr-vectors"))).unwrap_err();
        assert!(e.contains("/nonexistent/imr-vectors"), "{e}");
        assert!(e.contains("IMR_VECTORS=/nonexistent/imr-vectors"), "{e}");
        // A relative value is resolved against the workspace root.
        let e = resolve_vectors_root(Some(OsStr::new("no-such-vectors"))).unwrap_err();
        assert!(
            e.contains(&workspace_path("no-such-vectors").display().to_string()),
            "{e}"
        );
    }

    #[test]
    fn a_missing_vectors_folder_is_an_error_naming_it() {
        let root = workspace_root();
        assert!(resolve_vectors_dir(&root, "test-support").is_ok());
        let e = resolve_vectors_dir(&root, "no-such-folder").unwrap_err();
        assert!(e.contains("no-such-folder") && e.contains("missing"), "{e}");
    }

    #[test]
    fn an_unset_or_empty_variable_means_the_default_beside_the_workspace() {
        let default = workspace_root().join("../shared/vectors");
        assert_eq!(vectors_location(None), default);
        assert_eq!(vectors_location(Some(OsStr::new(""))), default);
        assert_eq!(
            vectors_location(Some(OsStr::new("/v"))),
            PathBuf::from("/v")
        );
    }

    #[test]
    #[should_panic(expected = "cannot read the folder")]
    fn a_missing_folder_is_a_failure() {
        json_files(Path::new("/nonexistent/imr-vectors"), false);
    }
}
