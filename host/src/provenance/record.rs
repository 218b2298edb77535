//! Recording the provenance of the guest build that just ran (feature `build`).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::section::{
    BuildProvenance, PackageRecord, SettingsRecord, SourcesRecord, PROVENANCE_FORMAT,
};
use super::sources::{self, SourceRoots};
use super::{toolchain, ProvenanceError, IMR_VERSION, WIT_COMPONENT_VERSION};

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
