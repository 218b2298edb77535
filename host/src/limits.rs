//! Resource limits applied to every run.

use serde::{Deserialize, Serialize};

/// Default fuel budget of one run: 2·10⁹ units (a 200-miner time-series epoch uses about 1% of it).
pub const DEFAULT_FUEL: u64 = 2_000_000_000;
/// Default linear-memory cap: 256 MiB.
pub const DEFAULT_MEMORY_BYTES: u64 = 256 << 20;
/// The largest linear-memory cap: 4 GiB, all that a 32-bit wasm memory can address.
pub const MAX_MEMORY_BYTES: u64 = 4 << 30;
/// The largest fuel budget an engine accepts: 100 times the default (2·10¹¹ units, minutes of
/// guest work). `imr run --fuel` refuses more, and a replay of a receipt that claims more is
/// reported, not executed, so a resealed receipt cannot make `verify` run without end.
pub const MAX_FUEL: u64 = 100 * DEFAULT_FUEL;

/// Limits of one run. All of them are deterministic except the stack, which is
/// enforced on the native stack (see [`crate::RunError::StackOverflow`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// Fuel budget (wasm operators, `memory.grow` pages, host calls).
    pub fuel: u64,
    /// Linear-memory cap in bytes.
    pub memory_bytes: u64,
    /// Maximum table elements.
    pub table_elements: usize,
    /// Maximum number of core instances a component may create.
    pub instances: usize,
    /// Maximum number of tables.
    pub tables: usize,
    /// Maximum number of linear memories.
    pub memories: usize,
    /// Maximum number of scored uids returned.
    pub max_scores: usize,
    /// Maximum size of the returned state, in bytes.
    pub max_state_bytes: usize,
    /// Maximum size of the returned diagnostics, in bytes.
    pub max_diagnostics_bytes: usize,
    /// Maximum number of log lines kept (further lines are counted, not kept).
    pub max_log_lines: usize,
    /// Maximum total size of kept log lines, in bytes.
    pub max_log_bytes: usize,
    /// Maximum size of a mechanism's error message (`invalid-input`, `failed`)
    /// as recorded, in bytes; longer ones are cut and end with the full
    /// message's size and blake3 (see [`cap_message`]).
    pub max_error_bytes: usize,
}

/// A guest-supplied message as imr records and prints it: control characters
/// escaped (`\u{1b}`), so that nothing reaching a terminal can act on it, and
/// cut at `max` bytes (on a character boundary) with a note of the full
/// message's size and blake3, so that no message can inflate receipts.
pub fn cap_message(message: &str, max: usize) -> String {
    let mut escaped = String::with_capacity(message.len().min(max + 16));
    let mut cut = false;
    for c in message.chars() {
        let piece: String = if c.is_control() && c != ' ' {
            c.escape_unicode().to_string()
        } else {
            c.to_string()
        };
        if escaped.len() + piece.len() > max {
            cut = true;
            break;
        }
        escaped.push_str(&piece);
    }
    if cut {
        escaped.push_str(&format!(
            "… [cut at {max} bytes: the message had {} bytes, blake3 {}]",
            message.len(),
            blake3::hash(message.as_bytes()).to_hex()
        ));
    }
    escaped
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            fuel: DEFAULT_FUEL,
            memory_bytes: DEFAULT_MEMORY_BYTES,
            table_elements: 20_000,
            instances: 8,
            tables: 8,
            memories: 2,
            max_scores: 65_536,
            max_state_bytes: 32 << 20,
            max_diagnostics_bytes: 4 << 20,
            max_log_lines: 1_000,
            max_log_bytes: 64 << 10,
            max_error_bytes: 4 << 10,
        }
    }
}
