//! The receipts of a log: numbering, each one's own hash and signature, its link to the
//! receipt before it, and the state carried from one to the next.

use std::collections::BTreeMap;

use super::report::Findings;
use crate::log::{carried_state, Log, Scan};
use crate::receipt::Receipt;
use crate::signatures::{check_signature, SignatureCheck, SignaturePolicy};

/// The readable receipts of a scan by number; strays, gaps and unreadable files noted.
pub(super) fn read_receipts(scan: &Scan, found: &mut Findings) -> BTreeMap<u64, Receipt> {
    found.report.receipts = scan.entries.len() as u64;
    for stray in &scan.strays {
        found.note(
            None,
            format!("receipts/{stray}"),
            "is not a receipt file name".into(),
        );
    }
    for &seq in &scan.missing {
        found.report.missing += 1;
        found.note(
            Some(seq),
            "receipt".into(),
            "is missing (deleted?): later receipts exist".into(),
        );
    }
    let mut receipts = BTreeMap::new();
    for (seq, entry) in &scan.entries {
        match entry {
            Ok(r) => {
                receipts.insert(*seq, r.clone());
            }
            Err(message) => found.note(
                Some(*seq),
                "receipt".into(),
                format!("unreadable: {message}"),
            ),
        }
    }
    found.report.head = scan
        .entries
        .last()
        .and_then(|(_, r)| r.as_ref().ok())
        .map(|r| r.hash.clone());
    receipts
}

/// One receipt's signature, own hash, and link to the receipt before it (`prev`).
pub(super) fn check_receipt(
    log: &Log,
    seq: u64,
    r: &Receipt,
    prev: Option<&Receipt>,
    signatures: &SignaturePolicy,
    found: &mut Findings,
) {
    match check_signature(log, seq, r, signatures) {
        SignatureCheck::Signed(_) => found.report.signed += 1,
        SignatureCheck::Unsigned => {}
        SignatureCheck::Problem(message) => found.note(Some(seq), "signature".into(), message),
    }
    let computed = r.compute_hash();
    if computed != r.hash {
        found.note(
            Some(seq),
            "hash".into(),
            format!(
                "is {}, but the receipt's content hashes to {computed} (edited?)",
                r.hash
            ),
        );
    }
    let Some(prev) = prev.filter(|_| seq > 0) else {
        return;
    };
    if r.previous.as_deref() != Some(prev.hash.as_str()) {
        found.note(
            Some(seq),
            "previous".into(),
            format!(
                "is {}, but receipt {} has hash {} (re-ordered or replaced?)",
                r.previous.as_deref().unwrap_or("null"),
                seq - 1,
                prev.hash
            ),
        );
    }
    if r.state_in != carried_state(prev) {
        found.note(
            Some(seq),
            "state_in".into(),
            format!(
                "is {}, but receipt {} left state {}",
                r.state_in,
                seq - 1,
                carried_state(prev)
            ),
        );
    }
}
