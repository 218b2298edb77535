//! imr-sim: `imr simulate` (issue 16 item 2) without a runtime: a multi-validator, multi-epoch
//! simulation of a subnet.
//!
//! - [`validators`]: the validators file (stake and behaviour of each validator);
//! - [`subnet`]: the subnet file (Yuma hyperparameters);
//! - [`seeding`] and [`views`]: per-validator randomness from the epoch seed and the validator's
//!   index (sampled views, random scores);
//! - [`chain`]: the exact Yuma epoch (`imr-yuma`) with bonds, permits and consensus carried;
//! - [`simulate`]: the loop, over a [`simulate::Runner`] that runs the mechanism (the host's
//!   runs one Wasm session per validator);
//! - [`summary`] and [`outputs`]: totals, CSV/JSON lines and the simulation receipt.

pub mod chain;
pub mod outputs;
pub mod seeding;
pub mod simulate;
pub mod subnet;
pub mod summary;
#[cfg(feature = "testing")]
pub mod testing;
pub mod validators;
pub mod views;

pub use simulate::{simulate, Action, EpochRecord, Runner, SimEpoch, SimError, Simulation};
pub use summary::Summary;
pub use validators::{Behaviour, Validator, Validators};
