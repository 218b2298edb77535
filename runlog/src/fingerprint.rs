//! The engine fingerprint a receipt records: what identifies the configuration a run was
//! made under (imr_host's `DeterministicEngine` computes it).

use serde::{Deserialize, Serialize};

/// What identifies an engine configuration in receipts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fingerprint {
    /// imr's version.
    pub imr_version: String,
    /// wasmtime's version.
    pub wasmtime_version: String,
    /// The host protocol version.
    pub protocol: u32,
    /// blake3 of the canonical description of the configuration (hex).
    pub config_hash: String,
}
