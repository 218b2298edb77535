//! Typed errors of the run log.

use std::path::PathBuf;

/// A run log could not be opened, read or appended to. Every variant names the
/// log and, where there is one, the receipt, field or blob concerned.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The log directory could not be opened or created.
    #[error("cannot open run log {path}: {source}")]
    Open {
        /// The log.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The directory is not a run log.
    #[error("{path} is not an imr run log (no readable imr-log.json marker)")]
    NotALog {
        /// The directory.
        path: PathBuf,
    },
    /// The log has a format this version does not know.
    #[error("run log {path} has format {found:?}; this imr reads imr-run-log/1")]
    Format {
        /// The log.
        path: PathBuf,
        /// The format found.
        found: String,
    },
    /// Another process holds the log's lock.
    #[error("run log {path} is locked: another process is appending to it (wait for it to finish; nothing was written)")]
    Locked {
        /// The log.
        path: PathBuf,
    },
    /// `append` on a log opened read-only.
    #[error("run log {path} was opened read-only; open it with Log::open_append to append")]
    ReadOnly {
        /// The log.
        path: PathBuf,
    },
    /// A file operation inside the log failed (including a path that would leave the log).
    #[error("cannot {action} {name} in run log {path}: {source}")]
    Io {
        /// The log.
        path: PathBuf,
        /// What was attempted.
        action: &'static str,
        /// The file, relative to the log.
        name: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A receipt field names something that is not a blob name.
    #[error("{field} is {name:?}, which is not a blob name (64 lower-case hex digits); refused")]
    BadName {
        /// The receipt field.
        field: String,
        /// The offending name.
        name: String,
    },
    /// A blob a receipt names is not in the log.
    #[error("blob {name} ({field}) is missing from run log {path}")]
    MissingBlob {
        /// The log.
        path: PathBuf,
        /// The receipt field naming it.
        field: String,
        /// The blob.
        name: String,
    },
    /// A blob's content does not hash to its name.
    #[error("blob {name} ({field}) is corrupt: its content hashes to {actual}")]
    CorruptBlob {
        /// The receipt field naming it.
        field: String,
        /// The blob.
        name: String,
        /// The content's blake3.
        actual: String,
    },
    /// A receipt file cannot be parsed.
    #[error("receipt {seq} of run log {path} is not a valid receipt: {message}")]
    BadReceipt {
        /// The log.
        path: PathBuf,
        /// Its sequence number.
        seq: u64,
        /// What is wrong.
        message: String,
    },
    /// A receipt's signature file is not a signature record.
    #[error("run log {path}: the signature of receipt {seq} is malformed: {message}")]
    BadSignature {
        /// The log.
        path: PathBuf,
        /// The receipt's sequence number.
        seq: u64,
        /// What is wrong.
        message: String,
    },
    /// The receipts are not numbered 0..n.
    #[error("run log {path} has no receipt {seq} although it has {count} receipt files (receipts must be numbered from 0 without gaps)")]
    Gap {
        /// The log.
        path: PathBuf,
        /// The first missing number.
        seq: u64,
        /// How many receipt files there are.
        count: u64,
    },
    /// The last receipt's own hash is wrong: the log cannot be extended.
    #[error(
        "receipt {seq} of run log {path} has an invalid hash; run `imr verify` before appending"
    )]
    CorruptHead {
        /// The log.
        path: PathBuf,
        /// The head's sequence number.
        seq: u64,
    },
    /// An appended receipt does not name the log's head as its previous receipt.
    #[error("receipt does not chain to the log: its previous is {found:?}, the log's last receipt is {expected:?}")]
    Unchained {
        /// The log head's hash.
        expected: Option<String>,
        /// The receipt's `previous`.
        found: Option<String>,
    },
    /// A blob handed to `append` does not match the receipt.
    #[error("the {field} handed to append hashes to {actual}, but the receipt names {expected}")]
    Mismatch {
        /// The receipt field.
        field: &'static str,
        /// What the receipt names.
        expected: String,
        /// What the bytes hash to.
        actual: String,
    },
    /// The run's failure is not a deterministic result, so it has no place in a log.
    #[error("the run failed without a deterministic result ({0}); nothing was logged")]
    NotAResult(String),
    /// No receipt of the log matches the reference.
    #[error("run log {path} has no receipt {reference}")]
    UnknownReceipt {
        /// The log.
        path: PathBuf,
        /// The hash, hash prefix or sequence number asked for.
        reference: String,
    },
}
