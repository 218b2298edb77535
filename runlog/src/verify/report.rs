//! What verification reports: each problem located, and the counts.

/// One problem found, located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The receipt concerned, when there is one.
    pub receipt: Option<u64>,
    /// The field or blob concerned (`fuel_consumed`, `previous`, `blob 3fa2… (epoch)`).
    pub subject: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.receipt {
            Some(seq) => write!(f, "receipt {seq}: {}: {}", self.subject, self.message),
            None => write!(f, "{}: {}", self.subject, self.message),
        }
    }
}

/// What verifying a log found.
#[derive(Debug, Clone, Default)]
pub struct VerifyReport {
    /// Receipt files (including unreadable ones).
    pub receipts: u64,
    /// Blob files checked.
    pub blobs: u64,
    /// Receipts replayed.
    pub replayed: u64,
    /// Replays that reproduced the logged receipt exactly.
    pub identical: u64,
    /// Replays that did not.
    pub mismatched: u64,
    /// Replays that gave no result here (a non-deterministic error such as the native stack
    /// limit): those receipts are unverified, not shown to be tampered with.
    pub no_result: u64,
    /// Receipts whose signature verified (for the expected signer, when one was given).
    pub signed: u64,
    /// Missing receipts (gaps in the numbering) and missing blobs.
    pub missing: u64,
    /// Every problem, in receipt order.
    pub problems: Vec<Problem>,
    /// The last receipt's hash: compare it with the one the validator published.
    pub head: Option<String>,
}

impl VerifyReport {
    /// Whether the log verified without any problem.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// What verification has found so far: the counts and the problems (with the
/// receipt number they sort by).
#[derive(Default)]
pub(super) struct Findings {
    pub(super) report: VerifyReport,
    problems: Vec<(u64, Problem)>,
}

impl Findings {
    pub(super) fn note(&mut self, seq: Option<u64>, subject: String, message: String) {
        self.problems.push((
            seq.unwrap_or(u64::MAX),
            Problem {
                receipt: seq,
                subject,
                message,
            },
        ));
    }

    /// The report, problems in receipt order.
    pub(super) fn finish(mut self) -> VerifyReport {
        self.problems.sort_by_key(|(seq, _)| *seq);
        self.report.problems = self.problems.into_iter().map(|(_, p)| p).collect();
        self.report
    }
}
