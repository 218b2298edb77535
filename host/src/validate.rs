//! Output validation: the contract every outcome must meet before it is used.

use imr_types::{Epoch, Outcome};

use crate::error::RunError;
use crate::limits::Limits;

/// Checks sizes, then every score: finite, non-negative, uid unique and among the
/// epoch's neurons. Returns the outcome with its scores sorted by uid.
pub fn validate_outcome(
    mut outcome: Outcome,
    epoch: &Epoch,
    limits: &Limits,
) -> Result<Outcome, RunError> {
    let too_large = |what: &str, size: usize, limit: usize| RunError::OutputTooLarge {
        what: what.to_string(),
        size: size as u64,
        limit: limit as u64,
    };
    if outcome.scores.len() > limits.max_scores {
        return Err(too_large(
            "scores (entries)",
            outcome.scores.len(),
            limits.max_scores,
        ));
    }
    if outcome.state.len() > limits.max_state_bytes {
        return Err(too_large(
            "state (bytes)",
            outcome.state.len(),
            limits.max_state_bytes,
        ));
    }
    if outcome.diagnostics.len() > limits.max_diagnostics_bytes {
        return Err(too_large(
            "diagnostics (bytes)",
            outcome.diagnostics.len(),
            limits.max_diagnostics_bytes,
        ));
    }
    for s in &outcome.scores {
        let bad = |reason: &str| RunError::InvalidOutput {
            uid: s.uid,
            value: format!("{:?}", s.score),
            reason: reason.to_string(),
        };
        if !s.score.is_finite() {
            return Err(bad("scores must be finite"));
        }
        if s.score < 0.0 {
            return Err(bad("scores must be non-negative"));
        }
        if epoch.neuron(s.uid).is_none() {
            return Err(bad("uid is not among the epoch's neurons"));
        }
    }
    outcome.scores.sort_by_key(|s| s.uid);
    if let Some(pair) = outcome.scores.windows(2).find(|p| p[0].uid == p[1].uid) {
        return Err(RunError::InvalidOutput {
            uid: pair[1].uid,
            value: format!("{:?}", pair[1].score),
            reason: format!("duplicate uid (also scored {:?})", pair[0].score),
        });
    }
    // -0.0 passes the checks above; store +0.0 so the bits are canonical.
    for s in &mut outcome.scores {
        if s.score == 0.0 {
            s.score = 0.0;
        }
    }
    Ok(outcome)
}
