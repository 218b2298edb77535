//! Errors of the Yuma simulator.

use thiserror::Error;

/// Everything that can be wrong with a state, a hyperparameter set or a weights file.
#[derive(Debug, Error)]
pub enum YumaError {
    /// A per-uid vector whose length differs from `stake`'s.
    #[error("`{field}` has {len} entries but `stake` has {n} (one per uid)")]
    LengthMismatch {
        /// The offending field.
        field: String,
        /// Its length.
        len: usize,
        /// The number of uids (length of `stake`).
        n: usize,
    },
    /// A stored row names a uid that does not exist.
    #[error("`{field}[{row}]` entry {pos} names uid {uid}, but there are only {n} uids (0..{n})")]
    UidOutOfRange {
        /// The offending field (`weights` or `bonds`).
        field: String,
        /// The row (the uid that owns it).
        row: usize,
        /// The position of the entry in the row.
        pos: usize,
        /// The uid named.
        uid: u16,
        /// The number of uids.
        n: usize,
    },
    /// More uids than a u16 uid can address.
    #[error("the state has {0} uids; at most 65535 are possible (uids are u16)")]
    TooManyUids(usize),
    /// `params.n` disagrees with the vectors.
    #[error("`params.n` is {declared} but `stake` has {actual} entries")]
    NMismatch {
        /// The declared n.
        declared: u16,
        /// The actual number of uids.
        actual: usize,
    },
    /// `params.activity_cutoff_blocks` disagrees with the factor and tempo.
    #[error("`params.activity_cutoff_blocks` is {declared} but factor and tempo give {computed}")]
    CutoffMismatch {
        /// The declared value.
        declared: u64,
        /// The value computed from `activity_cutoff_factor_milli` and `tempo`.
        computed: u64,
    },
    /// `params.owner_uid` is not a uid of the state.
    #[error("`params.owner_uid` is {uid}, but there are only {n} uids")]
    OwnerOutOfRange {
        /// The owner uid given.
        uid: u16,
        /// The number of uids.
        n: usize,
    },
    /// A mechanism count other than 1.
    #[error("`params.mechanism_count` is {0}: a state of several mechanisms gives each one's weights, bonds and last_update in `input.mechanisms` (see `imr yuma --help`)")]
    UnsupportedMechanismCount(u8),
    /// `commit_reveal_enabled` without the `commit_block` input.
    #[error("`params.commit_reveal_enabled` is true but `input.commit_block` is missing")]
    MissingCommitBlocks,
    /// A JSON document that does not parse into the expected shape.
    #[error("{what}: at `{path}`: {message}")]
    Json {
        /// Which document (e.g. the file name).
        what: String,
        /// The JSON path of the problem.
        path: String,
        /// serde's message (names unknown fields).
        message: String,
    },
    /// A multi-mechanism state that does not fit its parameters.
    #[error("mechanisms: {0}")]
    Mechanisms(String),
    /// A replacement names a uid that does not exist.
    #[error("cannot replace uid {uid}: there are only {n} uids (0..{n})")]
    ReplaceOutOfRange {
        /// The uid.
        uid: u16,
        /// The number of uids.
        n: usize,
    },
    /// A per-epoch weights file that does not fit the run.
    #[error("weights file: {0}")]
    WeightsFile(String),
    /// A file that cannot be read.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The path.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The thread pool asked for could not be built.
    #[error("cannot build a thread pool: {0}")]
    ThreadPool(String),
}

/// Parse JSON text into `T`, reporting the JSON path of any error.
pub fn parse_json<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, YumaError> {
    let de = &mut serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(de).map_err(|e| YumaError::Json {
        what: what.to_string(),
        path: e.path().to_string(),
        message: e.inner().to_string(),
    })
}
