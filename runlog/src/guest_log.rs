//! The guest's log, as a receipt names it.

use serde::{Deserialize, Serialize};

/// One line the guest logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// `debug`, `info` or `warn`.
    pub level: String,
    /// The message.
    pub message: String,
}
