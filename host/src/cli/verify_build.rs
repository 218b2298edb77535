//! `imr verify-build`: does a component come from this source?

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use imr_host::provenance::{verify_build, VerifyBuildOptions};
use imr_host::Limits;

/// Rebuild a component from source with its recorded settings and say whether the bytes match.
#[derive(Args, Debug)]
#[command(
    after_help = "Example:\n  imr verify-build mechanism.wasm path/to/guest-crate\n\n\
The component's imr-build section (written by `imr build`, shown by `imr inspect`) records the \
toolchain, Cargo.lock, the cargo invocation and every source file's blake3. When a recorded \
input differs here (toolchain, lock file, a source file), that difference is printed and nothing \
is rebuilt; otherwise the crate is rebuilt and the bytes compared. Exit status 0 only if the \
rebuild is identical."
)]
pub struct VerifyBuildArgs {
    /// The component to check.
    #[arg(value_name = "M.wasm")]
    component: PathBuf,
    /// The guest crate's source directory.
    #[arg(value_name = "SRC_DIR")]
    crate_dir: PathBuf,
    /// Cargo target directory for the rebuild (default: <workspace>/target/imr-guest).
    #[arg(long)]
    target_dir: Option<PathBuf>,
    /// Show cargo's output.
    #[arg(long, short)]
    verbose: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &VerifyBuildArgs) -> anyhow::Result<ExitCode> {
    let path = args.component.display();
    let bytes = imr_host::input_file::read_regular(
        &args.component,
        Limits::default().compile.max_component_bytes,
    )
    .with_context(|| format!("cannot read {path}"))?;
    let report = verify_build(
        &bytes,
        &args.crate_dir,
        &VerifyBuildOptions {
            target_dir: args.target_dir.clone(),
            verbose: args.verbose,
        },
    )
    .with_context(|| format!("verifying {path} against {}", args.crate_dir.display()))?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else if report.identical() {
        println!(
            "identical: {} rebuilds into {path} (blake3 {})",
            args.crate_dir.display(),
            report.component
        );
    } else {
        for d in &report.differences {
            println!("{}", imr_host::terminal::escape_text(&d.to_string()));
        }
        match &report.rebuilt {
            None => println!(
                "differs: {path} (blake3 {}) was not built from {} as it is here{}",
                report.component,
                args.crate_dir.display(),
                if report.recorded.is_some() {
                    " (not rebuilt: the inputs above differ)"
                } else {
                    ""
                }
            ),
            Some(rebuilt) => println!(
                "differs: the rebuild is blake3 {rebuilt}, {path} is {}",
                report.component
            ),
        }
    }
    Ok(if report.identical() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
