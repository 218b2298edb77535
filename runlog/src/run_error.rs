//! Why a run produced no outcome, as a receipt records it.

use serde::{Deserialize, Serialize};

use crate::guest_fault::{AbiFault, TrapCode};

/// Why a run produced no outcome. `deterministic()` tells whether every validator
/// must see the same error (and it can be recorded as a result).
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RunError {
    /// The fuel budget ran out.
    #[error("out of fuel: the run used its whole budget of {limit} units")]
    OutOfFuel {
        /// The budget.
        limit: u64,
    },
    /// The guest tried to grow its memory past the cap.
    #[error("memory limit: the guest tried to grow its memory to {requested} bytes, over the cap of {limit} bytes")]
    MemoryLimit {
        /// Bytes requested.
        requested: u64,
        /// The cap.
        limit: u64,
    },
    /// The guest exhausted the native stack. Not deterministic across machines: "no result".
    #[error("stack overflow: the guest recursed past the {limit_bytes}-byte wasm stack (no result: stack depth is not deterministic across hosts)")]
    StackOverflow {
        /// The native stack limit in bytes.
        limit_bytes: u64,
    },
    /// The guest exceeded the logical stack limit (see `imr_host::stack_limit`): a
    /// property of the component's code, the same on every engine and machine.
    #[error("stack limit: the guest recursed past the logical stack limit of {limit} bytes per core instance")]
    StackLimit {
        /// The logical limit per core instance, in logical bytes.
        limit: u64,
    },
    /// The guest trapped (a panic, an unreachable, a bad memory access...).
    #[error("guest trapped: {trap}{}", .message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default())]
    Trap {
        /// The trap, by its stable name.
        trap: TrapCode,
        /// The guest's panic message, when the SDK's panic hook logged one.
        message: Option<String>,
    },
    /// The component broke the canonical ABI in what it returned or logged (invalid UTF-8, a
    /// bad discriminant, a pointer out of bounds or misaligned, more than the host copies).
    #[error("the component broke the canonical ABI: {fault}")]
    AbiFault {
        /// What was wrong.
        fault: AbiFault,
    },
    /// The mechanism refused the epoch.
    #[error("mechanism reported invalid input: {message}")]
    MechanismInvalidInput {
        /// The mechanism's message (it names the field).
        message: String,
    },
    /// The mechanism failed.
    #[error("mechanism failed: {message}")]
    MechanismFailed {
        /// The mechanism's message.
        message: String,
    },
    /// The weights pipeline (the SDK generation's processing, or the chain parameters) refused
    /// the mechanism's valid scores. Receipt format 1 recorded this as `mechanism_failed`.
    #[error("the weights pipeline refused the scores: {reason}")]
    WeightsRefused {
        /// Why, as the pipeline says it.
        reason: String,
    },
    /// The outcome exceeds an output cap.
    #[error("output too large: {what} is {size}, over the cap of {limit}")]
    OutputTooLarge {
        /// Which output.
        what: String,
        /// Its size.
        size: u64,
        /// The cap.
        limit: u64,
    },
    /// The outcome breaks the contract (a non-finite or negative score, a duplicate or unknown uid).
    #[error("invalid output: uid {uid} has score {value}: {reason}")]
    InvalidOutput {
        /// The uid.
        uid: u16,
        /// The offending score, as text (NaN has no JSON number).
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// The host failed (instantiation, a wasmtime internal error). Not a result.
    #[error("host error: {message}")]
    Host {
        /// What failed.
        message: String,
    },
}

impl RunError {
    /// Whether every validator must see this same error for the same inputs.
    pub fn deterministic(&self) -> bool {
        !matches!(self, Self::StackOverflow { .. } | Self::Host { .. })
    }

    /// A short machine-readable name of the error.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::OutOfFuel { .. } => "out_of_fuel",
            Self::MemoryLimit { .. } => "memory_limit",
            Self::StackOverflow { .. } => "stack_overflow",
            Self::StackLimit { .. } => "stack_limit",
            Self::Trap { .. } => "trap",
            Self::AbiFault { .. } => "abi_fault",
            Self::WeightsRefused { .. } => "weights_refused",
            Self::MechanismInvalidInput { .. } => "mechanism_invalid_input",
            Self::MechanismFailed { .. } => "mechanism_failed",
            Self::OutputTooLarge { .. } => "output_too_large",
            Self::InvalidOutput { .. } => "invalid_output",
            Self::Host { .. } => "host",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Receipts are hashed: the serialized tag of every error is its `kind()`, and traps and
    /// ABI faults keep their names.
    #[test]
    fn recorded_names_are_the_stable_kinds() {
        let text = |s: &str| s.to_string();
        let errors = [
            RunError::OutOfFuel { limit: 1 },
            RunError::MemoryLimit {
                requested: 2,
                limit: 1,
            },
            RunError::StackOverflow { limit_bytes: 1 },
            RunError::StackLimit { limit: 1 },
            RunError::Trap {
                trap: TrapCode::UnreachableCodeReached,
                message: None,
            },
            RunError::AbiFault {
                fault: AbiFault::InvalidUtf8,
            },
            RunError::MechanismInvalidInput { message: text("m") },
            RunError::MechanismFailed { message: text("m") },
            RunError::WeightsRefused { reason: text("r") },
            RunError::OutputTooLarge {
                what: text("w"),
                size: 2,
                limit: 1,
            },
            RunError::InvalidOutput {
                uid: 1,
                value: text("NaN"),
                reason: text("r"),
            },
            RunError::Host { message: text("m") },
        ];
        for e in &errors {
            let value = serde_json::to_value(e).unwrap();
            assert_eq!(value["kind"], e.kind(), "{e:?}");
            let back: RunError = serde_json::from_value(value).unwrap();
            assert_eq!(&back, e);
        }
        let trap = serde_json::to_value(&errors[4]).unwrap();
        assert_eq!(trap["trap"], "UnreachableCodeReached");
        let fault = serde_json::to_value(&errors[5]).unwrap();
        assert_eq!(fault["fault"], "invalid_utf8");
        let deterministic: Vec<bool> = errors.iter().map(RunError::deterministic).collect();
        assert_eq!(deterministic.iter().filter(|d| !**d).count(), 2);
        assert!(!errors[2].deterministic() && !errors[11].deterministic());
    }
}
