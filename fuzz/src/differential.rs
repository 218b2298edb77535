//! wasm-smith modules under imr's engine configuration: Cranelift against
//! Pulley, and the logical stack limit's rewrite against the original.

use std::sync::OnceLock;

use arbitrary::Unstructured;
use imr_host::{Backend, DeterministicEngine, Limits};
use wasmtime::{Extern, Instance, Module, Store, Trap, Val};

use crate::Finding;

/// Fuel for one module's whole run (all its exported functions).
pub const FUEL: u64 = 2_000_000;
/// The logical stack limit the instrumented variant gets (small, so it is hit).
pub const STACK_LIMIT: u32 = 16 << 10;

/// wasm-smith's configuration restricted to what imr's engine accepts.
pub fn config(u: &mut Unstructured<'_>) -> arbitrary::Result<wasm_smith::Config> {
    let mut c = wasm_smith::Config {
        simd_enabled: false,
        relaxed_simd_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        memory64_enabled: false,
        tail_call_enabled: false,
        gc_enabled: false,
        exceptions_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        bulk_memory_enabled: true,
        // externref needs wasmtime's `gc` feature, off in imr: reference types stay off here.
        reference_types_enabled: false,
        multi_value_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        max_memories: 1,
        max_tables: 2,
        max_memory32_bytes: 16 << 20,
        max_table_elements: 1_000,
        max_imports: 0,
        min_funcs: 1,
        max_funcs: u.int_in_range(1..=20)?,
        max_instructions: u.int_in_range(1..=200)?,
        export_everything: true,
        allow_start_export: false,
        ..wasm_smith::Config::default()
    };
    c.canonicalize_nans = false;
    Ok(c)
}

/// What one run of a module showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// Per exported function, in export order: its results as bits, or how it failed.
    pub calls: Vec<Result<Vec<u128>, String>>,
    /// Fuel consumed over all the calls.
    pub fuel: u64,
    /// blake3 of every exported memory and the exported globals, after the calls.
    pub state_hash: String,
}

fn engine(backend: Backend) -> &'static DeterministicEngine {
    static ENGINES: OnceLock<[DeterministicEngine; 2]> = OnceLock::new();
    let engines = ENGINES.get_or_init(|| {
        let limits = Limits {
            fuel: FUEL,
            ..Limits::default()
        };
        [
            DeterministicEngine::with(Backend::Cranelift, limits).expect("engine"),
            DeterministicEngine::with(Backend::Pulley, limits).expect("engine"),
        ]
    });
    &engines[usize::from(backend == Backend::Pulley)]
}

fn val_bits(v: &Val) -> u128 {
    match v {
        Val::I32(x) => *x as u32 as u128,
        Val::I64(x) => *x as u64 as u128,
        Val::F32(x) => *x as u128,
        Val::F64(x) => *x as u128,
        Val::V128(x) => x.as_u128(),
        Val::FuncRef(f) => u128::from(f.is_some()),
        Val::ExternRef(r) => u128::from(r.is_some()),
        _ => u128::MAX,
    }
}

fn failure(e: &wasmtime::Error) -> String {
    if imr_host::stack_limit::is_stack_limit_trap(e) {
        return "stack_limit".into();
    }
    match e.downcast_ref::<Trap>() {
        Some(t) => format!("{t:?}"),
        None => "error".into(),
    }
}

/// Runs `wasm` on `backend`: instantiates it and calls every exported function
/// with zero arguments, in export order, in one store.
pub fn observe(wasm: &[u8], backend: Backend) -> Result<Observation, String> {
    let engine = engine(backend);
    let module = Module::new(engine.wasmtime(), wasm).map_err(|e| format!("compile: {e:#}"))?;
    let mut store = Store::new(engine.wasmtime(), ());
    store.set_fuel(FUEL).map_err(|e| e.to_string())?;
    let mut calls = Vec::new();
    let instance = match Instance::new(&mut store, &module, &[]) {
        Ok(i) => i,
        Err(e) => {
            calls.push(Err(format!("instantiate: {}", failure(&e))));
            return Ok(Observation {
                calls,
                fuel: FUEL - store.get_fuel().unwrap_or(0),
                state_hash: String::new(),
            });
        }
    };
    let exports: Vec<(String, Extern)> = instance
        .exports(&mut store)
        .map(|e| (e.name().to_string(), e.into_extern()))
        .collect();
    for (_, ext) in &exports {
        let Extern::Func(f) = ext else { continue };
        let ty = f.ty(&store);
        let args: Vec<Val> = ty
            .params()
            .map(|p| Val::default_for_ty(&p).unwrap_or(Val::I32(0)))
            .collect();
        let mut results: Vec<Val> = ty
            .results()
            .map(|r| Val::default_for_ty(&r).unwrap_or(Val::I32(0)))
            .collect();
        let r = f.call(&mut store, &args, &mut results);
        calls.push(
            r.map(|()| results.iter().map(val_bits).collect())
                .map_err(|e| failure(&e)),
        );
        if store.get_fuel().unwrap_or(0) == 0 {
            break;
        }
    }
    let mut h = blake3::Hasher::new();
    for (name, ext) in &exports {
        match ext {
            Extern::Memory(m) => {
                h.update(name.as_bytes());
                h.update(m.data(&store));
            }
            Extern::Global(g) => {
                h.update(name.as_bytes());
                h.update(&val_bits(&g.get(&mut store)).to_le_bytes());
            }
            _ => {}
        }
    }
    Ok(Observation {
        calls,
        fuel: FUEL - store.get_fuel().unwrap_or(0),
        state_hash: h.finalize().to_hex().to_string(),
    })
}

/// The differential target (see the crate documentation).
pub fn run(data: &[u8]) -> Result<(), Finding> {
    let mut u = Unstructured::new(data);
    let Ok(config) = config(&mut u) else {
        return Ok(());
    };
    let Ok(module) = wasm_smith::Module::new(config, &mut u) else {
        return Ok(());
    };
    let wasm = module.to_bytes();
    let instrumented = imr_host::stack_limit::instrument_module(&wasm, STACK_LIMIT)
        .map_err(|e| Finding(format!("instrumenting a valid module failed: {e}")))?
        .into_owned();
    // Wasm recursion runs on the native stack: the guest thread's size.
    let observed = std::thread::scope(|s| {
        std::thread::Builder::new()
            .stack_size(imr_host::engine::RUN_THREAD_STACK)
            .spawn_scoped(s, || {
                [&wasm, &instrumented]
                    .map(|w| [Backend::Cranelift, Backend::Pulley].map(|b| observe(w, b)))
            })
            .expect("thread")
            .join()
    })
    .map_err(|_| Finding("panic in a run".into()))?;
    let [[orig_c, orig_p], [inst_c, inst_p]] = observed;
    let orig_c =
        orig_c.map_err(|e| Finding(format!("original module refused by Cranelift: {e}")))?;
    let orig_p = orig_p.map_err(|e| Finding(format!("original module refused by Pulley: {e}")))?;
    let inst_c = inst_c.map_err(|e| Finding(format!("instrumented module refused: {e}")))?;
    let inst_p = inst_p.map_err(|e| Finding(format!("instrumented module refused: {e}")))?;
    let differ =
        |what: &str, a: &Observation, b: &Observation| Finding(format!("{what}: {a:?} vs {b:?}"));
    // Without the rewrite, a native stack overflow falls at an engine-dependent
    // depth (fuel differs): that is "no result", what the logical limit fixes,
    // so such runs are only compared instrumented.
    let overflow = |o: &Observation| {
        o.calls
            .iter()
            .any(|c| matches!(c, Err(e) if e == "StackOverflow"))
    };
    if orig_c != orig_p && !overflow(&orig_c) && !overflow(&orig_p) {
        return Err(differ("Cranelift vs Pulley", &orig_c, &orig_p));
    }
    if inst_c != inst_p {
        return Err(differ("instrumented Cranelift vs Pulley", &inst_c, &inst_p));
    }
    // The rewrite computes the same up to the first stack-limit trap (or fuel,
    // which it spends more of); native stack overflows cannot be compared.
    let ends = |r: &Result<Vec<u128>, String>| matches!(r, Err(e) if e == "stack_limit" || e == "OutOfFuel" || e == "StackOverflow");
    for (a, b) in orig_c.calls.iter().zip(&inst_c.calls) {
        if ends(a) || ends(b) {
            return Ok(());
        }
        if a != b {
            return Err(differ("original vs instrumented", &orig_c, &inst_c));
        }
    }
    if orig_c.calls.len() == inst_c.calls.len() && orig_c.state_hash != inst_c.state_hash {
        return Err(differ("original vs instrumented state", &orig_c, &inst_c));
    }
    Ok(())
}
