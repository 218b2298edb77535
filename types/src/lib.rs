//! # imr-types: the data model every imr crate shares
//!
//! One definition of what flows between the epoch file, the mechanism and the host:
//!
//! * [`Epoch`], [`Neuron`], [`Response`]: what a mechanism reads in one epoch (the WIT contract's records,
//!   `wit/mechanism.wit`, as plain Rust types);
//! * [`Outcome`], [`Scored`], [`MechanismError`]: what it returns;
//! * [`epoch_file`]: the epoch file format, parsed exactly one way (the host, the SDK's native tests and the
//!   tools all use this parser) and written through [`epoch_file::EpochDocument`];
//! * [`canonical_json`] and [`state`]: the canonical encodings (canonical JSON; the binary state format with its
//!   [`MechanismState`] trait);
//! * [`Rng`]: the deterministic generator seeded from the epoch seed;
//! * `scale` (cargo feature `scale`): the canonical SCALE encoding of an epoch, which the host hashes into
//!   receipts and stores in run logs.
//!
//! Mechanism authors use these through `imr-guest`, which re-exports all of them; the host (`imr-host`), the
//! simulator (`imr-sim`) and the data generators (`tools/`) depend on this crate alone, not on the SDK.

pub mod epoch_file;
mod json;
mod rng;
#[cfg(feature = "scale")]
pub mod scale;
pub mod state;
mod types;

pub use json::canonical_json;
pub use rng::Rng;
pub use state::MechanismState;
pub use types::{Epoch, MechanismError, Neuron, Outcome, Response, Scored};
