//! # imr-host: run incentive mechanisms deterministically
//!
//! Load a mechanism component, run it on an epoch, and get validated scores,
//! chain-ready weights and a receipt:
//!
//! ```no_run
//! use imr_host::{ArtifactCache, DeterministicEngine, Mechanism};
//!
//! let engine = DeterministicEngine::new()?;
//! let cache = ArtifactCache::default_dir().map(ArtifactCache::new);
//! let mechanism = Mechanism::from_file(&engine, "mechanism.wasm".as_ref(), cache.as_ref())?;
//! let epoch = imr_host::epoch::load("epoch.json".as_ref())?;
//! let run = mechanism.run(&epoch.epoch, &[]);
//! println!("fuel used: {}", run.fuel_consumed);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Core concepts
//!
//! * [`DeterministicEngine`]: wasmtime configured so that every validator gets
//!   the same bytes (NaN canonicalization, fuel, no SIMD/threads, pooling), and
//!   its [`Fingerprint`].
//! * [`Mechanism`]: a component admitted at load (only the world's own imports),
//!   compiled once (cached in [`ArtifactCache`]), run on a fresh instance every time.
//! * [`epoch`]: the epoch file format, its canonical encoding and hash.
//! * [`weights`]: scores to chain weights, bit-exact with the bittensor SDK.
//! * [`receipt`]: what a run proves, hash-chained.
//! * [`Session`]: a mechanism's runs from epoch to epoch: the carried state,
//!   the receipt chain, the run log and the determinism gate; [`outputs`]
//!   writes a run's files as `imr run --out` does.
//! * [`runlog`]: the tamper-evident run log ([`Log`]), [`replay()`] of one receipt
//!   and [`verify()`] of a whole log.
//! * [`yuma`]: subtensor's Yuma consensus epoch, bit-exact.
//! * `build` (cargo feature `build`, on with the default `cli`): `imr build`'s guest builder
//!   (cargo, wit-component) and the recording of build [`provenance`].

pub mod anchoring;
mod bindings;
#[cfg(feature = "build")]
pub mod build;
pub mod cache;
pub mod chain_audit;
pub mod compile_limits;
pub mod engine;
pub mod epoch;
pub mod epoch_dir;
mod error;
mod fsutil;
pub mod guest_fault;
pub mod guest_thread;
pub mod hashing;
pub mod input_file;
pub mod inspect;
pub mod limits;
mod lowering;
pub mod mechanism;
pub mod out_lock;
pub mod outputs;
pub mod provenance;
/// Receipts: what a run proves, hash-chained (the `imr-runlog` crate's).
pub use imr_runlog::receipt;
pub mod replay;
/// The run log (the `imr-runlog` crate's `log`).
pub use imr_runlog::log as runlog;
/// The bytes a receipt names (the `imr-runlog` crate's).
pub use imr_runlog::run_blobs;
pub mod runner;
mod sandbox;
pub mod scaffold;
pub mod session;
/// Checking the validator's signatures of a log's receipts (the `imr-runlog` crate's).
pub use imr_runlog::signatures;
pub mod simulate;
mod slot_reuse;
pub mod stack_limit;
pub mod terminal;
pub mod validate;
pub mod verify;

pub use cache::{ArtifactCache, CacheOutcome};
pub use engine::{Backend, DeterministicEngine, Fingerprint};
pub use error::{LoadError, RunError};
pub use limits::Limits;
pub use mechanism::{Mechanism, Run};
pub use replay::{replay, ReplayError, ReplayOptions, ReplayReport};
pub use run_blobs::RunBlobs;
pub use runlog::{Log, LogError};
pub use sandbox::LogLine;
pub use session::{Session, SessionError, Start, Stepped};
pub use verify::{verify, VerifyError, VerifyOptions, VerifyReport};

/// Auditor tools: the on-chain anchor of a run log (the `imr-audit` crate).
pub use imr_audit as audit;
/// Hotkeys and receipt signatures (the `imr-signing` crate).
pub use imr_signing as signing;
/// Scores to chain weights (the `imr-weights` crate).
pub use imr_weights as weights;
/// The Yuma consensus simulator (the `imr-yuma` crate).
pub use imr_yuma as yuma;
