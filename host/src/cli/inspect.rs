//! `imr inspect`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use imr_host::mechanism::{component_exports, component_imports, ALLOWED_IMPORTS};
use imr_host::DeterministicEngine;
use wasmtime::component::Component;

/// Show a component's hash, world, imports, exports and size.
#[derive(Args, Debug)]
pub struct InspectArgs {
    /// The component file.
    #[arg(value_name = "M.wasm")]
    component: PathBuf,
    /// Print JSON instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &InspectArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.component)
        .with_context(|| format!("cannot read {}", args.component.display()))?;
    anyhow::ensure!(
        wasmparser::Parser::is_component(&bytes),
        "{} is not a WebAssembly component",
        args.component.display()
    );
    let engine = DeterministicEngine::new()?;
    let component = Component::new(engine.wasmtime(), &bytes)
        .map_err(|e| anyhow::anyhow!("{e:#}"))
        .with_context(|| format!("{} is not a valid component", args.component.display()))?;
    let imports = component_imports(&engine, &component);
    let exports = component_exports(&engine, &component);
    let forbidden: Vec<&String> = imports
        .iter()
        .filter(|i| !ALLOWED_IMPORTS.contains(&i.as_str()))
        .collect();
    let world_ok =
        forbidden.is_empty() && exports.iter().any(|(n, k)| n == "score" && *k == "func");
    let hash = blake3::hash(&bytes).to_hex().to_string();
    if args.json {
        let v = serde_json::json!({
            "path": args.component,
            "blake3": hash,
            "size": bytes.len(),
            "world": if world_ok { "imr:mechanism/mechanism@0.1.0" } else { "unknown" },
            "admissible": world_ok,
            "imports": imports,
            "forbidden_imports": forbidden,
            "exports": exports.iter().map(|(n, k)| serde_json::json!({"name": n, "kind": k})).collect::<Vec<_>>(),
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("component {}", args.component.display());
        println!("blake3    {hash}");
        println!("size      {} bytes", bytes.len());
        println!(
            "world     {}",
            if world_ok {
                "imr:mechanism/mechanism@0.1.0 (admissible)"
            } else {
                "not the mechanism world (refused at load)"
            }
        );
        println!("imports");
        for i in &imports {
            let mark = if ALLOWED_IMPORTS.contains(&i.as_str()) {
                ""
            } else {
                "  <- forbidden"
            };
            println!("  {i}{mark}");
        }
        println!("exports");
        for (n, k) in &exports {
            println!("  {n} ({k})");
        }
    }
    Ok(ExitCode::SUCCESS)
}
