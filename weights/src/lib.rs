//! Scores to chain-ready Bittensor weights, bit for bit what the bittensor Python SDK would
//! submit, checked against the chain's own rules.
//!
//! * [`sdk10`]: bittensor 10.5.0 `bittensor.utils.weight_utils` (float32, numpy pairwise sums,
//!   numpy quantiles, ties-to-even), the classic template-validator code.
//! * [`sdk11`]: bittensor 11.3.0 `bittensor.intents.weights` (float64, the lean SDK).
//! * [`chain`]: subtensor's pre-flight checks with its error names, and its max-upscale.
//! * [`call_data`]: SCALE call arguments, the commit-reveal v2 hash, ss58 hotkeys.
//! * [`reveal_round`]: the drand round of a timelocked commit, by either SDK's formula.
//! * [`timelocked`]: commit-reveal v4, the `WeightsTlockPayload` plaintext and the
//!   `commit_timelocked_mechanism_weights` call (the encryption is the `imr-tlock` crate's).
//! * [`scores`]: the scores file format and its validation.
//! * [`pipeline`]: [`emit`], the pipeline `imr weights` and `imr run` share.
//!
//! The golden data is `../shared/vectors/bittensor-sdk/` and
//! `../shared/vectors/subtensor/{set_weights_max_upscale,commit_hash_v2}.json`; the tests run
//! every case.

pub mod call_data;
pub mod chain;
pub mod error;
pub mod numeric;
pub mod pipeline;
pub mod pysort;
pub mod reveal_round;
pub mod scores;
pub mod sdk10;
pub mod sdk11;
pub mod timelocked;

pub use chain::{ChainParams, Extrinsic, Rejection, Verdict, WeightsCall};
pub use error::{ErrorKind, WeightsError};
pub use pipeline::{
    commit, emit, report, Choices, Commit, Emission, HexBits, ProcessedWeights, Sdk,
};
