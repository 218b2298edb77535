//! The crate's error type.
//!
//! Every failure the bittensor SDK signals with an exception has a variant here, and
//! [`WeightsError::kind`] names the SDK's exception class ([`ErrorKind`]), so a caller (and the
//! vector tests) can check that imr fails exactly where the SDK fails, for the same reason.
//! Messages are lower-case and name the problem and its position; they are not the SDK's text.

use thiserror::Error;

/// The exception class the bittensor SDK (or CPython underneath it) raises for the same input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// `ValueError` (CPython builtins).
    ValueError,
    /// `TypeError`: a parameter was `None` where the SDK does arithmetic with it.
    TypeError,
    /// `IndexError`: numpy indexing out of bounds.
    IndexError,
    /// `AttributeError`: a plain list passed where the SDK calls an ndarray method.
    AttributeError,
    /// `OverflowError`: an int does not fit the fixed-width field it is encoded into.
    OverflowError,
    /// `ZeroDivisionError`: Python float division by zero (the lean SDK's pure-Python code).
    ZeroDivisionError,
    /// `bittensor.result.BittensorError` (lean SDK 11.x).
    BittensorError,
    /// `bittensor.result.ChainError` with `code="invalid_argument"` (lean SDK 11.x).
    ChainError,
    /// Not an SDK failure: imr rejects the input before any SDK code runs (bad scores file,
    /// bad chain parameters, a malformed hotkey given as hex).
    InvalidInput,
}

impl ErrorKind {
    /// The Python class name, as the vector files record it in `error.type`.
    pub fn python_name(self) -> &'static str {
        match self {
            ErrorKind::ValueError => "ValueError",
            ErrorKind::TypeError => "TypeError",
            ErrorKind::IndexError => "IndexError",
            ErrorKind::AttributeError => "AttributeError",
            ErrorKind::OverflowError => "OverflowError",
            ErrorKind::ZeroDivisionError => "ZeroDivisionError",
            ErrorKind::BittensorError => "BittensorError",
            ErrorKind::ChainError => "ChainError",
            ErrorKind::InvalidInput => "InvalidInput",
        }
    }
}

/// Everything that can go wrong in this crate.
#[derive(Clone, Debug, Error, PartialEq)]
pub enum WeightsError {
    // ---- SDK 10.x (`bittensor.utils.weight_utils`) -------------------------------------------
    /// A weight below zero reached `convert_weights_and_uids_for_emit` (`ValueError`).
    #[error(
        "weight at position {index} is negative ({value}); a negative weight cannot exist on chain"
    )]
    NegativeWeight {
        /// Position in the weights array.
        index: usize,
        /// The offending value.
        value: f64,
    },
    /// A uid below zero reached `convert_weights_and_uids_for_emit` (`ValueError`).
    #[error("uid at position {index} is negative ({uid}); a negative uid cannot exist on chain")]
    NegativeUid {
        /// Position in the uids array.
        index: usize,
        /// The offending uid.
        uid: i64,
    },
    /// `convert_weights_and_uids_for_emit` got arrays of different lengths (`ValueError`).
    #[error("uids and weights must have the same length, got {uids} uids and {weights} weights")]
    LengthMismatch {
        /// Number of uids.
        uids: usize,
        /// Number of weights.
        weights: usize,
    },
    /// Python's `min()` of an empty list (`ValueError`).
    #[error("empty {what}: the sdk takes min() of it, which fails on an empty sequence")]
    EmptySequence {
        /// Which argument was empty.
        what: &'static str,
    },
    /// `round()` of NaN during quantisation (`ValueError`).
    #[error("weight at position {index} became NaN during quantisation (NaN or infinite input)")]
    NanToInteger {
        /// Position of the weight.
        index: usize,
    },
    /// `round()` of an infinity during quantisation (`OverflowError`).
    #[error("weight at position {index} became infinite during quantisation")]
    InfinityToInteger {
        /// Position of the weight.
        index: usize,
    },
    /// A plain Python list where the SDK calls an ndarray method (`AttributeError`).
    #[error("{what} is a plain list, but the sdk calls the ndarray method .{method}() on it")]
    NotAnArray {
        /// Which argument.
        what: &'static str,
        /// The ndarray method the SDK calls.
        method: &'static str,
    },
    /// A parameter was `None` where the SDK does arithmetic or a comparison with it (`TypeError`).
    #[error("parameter {name} is missing (None), but the sdk computes with it")]
    MissingParameter {
        /// Parameter name as in the SDK signature.
        name: &'static str,
    },
    /// numpy indexing out of bounds (`IndexError`).
    #[error("index {index} is out of bounds for {what} of size {size}")]
    IndexOutOfBounds {
        /// The index.
        index: i64,
        /// What was indexed.
        what: &'static str,
        /// Its size.
        size: usize,
    },
    /// `np.zeros`/`np.ones` with a negative length (`ValueError`).
    #[error("negative neuron count {n}: numpy does not allow negative dimensions")]
    NegativeDimension {
        /// The length asked for.
        n: i64,
    },
    /// An int does not fit the unsigned field it is encoded into (`OverflowError`).
    #[error("{what} {value} does not fit in {bits}-bit unsigned")]
    IntOverflow {
        /// Which value (and its position, when in a list).
        what: String,
        /// The value.
        value: i128,
        /// Field width.
        bits: u32,
    },
    /// A hotkey ss58 address did not decode (`ValueError`).
    #[error("invalid ss58 address {address:?}: {reason}")]
    InvalidSs58 {
        /// The address as given (truncated to 80 characters).
        address: String,
        /// What is wrong: bad base58, bad length, bad checksum, reserved prefix.
        reason: String,
    },

    // ---- SDK 11.x (`bittensor.intents.weights`) ----------------------------------------------
    /// `normalize`: lengths differ (`BittensorError`).
    #[error("uids and weights must be equal length: {uids} vs {weights}")]
    UnequalLengths {
        /// Number of uids.
        uids: usize,
        /// Number of weights.
        weights: usize,
    },
    /// `normalize`: a weight is NaN, infinite or negative (`BittensorError`).
    #[error("weight at position {index} is {value}; weights must be finite and non-negative")]
    NotFiniteOrNegative {
        /// Position of the first offending weight.
        index: usize,
        /// The value.
        value: f64,
    },
    /// `normalize`: a uid outside 0..=65535 (`BittensorError`).
    #[error("uid at position {index} is {uid}; uids must be in 0..65535")]
    UidOutOfRange {
        /// Position of the first offending uid.
        index: usize,
        /// The uid.
        uid: i64,
    },
    /// `clip_to_max_weight` / `_conform`: nothing positive to set (`BittensorError`).
    #[error("all weights are zero; nothing to set")]
    AllZero,
    /// `_conform(raw_u16=True)`: lengths differ or a uid is not u16 (`BittensorError`).
    #[error(
        "raw weights require equal-length lists and u16 uids ({uids} uids, {weights} weights)"
    )]
    RawShape {
        /// Number of uids.
        uids: usize,
        /// Number of weights.
        weights: usize,
    },
    /// `_conform(raw_u16=True)`: a weight is not an integer in 0..=65535 (`BittensorError`).
    #[error("raw weight at position {index} is {value}; raw weights must be integers in 0..65535")]
    RawNotInteger {
        /// Position.
        index: usize,
        /// The value.
        value: f64,
    },
    /// `_conform(raw_u16=True)`: `max*65535 > max_weight_limit*sum` (`BittensorError`).
    #[error("raw weights exceed max_weight_limit {limit}: largest {max} of total {sum}")]
    RawExceedsLimit {
        /// The raw u16 limit.
        limit: i64,
        /// Largest raw weight.
        max: i64,
        /// Sum of raw weights.
        sum: i64,
    },
    /// `_conform`: fewer non-zero values than `min_allowed_weights` (`ChainError`,
    /// code `invalid_argument`).
    #[error("subnet {netuid} requires at least {required} weights; only {got} are nonzero after normalization")]
    TooFewWeights {
        /// The subnet.
        netuid: i64,
        /// `min_allowed_weights`.
        required: i64,
        /// Non-zero values after quantisation.
        got: usize,
    },
    /// `_as_pairs`: a uid appears twice (`BittensorError`).
    #[error("duplicate uid {uid} in weights; each uid may appear once")]
    DuplicateUid {
        /// The uid.
        uid: i64,
    },
    /// `_as_pairs`: both a mapping and a uid list were given (`BittensorError`).
    #[error(
        "pass weights as a {{uid: weight}} mapping or as parallel uids/weights lists, not both"
    )]
    MappingAndUids,
    /// `_as_pairs`: neither shape was given (`BittensorError`).
    #[error("provide weights as a {{uid: weight}} mapping, or uids and weights as parallel lists")]
    MissingWeights,
    /// Python `int()`/`float()` of a string that is not a number (`ValueError`).
    #[error("invalid literal for {target}() at position {index}: {text:?}")]
    InvalidLiteral {
        /// `int` or `float`.
        target: &'static str,
        /// Position in its list.
        index: usize,
        /// The text.
        text: String,
    },
    /// Python `int()`/`float()` of `None` (`TypeError`).
    #[error("{target}() of None at position {index}")]
    NoneValue {
        /// `int` or `float`.
        target: &'static str,
        /// Position.
        index: usize,
    },
    /// Python float division by zero in the lean SDK's pure-Python clip (`ZeroDivisionError`).
    #[error("float division by zero in {place}")]
    ZeroDivision {
        /// Where.
        place: &'static str,
    },

    // ---- imr's own input checks ----------------------------------------------------------------
    /// A scores file (or in-memory scores) failed validation.
    #[error("scores: {problem}")]
    Scores {
        /// The problem, naming its position.
        problem: String,
    },
    /// Chain parameters failed to parse or are inconsistent.
    #[error("chain parameters: {problem}")]
    ChainParams {
        /// The problem, naming the field.
        problem: String,
    },
    /// A hotkey given as hex is not 32 bytes of hex.
    #[error("invalid hex public key: {problem}")]
    InvalidHexKey {
        /// What is wrong.
        problem: String,
    },
}

impl WeightsError {
    /// The SDK exception class this error corresponds to.
    pub fn kind(&self) -> ErrorKind {
        use WeightsError::*;
        match self {
            NegativeWeight { .. }
            | NegativeUid { .. }
            | LengthMismatch { .. }
            | EmptySequence { .. }
            | NanToInteger { .. }
            | NegativeDimension { .. }
            | InvalidSs58 { .. }
            | InvalidLiteral { .. } => ErrorKind::ValueError,
            InfinityToInteger { .. } | IntOverflow { .. } => ErrorKind::OverflowError,
            NotAnArray { .. } => ErrorKind::AttributeError,
            MissingParameter { .. } | NoneValue { .. } => ErrorKind::TypeError,
            IndexOutOfBounds { .. } => ErrorKind::IndexError,
            ZeroDivision { .. } => ErrorKind::ZeroDivisionError,
            UnequalLengths { .. }
            | NotFiniteOrNegative { .. }
            | UidOutOfRange { .. }
            | AllZero
            | RawShape { .. }
            | RawNotInteger { .. }
            | RawExceedsLimit { .. }
            | DuplicateUid { .. }
            | MappingAndUids
            | MissingWeights => ErrorKind::BittensorError,
            TooFewWeights { .. } => ErrorKind::ChainError,
            Scores { .. } | ChainParams { .. } | InvalidHexKey { .. } => ErrorKind::InvalidInput,
        }
    }

    /// The lean SDK's `ChainError.code`, where there is one (`"invalid_argument"`).
    pub fn chain_error_code(&self) -> Option<&'static str> {
        match self {
            WeightsError::TooFewWeights { .. } => Some("invalid_argument"),
            _ => None,
        }
    }
}
