//! What a guest did wrong, by names imr owns.
//!
//! Receipts are hashed, so what they record must not depend on how wasmtime happens to spell
//! things. [`TrapCode`] gives every wasmtime trap a stable name (the names are those wasmtime
//! 48's `Trap` variants had when receipts first recorded them, so older logs read unchanged);
//! [`AbiFault`] names the ways a component can break the canonical ABI when the host lifts
//! what it returned or logged. Both are properties of the component and its input, identical
//! on every validator, so both are results with a receipt, never "no result".

use serde::{Deserialize, Serialize};

/// A wasm trap, by a stable name (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TrapCode {
    /// An out-of-bounds memory access.
    MemoryOutOfBounds,
    /// A misaligned atomic access.
    HeapMisaligned,
    /// An out-of-bounds table access.
    TableOutOfBounds,
    /// An indirect call to a null table entry.
    IndirectCallToNull,
    /// An indirect call with the wrong signature.
    BadSignature,
    /// An integer overflow (`i32.div_s` of `MIN` by -1, ...).
    IntegerOverflow,
    /// An integer division by zero.
    IntegerDivisionByZero,
    /// A float-to-int conversion out of range or of NaN.
    BadConversionToInteger,
    /// An `unreachable` instruction (a Rust panic or abort ends here).
    UnreachableCodeReached,
    /// A null reference.
    NullReference,
    /// An out-of-bounds array access.
    ArrayOutOfBounds,
    /// An allocation too large.
    AllocationTooLarge,
    /// A failed cast.
    CastFailure,
    /// A component instance entered when it may not be.
    CannotEnterComponent,
    /// A component instance left when it may not be.
    CannotLeaveComponent,
    /// An invalid `char` bit pattern crossing a component boundary.
    InvalidChar,
    /// A string out of bounds crossing a component boundary.
    StringOutOfBounds,
    /// A list out of bounds crossing a component boundary.
    ListOutOfBounds,
    /// An invalid variant discriminant crossing a component boundary.
    InvalidDiscriminant,
    /// An unaligned pointer crossing a component boundary.
    UnalignedPointer,
    /// Any other trap code of the pinned wasmtime (its features that imr disables: GC, stack
    /// switching, async). Still deterministic for a given engine fingerprint.
    Other,
}

impl std::fmt::Display for TrapCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(self, f)
    }
}

/// How a component broke the canonical ABI when the host lifted a value from it (the result
/// of `score`, or the arguments of `host.log`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbiFault {
    /// A string that is not UTF-8.
    InvalidUtf8,
    /// A result, variant or enum case number out of range.
    InvalidDiscriminant,
    /// A list or string pointer/length outside the guest's memory.
    OutOfBounds,
    /// A return area or string pointer not aligned as the ABI requires.
    Misaligned,
    /// More data than the host copies out of a guest in one call (wasmtime's 128 MiB
    /// host-call copy budget): far over every output cap.
    CopyLimit,
}

impl std::fmt::Display for AbiFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::InvalidUtf8 => "a string is not valid UTF-8",
            Self::InvalidDiscriminant => "a result, variant or enum case is out of range",
            Self::OutOfBounds => "a list or string lies outside the guest's memory",
            Self::Misaligned => "a pointer is not aligned as the canonical ABI requires",
            Self::CopyLimit => {
                "it handed the host more than the 128 MiB one call may copy (over every output cap)"
            }
        })
    }
}
