//! A validator session: the epoch-to-epoch bookkeeping of a mechanism's runs.
//!
//! A [`Session`] carries the state and the receipt chain from each epoch to the
//! next, optionally appending every run to a run log ([`Log`]), and keeps the
//! determinism gate: a failure that is not a deterministic result (a native
//! stack overflow, a host error) is returned to the caller but neither logged
//! nor carried, so the next step retries the same epoch from the same state.
//! `imr run`, validator mode (`imr run --epochs`), the benches, the tests and
//! the Python package's `RunLog` all drive runs through it.
//!
//! ```no_run
//! use imr_host::session::{Session, Start};
//! # fn demo(mechanism: &imr_host::Mechanism, epochs: &[imr_host::epoch::EpochInput])
//! #     -> Result<(), Box<dyn std::error::Error>> {
//! let mut session = Session::open_log("run-log".as_ref(), imr_host::weights::Sdk::V11, Start::default())?;
//! let hashes: Vec<String> = epochs.iter().map(|e| e.hash()).collect();
//! let done = session.resume_point(mechanism, &hashes)?;
//! for epoch in &epochs[done..] {
//!     let stepped = session.step(mechanism, epoch)?;
//!     println!("receipt {:?}: {}", stepped.seq, stepped.executed.receipt.hash);
//! }
//! # Ok(()) }
//! ```

use std::path::Path;

use imr_weights::Sdk;

use crate::epoch::EpochInput;
use crate::mechanism::Mechanism;
use crate::runlog::{carried_state, Log, LogError};
use crate::runner::{execute, Executed};

/// Where a session starts when it is not continuing a run log.
#[derive(Debug, Clone, Default)]
pub struct Start {
    /// The state returned by the previous epoch (`None`: the first epoch, empty state).
    pub state: Option<Vec<u8>>,
    /// The previous receipt's hash, to chain the first receipt to it.
    pub previous: Option<String>,
}

/// Why a session cannot start, resume or step.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The run log failed.
    #[error(transparent)]
    Log(#[from] LogError),
    /// A receipt could not be signed.
    #[error("cannot sign the receipt: {0}")]
    Sign(String),
    /// A state was given for a log that already has one.
    #[error("a state cannot be given with a non-empty run log: the state comes from the log's last receipt")]
    StateWithLog,
    /// The previous receipt given is not the log's last one.
    #[error("the previous receipt given ({given}) is not the log's last one ({head})")]
    PreviousMismatch {
        /// The hash given.
        given: String,
        /// The log's head.
        head: String,
    },
    /// A previous receipt was given for an empty log.
    #[error("a previous receipt cannot start a new run log: its first receipt has no previous")]
    PreviousStartsLog,
    /// The log holds more receipts than there are epochs.
    #[error("the run log holds {logged} receipts but there are only {epochs} epochs")]
    LogLongerThanEpochs {
        /// Receipts in the log.
        logged: usize,
        /// Epochs given.
        epochs: usize,
    },
    /// A logged receipt ran another epoch than the one at its position.
    #[error("cannot resume: receipt {seq} ran epoch {logged}, but epoch {seq} hashes to {given}")]
    EpochMismatch {
        /// The receipt's (and the epoch's) position.
        seq: usize,
        /// The epoch hash in the receipt.
        logged: String,
        /// The hash of the epoch given at that position.
        given: String,
    },
    /// The log's receipts ran another component.
    #[error("cannot resume: the log's receipts ran component {logged}, not {given}")]
    ComponentMismatch {
        /// The component in the log's last receipt.
        logged: String,
        /// The component given.
        given: String,
    },
}

/// One step's result.
#[derive(Debug, Clone)]
pub struct Stepped {
    /// The run, its weights and its sealed receipt.
    pub executed: Executed,
    /// The receipt's number in the run log (`None` without a log, or when the
    /// run gave no result and was therefore not logged).
    pub seq: Option<u64>,
}

impl Stepped {
    /// Whether the run produced a deterministic result (an outcome or a
    /// deterministic failure, both with a receipt). `false` means *no result*:
    /// nothing was logged or carried, and the epoch should be retried.
    pub fn is_result(&self) -> bool {
        is_result(&self.executed)
    }
}

/// Whether `executed` is a deterministic result (see [`Stepped::is_result`]).
pub fn is_result(executed: &Executed) -> bool {
    !executed
        .run
        .result
        .as_ref()
        .is_err_and(|e| !e.deterministic())
}

/// A mechanism's runs from epoch to epoch (see the module docs).
#[derive(Debug)]
pub struct Session {
    log: Option<Log>,
    sdk: Sdk,
    state: Vec<u8>,
    previous: Option<String>,
    signer: Option<imr_signing::HotkeySigner>,
}

impl Session {
    /// A session without a run log, starting from `start`.
    pub fn new(sdk: Sdk, start: Start) -> Self {
        Self {
            log: None,
            sdk,
            state: start.state.unwrap_or_default(),
            previous: start.previous,
            signer: None,
        }
    }

    /// Signs every receipt this session appends from now on with `signer` (the validator's
    /// hotkey): `receipts/<n>.sig.json` beside each receipt. Without a run log there is
    /// nothing to sign into, and this has no effect.
    pub fn sign_with(&mut self, signer: imr_signing::HotkeySigner) {
        self.signer = Some(signer);
    }

    /// The ss58 address receipts are signed with, if any.
    pub fn signer(&self) -> Option<String> {
        self.signer.as_ref().map(|s| s.ss58_address())
    }

    /// A session appending to the run log at `path` (created when missing; its
    /// lock is held until the session is dropped). A non-empty log supplies the
    /// state and the previous receipt: `start` may then only repeat the head's
    /// hash. An empty log starts from `start.state` and cannot take a previous.
    pub fn open_log(path: &Path, sdk: Sdk, start: Start) -> Result<Self, SessionError> {
        let log = Log::open_append(path)?;
        let (state, previous) = match log.head()? {
            Some(head) => {
                if start.state.is_some() {
                    return Err(SessionError::StateWithLog);
                }
                if let Some(given) = start.previous.filter(|p| *p != head.hash) {
                    return Err(SessionError::PreviousMismatch {
                        given,
                        head: head.hash,
                    });
                }
                (log.blob("state", carried_state(&head))?, Some(head.hash))
            }
            None if start.previous.is_some() => return Err(SessionError::PreviousStartsLog),
            None => (start.state.unwrap_or_default(), None),
        };
        Ok(Self {
            log: Some(log),
            sdk,
            state,
            previous,
            signer: None,
        })
    }

    /// How many of `epochs` (canonical epoch hashes, in order) the run log
    /// already holds, after checking that its receipts ran exactly those epochs
    /// and this mechanism. 0 without a log or for an empty one.
    pub fn resume_point(
        &self,
        mechanism: &Mechanism,
        epochs: &[String],
    ) -> Result<usize, SessionError> {
        let Some(log) = &self.log else { return Ok(0) };
        let receipts = log.receipts()?;
        let Some(head) = receipts.last() else {
            return Ok(0);
        };
        if receipts.len() > epochs.len() {
            return Err(SessionError::LogLongerThanEpochs {
                logged: receipts.len(),
                epochs: epochs.len(),
            });
        }
        for (seq, (r, given)) in receipts.iter().zip(epochs).enumerate() {
            if r.epoch != *given {
                return Err(SessionError::EpochMismatch {
                    seq,
                    logged: r.epoch.clone(),
                    given: given.clone(),
                });
            }
        }
        if head.component != mechanism.id() {
            return Err(SessionError::ComponentMismatch {
                logged: head.component.clone(),
                given: mechanism.id().to_string(),
            });
        }
        Ok(receipts.len())
    }

    /// Runs `mechanism` on `input` from the carried state, chained to the
    /// previous receipt; appends the run to the log; carries its state (a
    /// failed epoch carries the state it was handed) and its receipt. A run
    /// that gives no result is returned unlogged and changes nothing.
    pub fn step(
        &mut self,
        mechanism: &Mechanism,
        input: &EpochInput,
    ) -> Result<Stepped, SessionError> {
        let executed = execute(
            mechanism,
            input,
            &self.state,
            self.previous.clone(),
            self.sdk,
        );
        if !is_result(&executed) {
            return Ok(Stepped {
                executed,
                seq: None,
            });
        }
        let seq = match &mut self.log {
            Some(log) => {
                let seq = log
                    .append(&executed.receipt, &executed.blobs(&self.state))?
                    .seq;
                if let Some(signer) = &self.signer {
                    let record = imr_signing::sign(signer, &executed.receipt.hash)
                        .map_err(|e| SessionError::Sign(e.to_string()))?;
                    log.put_signature(seq, &record)?;
                }
                Some(seq)
            }
            None => None,
        };
        if let Ok(outcome) = &executed.run.result {
            // Into the carried state's own buffer: no fresh allocation (and page faults) of a
            // large state per step.
            self.state.clone_from(&outcome.state);
        }
        self.previous = Some(executed.receipt.hash.clone());
        Ok(Stepped { executed, seq })
    }

    /// The state the next step starts from.
    pub fn state(&self) -> &[u8] {
        &self.state
    }

    /// The hash of the last receipt (the next one's `previous`), if any.
    pub fn head(&self) -> Option<&str> {
        self.previous.as_deref()
    }

    /// The SDK generation whose weight processing the session reproduces.
    pub fn sdk(&self) -> Sdk {
        self.sdk
    }

    /// Reproduces another SDK generation's weight processing from the next step on.
    pub fn set_sdk(&mut self, sdk: Sdk) {
        self.sdk = sdk;
    }

    /// The run log, when the session has one.
    pub fn log(&self) -> Option<&Log> {
        self.log.as_ref()
    }

    /// The number of receipts in the run log (0 without a log).
    pub fn len(&self) -> Result<u64, SessionError> {
        Ok(match &self.log {
            Some(log) => log.len()?,
            None => 0,
        })
    }

    /// Whether the run log holds no receipt (or there is no log).
    pub fn is_empty(&self) -> Result<bool, SessionError> {
        Ok(self.len()? == 0)
    }
}
