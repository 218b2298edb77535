//! `imr new`: a new mechanism crate from a template (`minimal`, `time-series`, `prompt-ranking`).
//!
//! The crate depends on this checkout's `guest-sdk` by path (relative when the crate is inside the
//! checkout, absolute otherwise), is its own Cargo workspace (so it builds the same inside or outside
//! another one), carries the `guest` profile `imr build` uses, and gets a `Cargo.lock` taken from the
//! checkout's (so it builds `--locked` with the same dependency versions). It builds with `imr build`
//! and passes `cargo test` as generated: its unit tests, and `tests/scenario.rs`, which runs the sample
//! epochs with `imr_guest::testing` and compares their chain weights with `tests/expected_weights.jsonl`.

use std::path::{Component, Path, PathBuf};
use std::process::Command;

/// A template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    /// One number per miner, scored by its distance to the truth; no state.
    Minimal,
    /// Forecasts resolved by later truth, with an EMA ledger (`imr_guest::ledger`) in the state and the
    /// SDK's normalize/cap/burn shaping.
    TimeSeries,
    /// Completions scored by word overlap with a reference, with an EMA ledger in the state and the
    /// SDK's shaping.
    PromptRanking,
}

impl Template {
    /// The template's name.
    pub fn name(self) -> &'static str {
        match self {
            Template::Minimal => "minimal",
            Template::TimeSeries => "time-series",
            Template::PromptRanking => "prompt-ranking",
        }
    }

    /// The mechanism type the template's `src/lib.rs` exports.
    fn mechanism(self) -> &'static str {
        match self {
            Template::Minimal => "Closest",
            Template::TimeSeries => "Forecasts",
            Template::PromptRanking => "Answers",
        }
    }

    /// `src/lib.rs`, the two sample epochs, the README summary, and the golden weights of the samples.
    fn files(self) -> [&'static str; 5] {
        macro_rules! t {
            ($dir:literal) => {
                [
                    include_str!(concat!("templates/", $dir, "/lib.rs")),
                    include_str!(concat!("templates/", $dir, "/0000.json")),
                    include_str!(concat!("templates/", $dir, "/0001.json")),
                    include_str!(concat!("templates/", $dir, "/summary.txt")),
                    include_str!(concat!("templates/", $dir, "/expected_weights.jsonl")),
                ]
            };
        }
        match self {
            Template::Minimal => t!("minimal"),
            Template::TimeSeries => t!("time-series"),
            Template::PromptRanking => t!("prompt-ranking"),
        }
    }
}

/// Why a crate could not be created.
#[derive(Debug, thiserror::Error)]
pub enum NewError {
    /// The crate name (the folder's last component) is not a valid crate name.
    #[error("{0:?} is not a valid crate name: use ASCII letters, digits, '-' and '_', starting with a letter")]
    BadName(String),
    /// The folder exists and is not empty.
    #[error("{0} already exists and is not empty")]
    Exists(PathBuf),
    /// The guest SDK folder is not there.
    #[error("{0} is not the imr guest SDK (no Cargo.toml of imr-guest there); give --sdk-path")]
    NoSdk(PathBuf),
    /// Cargo could not resolve the new crate's dependencies.
    #[error("cargo could not write the new crate's Cargo.lock: {0}")]
    Lock(String),
    /// I/O on a named path.
    #[error("{path}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The error.
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> NewError {
    let path = path.to_path_buf();
    move |source| NewError::Io { path, source }
}

/// The guest SDK of the checkout this binary was built from, if it is still there.
pub fn default_sdk_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()?
        .join("guest-sdk");
    dir.join("Cargo.toml").is_file().then_some(dir)
}

/// What was created.
#[derive(Debug, Clone)]
pub struct Created {
    /// The crate folder.
    pub dir: PathBuf,
    /// The crate (package) name.
    pub name: String,
    /// The path dependency on the SDK as written into Cargo.toml.
    pub sdk_path: String,
}

fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `to` relative to `from` (both absolute and canonical), when `from` is inside `root`.
fn relative(from: &Path, to: &Path) -> PathBuf {
    let f: Vec<Component> = from.components().collect();
    let t: Vec<Component> = to.components().collect();
    let common = f.iter().zip(&t).take_while(|(a, b)| a == b).count();
    let mut rel = PathBuf::new();
    for _ in common..f.len() {
        rel.push("..");
    }
    for c in &t[common..] {
        rel.push(c.as_os_str());
    }
    rel
}

/// The crate's name (the folder's name), when it is a valid package name and the folder is
/// missing or empty.
fn crate_name(dir: &Path) -> Result<String, NewError> {
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    if !valid_name(&name) {
        return Err(NewError::BadName(name));
    }
    if dir.exists() {
        let mut entries = std::fs::read_dir(dir).map_err(io(dir))?;
        if entries.next().is_some() {
            return Err(NewError::Exists(dir.to_path_buf()));
        }
    }
    Ok(name)
}

/// Whether `sdk_dir` holds the imr-guest package.
fn is_sdk(sdk_dir: &Path) -> bool {
    std::fs::read_to_string(sdk_dir.join("Cargo.toml"))
        .is_ok_and(|t| t.contains("name = \"imr-guest\""))
}

/// The SDK path dependency as written into the crate at `krate` (canonical), with a note for
/// its README: relative when the crate sits inside the SDK's `checkout`, absolute otherwise.
fn sdk_dependency(krate: &Path, sdk: &Path, checkout: &Path) -> (String, String) {
    if krate.parent().is_some_and(|p| p.starts_with(checkout)) {
        (
            relative(krate, sdk).to_string_lossy().into_owned(),
            "relative: this crate sits inside that checkout".to_string(),
        )
    } else {
        (
            sdk.to_string_lossy().into_owned(),
            "absolute: this crate sits outside that checkout".to_string(),
        )
    }
}

/// Creates the crate folder `dir` (missing or empty) from `template`, depending on the SDK at
/// `sdk_dir`.
pub fn create(dir: &Path, template: Template, sdk_dir: &Path) -> Result<Created, NewError> {
    let name = crate_name(dir)?;
    if !is_sdk(sdk_dir) {
        return Err(NewError::NoSdk(sdk_dir.to_path_buf()));
    }
    let sdk = sdk_dir.canonicalize().map_err(io(sdk_dir))?;
    let checkout = sdk.parent().unwrap_or(&sdk).to_path_buf();
    let parent = match dir.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&parent).map_err(io(&parent))?;
    let parent = parent.canonicalize().map_err(io(&parent))?;
    let (sdk_path, sdk_note) = sdk_dependency(&parent.join(&name), &sdk, &checkout);
    let [lib, e0, e1, summary, golden] = template.files();
    let lib_name = name.replace('-', "_");
    // JSON string escaping is valid TOML basic-string escaping.
    let sdk_toml = serde_json::to_string(&sdk_path).expect("a string serializes");
    let fill = |text: &str| {
        text.replace("\"{{sdk_path}}\"", &sdk_toml)
            .replace("{{sdk_path}}", &sdk_path)
            .replace("{{sdk_note}}", &sdk_note)
            .replace("{{name}}", &name)
            .replace("{{lib_name}}", &lib_name)
            .replace("{{template}}", template.name())
            .replace("{{mechanism}}", template.mechanism())
            .replace("{{summary}}", summary.trim())
    };
    let staging = tempfile::Builder::new()
        .prefix(".imr-new-")
        .tempdir_in(&parent)
        .map_err(io(&parent))?;
    let root = staging.path();
    let files: [(&str, String); 8] = [
        (
            "Cargo.toml",
            fill(include_str!("templates/Cargo.toml.tmpl")),
        ),
        ("README.md", fill(include_str!("templates/README.md.tmpl"))),
        (
            ".gitignore",
            include_str!("templates/gitignore.tmpl").into(),
        ),
        ("src/lib.rs", fill(lib)),
        ("epochs/0000.json", e0.into()),
        ("epochs/0001.json", e1.into()),
        (
            "tests/scenario.rs",
            fill(include_str!("templates/scenario.rs.tmpl")),
        ),
        ("tests/expected_weights.jsonl", golden.into()),
    ];
    for (rel, text) in &files {
        let path = root.join(rel);
        if let Some(p) = path.parent() {
            std::fs::create_dir_all(p).map_err(io(p))?;
        }
        std::fs::write(&path, text).map_err(io(&path))?;
    }
    write_lock(root, &checkout)?;
    let staged = staging.keep();
    if dir.exists() {
        std::fs::remove_dir(dir).map_err(io(dir))?;
    }
    std::fs::rename(&staged, dir).map_err(io(dir))?;
    Ok(Created {
        dir: dir.to_path_buf(),
        name,
        sdk_path,
    })
}

/// Starts the crate's Cargo.lock from the checkout's (same dependency versions), then lets cargo
/// trim it to this crate's dependencies (offline first: everything is in the checkout's lock).
fn write_lock(root: &Path, checkout: &Path) -> Result<(), NewError> {
    let lock = checkout.join("Cargo.lock");
    if lock.is_file() {
        let dest = root.join("Cargo.lock");
        std::fs::copy(&lock, &dest).map_err(io(&dest))?;
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut last = String::new();
    for offline in [true, false] {
        let mut cmd = Command::new(&cargo);
        cmd.args(["metadata", "--format-version", "1", "--manifest-path"])
            .arg(root.join("Cargo.toml"))
            .current_dir(root);
        if offline {
            cmd.arg("--offline");
        }
        let out = cmd
            .output()
            .map_err(|e| NewError::Lock(format!("cannot run cargo: {e}")))?;
        if out.status.success() {
            return Ok(());
        }
        last = String::from_utf8_lossy(&out.stderr).into_owned();
    }
    Err(NewError::Lock(last))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_relative_paths() {
        assert!(valid_name("my-mech_2"));
        assert!(!valid_name("2mech") && !valid_name("a b") && !valid_name(""));
        assert_eq!(
            relative(Path::new("/w/examples/new"), Path::new("/w/guest-sdk")),
            PathBuf::from("../../guest-sdk")
        );
    }

    #[test]
    fn refuses_a_non_empty_folder_and_a_missing_sdk() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("mech");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("keep"), "x").unwrap();
        let sdk = default_sdk_dir().unwrap();
        let e = create(&dir, Template::Minimal, &sdk).unwrap_err();
        assert!(matches!(e, NewError::Exists(_)), "{e}");
        let e = create(&tmp.path().join("other"), Template::Minimal, tmp.path()).unwrap_err();
        assert!(matches!(e, NewError::NoSdk(_)), "{e}");
        let e = create(&tmp.path().join("9bad"), Template::Minimal, &sdk).unwrap_err();
        assert!(matches!(e, NewError::BadName(_)), "{e}");
        assert_eq!(std::fs::read(dir.join("keep")).unwrap(), b"x");
    }
}
