//! The deterministic wasmtime engine and its fingerprint (DESIGN.md §3).

use serde::{Deserialize, Serialize};
use wasmtime::{
    Config, Engine, InstanceAllocationStrategy, ModuleVersionStrategy, OperatorCost, OptLevel,
    PoolingAllocationConfig, Strategy,
};

use wasmparser::WasmFeatures;

use crate::error::LoadError;
use crate::limits::Limits;

/// The version of wasmtime imr is built with. Changing it is a consensus change.
pub const WASMTIME_VERSION: &str = "48.0.8";
/// imr's own version.
pub const IMR_VERSION: &str = env!("CARGO_PKG_VERSION");
/// The host protocol version: bumped whenever the host's semantics (fuel costs,
/// limits, encodings) change, so cached artifacts and receipts are told apart.
pub const PROTOCOL_VERSION: u32 = 1;

/// Fuel charged per 64 KiB page of `memory.grow`.
pub const MEMORY_GROW_FUEL_PER_PAGE: u8 = 64;
/// Fuel charged per host `log` call, plus one unit per message byte.
pub const LOG_CALL_FUEL: u64 = 1_000;
/// The maximum wasm stack, in native bytes.
pub const MAX_WASM_STACK: usize = 8 << 20;
/// The native stack of the thread that runs guests: well above `MAX_WASM_STACK`.
pub const RUN_THREAD_STACK: usize = 32 << 20;
/// Concurrent instances the pooling allocator reserves.
pub const POOL_INSTANCES: u32 = 16;

/// The code generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// Cranelift native code: the default.
    #[default]
    Cranelift,
    /// Pulley, wasmtime's portable interpreter: same results and fuel, about 20x slower.
    Pulley,
}

impl std::fmt::Display for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Cranelift => "cranelift",
            Self::Pulley => "pulley",
        })
    }
}

pub use imr_runlog::Fingerprint;

/// A wasmtime engine configured for deterministic, metered execution, and the
/// limits of the runs it makes.
///
/// The fuel budget and the memory cap are limits of a run's `Store`, not of the
/// wasmtime engine: [`with_run_limits`](Self::with_run_limits) gives the same
/// compiled engine other run limits (what replaying receipts made under several
/// limits needs), and the fingerprint still records them.
#[derive(Clone)]
pub struct DeterministicEngine {
    engine: Engine,
    backend: Backend,
    limits: Limits,
    fingerprint: Fingerprint,
    /// The wasmtime configuration's description (the `limits.*` lines apart).
    config_description: String,
    description: String,
    /// [`compile_hash`](Self::compile_hash) and [`compatibility_hash`](Self::compatibility_hash),
    /// computed once: a cached load needs both (the artifact cache's key).
    compile_hash: String,
    compatibility_hash: String,
}

impl std::fmt::Debug for DeterministicEngine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeterministicEngine")
            .field("backend", &self.backend)
            .field("fingerprint", &self.fingerprint)
            .finish()
    }
}

impl DeterministicEngine {
    /// An engine with the default limits and Cranelift.
    pub fn new() -> Result<Self, LoadError> {
        Self::with(Backend::Cranelift, Limits::default())
    }

    /// An engine with this backend and these limits.
    pub fn with(backend: Backend, limits: Limits) -> Result<Self, LoadError> {
        check_run_limits(limits.fuel, limits.memory_bytes)?;
        let (config, config_description) = config(backend, &limits)?;
        let engine = Engine::new(&config).map_err(|e| LoadError::Engine(format!("{e:#}")))?;
        Ok(Self::describe(engine, backend, limits, config_description))
    }

    /// This engine (the same compiled wasmtime engine, so mechanisms loaded for it run
    /// unchanged) with another fuel budget and memory cap per run. The fingerprint
    /// records them, as [`with`](Self::with) would.
    pub fn with_run_limits(&self, fuel: u64, memory_bytes: u64) -> Result<Self, LoadError> {
        check_run_limits(fuel, memory_bytes)?;
        let limits = Limits {
            fuel,
            memory_bytes,
            ..self.limits
        };
        Ok(Self::describe(
            self.engine.clone(),
            self.backend,
            limits,
            self.config_description.clone(),
        ))
    }

    fn describe(
        engine: Engine,
        backend: Backend,
        limits: Limits,
        config_description: String,
    ) -> Self {
        let description = format!("{config_description}{}", describe_limits(&limits));
        // The fingerprint covers what changes results or fuel: every setting, the
        // cost table and the limits, and the versions. The backend is part of the
        // description but deliberately not of the fingerprint: Pulley and
        // Cranelift must agree (a test proves it), so receipts from either compare.
        let semantic = description.replace(&format!("backend={backend}\n"), "");
        let fingerprint = Fingerprint {
            imr_version: IMR_VERSION.to_string(),
            wasmtime_version: WASMTIME_VERSION.to_string(),
            protocol: PROTOCOL_VERSION,
            config_hash: blake3::hash(semantic.as_bytes()).to_hex().to_string(),
        };
        let compile_hash = compile_hash(&config_description, backend, &limits);
        let compatibility_hash = compatibility_hash(&engine);
        Self {
            engine,
            backend,
            limits,
            fingerprint,
            config_description,
            description,
            compile_hash,
            compatibility_hash,
        }
    }

    /// The underlying wasmtime engine.
    pub fn wasmtime(&self) -> &Engine {
        &self.engine
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The limits every run gets.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// The logical stack limit of one core instance, in logical bytes (see [`crate::stack_limit`]).
    pub fn stack_limit(&self) -> u32 {
        crate::stack_limit::per_instance_limit(self.limits.instances)
    }

    /// The fingerprint recorded in receipts.
    pub fn fingerprint(&self) -> &Fingerprint {
        &self.fingerprint
    }

    /// blake3 of what a compiled component depends on: the configuration and the
    /// limits, except the run limits (fuel, memory cap) that each run's store
    /// applies. The artifact cache keys entries by it.
    pub fn compile_hash(&self) -> String {
        self.compile_hash.clone()
    }

    /// The canonical, human-readable description of the configuration (one `key=value` per line).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// A fixed hash of `Engine::precompile_compatibility_hash`, stable for this host binary.
    pub fn compatibility_hash(&self) -> String {
        self.compatibility_hash.clone()
    }
}

/// [`DeterministicEngine::compile_hash`].
fn compile_hash(config_description: &str, backend: Backend, limits: &Limits) -> String {
    let run_limits = Limits {
        fuel: 0,
        memory_bytes: 0,
        ..*limits
    };
    let text = format!(
        "{}{}",
        config_description.replace(&format!("backend={backend}\n"), ""),
        describe_limits(&run_limits)
    );
    blake3::hash(text.as_bytes()).to_hex().to_string()
}

/// [`DeterministicEngine::compatibility_hash`].
fn compatibility_hash(engine: &Engine) -> String {
    struct Blake3Hasher(blake3::Hasher);
    impl std::hash::Hasher for Blake3Hasher {
        fn finish(&self) -> u64 {
            let h = self.0.finalize();
            u64::from_le_bytes(h.as_bytes()[..8].try_into().expect("8 bytes"))
        }
        fn write(&mut self, bytes: &[u8]) {
            self.0.update(bytes);
        }
    }
    use std::hash::Hash;
    let mut h = Blake3Hasher(blake3::Hasher::new());
    engine.precompile_compatibility_hash().hash(&mut h);
    h.0.finalize().to_hex().to_string()
}

/// Builds the wasmtime config and its canonical description.
fn config(backend: Backend, limits: &Limits) -> Result<(Config, String), LoadError> {
    let mut d = String::new();
    let mut note = |k: &str, v: &dyn std::fmt::Display| {
        d.push_str(k);
        d.push('=');
        d.push_str(&v.to_string());
        d.push('\n');
    };
    let mut c = Config::new();

    c.strategy(Strategy::Cranelift);
    note("backend", &backend);
    if backend == Backend::Pulley {
        c.target("pulley64")
            .map_err(|e| LoadError::Engine(format!("pulley target: {e:#}")))?;
    }
    c.cranelift_opt_level(OptLevel::Speed);
    note("cranelift_opt_level", &"speed");
    c.cranelift_nan_canonicalization(true);
    note("cranelift_nan_canonicalization", &true);

    // Proposals: every one set explicitly.
    c.wasm_component_model(true);
    note("wasm_component_model", &true);
    c.concurrency_support(false);
    note("concurrency_support", &false);
    c.wasm_bulk_memory(true);
    note("wasm_bulk_memory", &true);
    // Setters that need wasmtime's `gc` cargo feature (off) go through `wasm_features`.
    c.wasm_features(WasmFeatures::REFERENCE_TYPES, true);
    note("wasm_reference_types", &true);
    c.wasm_multi_value(true);
    note("wasm_multi_value", &true);
    c.wasm_simd(false);
    note("wasm_simd", &false);
    c.wasm_relaxed_simd(false);
    note("wasm_relaxed_simd", &false);
    c.relaxed_simd_deterministic(true);
    note("relaxed_simd_deterministic", &true);
    c.wasm_memory64(false);
    note("wasm_memory64", &false);
    c.wasm_multi_memory(false);
    note("wasm_multi_memory", &false);
    c.wasm_tail_call(false);
    note("wasm_tail_call", &false);
    c.wasm_stack_switching(false);
    note("wasm_stack_switching", &false);
    c.wasm_custom_page_sizes(false);
    note("wasm_custom_page_sizes", &false);
    c.wasm_wide_arithmetic(false);
    note("wasm_wide_arithmetic", &false);
    c.wasm_features(WasmFeatures::FUNCTION_REFERENCES, false);
    note("wasm_function_references", &false);
    c.wasm_features(WasmFeatures::GC, false);
    note("wasm_gc", &false);
    c.wasm_features(WasmFeatures::EXCEPTIONS, false);
    note("wasm_exceptions", &false);
    c.wasm_features(WasmFeatures::LEGACY_EXCEPTIONS, false);
    note("wasm_legacy_exceptions", &false);
    c.wasm_features(WasmFeatures::SHARED_EVERYTHING_THREADS, false);
    note("wasm_shared_everything_threads", &false);
    c.wasm_extended_const(false);
    note("wasm_extended_const", &false);
    // threads: the `threads` cargo feature is off, so shared memories are refused.
    note("wasm_threads", &false);

    // Metering: fuel only; epochs are wall-clock and not deterministic.
    c.consume_fuel(true);
    note("consume_fuel", &true);
    c.epoch_interruption(false);
    note("epoch_interruption", &false);
    let mut cost = OperatorCost::new();
    cost.variable.memory_grow_per_page = MEMORY_GROW_FUEL_PER_PAGE;
    c.operator_cost(cost);
    note("operator_cost", &"default");
    note("memory_grow_fuel_per_page", &MEMORY_GROW_FUEL_PER_PAGE);
    note("log_call_fuel", &LOG_CALL_FUEL);

    c.max_wasm_stack(MAX_WASM_STACK);
    note("max_wasm_stack", &MAX_WASM_STACK);
    crate::stack_limit::describe(limits, &mut note);
    // The stack limit's trap is recognised by the trapping frame's name.
    c.wasm_backtrace_max_frames(std::num::NonZeroUsize::new(20));
    // wasmtime 48 checks max_wasm_stack <= async_stack_size even without async.
    c.async_stack_size(MAX_WASM_STACK + (2 << 20));

    let mut pool = PoolingAllocationConfig::default();
    pool.total_component_instances(POOL_INSTANCES)
        .total_core_instances(POOL_INSTANCES * limits.instances as u32)
        .total_memories(POOL_INSTANCES * limits.memories as u32)
        .total_tables(POOL_INSTANCES * limits.tables as u32)
        .max_memories_per_module(limits.memories as u32)
        .max_tables_per_module(limits.tables as u32)
        .max_core_instances_per_component(limits.instances as u32)
        .max_memories_per_component(limits.memories as u32)
        .max_tables_per_component(limits.tables as u32)
        .table_elements(limits.table_elements)
        // The memory cap is the run's (the store's limiter, `Sandbox`): the pool's slots
        // hold the largest memory any run may have.
        .max_memory_size(crate::limits::MAX_MEMORY_BYTES as usize);
    // Performance only, not in the fingerprint: see the module.
    crate::slot_reuse::tune(&mut pool);
    c.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
    c.memory_init_cow(true);
    c.module_version(ModuleVersionStrategy::WasmtimeVersion)
        .map_err(|e| LoadError::Engine(format!("{e:#}")))?;
    Ok((c, d))
}

/// Refuses run limits over the maxima (what `imr run --fuel`/`--memory-mib` and a
/// replayed receipt may ask for).
fn check_run_limits(fuel: u64, memory_bytes: u64) -> Result<(), LoadError> {
    if memory_bytes > crate::limits::MAX_MEMORY_BYTES {
        return Err(LoadError::Engine(format!(
            "memory limit of {} bytes is over the maximum of {} MiB (4 GiB: what a 32-bit wasm memory can address)",
            memory_bytes,
            crate::limits::MAX_MEMORY_BYTES >> 20
        )));
    }
    if fuel > crate::limits::MAX_FUEL {
        return Err(LoadError::Engine(format!(
            "fuel limit of {} is over the maximum of {} (100 times the default)",
            fuel,
            crate::limits::MAX_FUEL
        )));
    }
    Ok(())
}

/// The `limits.*` lines of the description, in their fixed order.
fn describe_limits(limits: &Limits) -> String {
    let mut d = String::new();
    let mut note = |k: &str, v: &dyn std::fmt::Display| {
        d.push_str(k);
        d.push('=');
        d.push_str(&v.to_string());
        d.push('\n');
    };
    note("limits.fuel", &limits.fuel);
    note("limits.memory_bytes", &limits.memory_bytes);
    note("limits.table_elements", &limits.table_elements);
    note("limits.instances", &limits.instances);
    note("limits.tables", &limits.tables);
    note("limits.memories", &limits.memories);
    note("limits.max_scores", &limits.max_scores);
    note("limits.max_state_bytes", &limits.max_state_bytes);
    note(
        "limits.max_diagnostics_bytes",
        &limits.max_diagnostics_bytes,
    );
    note("limits.max_log_lines", &limits.max_log_lines);
    note("limits.max_log_bytes", &limits.max_log_bytes);
    note("limits.max_error_bytes", &limits.max_error_bytes);
    for (name, value) in limits.compile.entries() {
        note(&format!("limits.compile.{name}"), &value);
    }
    d
}
