//! Subtensor's Yuma consensus epoch, bit-exact in fixed point, and a multi-epoch driver.
//!
//! [`epoch::run_epoch`] replays `epoch_mechanism` (the live sparse path of
//! `opentensor/subtensor`) on an [`EpochInput`] and [`Hyperparams`], with substrate-fixed's
//! I32F32/I64F64/I96F32 arithmetic, and returns what the chain would store ([`EpochOutput`]).
//! [`driver`] chains epochs, carrying bonds and permits forward.

pub mod bond_weights;
pub mod bonds;
pub mod column_median;
pub mod consensus_mode;
pub mod driver;
pub mod emission;
pub mod epoch;
pub mod error;
pub mod exact_div;
pub mod fixed;
pub mod fused_bonds;
pub mod hyperparams;
pub mod liquid_alpha;
pub mod mechanisms;
pub mod median;
pub mod par;
pub mod reference;
pub mod replace;
pub mod row_pool;
pub mod sparse;
pub mod state;
pub mod table;

pub use consensus_mode::{ConsensusMode, ConsensusSource};
pub use driver::{run_epochs, EpochRecord, WeightsSchedule};
pub use epoch::{run_epoch, run_epoch_traced, run_epoch_with_threads};
pub use error::YumaError;
pub use hyperparams::Hyperparams;
pub use state::{EpochInput, EpochOutput, StateFile};
