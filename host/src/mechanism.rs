//! A loaded mechanism component: admission at load, a fresh instance per run.

use std::path::Path;

use imr_guest::{Epoch, Outcome, Scored};
use wasmtime::component::{types::ComponentItem, Component, Linker};
use wasmtime::{Store, Trap};

use crate::bindings::{self, MechanismPre};
use crate::cache::{ArtifactCache, CacheOutcome};
use crate::engine::{DeterministicEngine, MAX_WASM_STACK};
use crate::error::{LoadError, RunError};
use crate::limits::cap_message;
use crate::sandbox::{add_host_to_linker, LogLine, Sandbox};
use crate::validate::validate_outcome;

/// The interfaces a mechanism may import: the world's own.
pub const ALLOWED_IMPORTS: [&str; 2] = ["imr:mechanism/host@0.1.0", "imr:mechanism/types@0.1.0"];

/// What one run produced.
#[derive(Debug, Clone)]
pub struct Run {
    /// The validated outcome, or why there is none.
    pub result: Result<Outcome, RunError>,
    /// Fuel consumed (the whole budget when it ran out).
    pub fuel_consumed: u64,
    /// The fuel budget.
    pub fuel_limit: u64,
    /// Lines the guest logged (capped).
    pub log: Vec<LogLine>,
    /// Lines dropped over the log caps.
    pub log_dropped: u64,
}

/// A component admitted and compiled for an engine, ready to run.
pub struct Mechanism {
    engine: DeterministicEngine,
    id: String,
    bytes: std::sync::Arc<[u8]>,
    imports: Vec<String>,
    pre: MechanismPre<Sandbox>,
    cache: CacheOutcome,
}

impl std::fmt::Debug for Mechanism {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mechanism")
            .field("id", &self.id)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// Lists a component's imports by name.
pub fn component_imports(engine: &DeterministicEngine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine.wasmtime())
        .map(|(name, _)| name.to_string())
        .collect()
}

/// Lists a component's exports by name and kind.
pub fn component_exports(
    engine: &DeterministicEngine,
    component: &Component,
) -> Vec<(String, &'static str)> {
    component
        .component_type()
        .exports(engine.wasmtime())
        .map(|(name, item)| {
            let kind = match item.ty {
                ComponentItem::ComponentFunc(_) => "func",
                ComponentItem::CoreFunc(_) => "core func",
                ComponentItem::Module(_) => "module",
                ComponentItem::Component(_) => "component",
                ComponentItem::ComponentInstance(_) => "instance",
                ComponentItem::Type(_) => "type",
                ComponentItem::Resource(_) => "resource",
            };
            (name.to_string(), kind)
        })
        .collect()
}

impl Mechanism {
    /// Reads, admits and compiles a component file.
    pub fn from_file(
        engine: &DeterministicEngine,
        path: &Path,
        cache: Option<&ArtifactCache>,
    ) -> Result<Self, LoadError> {
        let bytes = std::fs::read(path).map_err(|source| LoadError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Self::from_bytes(engine, &bytes, cache)
    }

    /// Admits and compiles component bytes. Refuses core modules, invalid
    /// components, and components importing anything outside [`ALLOWED_IMPORTS`]
    /// (every offending import is named).
    pub fn from_bytes(
        engine: &DeterministicEngine,
        bytes: &[u8],
        cache: Option<&ArtifactCache>,
    ) -> Result<Self, LoadError> {
        if !wasmparser::Parser::is_component(bytes) {
            return Err(LoadError::Invalid(
                if wasmparser::Parser::is_core_wasm(bytes) {
                    "this is a core wasm module, not a component; build mechanisms with `imr build`"
                        .into()
                } else {
                    "not a WebAssembly binary (bad magic or version)".into()
                },
            ));
        }
        let id = blake3::hash(bytes).to_hex().to_string();
        let (component, cache_outcome) = match cache {
            Some(c) => c.load_or_compile(engine, &id, bytes),
            None => Component::new(engine.wasmtime(), bytes).map(|c| (c, CacheOutcome::Disabled)),
        }
        .map_err(|e| LoadError::Invalid(format!("{e:#}")))?;

        let imports = component_imports(engine, &component);
        let forbidden: Vec<String> = imports
            .iter()
            .filter(|i| !ALLOWED_IMPORTS.contains(&i.as_str()))
            .cloned()
            .collect();
        if !forbidden.is_empty() {
            return Err(LoadError::ForbiddenImports(forbidden));
        }

        let mut linker = Linker::<Sandbox>::new(engine.wasmtime());
        add_host_to_linker(&mut linker).map_err(|e| LoadError::Engine(format!("{e:#}")))?;
        let instance_pre = linker
            .instantiate_pre(&component)
            .map_err(|e| LoadError::WrongWorld(format!("{e:#}")))?;
        let pre =
            MechanismPre::new(instance_pre).map_err(|e| LoadError::WrongWorld(format!("{e:#}")))?;
        Ok(Self {
            engine: engine.clone(),
            id,
            bytes: bytes.into(),
            imports,
            pre,
            cache: cache_outcome,
        })
    }

    /// The component's blake3 (hex): its identity in receipts.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The component's size in bytes.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    /// The component's bytes (what its [`id`](Self::id) hashes; stored in run logs).
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The component's imports.
    pub fn imports(&self) -> &[String] {
        &self.imports
    }

    /// Whether loading hit the artifact cache.
    pub fn cache_outcome(&self) -> CacheOutcome {
        self.cache
    }

    /// The engine this mechanism was compiled for.
    pub fn engine(&self) -> &DeterministicEngine {
        &self.engine
    }

    /// Creates a fresh store and instance and drops them: what every run pays
    /// before the guest starts. For benchmarks.
    #[doc(hidden)]
    pub fn instantiate_only(&self) -> Result<(), RunError> {
        let limits = *self.engine.limits();
        let mut store = Store::new(self.engine.wasmtime(), Sandbox::new(limits));
        store.limiter(|s| s);
        store.set_fuel(limits.fuel).map_err(|e| RunError::Host {
            message: format!("{e:#}"),
        })?;
        self.pre
            .instantiate(&mut store)
            .map(|_| ())
            .map_err(|e| classify(e, &store, &limits))
    }

    /// Runs one epoch on a fresh instance, on a thread with a large native stack
    /// (the calling thread's reused guest thread, see [`crate::guest_thread`]).
    pub fn run(&self, epoch: &Epoch, state: &[u8]) -> Run {
        crate::guest_thread::run_on_guest_thread(|| self.run_here(epoch, state))
            .unwrap_or_else(|e| self.host_failure(&e.to_string()))
    }

    fn host_failure(&self, message: &str) -> Run {
        Run {
            result: Err(RunError::Host {
                message: message.to_string(),
            }),
            fuel_consumed: 0,
            fuel_limit: self.engine.limits().fuel,
            log: Vec::new(),
            log_dropped: 0,
        }
    }

    /// Runs one epoch on a fresh instance on the current thread.
    fn run_here(&self, epoch: &Epoch, state: &[u8]) -> Run {
        let limits = *self.engine.limits();
        let mut store = Store::new(self.engine.wasmtime(), Sandbox::new(limits));
        store.limiter(|s| s);
        let mut result = (|| {
            store.set_fuel(limits.fuel).map_err(|e| RunError::Host {
                message: format!("{e:#}"),
            })?;
            let instance = self
                .pre
                .instantiate(&mut store)
                .map_err(|e| classify(e, &store, &limits))?;
            let wit_epoch = to_wit_epoch(epoch);
            let returned = instance
                .call_score(&mut store, &wit_epoch, state)
                .map_err(|e| classify(e, &store, &limits))?;
            match returned {
                Ok(o) => Ok(Outcome {
                    scores: o
                        .scores
                        .into_iter()
                        .map(|s| Scored {
                            uid: s.uid,
                            score: s.score,
                        })
                        .collect(),
                    state: o.state,
                    diagnostics: o.diagnostics,
                }),
                Err(bindings::imr::mechanism::types::MechanismError::InvalidInput(m)) => {
                    Err(RunError::MechanismInvalidInput {
                        message: cap_message(&m, limits.max_error_bytes),
                    })
                }
                Err(bindings::imr::mechanism::types::MechanismError::Failed(m)) => {
                    Err(RunError::MechanismFailed {
                        message: cap_message(&m, limits.max_error_bytes),
                    })
                }
            }
        })();
        let fuel_consumed = match &result {
            Err(RunError::OutOfFuel { .. }) => limits.fuel,
            _ => limits.fuel - store.get_fuel().unwrap_or(0),
        };
        if let Ok(outcome) = result {
            result = validate_outcome(outcome, epoch, &limits);
        }
        let sandbox = store.into_data();
        Run {
            result,
            fuel_consumed,
            fuel_limit: limits.fuel,
            log: sandbox.log,
            log_dropped: sandbox.log_dropped,
        }
    }
}

/// Maps a wasmtime error to a typed run error, by `Trap` variant, never by text.
fn classify(e: wasmtime::Error, store: &Store<Sandbox>, limits: &crate::Limits) -> RunError {
    let sandbox = store.data();
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => RunError::OutOfFuel { limit: limits.fuel },
        Some(Trap::StackOverflow) => RunError::StackOverflow {
            limit_bytes: MAX_WASM_STACK as u64,
        },
        Some(trap) => {
            if let Some(requested) = sandbox.memory_refused {
                // The allocator aborts (`unreachable`) when growth is refused.
                RunError::MemoryLimit {
                    requested,
                    limit: limits.memory_bytes,
                }
            } else {
                RunError::Trap {
                    trap: format!("{trap:?}"),
                    message: sandbox.panic_message(),
                }
            }
        }
        None => RunError::Host {
            message: format!("{e:#}"),
        },
    }
}

/// Converts an epoch to the bindings' owned records, as every run does before
/// lowering it, and drops the copy. For benchmarks.
#[doc(hidden)]
pub fn convert_epoch_only(e: &Epoch) {
    drop(std::hint::black_box(to_wit_epoch(e)));
}

fn to_wit_epoch(e: &Epoch) -> bindings::Epoch {
    use bindings::imr::mechanism::types as t;
    t::Epoch {
        netuid: e.netuid,
        block: e.block,
        seed: e.seed.clone(),
        neurons: e
            .neurons
            .iter()
            .map(|n| t::Neuron {
                uid: n.uid,
                hotkey: n.hotkey.clone(),
                stake: n.stake,
                registered_at_block: n.registered_at_block,
                validator_permit: n.validator_permit,
            })
            .collect(),
        task: e.task.clone(),
        responses: e
            .responses
            .iter()
            .map(|r| t::Response {
                uid: r.uid,
                payload: r.payload.clone(),
                latency_ms: r.latency_ms,
            })
            .collect(),
        params: e.params.clone(),
    }
}
