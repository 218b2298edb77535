//! Build provenance (issue 17 item 3): how a component was built, recorded in the component.
//!
//! `imr build` appends a custom section named `imr-build` ([`section`]) to every component it
//! makes. Its content is canonical JSON (sorted keys, compact) of a [`BuildProvenance`]: the
//! guest package, imr's version, the `wit-component` version, the toolchain (`rustc -vV`,
//! `cargo -V`), the cargo invocation (profile, target, arguments, rustflags with the remapped
//! prefixes as `<workspace>`/`<cargo-home>`, environment), `Cargo.lock`'s blake3, and the
//! source files with their blake3 and a tree hash ([`sources`] defines both). The component's
//! identity stays the blake3 of its bytes, section included: the same source, toolchain and
//! lock file give the same section, hence the same bytes, in any directory (no absolute path,
//! no time, no user name is recorded).
//!
//! [`verify`] is `imr verify-build`: it compares the recorded inputs with a source directory and
//! the local toolchain, and when they all agree rebuilds and compares the bytes.

pub mod section;
pub mod sources;
pub mod toolchain;
pub mod verify;

use std::ffi::OsString;
use std::path::{Path, PathBuf};

pub use section::{embed, extract, BuildProvenance};
pub use verify::{verify_build, Difference, VerifyBuildOptions, VerifyBuildReport};

use section::{PackageRecord, SettingsRecord, SourcesRecord, PROVENANCE_FORMAT};
use sources::SourceRoots;

/// The `wit-component` version imr links (pinned in the workspace `Cargo.toml`; a test checks
/// it against `Cargo.lock`).
pub const WIT_COMPONENT_VERSION: &str = "0.254.2";

/// imr's version.
pub const IMR_VERSION: &str = env!("CARGO_PKG_VERSION");

/// Why provenance could not be recorded or read.
#[derive(Debug, thiserror::Error)]
pub enum ProvenanceError {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The toolchain could not be queried.
    #[error("toolchain: {0}")]
    Toolchain(String),
    /// The source files could not be listed.
    #[error("sources: {0}")]
    Sources(String),
    /// The component's bytes cannot be walked.
    #[error("not a readable component: {0}")]
    BadComponent(String),
    /// The `imr-build` section is malformed.
    #[error("bad imr-build section: {0}")]
    BadSection(String),
}

/// What a guest build was: where, and which package.
#[derive(Debug, Clone)]
pub struct BuildContext {
    /// The cargo program.
    pub cargo: OsString,
    /// The workspace root.
    pub workspace_root: PathBuf,
    /// cargo's home.
    pub cargo_home: PathBuf,
    /// The build's target directory.
    pub target_dir: PathBuf,
    /// The package name.
    pub package: String,
    /// The package version.
    pub version: String,
    /// The library's file stem (`package` with `-` as `_`).
    pub lib_name: String,
}

impl BuildContext {
    /// cargo's dep-info file for the guest artifact.
    pub fn dep_info(&self) -> PathBuf {
        self.target_dir
            .join(crate::build::GUEST_TARGET)
            .join(crate::build::GUEST_PROFILE)
            .join(format!("{}.d", self.lib_name))
    }
}

/// The cargo invocation `imr build` makes, without paths.
pub fn settings() -> SettingsRecord {
    use crate::build::{CARGO_ARGS, CARGO_ENV, CARGO_ENV_REMOVED, GUEST_PROFILE, GUEST_TARGET};
    SettingsRecord {
        profile: GUEST_PROFILE.into(),
        target: GUEST_TARGET.into(),
        cargo_args: CARGO_ARGS.iter().map(|s| s.to_string()).collect(),
        rustflags: crate::build::REMAPS
            .iter()
            .map(|(from, to)| format!("--remap-path-prefix={from}={to}"))
            .collect(),
        env: CARGO_ENV
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        env_removed: CARGO_ENV_REMOVED.iter().map(|s| s.to_string()).collect(),
    }
}

/// blake3 (hex) of the workspace's `Cargo.lock`.
pub fn cargo_lock_hash(workspace_root: &Path) -> Result<String, ProvenanceError> {
    sources::hash_file(&workspace_root.join("Cargo.lock"))
}

/// Records the provenance of the build that just ran in `ctx`.
pub fn record(ctx: &BuildContext) -> Result<BuildProvenance, ProvenanceError> {
    let roots = SourceRoots {
        workspace_root: ctx.workspace_root.clone(),
        cargo_home: ctx.cargo_home.clone(),
        target_dir: ctx.target_dir.clone(),
    };
    let files = sources::collect(&roots, &ctx.dep_info())?;
    Ok(BuildProvenance {
        format: PROVENANCE_FORMAT.into(),
        package: PackageRecord {
            name: ctx.package.clone(),
            version: ctx.version.clone(),
        },
        imr: IMR_VERSION.into(),
        wit_component: WIT_COMPONENT_VERSION.into(),
        toolchain: toolchain::detect(&ctx.cargo, &ctx.workspace_root)?,
        settings: settings(),
        cargo_lock: cargo_lock_hash(&ctx.workspace_root)?,
        sources: SourcesRecord {
            tree: sources::tree_hash(&files),
            files,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recorded_wit_component_version_is_the_locked_one() {
        let lock =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock"))
                .unwrap();
        // imr-host's own entry names the version it links (with the version, as the lock file
        // holds more than one wit-component).
        let host = lock
            .split("[[package]]")
            .find(|p| p.contains("\nname = \"imr-host\"\n"))
            .expect("imr-host in Cargo.lock");
        let versions: Vec<&str> = lock
            .split("[[package]]")
            .filter(|p| p.contains("\nname = \"wit-component\"\n"))
            .filter_map(|p| p.split("\nversion = \"").nth(1)?.split('"').next())
            .collect();
        let linked = if host.contains("\"wit-component\",") && versions.len() == 1 {
            versions[0].to_string()
        } else {
            host.split("\"wit-component ")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .expect("imr-host depends on wit-component")
                .to_string()
        };
        assert_eq!(linked, WIT_COMPONENT_VERSION);
    }

    #[test]
    fn the_settings_name_no_path() {
        let s = settings();
        assert_eq!(
            s.rustflags,
            [
                "--remap-path-prefix=<workspace>=/ws",
                "--remap-path-prefix=<cargo-home>=/cargo"
            ]
        );
        assert_eq!(s.profile, "guest");
        assert!(s.cargo_args.contains(&"--locked".to_string()));
    }
}
