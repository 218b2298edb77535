//! `imr verify-build`: does a component come from a source directory?
//!
//! The component's `imr-build` section says how it was built. First the recorded inputs are
//! compared with what is here: imr's and `wit-component`'s versions, the cargo invocation, the
//! toolchain `rustc -vV`/`cargo -V` report in the source's workspace, `Cargo.lock`, and each
//! recorded source file. Any difference means a rebuild cannot give the same bytes (the section
//! would differ), so the differences are reported without rebuilding. When every recorded input
//! agrees, the crate is rebuilt (into a scratch file; the cargo target directory is the usual
//! one unless given) and the bytes compared: identical, or what the rebuilt section records
//! differently (a source file the build read that the record does not list), or, if the
//! sections agree, that the build is not reproducible.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::section::BuildProvenance;
use super::{cargo_lock_hash, extract, settings, sources, toolchain, IMR_VERSION};
use super::{ProvenanceError, WIT_COMPONENT_VERSION};
use crate::build::{build_guest, cargo_program, locate, BuildError, BuildOptions};

/// One way the component and the source directory disagree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Difference {
    /// The component has no `imr-build` section: nothing says how it was built.
    NoRecord,
    /// A recorded value differs from the one here (`what`: `package`, `imr`, `wit_component`,
    /// `toolchain.rustc`, `settings.rustflags`, ...).
    Value {
        /// Which value.
        what: String,
        /// As recorded.
        recorded: String,
        /// Here.
        here: String,
    },
    /// `Cargo.lock` differs.
    CargoLock {
        /// Recorded blake3.
        recorded: String,
        /// blake3 here (`missing` if there is none).
        here: String,
    },
    /// A recorded source file differs.
    FileChanged {
        /// Path relative to the workspace root.
        path: String,
    },
    /// A recorded source file is not in the source directory.
    FileMissing {
        /// Path relative to the workspace root.
        path: String,
    },
    /// The rebuild read a source file the record does not list.
    FileAdded {
        /// Path relative to the workspace root.
        path: String,
    },
    /// Every recorded input agrees, yet the rebuilt bytes differ: the build is not reproducible.
    Bytes {
        /// blake3 of the component.
        recorded: String,
        /// blake3 of the rebuild.
        rebuilt: String,
    },
}

impl std::fmt::Display for Difference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Difference::NoRecord => write!(
                f,
                "the component has no imr-build section: it does not say how it was built"
            ),
            Difference::Value {
                what,
                recorded,
                here,
            } => write!(f, "{what}: recorded {recorded:?}, here {here:?}"),
            Difference::CargoLock { recorded, here } => {
                write!(f, "Cargo.lock: recorded blake3 {recorded}, here {here}")
            }
            Difference::FileChanged { path } => write!(f, "source {path}: content differs"),
            Difference::FileMissing { path } => write!(f, "source {path}: missing here"),
            Difference::FileAdded { path } => {
                write!(f, "source {path}: read by the rebuild, not in the record")
            }
            Difference::Bytes { recorded, rebuilt } => write!(
                f,
                "every recorded input agrees but the rebuild differs (blake3 {rebuilt}, \
                 component {recorded}): the build is not reproducible"
            ),
        }
    }
}

/// Options of `verify-build`.
#[derive(Debug, Clone, Default)]
pub struct VerifyBuildOptions {
    /// cargo target directory for the rebuild (default: the crate workspace's
    /// `target/imr-guest`).
    pub target_dir: Option<PathBuf>,
    /// Show cargo's output.
    pub verbose: bool,
}

/// The outcome of `verify-build`.
#[derive(Debug, Clone, Serialize)]
pub struct VerifyBuildReport {
    /// blake3 of the component.
    pub component: String,
    /// Its recorded provenance.
    pub recorded: Option<BuildProvenance>,
    /// blake3 of the rebuild, when a rebuild ran.
    pub rebuilt: Option<String>,
    /// How the component and the source disagree; empty when the rebuild is identical.
    pub differences: Vec<Difference>,
}

impl VerifyBuildReport {
    /// Whether the source rebuilds into the component, byte for byte.
    pub fn identical(&self) -> bool {
        self.differences.is_empty() && self.rebuilt.as_deref() == Some(self.component.as_str())
    }
}

/// Why `verify-build` could not decide.
#[derive(Debug, thiserror::Error)]
pub enum VerifyBuildError {
    /// The component or its section cannot be read.
    #[error(transparent)]
    Provenance(#[from] ProvenanceError),
    /// The source directory cannot be located or rebuilt.
    #[error(transparent)]
    Build(#[from] BuildError),
    /// I/O on the scratch directory.
    #[error("scratch directory: {0}")]
    Io(#[from] std::io::Error),
}

fn value(out: &mut Vec<Difference>, what: &str, recorded: &str, here: &str) {
    if recorded != here {
        out.push(Difference::Value {
            what: what.to_string(),
            recorded: recorded.to_string(),
            here: here.to_string(),
        });
    }
}

/// The differences between two records of the same kind of build, field by field (files by
/// path). Used before the rebuild (recorded vs what is here) and after it (recorded vs rebuilt).
pub fn compare(recorded: &BuildProvenance, here: &BuildProvenance) -> Vec<Difference> {
    let mut out = Vec::new();
    let (r, h) = (recorded, here);
    value(&mut out, "format", &r.format, &h.format);
    value(&mut out, "package.name", &r.package.name, &h.package.name);
    value(
        &mut out,
        "package.version",
        &r.package.version,
        &h.package.version,
    );
    value(&mut out, "imr", &r.imr, &h.imr);
    value(
        &mut out,
        "wit_component",
        &r.wit_component,
        &h.wit_component,
    );
    let (rt, ht) = (&r.toolchain, &h.toolchain);
    value(&mut out, "toolchain.rustc", &rt.rustc, &ht.rustc);
    value(
        &mut out,
        "toolchain.commit_hash",
        &rt.commit_hash,
        &ht.commit_hash,
    );
    value(&mut out, "toolchain.host", &rt.host, &ht.host);
    value(&mut out, "toolchain.llvm", &rt.llvm, &ht.llvm);
    value(&mut out, "toolchain.cargo", &rt.cargo, &ht.cargo);
    let (rs, hs) = (&r.settings, &h.settings);
    value(&mut out, "settings.profile", &rs.profile, &hs.profile);
    value(&mut out, "settings.target", &rs.target, &hs.target);
    value(
        &mut out,
        "settings.cargo_args",
        &json(&rs.cargo_args),
        &json(&hs.cargo_args),
    );
    value(
        &mut out,
        "settings.rustflags",
        &json(&rs.rustflags),
        &json(&hs.rustflags),
    );
    value(&mut out, "settings.env", &json(&rs.env), &json(&hs.env));
    value(
        &mut out,
        "settings.env_removed",
        &json(&rs.env_removed),
        &json(&hs.env_removed),
    );
    if r.cargo_lock != h.cargo_lock {
        out.push(Difference::CargoLock {
            recorded: r.cargo_lock.clone(),
            here: h.cargo_lock.clone(),
        });
    }
    for (path, hash) in &r.sources.files {
        match h.sources.files.get(path) {
            None => out.push(Difference::FileMissing { path: path.clone() }),
            Some(other) if other != hash => {
                out.push(Difference::FileChanged { path: path.clone() })
            }
            Some(_) => {}
        }
    }
    for path in h.sources.files.keys() {
        if !r.sources.files.contains_key(path) {
            out.push(Difference::FileAdded { path: path.clone() });
        }
    }
    out
}

/// JSON text of a value, for comparing and showing lists and maps.
fn json<T: Serialize>(v: &T) -> String {
    serde_json::to_string(v).expect("serializes")
}

/// What the recorded inputs are in `crate_dir` and with the local toolchain: the record with
/// every field observed here; the files are the recorded paths, hashed here (absent ones left
/// out, so [`compare`] reports them missing).
fn observe(
    recorded: &BuildProvenance,
    crate_dir: &Path,
) -> Result<BuildProvenance, VerifyBuildError> {
    let located = locate(crate_dir)?;
    let root = &located.workspace_root;
    let mut files = std::collections::BTreeMap::new();
    for path in recorded.sources.files.keys() {
        let p = root.join(path);
        if p.is_file() {
            files.insert(path.clone(), sources::hash_file(&p)?);
        }
    }
    let cargo_lock = match cargo_lock_hash(root) {
        Ok(h) => h,
        Err(ProvenanceError::Io { .. }) => "missing".to_string(),
        Err(e) => return Err(e.into()),
    };
    Ok(BuildProvenance {
        format: recorded.format.clone(),
        package: super::section::PackageRecord {
            name: located.name,
            version: located.version,
        },
        imr: IMR_VERSION.into(),
        wit_component: WIT_COMPONENT_VERSION.into(),
        toolchain: toolchain::detect(&cargo_program(), root)?,
        settings: settings(),
        cargo_lock,
        sources: super::section::SourcesRecord {
            tree: sources::tree_hash(&files),
            files,
        },
    })
}

/// Verifies that `component` (its bytes) is what the crate in `crate_dir` builds into (see the
/// module docs).
pub fn verify_build(
    component: &[u8],
    crate_dir: &Path,
    opts: &VerifyBuildOptions,
) -> Result<VerifyBuildReport, VerifyBuildError> {
    let blake3 = blake3::hash(component).to_hex().to_string();
    let mut report = VerifyBuildReport {
        component: blake3,
        recorded: extract(component)?,
        rebuilt: None,
        differences: Vec::new(),
    };
    let Some(recorded) = &report.recorded else {
        report.differences.push(Difference::NoRecord);
        return Ok(report);
    };
    report.differences = compare(recorded, &observe(recorded, crate_dir)?);
    if !report.differences.is_empty() {
        return Ok(report);
    }
    let scratch = tempfile::tempdir()?;
    let built = build_guest(
        crate_dir,
        &BuildOptions {
            target_dir: opts.target_dir.clone(),
            out: Some(scratch.path().join("rebuilt.wasm")),
            verbose: opts.verbose,
        },
    )?;
    report.rebuilt = Some(built.blake3.clone());
    if built.blake3 != report.component {
        report.differences = compare(recorded, &built.provenance);
        if report.differences.is_empty() {
            report.differences.push(Difference::Bytes {
                recorded: report.component.clone(),
                rebuilt: built.blake3,
            });
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::super::section::*;
    use super::*;

    fn record() -> BuildProvenance {
        BuildProvenance {
            format: PROVENANCE_FORMAT.into(),
            package: PackageRecord {
                name: "g".into(),
                version: "0.1.0".into(),
            },
            imr: "0.1.0".into(),
            wit_component: WIT_COMPONENT_VERSION.into(),
            toolchain: ToolchainRecord {
                rustc: "rustc 1.95.0 (a 2026-01-01)".into(),
                commit_hash: "a".into(),
                host: "x86_64-unknown-linux-gnu".into(),
                llvm: "21.1.8".into(),
                cargo: "cargo 1.95.0".into(),
            },
            settings: settings(),
            cargo_lock: "11".repeat(32),
            sources: SourcesRecord {
                tree: String::new(),
                files: [("src/lib.rs", "aa"), ("Cargo.toml", "bb")]
                    .into_iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
            },
        }
    }

    #[test]
    fn toolchain_lock_and_files_are_each_named() {
        let a = record();
        assert!(compare(&a, &a).is_empty());
        let mut b = a.clone();
        b.toolchain.rustc = "rustc 1.96.0 (b 2026-02-01)".into();
        b.toolchain.host = "aarch64-apple-darwin".into();
        b.cargo_lock = "22".repeat(32);
        b.sources.files.insert("src/lib.rs".into(), "ab".into());
        b.sources.files.remove("Cargo.toml");
        b.sources.files.insert("src/new.rs".into(), "cc".into());
        b.settings.rustflags.push("-Copt-level=0".into());
        let d = compare(&a, &b);
        let text: Vec<String> = d.iter().map(ToString::to_string).collect();
        assert_eq!(d.len(), 7, "{text:#?}");
        assert!(
            text[0].starts_with("toolchain.rustc: recorded \"rustc 1.95.0"),
            "{text:#?}"
        );
        assert!(text[1].starts_with("toolchain.host"), "{text:#?}");
        assert!(text[2].starts_with("settings.rustflags"), "{text:#?}");
        assert!(matches!(d[3], Difference::CargoLock { .. }));
        assert_eq!(
            d[4],
            Difference::FileMissing {
                path: "Cargo.toml".into()
            }
        );
        assert_eq!(
            d[5],
            Difference::FileChanged {
                path: "src/lib.rs".into()
            }
        );
        assert_eq!(
            d[6],
            Difference::FileAdded {
                path: "src/new.rs".into()
            }
        );
    }

    #[test]
    fn the_section_round_trips_and_is_found_in_the_component() {
        let a = record();
        let component = wat::parse_str("(component)").unwrap();
        let with = embed(&component, &a);
        assert!(wasmparser::Validator::new().validate_all(&with).is_ok());
        assert_eq!(extract(&with).unwrap(), Some(a.clone()));
        assert_eq!(extract(&component).unwrap(), None);
        assert_eq!(
            super::super::section::section_bytes(&with)
                .unwrap()
                .unwrap(),
            a.to_canonical_json().as_slice()
        );
        // Canonical: sorted keys, compact.
        let text = String::from_utf8(a.to_canonical_json()).unwrap();
        assert!(text.starts_with("{\"cargo_lock\":"), "{text}");
        assert!(!text.contains(": "), "{text}");
        // Two sections are refused, as is a section of another format.
        let twice = embed(&with, &a);
        assert!(matches!(
            extract(&twice),
            Err(ProvenanceError::BadSection(_))
        ));
        let mut other = a.clone();
        other.format = "imr-build/9".into();
        assert!(matches!(
            extract(&embed(&component, &other)),
            Err(ProvenanceError::BadSection(_))
        ));
    }
}
