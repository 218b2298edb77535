//! Parsers fed arbitrary bytes: errors only, never a panic.

use std::path::Path;

use crate::Finding;

/// An epoch file.
pub fn epoch(data: &[u8]) -> Result<(), Finding> {
    let _ = imr_host::epoch::EpochInput::parse(data, Path::new("fuzz-epoch.json"));
    Ok(())
}

/// A receipt as the run log stores it (JSON).
pub fn receipt(data: &[u8]) -> Result<(), Finding> {
    if let Ok(r) = serde_json::from_slice::<imr_host::receipt::Receipt>(data) {
        // A receipt that parses must re-serialise.
        serde_json::to_vec(&r).map_err(|e| Finding(format!("receipt re-serialisation: {e}")))?;
    }
    Ok(())
}

/// A run log whose only receipt file holds `data`: opening it and reading its
/// receipts gives an error, never a panic.
pub fn run_log(data: &[u8]) -> Result<(), Finding> {
    use imr_host::runlog::layout::{receipt_name, RECEIPTS};
    let dir = tempfile::tempdir().map_err(|e| Finding(format!("tempdir: {e}")))?;
    let log = dir.path().join("log");
    // A real log's layout, made by the host itself, then one receipt file of `data`.
    drop(imr_host::Log::open_append(&log).map_err(|e| Finding(format!("create log: {e}")))?);
    std::fs::write(log.join(RECEIPTS).join(receipt_name(0)), data)
        .map_err(|e| Finding(format!("write: {e}")))?;
    if let Ok(l) = imr_host::Log::open(&log) {
        let _ = l.receipts();
    }
    let _ = imr_host::Log::open_append(&log);
    Ok(())
}
