//! `imr inspect`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use imr_host::compile_limits::{CompileLimits, ComponentMeasure};
use imr_host::inspect::{inspect, Inspection};
use imr_host::mechanism::ALLOWED_IMPORTS;
use imr_host::Limits;

/// Show a component's hash, world, imports, exports, size and compile measures (without compiling it).
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The component file.
    #[arg(value_name = "M.wasm")]
    component: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

/// The `imr-build` section, in short (`--json` lists every source file).
fn print_build(info: &imr_host::inspect::Inspection) {
    let cap = |s: &str| imr_host::limits::cap_message(s, 512);
    if let Some(why) = &info.build_error {
        println!("build     unreadable: {}", cap(why));
    }
    let Some(b) = &info.build else {
        if info.build_error.is_none() {
            println!("build     no imr-build section (not built by `imr build`)");
        }
        return;
    };
    println!(
        "build     {} {} (imr {}, wit-component {})",
        cap(&b.package.name),
        cap(&b.package.version),
        cap(&b.imr),
        cap(&b.wit_component)
    );
    let t = &b.toolchain;
    println!(
        "  rustc      {} (commit {}, host {}, LLVM {})",
        cap(&t.rustc),
        cap(&t.commit_hash),
        cap(&t.host),
        cap(&t.llvm)
    );
    println!("  cargo      {}", cap(&t.cargo));
    let s = &b.settings;
    println!(
        "  settings   profile {}, target {}, rustflags {}",
        cap(&s.profile),
        cap(&s.target),
        cap(&s.rustflags.join(" "))
    );
    println!("  Cargo.lock blake3 {}", cap(&b.cargo_lock));
    println!(
        "  sources    tree {} ({} files; --json lists them)",
        cap(&b.sources.tree),
        b.sources.files.len()
    );
}

pub fn run(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let path = args.component.display();
    let limits = Limits::default().compile;
    let bytes = imr_host::input_file::read_regular(&args.component, limits.max_component_bytes)
        .with_context(|| format!("cannot read {path}"))?;
    let info = inspect(&bytes, &limits).map_err(|e| anyhow::anyhow!("{path} is {e}"))?;
    if args.json {
        print_json(args, &info, &limits)?;
    } else {
        print_text(args, &info, &limits);
    }
    Ok(ExitCode::SUCCESS)
}

/// The JSON report.
fn print_json(args: &InspectArgs, info: &Inspection, limits: &CompileLimits) -> anyhow::Result<()> {
    let admissible = info.admissible();
    let v = serde_json::json!({
        "path": args.component,
        "blake3": info.blake3,
        "size": info.size,
        "world": if admissible { "imr:mechanism/mechanism@0.1.0" } else { "unknown" },
        "admissible": admissible,
        "imports": info.imports,
        "forbidden_imports": info.forbidden_imports,
        "exports": info.exports.iter().map(|(n, k)| serde_json::json!({"name": n, "kind": k})).collect::<Vec<_>>(),
        "measure": info.measure,
        "compile_limits": limits,
        "over_compile_limit": info.over_compile_limit,
        "invalid": info.invalid,
        "build": info.build,
        "build_error": info.build_error,
    });
    println!("{}", serde_json::to_string_pretty(&v)?);
    Ok(())
}

/// The text report: identity, world, imports and exports, then the compile measures.
fn print_text(args: &InspectArgs, info: &Inspection, limits: &CompileLimits) {
    println!("component {}", args.component.display());
    println!("blake3    {}", info.blake3);
    println!("size      {} bytes", info.size);
    println!(
        "world     {}",
        if info.admissible() {
            "imr:mechanism/mechanism@0.1.0 (admissible)"
        } else {
            "not an admissible mechanism (refused at load)"
        }
    );
    if let Some(why) = &info.invalid {
        println!("invalid   {}", imr_host::limits::cap_message(why, 4096));
    }
    print_build(info);
    println!("imports");
    for i in &info.imports {
        let mark = if ALLOWED_IMPORTS.contains(&i.as_str()) {
            ""
        } else {
            "  <- forbidden"
        };
        println!("  {}{mark}", imr_host::limits::cap_message(i, 4096));
    }
    println!("exports");
    for (n, k) in &info.exports {
        println!("  {} ({k})", imr_host::limits::cap_message(n, 4096));
    }
    print_measures(&info.measure, limits);
    if let Some(why) = &info.over_compile_limit {
        println!("refused   {why}");
    }
}

/// Each compile measure with its limit, marked when over it.
fn print_measures(m: &ComponentMeasure, limits: &CompileLimits) {
    println!("compile measures (limit)");
    let rows = [
        (
            "component bytes",
            m.component_bytes,
            limits.max_component_bytes,
        ),
        ("functions", m.functions, limits.max_functions),
        ("code bytes", m.code_bytes, limits.max_code_bytes),
        (
            "largest function bytes",
            m.function_bytes.value,
            limits.max_function_bytes,
        ),
        ("most locals", m.locals.value, limits.max_locals),
        ("deepest nesting", m.nesting.value, limits.max_nesting),
        (
            "largest br_table",
            m.br_table_targets.value,
            limits.max_br_table_targets,
        ),
        (
            "br_table targets in one function",
            m.br_table_targets_per_function.value,
            limits.max_br_table_targets_per_function,
        ),
    ];
    for (name, value, max) in rows {
        let mark = if value > max {
            "  <- over the limit"
        } else {
            ""
        };
        println!("  {name:<34} {value:>10} ({max}){mark}");
    }
}
