//! What a guest did wrong, by names imr owns: the classification of wasmtime's traps and
//! lifting errors into the receipt vocabulary ([`TrapCode`], [`AbiFault`], defined in
//! `imr_runlog::guest_fault` as plain data and re-exported here).
//!
//! Receipts are hashed, so what they record must not depend on how wasmtime happens to spell
//! things: [`trap_code`] maps each wasmtime trap to its stable name, [`abi_fault`] each
//! lifting error the pinned wasmtime reports to the ABI fault it means.

use wasmtime::Trap;

pub use imr_runlog::guest_fault::{AbiFault, TrapCode};

/// The stable code of a wasmtime trap, or `None` for the traps that are not the guest's
/// own fault and get their own [`RunError`](crate::RunError) variants (fuel, stack,
/// interrupts).
pub fn trap_code(trap: Trap) -> Option<TrapCode> {
    Some(match trap {
        Trap::StackOverflow | Trap::OutOfFuel | Trap::Interrupt => return None,
        Trap::MemoryOutOfBounds => TrapCode::MemoryOutOfBounds,
        Trap::HeapMisaligned => TrapCode::HeapMisaligned,
        Trap::TableOutOfBounds => TrapCode::TableOutOfBounds,
        Trap::IndirectCallToNull => TrapCode::IndirectCallToNull,
        Trap::BadSignature => TrapCode::BadSignature,
        Trap::IntegerOverflow => TrapCode::IntegerOverflow,
        Trap::IntegerDivisionByZero => TrapCode::IntegerDivisionByZero,
        Trap::BadConversionToInteger => TrapCode::BadConversionToInteger,
        Trap::UnreachableCodeReached => TrapCode::UnreachableCodeReached,
        Trap::NullReference => TrapCode::NullReference,
        Trap::ArrayOutOfBounds => TrapCode::ArrayOutOfBounds,
        Trap::AllocationTooLarge => TrapCode::AllocationTooLarge,
        Trap::CastFailure => TrapCode::CastFailure,
        Trap::CannotEnterComponent => TrapCode::CannotEnterComponent,
        Trap::CannotLeaveComponent => TrapCode::CannotLeaveComponent,
        Trap::InvalidChar => TrapCode::InvalidChar,
        Trap::StringOutOfBounds => TrapCode::StringOutOfBounds,
        Trap::ListOutOfBounds => TrapCode::ListOutOfBounds,
        Trap::InvalidDiscriminant => TrapCode::InvalidDiscriminant,
        Trap::UnalignedPointer => TrapCode::UnalignedPointer,
        _ => TrapCode::Other,
    })
}

/// The messages with which the pinned wasmtime (48.0.8, `runtime/component/func/typed.rs`
/// and `options.rs`) refuses to lift a value, and what each means. wasmtime reports these as
/// untyped errors; a test builds a component for each, so a wasmtime upgrade that rewords one
/// fails that test instead of silently turning a result into "no result".
const LIFT_ERRORS: [(&str, AbiFault); 8] = [
    (
        "invalid expected discriminant",
        AbiFault::InvalidDiscriminant,
    ),
    ("unexpected discriminant", AbiFault::InvalidDiscriminant),
    ("out of bounds of memory", AbiFault::OutOfBounds),
    // The return area (`... pointer not aligned`) and a list (`list pointer is not aligned`).
    ("pointer not aligned", AbiFault::Misaligned),
    ("list pointer is not aligned", AbiFault::Misaligned),
    (
        "fuel allocated for hostcalls has been exhausted",
        AbiFault::CopyLimit,
    ),
    ("string length of", AbiFault::CopyLimit),
    ("byte length too large", AbiFault::CopyLimit),
];

/// The ABI fault behind an error from calling into a guest (not from instantiating it), or
/// `None` when the error is something else (then a host failure: no result).
pub fn abi_fault(e: &wasmtime::Error) -> Option<AbiFault> {
    if e.chain()
        .any(|cause| cause.downcast_ref::<std::str::Utf8Error>().is_some())
    {
        return Some(AbiFault::InvalidUtf8);
    }
    let root = e.root_cause().to_string();
    LIFT_ERRORS
        .iter()
        .find(|(text, _)| root.contains(text))
        .map(|&(_, fault)| fault)
}
