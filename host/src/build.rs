//! Guest crate → reproducible core module → component.
//!
//! The core module is built for `wasm32-unknown-unknown` with the workspace's
//! `guest` profile (codegen-units 1, LTO, panic=abort, stripped, no debug info),
//! `--locked`, and path remapping of the workspace and of `CARGO_HOME`, so the
//! same source, toolchain and Cargo.lock give the same bytes in any directory.
//! The module is then checked (only the world's own imports) and turned into a
//! component with the `wit-component` crate (no external tool), and the component gets an
//! `imr-build` custom section recording how it was built ([`crate::provenance`]).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::fsutil::write_atomic;

/// The host interface a core module may import.
pub const CORE_IMPORT_MODULE: &str = "imr:mechanism/host@0.1.0";

/// The cargo profile guests are built with (defined in the workspace `Cargo.toml`).
pub const GUEST_PROFILE: &str = "guest";
/// The target guests are built for.
pub const GUEST_TARGET: &str = "wasm32-unknown-unknown";
/// cargo's arguments for a guest build (the manifest and target directory follow).
pub const CARGO_ARGS: [&str; 7] = [
    "build",
    "--locked",
    "--profile",
    GUEST_PROFILE,
    "--target",
    GUEST_TARGET,
    "--lib",
];
/// The environment set for cargo.
pub const CARGO_ENV: [(&str, &str); 1] = [("SOURCE_DATE_EPOCH", "0")];
/// The environment removed for cargo (the rustflags are imr's alone).
pub const CARGO_ENV_REMOVED: [&str; 5] = [
    "RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
    "RUSTC_WRAPPER",
    "CARGO_BUILD_TARGET",
];
/// The path prefixes remapped in the build (`--remap-path-prefix`): the workspace root and
/// cargo's home, by the placeholder the provenance record writes for them.
pub const REMAPS: [(&str, &str); 2] = [("<workspace>", "/ws"), ("<cargo-home>", "/cargo")];

/// What a build produced.
#[derive(Debug, Clone)]
pub struct Built {
    /// The component file.
    pub path: PathBuf,
    /// Its blake3 (hex).
    pub blake3: String,
    /// Its size.
    pub size: usize,
    /// How it was built (also embedded in it, as the `imr-build` section).
    pub provenance: crate::provenance::BuildProvenance,
}

/// Why a build failed.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// No Cargo.toml in the directory.
    #[error("{0} is not a crate directory (no Cargo.toml)")]
    NotACrate(PathBuf),
    /// cargo could not be started or failed.
    #[error("cargo failed: {0}")]
    Cargo(String),
    /// The expected output file is missing.
    #[error("cargo finished but {0} is missing (is the crate a cdylib?)")]
    MissingOutput(PathBuf),
    /// The core module imports something a mechanism may not.
    #[error("the core module imports {} outside {CORE_IMPORT_MODULE}: {}; mechanisms must not use WASI (no files, clock or environment)", .0.len(), .0.join(", "))]
    ForbiddenImports(Vec<String>),
    /// The module could not be componentized.
    #[error("cannot build the component: {0}")]
    Componentize(String),
    /// The build's provenance could not be recorded.
    #[error("cannot record the build's provenance: {0}")]
    Provenance(#[from] crate::provenance::ProvenanceError),
    /// I/O.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Options of a build.
#[derive(Debug, Clone, Default)]
pub struct BuildOptions {
    /// Target directory for cargo (default: `<workspace>/target/imr-guest`).
    pub target_dir: Option<PathBuf>,
    /// Where to write the component (default: `<target_dir>/<crate>.wasm`).
    pub out: Option<PathBuf>,
    /// Print cargo's output.
    pub verbose: bool,
}

#[derive(serde::Deserialize)]
struct Metadata {
    packages: Vec<Package>,
    workspace_root: PathBuf,
}

#[derive(serde::Deserialize)]
struct Package {
    name: String,
    version: String,
    manifest_path: PathBuf,
}

/// A guest crate located by `cargo metadata`.
#[derive(Debug, Clone)]
pub struct Located {
    /// Its manifest (canonical).
    pub manifest: PathBuf,
    /// The workspace root.
    pub workspace_root: PathBuf,
    /// Package name.
    pub name: String,
    /// Package version.
    pub version: String,
}

/// The cargo program (`$CARGO`, else `cargo`).
pub fn cargo_program() -> std::ffi::OsString {
    std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())
}

/// cargo's home (`$CARGO_HOME`, else `~/.cargo`).
pub fn cargo_home() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap_or_else(|| PathBuf::from("/nonexistent-cargo-home"))
}

/// Finds the package and workspace of the crate in `crate_dir` (`cargo metadata --no-deps`).
pub fn locate(crate_dir: &Path) -> Result<Located, BuildError> {
    let manifest = crate_dir.join("Cargo.toml");
    if !manifest.is_file() {
        return Err(BuildError::NotACrate(crate_dir.to_path_buf()));
    }
    let manifest = manifest.canonicalize()?;
    let meta = Command::new(cargo_program())
        .args([
            "metadata",
            "--format-version",
            "1",
            "--no-deps",
            "--locked",
            "--manifest-path",
        ])
        .arg(&manifest)
        .current_dir(crate_dir)
        .output()
        .map_err(|e| BuildError::Cargo(format!("cannot run cargo: {e}")))?;
    if !meta.status.success() {
        return Err(BuildError::Cargo(
            String::from_utf8_lossy(&meta.stderr).into_owned(),
        ));
    }
    let meta: Metadata = serde_json::from_slice(&meta.stdout)
        .map_err(|e| BuildError::Cargo(format!("unreadable cargo metadata: {e}")))?;
    let package = meta
        .packages
        .into_iter()
        .find(|p| p.manifest_path == manifest)
        .ok_or_else(|| {
            BuildError::Cargo(format!("no package with manifest {}", manifest.display()))
        })?;
    Ok(Located {
        manifest,
        workspace_root: meta.workspace_root,
        name: package.name,
        version: package.version,
    })
}

/// Builds the guest crate in `crate_dir` into a component.
pub fn build_guest(crate_dir: &Path, opts: &BuildOptions) -> Result<Built, BuildError> {
    let located = locate(crate_dir)?;
    let manifest = &located.manifest;
    let cargo = cargo_program();
    let lib_name = located.name.replace('-', "_");
    let target_dir = opts
        .target_dir
        .clone()
        .unwrap_or_else(|| located.workspace_root.join("target").join("imr-guest"));
    let cargo_home = cargo_home();
    let roots = [&located.workspace_root, &cargo_home];
    let rustflags = REMAPS
        .iter()
        .zip(roots)
        .map(|((_, to), from)| format!("--remap-path-prefix={}={to}", from.display()))
        .collect::<Vec<_>>()
        .join("\x1f");

    let mut cmd = Command::new(&cargo);
    cmd.args(CARGO_ARGS)
        .arg("--manifest-path")
        .arg(manifest)
        .arg("--target-dir")
        .arg(&target_dir)
        .current_dir(&located.workspace_root)
        .env("CARGO_ENCODED_RUSTFLAGS", rustflags);
    for name in CARGO_ENV_REMOVED {
        cmd.env_remove(name);
    }
    for (name, value) in CARGO_ENV {
        cmd.env(name, value);
    }
    if !opts.verbose {
        cmd.arg("--quiet");
    }
    let out = cmd
        .output()
        .map_err(|e| BuildError::Cargo(format!("cannot run cargo: {e}")))?;
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let hint = if stderr.contains("wasm32-unknown-unknown")
            && stderr.contains("target may not be installed")
        {
            "\nhint: run `rustup target add wasm32-unknown-unknown`"
        } else {
            ""
        };
        return Err(BuildError::Cargo(format!("{stderr}{hint}")));
    }

    let core_path = target_dir
        .join(GUEST_TARGET)
        .join(GUEST_PROFILE)
        .join(format!("{lib_name}.wasm"));
    let core =
        std::fs::read(&core_path).map_err(|_| BuildError::MissingOutput(core_path.clone()))?;
    let component = componentize(&core)?;
    let provenance = crate::provenance::record(&crate::provenance::BuildContext {
        cargo,
        workspace_root: located.workspace_root.clone(),
        cargo_home,
        target_dir: target_dir.clone(),
        package: located.name.clone(),
        version: located.version,
        lib_name: lib_name.clone(),
    })?;
    let component = crate::provenance::embed(&component, &provenance);
    let path = opts
        .out
        .clone()
        .unwrap_or_else(|| target_dir.join(format!("{lib_name}.component.wasm")));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    write_atomic(&path, &component)?;
    Ok(Built {
        blake3: blake3::hash(&component).to_hex().to_string(),
        size: component.len(),
        path,
        provenance,
    })
}

/// Turns a core module built against the SDK into a component, refusing
/// modules that import anything but the world's host interface.
pub fn componentize(core: &[u8]) -> Result<Vec<u8>, BuildError> {
    if wasmparser::Parser::is_component(core) {
        return Err(BuildError::Componentize(
            "the input is already a component".into(),
        ));
    }
    let mut forbidden = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(core) {
        let payload =
            payload.map_err(|e| BuildError::Componentize(format!("invalid core module: {e}")))?;
        if let wasmparser::Payload::ImportSection(reader) = payload {
            for import in reader.into_imports() {
                let import =
                    import.map_err(|e| BuildError::Componentize(format!("invalid import: {e}")))?;
                if import.module != CORE_IMPORT_MODULE {
                    forbidden.push(format!("{}::{}", import.module, import.name));
                }
            }
        }
    }
    if !forbidden.is_empty() {
        return Err(BuildError::ForbiddenImports(forbidden));
    }
    wit_component::ComponentEncoder::default()
        .module(core)
        .and_then(|e| e.validate(true).encode())
        .map_err(|e| BuildError::Componentize(format!("{e:#}")))
}
