//! The blobs of a log: every file against its name (on the blocking pool), and every blob a
//! receipt names present.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::report::Findings;
use super::VerifyError;
use crate::log::layout::is_blob_name;
use crate::log::{BlobState, Log};
use crate::receipt::Receipt;

/// Every blob the receipts name, with the (receipt, field) pairs naming it, in receipt order.
fn blob_references(
    receipts: &BTreeMap<u64, Receipt>,
) -> BTreeMap<String, Vec<(u64, &'static str)>> {
    let mut references: BTreeMap<String, Vec<(u64, &'static str)>> = BTreeMap::new();
    for (&seq, r) in receipts {
        let fields: [(&'static str, Option<&String>); 6] = [
            ("component", Some(&r.component)),
            ("epoch", Some(&r.epoch)),
            ("state_in", Some(&r.state_in)),
            ("state_out", r.state_out.as_ref()),
            ("outcome", r.outcome.as_ref()),
            ("log", Some(&r.log)),
        ];
        for (field, name) in fields {
            if let Some(name) = name {
                references
                    .entry(name.clone())
                    .or_default()
                    .push((seq, field));
            }
        }
    }
    references
}

/// Checks every blob file against its name (on the blocking pool) and every
/// reference for a file; returns each blob's state.
pub(super) async fn check_blobs(
    log: &Arc<Log>,
    receipts: &BTreeMap<u64, Receipt>,
    threads: usize,
    found: &mut Findings,
) -> Result<BTreeMap<String, BlobState>, VerifyError> {
    let names = log.blobs().list()?;
    found.report.blobs = names.len() as u64;
    let blob_states = hash_all(log, names, threads).await;
    let references = blob_references(receipts);
    note_bad_blobs(&blob_states, &references, found);
    note_missing_blobs(&blob_states, &references, found);
    Ok(blob_states)
}

/// Each blob file's state, `threads` chunks hashed at once on the blocking pool.
async fn hash_all(
    log: &Arc<Log>,
    names: Vec<String>,
    threads: usize,
) -> BTreeMap<String, BlobState> {
    let chunk = names.len().div_ceil(threads.max(1)).max(1);
    let mut checks = tokio::task::JoinSet::new();
    for part in names.chunks(chunk) {
        let part = part.to_vec();
        let log = log.clone();
        checks.spawn_blocking(move || {
            part.into_iter()
                .map(|n| {
                    let state = log.blobs().check(&n);
                    (n, state)
                })
                .collect::<Vec<_>>()
        });
    }
    let mut blob_states = BTreeMap::new();
    while let Some(done) = checks.join_next().await {
        if let Ok(states) = done {
            blob_states.extend(states);
        }
    }
    blob_states
}

/// Notes every corrupt or unreadable blob file, under the first receipt naming it.
fn note_bad_blobs(
    blob_states: &BTreeMap<String, BlobState>,
    references: &BTreeMap<String, Vec<(u64, &'static str)>>,
    found: &mut Findings,
) {
    for (name, state) in blob_states {
        let (seq, field) = references
            .get(name)
            .and_then(|r| r.first().copied())
            .map_or((None, String::new()), |(seq, field)| {
                (Some(seq), format!(" ({field})"))
            });
        match state {
            BlobState::Valid => {}
            BlobState::Corrupt(actual) => found.note(
                seq,
                format!("blob {name}{field}"),
                format!("is corrupt: its content hashes to {actual}"),
            ),
            BlobState::Unreadable(why) => found.note(
                seq,
                format!("blob {name}{field}"),
                format!("cannot be read: {why}"),
            ),
        }
    }
}

/// Notes every reference to a blob that has no file (or is no blob name at all).
fn note_missing_blobs(
    blob_states: &BTreeMap<String, BlobState>,
    references: &BTreeMap<String, Vec<(u64, &'static str)>>,
    found: &mut Findings,
) {
    for (name, refs) in references {
        if blob_states.contains_key(name) {
            continue;
        }
        for &(seq, field) in refs {
            if is_blob_name(name) {
                found.report.missing += 1;
                found.note(Some(seq), field.into(), format!("blob {name} is missing"));
            } else {
                found.note(
                    Some(seq),
                    field.into(),
                    format!("{name:?} is not a blob name (a path?); refused"),
                );
            }
        }
    }
}
