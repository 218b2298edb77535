//! Compile bombs (issue 15 item 4): components built byte by byte, just over
//! each compile limit, are refused before compiling with an error naming the
//! limit and the value; at the limit they are admitted by the check.

use std::process::Command;

use imr_host::compile_limits::{check, measure, CompileLimitError, CompileLimits};
use imr_host::{DeterministicEngine, Limits, LoadError, Mechanism};
use wasm_encoder::{
    BlockType, CodeSection, Component, Function, FunctionSection, Module, ModuleSection,
    TypeSection, ValType,
};

use crate::support::engine;

/// A component holding one core module whose functions (all `(param i32)`) are `functions`.
pub fn component_of(functions: impl IntoIterator<Item = Function>) -> Vec<u8> {
    let mut types = TypeSection::new();
    types.ty().function([ValType::I32], []);
    let mut funcs = FunctionSection::new();
    let mut code = CodeSection::new();
    for f in functions {
        funcs.function(0);
        code.function(&f);
    }
    let mut module = Module::new();
    module.section(&types).section(&funcs).section(&code);
    let mut component = Component::new();
    component.section(&ModuleSection(&module));
    component.finish()
}

/// `n` functions with an empty body.
pub fn many_functions(n: u64) -> Vec<u8> {
    component_of((0..n).map(|_| {
        let mut f = Function::new([]);
        f.instructions().end();
        f
    }))
}

/// One function with `tables` `br_table`s of `targets` targets each (the default included).
pub fn br_tables(functions: u64, tables: u64, targets: u64) -> Vec<u8> {
    component_of((0..functions).map(|_| {
        let mut f = Function::new([]);
        let mut i = f.instructions();
        for _ in 0..tables {
            i.block(BlockType::Empty)
                .local_get(0)
                .br_table(std::iter::repeat_n(0u32, targets as usize - 1), 0)
                .end();
        }
        i.end();
        f
    }))
}

/// One function declaring `n` i32 locals.
pub fn locals(n: u64) -> Vec<u8> {
    let mut f = Function::new([(n as u32, ValType::I32)]);
    f.instructions().end();
    component_of([f])
}

/// One function of `depth` nested blocks.
pub fn nesting(depth: u64) -> Vec<u8> {
    let mut f = Function::new([]);
    let mut i = f.instructions();
    for _ in 0..depth {
        i.block(BlockType::Empty);
    }
    for _ in 0..depth {
        i.end();
    }
    i.end();
    component_of([f])
}

/// `functions` functions whose bodies are each `bytes` bytes long: an
/// accumulator loop body (`local.get 0; i32.const 1; i32.add; local.set 0`)
/// repeated, padded with `nop`.
pub fn sized_bodies(functions: u64, bytes: u64) -> Vec<u8> {
    // A body is its locals vector (1 byte: none), the instructions and `end`.
    let ops = bytes - 2;
    component_of((0..functions).map(|_| {
        let mut f = Function::new([]);
        let mut i = f.instructions();
        // local.get 0 (2) i32.const 1 (2) i32.add (1) local.set 0 (2) = 7 bytes.
        for _ in 0..ops / 7 {
            i.local_get(0).i32_const(1).i32_add().local_set(0);
        }
        for _ in 0..ops % 7 {
            i.nop();
        }
        i.end();
        f
    }))
}

/// Asserts `bytes` is refused at load, before compiling, naming `limit` and `value`.
fn assert_refused(engine: &DeterministicEngine, bytes: &[u8], limit: &str, value: u64) {
    match Mechanism::from_bytes(engine, bytes, None) {
        Err(LoadError::OverCompileLimit(CompileLimitError::Over {
            limit: l, value: v, ..
        })) if l == limit && v == value => {}
        Err(e) => panic!("expected the compile limit {limit} ({value}), got: {e}"),
        Ok(_) => panic!("expected the compile limit {limit} ({value}), the component loaded"),
    }
    let message = Mechanism::from_bytes(engine, bytes, None)
        .unwrap_err()
        .to_string();
    assert!(message.contains(limit), "{message}");
    assert!(message.contains(&value.to_string()), "{message}");
}

fn limits() -> CompileLimits {
    Limits::default().compile
}

#[test]
fn generators_hit_the_sizes_they_claim() {
    let l = limits();
    assert_eq!(measure(&many_functions(7)).unwrap().functions, 7);
    let m = measure(&br_tables(1, 3, 11)).unwrap();
    assert_eq!(m.br_table_targets.value, 11);
    assert_eq!(m.br_table_targets_per_function.value, 33);
    assert_eq!(
        measure(&locals(l.max_locals)).unwrap().locals.value,
        l.max_locals
    );
    assert_eq!(measure(&nesting(9)).unwrap().nesting.value, 9);
    let m = measure(&sized_bodies(3, 1000)).unwrap();
    assert_eq!(m.function_bytes.value, 1000);
    assert_eq!(m.code_bytes, 3000);
}

#[test]
fn too_many_functions_are_refused_before_compiling() {
    let n = limits().max_functions;
    assert_refused(&engine(), &many_functions(n + 1), "max_functions", n + 1);
    check(&many_functions(n), &limits()).expect("at the limit");
}

#[test]
fn a_huge_br_table_is_refused_before_compiling() {
    let n = limits().max_br_table_targets;
    assert_refused(
        &engine(),
        &br_tables(1, 1, n + 1),
        "max_br_table_targets",
        n + 1,
    );
    check(&br_tables(1, 1, n), &limits()).expect("at the limit");
}

#[test]
fn many_br_tables_in_one_function_are_refused_before_compiling() {
    let l = limits();
    let per = l.max_br_table_targets;
    let tables = l.max_br_table_targets_per_function / per;
    assert_eq!(tables * per, l.max_br_table_targets_per_function);
    check(&br_tables(1, tables, per), &l).expect("at the limit");
    let over = br_tables(1, tables + 1, per);
    assert_refused(
        &engine(),
        &over,
        "max_br_table_targets_per_function",
        (tables + 1) * per,
    );
}

#[test]
fn too_many_locals_are_refused_before_compiling() {
    let n = limits().max_locals;
    assert_refused(&engine(), &locals(n + 1), "max_locals", n + 1);
    check(&locals(n), &limits()).expect("at the limit");
}

#[test]
fn too_deep_nesting_is_refused_before_compiling() {
    let n = limits().max_nesting;
    assert_refused(&engine(), &nesting(n + 1), "max_nesting", n + 1);
    check(&nesting(n), &limits()).expect("at the limit");
}

#[test]
fn a_too_large_function_body_is_refused_before_compiling() {
    let n = limits().max_function_bytes;
    assert_refused(
        &engine(),
        &sized_bodies(1, n + 1),
        "max_function_bytes",
        n + 1,
    );
    check(&sized_bodies(1, n), &limits()).expect("at the limit");
}

#[test]
fn too_much_code_is_refused_before_compiling() {
    let l = limits();
    let per = l.max_function_bytes;
    let functions = l.max_code_bytes / per;
    assert_eq!(functions * per, l.max_code_bytes);
    check(&sized_bodies(functions, per), &l).expect("at the limit");
    let over = sized_bodies(functions + 1, per);
    assert_refused(&engine(), &over, "max_code_bytes", (functions + 1) * per);
}

#[test]
fn a_too_large_component_is_refused_before_compiling() {
    let small = CompileLimits {
        max_component_bytes: 1_000,
        ..limits()
    };
    let engine = DeterministicEngine::with(
        imr_host::Backend::Cranelift,
        Limits {
            compile: small,
            ..Limits::default()
        },
    )
    .unwrap();
    let bytes = many_functions(400);
    assert!(bytes.len() > 1_000);
    assert_refused(&engine, &bytes, "max_component_bytes", bytes.len() as u64);
}

#[test]
fn the_compile_limits_are_in_the_fingerprint() {
    let a = engine();
    assert!(a.description().contains(&format!(
        "limits.compile.max_functions={}\n",
        limits().max_functions
    )));
    let b = DeterministicEngine::with(
        imr_host::Backend::Cranelift,
        Limits {
            compile: CompileLimits {
                max_nesting: 7,
                ..limits()
            },
            ..Limits::default()
        },
    )
    .unwrap();
    assert_ne!(a.fingerprint().config_hash, b.fingerprint().config_hash);
}

#[test]
fn inspect_describes_a_compile_bomb_without_compiling_it() {
    let tmp = tempfile::tempdir().unwrap();
    let n = limits().max_functions;
    let path = tmp.path().join("bomb.wasm");
    std::fs::write(&path, many_functions(n + 1)).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_imr"))
        .arg("inspect")
        .arg(&path)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        stdout.contains(&format!("the number of functions (1 core modules) is {}, over the compile limit max_functions = {n}", n + 1)),
        "{stdout}"
    );
}

/// Prints the compile time of the largest admitted component of each shape (no
/// assertion on time: a measurement for the README and the note).
/// `cargo test -p imr-host --test all -- --ignored --nocapture compile_time_of_the_largest_admitted`
#[test]
#[ignore = "a measurement: compiles components at the limits (minutes in a debug build)"]
fn compile_time_of_the_largest_admitted_components() {
    let l = limits();
    let engine = engine();
    let shapes: Vec<(&str, Vec<u8>)> = vec![
        (
            "yardstick: the time-series example",
            std::fs::read(crate::support::time_series()).unwrap(),
        ),
        (
            "max_functions empty functions",
            many_functions(l.max_functions),
        ),
        (
            "max_code_bytes in max_function_bytes bodies",
            sized_bodies(
                l.max_code_bytes / l.max_function_bytes,
                l.max_function_bytes,
            ),
        ),
        (
            "br_tables: max_code_bytes of functions at max_br_table_targets_per_function",
            {
                let tables = l.max_br_table_targets_per_function / l.max_br_table_targets;
                let per_function = measure(&br_tables(1, tables, l.max_br_table_targets))
                    .unwrap()
                    .code_bytes;
                br_tables(
                    (l.max_code_bytes / per_function).min(l.max_functions),
                    tables,
                    l.max_br_table_targets,
                )
            },
        ),
        ("one function at max_nesting", nesting(l.max_nesting)),
        ("one function at max_locals", locals(l.max_locals)),
    ];
    for (name, bytes) in shapes {
        check(&bytes, &l).expect("admitted");
        let start = std::time::Instant::now();
        wasmtime::component::Component::new(engine.wasmtime(), &bytes).unwrap();
        println!(
            "{name}: {} bytes, compiled in {:.2} s",
            bytes.len(),
            start.elapsed().as_secs_f64()
        );
    }
}
