//! Auditor tools for imr run logs (issue 17). Pure: no wasmtime, no I/O.
//!
//! - [`anchor`]: what a validator publishes on chain to commit to its run log (the head receipt
//!   hash, the receipt count, the netuid) as the commitments pallet's `set_commitment` call data,
//!   and the completeness check of a log against such an anchor.
//! - [`chain_weights`]: the audit of a log against the weights the validator's hotkey actually
//!   has on chain (a documented JSON export), epoch by epoch.

pub mod anchor;
pub mod chain_weights;

pub use anchor::{Anchor, AnchorError};
