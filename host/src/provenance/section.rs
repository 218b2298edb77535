//! The `imr-build` custom section: its content (canonical JSON), and how it is appended to a
//! component and found again.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wasmparser::{Parser, Payload};

use super::ProvenanceError;

/// The custom section's name.
pub const SECTION_NAME: &str = "imr-build";
/// The format tag of the section's content.
pub const PROVENANCE_FORMAT: &str = "imr-build/1";
/// The largest section content read back (a few KiB in practice).
pub const MAX_SECTION_BYTES: usize = 1 << 20;

/// How a component was built: what `imr build` records in the `imr-build` section.
///
/// Nothing in it depends on where the build ran or who ran it: paths are relative to the
/// workspace root, the remapped prefixes are written as `<workspace>` and `<cargo-home>`, and no
/// time is recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildProvenance {
    /// [`PROVENANCE_FORMAT`].
    pub format: String,
    /// The guest package built.
    pub package: PackageRecord,
    /// The imr version that built it.
    pub imr: String,
    /// The `wit-component` version that made the component from the core module.
    pub wit_component: String,
    /// The Rust toolchain (`rustc -vV`, `cargo -V`).
    pub toolchain: ToolchainRecord,
    /// The cargo invocation.
    pub settings: SettingsRecord,
    /// blake3 (hex) of the workspace's `Cargo.lock`.
    pub cargo_lock: String,
    /// The source files and their tree hash.
    pub sources: SourcesRecord,
}

/// The guest package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageRecord {
    /// Package name.
    pub name: String,
    /// Package version.
    pub version: String,
}

/// The toolchain, as `rustc -vV` and `cargo -V` print it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ToolchainRecord {
    /// The first line of `rustc -vV` (`rustc 1.95.0 (59807616e 2026-…)`).
    pub rustc: String,
    /// Its `commit-hash`.
    pub commit_hash: String,
    /// Its `host` triple.
    pub host: String,
    /// Its `LLVM version`.
    pub llvm: String,
    /// `cargo -V`.
    pub cargo: String,
}

/// The cargo invocation: arguments, flags and environment, without paths.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsRecord {
    /// The cargo profile (defined in the workspace `Cargo.toml`, which is among the sources).
    pub profile: String,
    /// The target triple.
    pub target: String,
    /// cargo's arguments (without the manifest and target-dir paths).
    pub cargo_args: Vec<String>,
    /// The rustflags, with `<workspace>` and `<cargo-home>` for the remapped prefixes.
    pub rustflags: Vec<String>,
    /// Environment variables set for cargo.
    pub env: BTreeMap<String, String>,
    /// Environment variables removed for cargo.
    pub env_removed: Vec<String>,
}

/// The build's source files (see [`super::sources`] for which files and the tree hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourcesRecord {
    /// The tree hash over `files`.
    pub tree: String,
    /// Path relative to the workspace root (`/`-separated) → blake3 (hex) of the file.
    pub files: BTreeMap<String, String>,
}

impl BuildProvenance {
    /// The section content: canonical JSON (sorted keys, compact).
    pub fn to_canonical_json(&self) -> Vec<u8> {
        imr_types::canonical_json(self).expect("provenance serializes")
    }

    /// Parses section content.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ProvenanceError> {
        let p: Self = serde_json::from_slice(bytes)
            .map_err(|e| ProvenanceError::BadSection(e.to_string()))?;
        if p.format != PROVENANCE_FORMAT {
            return Err(ProvenanceError::BadSection(format!(
                "format {:?} is not {PROVENANCE_FORMAT:?}",
                p.format.chars().take(64).collect::<String>()
            )));
        }
        Ok(p)
    }
}

fn leb128(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let byte = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// `component` with the `imr-build` custom section appended (top level, after every other
/// section). The section is part of the bytes, so of the component's blake3 identity.
pub fn embed(component: &[u8], provenance: &BuildProvenance) -> Vec<u8> {
    let data = provenance.to_canonical_json();
    let mut content = Vec::with_capacity(data.len() + 16);
    leb128(SECTION_NAME.len(), &mut content);
    content.extend_from_slice(SECTION_NAME.as_bytes());
    content.extend_from_slice(&data);
    let mut out = Vec::with_capacity(component.len() + content.len() + 8);
    out.extend_from_slice(component);
    out.push(0); // custom section id
    leb128(content.len(), &mut out);
    out.extend_from_slice(&content);
    out
}

/// The raw content of the component's top-level `imr-build` section, if it has one. Errs on bytes
/// that cannot be walked, on two such sections and on an oversized one.
pub fn section_bytes(component: &[u8]) -> Result<Option<&[u8]>, ProvenanceError> {
    let mut found = None;
    let mut depth = 0usize;
    for payload in Parser::new(0).parse_all(component) {
        match payload.map_err(|e| ProvenanceError::BadComponent(e.to_string()))? {
            Payload::ModuleSection { .. } | Payload::ComponentSection { .. } => depth += 1,
            Payload::End(_) => depth = depth.saturating_sub(1),
            Payload::CustomSection(reader) if depth == 0 && reader.name() == SECTION_NAME => {
                if found.is_some() {
                    return Err(ProvenanceError::BadSection(format!(
                        "the component has more than one {SECTION_NAME} section"
                    )));
                }
                if reader.data().len() > MAX_SECTION_BYTES {
                    return Err(ProvenanceError::BadSection(format!(
                        "{} bytes, more than {MAX_SECTION_BYTES}",
                        reader.data().len()
                    )));
                }
                found = Some(reader.data());
            }
            _ => {}
        }
    }
    Ok(found)
}

/// The component's build provenance, if it has an `imr-build` section.
pub fn extract(component: &[u8]) -> Result<Option<BuildProvenance>, ProvenanceError> {
    section_bytes(component)?
        .map(BuildProvenance::from_json)
        .transpose()
}
