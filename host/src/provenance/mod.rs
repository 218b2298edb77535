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
//!
//! Reading a component's section ([`extract`], what `imr inspect` shows) is always there;
//! recording one, [`sources`], [`toolchain`] and [`verify`] drive cargo and rustc and come with
//! the guest builder (cargo feature `build`).

#[cfg(feature = "build")]
mod record;
pub mod section;
#[cfg(feature = "build")]
pub mod sources;
#[cfg(feature = "build")]
pub mod toolchain;
#[cfg(feature = "build")]
pub mod verify;

use std::path::PathBuf;

#[cfg(feature = "build")]
pub use record::{cargo_lock_hash, record, settings, BuildContext};
pub use section::{embed, extract, BuildProvenance};
#[cfg(feature = "build")]
pub use verify::{verify_build, Difference, VerifyBuildOptions, VerifyBuildReport};

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
