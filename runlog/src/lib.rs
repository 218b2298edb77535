//! # imr-runlog: receipts and the run log, without a wasm runtime
//!
//! What a run proves and where it is kept, as plain data:
//!
//! * [`receipt`]: the receipt format (hash-chained, canonical JSON) and the canonical
//!   encodings of what it names; its vocabulary: the engine [`Fingerprint`], why a run gave
//!   no outcome ([`RunError`], with [`guest_fault`]'s stable trap and ABI-fault names), and
//!   the guest's [`LogLine`]s.
//! * [`RunBlobs`]: the bytes a receipt names, as a run produced them.
//! * [`log`]: the tamper-evident run log ([`Log`]): content-addressed blobs and the receipt
//!   chain, atomic and durable appends under a lock, receipt signatures beside the receipts;
//!   [`signatures`] checks them.
//! * [`verify`]: the checks of a whole log (chain, hashes, blobs, signatures, carried state)
//!   and the judging of replays, which come in through the [`Rerun`] trait (`imr_host`'s
//!   `Replayer` implements it; [`compare`] compares a logged receipt with its replay).
//!
//! `imr-host` runs mechanisms and re-exports all of this at its old paths
//! (`imr_host::receipt`, `imr_host::RunError`, ...).

pub mod canonical;
pub mod compare;
pub mod fingerprint;
pub mod guest_fault;
pub mod guest_log;
pub mod log;
pub mod receipt;
pub mod run_blobs;
pub mod run_error;
pub mod signatures;
pub mod verify;

pub use fingerprint::Fingerprint;
pub use guest_log::LogLine;
pub use log::{Log, LogError};
pub use receipt::Receipt;
pub use run_blobs::RunBlobs;
pub use run_error::RunError;
pub use verify::{verify_with, Rerun, VerifyReport};
