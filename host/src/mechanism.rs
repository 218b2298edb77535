//! A loaded mechanism component: admission at load, a fresh instance per run.

use std::path::Path;

use imr_types::{Epoch, Outcome};
use wasmtime::component::{
    types::ComponentItem, Component, ComponentExportIndex, Linker, TypedFunc,
};
use wasmtime::{Store, Trap};

use crate::bindings::{self, MechanismPre};
use crate::cache::{ArtifactCache, CacheOutcome, Lookup};
use crate::engine::{DeterministicEngine, MAX_WASM_STACK};
use crate::error::{LoadError, RunError};
use crate::guest_fault;
use crate::limits::cap_message;
use crate::lowering::{EpochRef, OutcomeOut};
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
#[derive(Clone)]
pub struct Mechanism {
    engine: DeterministicEngine,
    id: String,
    /// The largest initial size of a memory the component defines, in bytes.
    initial_memory: u64,
    bytes: std::sync::Arc<[u8]>,
    imports: Vec<String>,
    pre: MechanismPre<Sandbox>,
    /// The `score` export (the world check at load found it).
    score: ComponentExportIndex,
    /// Set once an instance of this component type-checked `score` as [`ScoreFunc`]; later
    /// instances skip the check (see [`Mechanism::score_func`]).
    score_checked: std::sync::Arc<std::sync::atomic::AtomicBool>,
    cache: CacheOutcome,
}

/// `score` as a run calls it: the epoch lowered from borrowed records ([`crate::lowering`]).
type ScoreFunc<'a> = TypedFunc<
    (EpochRef<'a>, &'a [u8]),
    (Result<OutcomeOut, bindings::imr::mechanism::types::MechanismError>,),
>;

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
        let max = engine.limits().compile.max_component_bytes;
        let bytes =
            crate::input_file::read_regular(path, max).map_err(|source| LoadError::Read {
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
        Self::load(engine, bytes, cache, true)
    }

    /// Like [`from_bytes`](Self::from_bytes) without the logical stack limit
    /// and without cache: only to measure the instrumentation's cost.
    #[doc(hidden)]
    pub fn from_bytes_uninstrumented(
        engine: &DeterministicEngine,
        bytes: &[u8],
    ) -> Result<Self, LoadError> {
        Self::load(engine, bytes, None, false)
    }

    fn load(
        engine: &DeterministicEngine,
        bytes: &[u8],
        cache: Option<&ArtifactCache>,
        stack_limit: bool,
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
        let id = crate::hashing::hash(bytes).to_hex().to_string();
        // A valid cache entry is the compiled, instrumented component of exactly these bytes under
        // this engine's compile settings and compile limits (its key holds them all, and one is
        // written only after the checks below passed): a hit skips the compile-limit check and the
        // stack-limit rewrite, which parse every function and were nearly all of a cached load.
        let (hit, miss) = match cache.filter(|_| stack_limit).map(|c| c.lookup(engine, &id)) {
            Some(Lookup::Hit(component)) => (Some(component), None),
            other => (None, other),
        };
        if hit.is_none() {
            // Bounded compilation: refuse what is over the compile limits before compiling.
            crate::compile_limits::check(bytes, &engine.limits().compile).map_err(|e| match e {
                crate::compile_limits::CompileLimitError::Malformed(m) => LoadError::Invalid(m),
                over => LoadError::OverCompileLimit(over),
            })?;
        }
        // The run limits are not in the cache key: checked on every load.
        let initial_memory = largest_initial_memory(bytes)?;
        check_initial_memory(initial_memory, engine)?;
        let (component, cache_outcome) = match hit {
            Some(component) => (component, CacheOutcome::Hit),
            None => {
                // What is compiled (and cached) is the instrumented component; its id stays the
                // original's hash.
                let wasm = crate::stack_limit::prepare(engine, bytes, stack_limit)?;
                match miss {
                    Some(lookup) => lookup.compile(engine, &wasm),
                    None => Component::new(engine.wasmtime(), &wasm)
                        .map(|c| (c, CacheOutcome::Disabled)),
                }
                .map_err(|e| LoadError::Invalid(format!("{e:#}")))?
            }
        };

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
        let score = component
            .get_export_index(None, "score")
            .ok_or_else(|| LoadError::WrongWorld("no `score` export".into()))?;
        let pre =
            MechanismPre::new(instance_pre).map_err(|e| LoadError::WrongWorld(format!("{e:#}")))?;
        Ok(Self {
            engine: engine.clone(),
            id,
            initial_memory,
            bytes: bytes.into(),
            imports,
            pre,
            score,
            score_checked: Default::default(),
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

    /// The component's bytes, shared (what a run's [`crate::RunBlobs`] hold).
    pub fn shared_bytes(&self) -> std::sync::Arc<[u8]> {
        self.bytes.clone()
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

    /// This mechanism (the same compiled component: nothing is recompiled) run with
    /// another fuel budget and memory cap (see [`DeterministicEngine::with_run_limits`]).
    pub fn with_run_limits(&self, fuel: u64, memory_bytes: u64) -> Result<Self, LoadError> {
        let engine = self.engine.with_run_limits(fuel, memory_bytes)?;
        check_initial_memory(self.initial_memory, &engine)?;
        Ok(Self {
            engine,
            ..self.clone()
        })
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
        self.instantiate(&mut store).map(|_| ())
    }

    /// A fresh instance in `store` and its `score` function.
    fn instantiate<'a>(&self, store: &mut Store<Sandbox>) -> Result<ScoreFunc<'a>, RunError> {
        let limits = *self.engine.limits();
        let instance = self
            .pre
            .instance_pre()
            .instantiate(&mut *store)
            .map_err(|e| classify(e, store, &limits, Phase::Instantiate))?;
        self.score_func(instance, store)
    }

    /// `score` of a fresh instance. The first instance of a loaded component type-checks it
    /// against [`ScoreFunc`] (the borrowed records of [`crate::lowering`] against the
    /// component's export); later ones skip that check, which was about 4% of a fresh
    /// instance (issue 12), since it cannot come out differently: every instance of one
    /// component has the same export types (the world has no resources, the only types that
    /// differ between instances).
    fn score_func<'a>(
        &self,
        instance: wasmtime::component::Instance,
        store: &mut Store<Sandbox>,
    ) -> Result<ScoreFunc<'a>, RunError> {
        use std::sync::atomic::Ordering;
        let host = |message: String| RunError::Host { message };
        if self.score_checked.load(Ordering::Relaxed) {
            let func = instance
                .get_func(&mut *store, self.score)
                .ok_or_else(|| host("the `score` export is not a function".into()))?;
            // SAFETY: an instance of this same component passed `get_typed_func` for this
            // export and these types (below) before the flag was set.
            return Ok(unsafe { ScoreFunc::new_unchecked(func) });
        }
        let typed = instance
            .get_typed_func(&mut *store, self.score)
            .map_err(|e| host(format!("{e:#}")))?;
        self.score_checked.store(true, Ordering::Relaxed);
        Ok(typed)
    }

    /// Runs one epoch on a fresh instance, on a thread with a large native stack
    /// (the calling thread's reused guest thread, see [`crate::guest_thread`]).
    pub fn run(&self, epoch: &Epoch, state: &[u8]) -> Run {
        crate::guest_thread::run_on_guest_thread(|| self.run_here(epoch, state))
            .unwrap_or_else(|e| self.host_failure(&e.to_string()))
    }

    pub(crate) fn host_failure(&self, message: &str) -> Run {
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
    pub(crate) fn run_here(&self, epoch: &Epoch, state: &[u8]) -> Run {
        self.run_keeping_store(epoch, state).0
    }

    /// [`run_here`](Self::run_here), handing back the run's store with the run instead of
    /// dropping it. Dropping a store resets its instance's pool memory (every page the run
    /// dirtied: about 0.6 ms after a 4096-miner time-series epoch), which
    /// [`crate::runner::execute`] does once it has handed the result on.
    pub(crate) fn run_keeping_store(&self, epoch: &Epoch, state: &[u8]) -> (Run, Store<Sandbox>) {
        let limits = *self.engine.limits();
        let mut store = Store::new(self.engine.wasmtime(), Sandbox::new(limits));
        store.limiter(|s| s);
        let mut result = (|| {
            store.set_fuel(limits.fuel).map_err(|e| RunError::Host {
                message: format!("{e:#}"),
            })?;
            let score = self.instantiate(&mut store)?;
            let (returned,) = score
                .call(&mut store, (EpochRef::new(epoch), state))
                .map_err(|e| classify(e, &store, &limits, Phase::Call))?;
            match returned {
                Ok(o) => Ok(Outcome {
                    scores: o.scores.0,
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
        let sandbox = store.data_mut();
        let run = Run {
            result,
            fuel_consumed,
            fuel_limit: limits.fuel,
            log: std::mem::take(&mut sandbox.log),
            log_dropped: sandbox.log_dropped,
        };
        (run, store)
    }
}

/// The largest initial size, in bytes, of a memory that a core module of the component
/// defines (imported memories are another module's).
fn largest_initial_memory(bytes: &[u8]) -> Result<u64, LoadError> {
    let mut largest = 0u64;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(|e| LoadError::Invalid(e.to_string()))?;
        if let wasmparser::Payload::MemorySection(memories) = payload {
            for memory in memories {
                let memory = memory.map_err(|e| LoadError::Invalid(e.to_string()))?;
                let page = 1u64 << memory.page_size_log2.unwrap_or(16);
                largest = largest.max(memory.initial.saturating_mul(page));
            }
        }
    }
    Ok(largest)
}

/// Refuses, when it loads, a component whose memories start over the run's memory cap
/// (it could not be instantiated).
fn check_initial_memory(initial: u64, engine: &DeterministicEngine) -> Result<(), LoadError> {
    let limit = engine.limits().memory_bytes;
    if initial > limit {
        return Err(LoadError::MemoryOverLimit { initial, limit });
    }
    Ok(())
}

/// Where a wasmtime error came from.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Creating the instance (pool slots, start functions).
    Instantiate,
    /// Calling `score`, lowering its arguments and lifting its result.
    Call,
}

/// Maps a wasmtime error to a typed run error: traps by their `Trap` variant, canonical ABI
/// faults of a call by [`guest_fault::abi_fault`]; anything else is a host failure.
fn classify(
    e: wasmtime::Error,
    store: &Store<Sandbox>,
    limits: &crate::Limits,
    phase: Phase,
) -> RunError {
    let sandbox = store.data();
    match e.downcast_ref::<Trap>() {
        Some(Trap::OutOfFuel) => RunError::OutOfFuel { limit: limits.fuel },
        Some(Trap::StackOverflow) => RunError::StackOverflow {
            limit_bytes: MAX_WASM_STACK as u64,
        },
        Some(Trap::UnreachableCodeReached) if crate::stack_limit::is_stack_limit_trap(&e) => {
            RunError::StackLimit {
                limit: u64::from(crate::stack_limit::per_instance_limit(limits.instances)),
            }
        }
        Some(&trap) => match (sandbox.memory_refused, guest_fault::trap_code(trap)) {
            // The allocator aborts (`unreachable`) when growth is refused.
            (Some(requested), _) => RunError::MemoryLimit {
                requested,
                limit: limits.memory_bytes,
            },
            (None, Some(trap)) => RunError::Trap {
                trap,
                message: sandbox.panic_message(),
            },
            (None, None) => RunError::Host {
                message: format!("{e:#}"),
            },
        },
        None => match guest_fault::abi_fault(&e).filter(|_| phase == Phase::Call) {
            Some(fault) => RunError::AbiFault { fault },
            None => RunError::Host {
                message: format!("{e:#}"),
            },
        },
    }
}

/// Converts an epoch to the borrowed records a run lowers ([`crate::lowering`]) and
/// drops them. For benchmarks (`boundary/*/to_wit_epoch`).
#[doc(hidden)]
pub fn convert_epoch_only(e: &Epoch) {
    drop(std::hint::black_box(EpochRef::new(e)));
}

/// Converts an epoch to the bindings' owned records, as every run did before the
/// epoch was lowered from borrowed records, and drops the copy. For benchmarks
/// (`boundary/*/to_wit_epoch_owned`).
#[doc(hidden)]
pub fn convert_epoch_owned_only(e: &Epoch) {
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
