//! Replay: re-execute a logged receipt's run from the log's blobs and compare
//! the receipt it produces with the logged one, field by field (the comparison,
//! [`compare`] and [`ReplayReport`], is `imr_runlog::compare`'s).
//!
//! The replay uses the receipt's own fuel and memory limits, the SDK generation
//! its weights record names, and its `previous` hash, so an honest receipt is
//! reproduced exactly, hash included. The engine fingerprint is compared apart
//! from the results: a receipt made under another fingerprint is still replayed,
//! and the report says whether the results nevertheless agree.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, OnceLock};

use imr_weights::Sdk;

use crate::cache::ArtifactCache;
use crate::engine::{Backend, DeterministicEngine};
use crate::epoch::EpochInput;
use crate::error::LoadError;
use crate::limits::Limits;
use crate::mechanism::Mechanism;
use crate::receipt::Receipt;
use crate::runlog::{Log, LogError};
use crate::runner::execute;

pub use imr_runlog::compare::{compare, Difference, ReplayReport};
use imr_runlog::verify::{Rerun, RerunError};

/// Why a receipt could not be replayed at all.
#[derive(Debug, thiserror::Error)]
pub enum ReplayError {
    /// The receipt has a format this version cannot reproduce.
    #[error(transparent)]
    Format(crate::receipt::UnknownFormat),
    /// A blob or receipt could not be read from the log.
    #[error(transparent)]
    Log(#[from] LogError),
    /// The replay engine could not be built.
    #[error("cannot build the replay engine: {0}")]
    Engine(LoadError),
    /// The logged component cannot be loaded.
    #[error("the logged component {name} cannot be loaded: {source}")]
    Component {
        /// The component's blake3.
        name: String,
        /// The cause.
        source: LoadError,
    },
    /// The logged epoch blob does not decode.
    #[error("the logged epoch {name} does not decode: {message}")]
    Epoch {
        /// The epoch blob's blake3.
        name: String,
        /// What is wrong.
        message: String,
    },
}

/// How to replay.
#[derive(Debug, Clone, Default)]
pub struct ReplayOptions {
    /// The code generator (Pulley must give the same results as Cranelift).
    pub backend: Backend,
    /// The compiled-artifact cache, if any.
    pub cache: Option<ArtifactCache>,
}

/// The SDK generation to replay a receipt with: the one its weights record names. A receipt
/// without weights (the run failed before the pipeline) names none; its replay is then judged
/// on the mechanism's result, and the generation only matters if the replay unexpectedly
/// succeeds, which is a difference whichever generation runs: 11.x, the default, is used.
pub fn receipt_sdk(receipt: &Receipt) -> Sdk {
    receipt.sdk().unwrap_or_default()
}

type MechanismKey = (String, u64, u64);

/// The mechanisms a replayer keeps.
#[derive(Debug, Default)]
struct Mechanisms {
    /// Each component compiled, by its blake3.
    compiled: BTreeMap<String, Arc<Mechanism>>,
    /// Each (component, fuel limit, memory limit) a receipt named.
    limited: BTreeMap<MechanismKey, Arc<Mechanism>>,
}

/// Replays receipts, compiling each logged component once (for one engine) and
/// running it with each receipt's fuel and memory limits. Shareable across threads.
#[derive(Debug)]
pub struct Replayer {
    options: ReplayOptions,
    engine: OnceLock<DeterministicEngine>,
    mechanisms: Mutex<Mechanisms>,
}

impl Replayer {
    /// A replayer with these options.
    pub fn new(options: ReplayOptions) -> Self {
        Self {
            options,
            engine: OnceLock::new(),
            mechanisms: Mutex::new(Mechanisms::default()),
        }
    }

    /// The engine every component is compiled for: the default limits, the memory cap
    /// at its maximum so that any component a receipt's cap admits loads (each receipt's
    /// own fuel and memory limits are applied per run).
    fn engine(&self) -> Result<&DeterministicEngine, ReplayError> {
        if let Some(engine) = self.engine.get() {
            return Ok(engine);
        }
        let limits = Limits {
            memory_bytes: crate::limits::MAX_MEMORY_BYTES,
            ..Limits::default()
        };
        let engine =
            DeterministicEngine::with(self.options.backend, limits).map_err(ReplayError::Engine)?;
        Ok(self.engine.get_or_init(|| engine))
    }

    /// The mechanism a receipt ran: its component from the log (compiled once per
    /// component), with the receipt's fuel and memory limits.
    pub fn mechanism(&self, log: &Log, receipt: &Receipt) -> Result<Arc<Mechanism>, ReplayError> {
        let key = (
            receipt.component.clone(),
            receipt.fuel_limit,
            receipt.memory_limit,
        );
        let mut map = self.mechanisms.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(m) = map.limited.get(&key) {
            return Ok(m.clone());
        }
        let component_error = |source| ReplayError::Component {
            name: receipt.component.clone(),
            source,
        };
        let compiled = map.compiled.get(&receipt.component).cloned();
        let compiled = match compiled {
            Some(m) => m,
            None => {
                let bytes = log.blob("component", &receipt.component)?;
                let engine = self.engine()?;
                let m = Mechanism::from_bytes(engine, &bytes, self.options.cache.as_ref());
                Arc::new(m.map_err(component_error)?)
            }
        };
        map.compiled
            .insert(receipt.component.clone(), compiled.clone());
        let limited = compiled.with_run_limits(receipt.fuel_limit, receipt.memory_limit);
        let mechanism = Arc::new(limited.map_err(|e| match e {
            LoadError::Engine(_) => ReplayError::Engine(e),
            other => component_error(other),
        })?);
        map.limited.insert(key, mechanism.clone());
        Ok(mechanism)
    }

    /// Replays one receipt from the log's blobs.
    pub fn replay(&self, log: &Log, receipt: &Receipt) -> Result<ReplayReport, ReplayError> {
        receipt.check_format().map_err(ReplayError::Format)?;
        let mechanism = self.mechanism(log, receipt)?;
        let epoch_bytes = log.blob("epoch", &receipt.epoch)?;
        let input =
            EpochInput::from_canonical_bytes(&epoch_bytes).map_err(|e| ReplayError::Epoch {
                name: receipt.epoch.clone(),
                message: e.to_string(),
            })?;
        let state_in = log.blob("state_in", &receipt.state_in)?;
        let executed = execute(
            &mechanism,
            &input,
            &state_in,
            receipt.previous.clone(),
            receipt_sdk(receipt),
        );
        let replayed = executed
            .receipt
            .in_format(&receipt.format)
            .map_err(ReplayError::Format)?;
        Ok(compare(receipt, replayed))
    }
}

/// Replays one receipt of `log` (see the module docs).
pub fn replay(
    log: &Log,
    receipt: &Receipt,
    options: &ReplayOptions,
) -> Result<ReplayReport, ReplayError> {
    Replayer::new(options.clone()).replay(log, receipt)
}

/// Verification's re-runs (`imr_runlog::verify`) are this replayer's replays.
impl Rerun for Replayer {
    fn rerun(&self, log: &Log, receipt: &Receipt) -> Result<ReplayReport, RerunError> {
        self.replay(log, receipt).map_err(Into::into)
    }

    /// At most as many replays at once as the engine's instance pool holds: more would
    /// fail to instantiate, and an honest receipt would look tampered with.
    fn max_concurrent(&self) -> usize {
        crate::engine::POOL_INSTANCES as usize
    }
}
