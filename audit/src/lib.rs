//! Auditor tools for imr run logs (issue 17). Pure: no wasmtime, no I/O.
//!
//! - [`anchor`]: what a validator publishes on chain to commit to its run log (the head receipt
//!   hash, the receipt count, the netuid) as the commitments pallet's `set_commitment` call data,
//!   and the completeness check of a log against such an anchor.

pub mod anchor;

pub use anchor::{Anchor, AnchorError};
