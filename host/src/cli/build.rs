//! `imr build`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use imr_host::build::{build_guest, BuildOptions};

/// Build a guest crate into a reproducible component.
#[derive(Args, Debug)]
pub struct BuildArgs {
    /// The guest crate's directory (default: the current directory).
    #[arg(value_name = "CRATE_DIR", default_value = ".")]
    crate_dir: PathBuf,
    /// Where to write the component (default: <workspace>/target/imr-guest/<crate>.component.wasm).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Cargo target directory for the guest build (default: <workspace>/target/imr-guest).
    #[arg(long)]
    target_dir: Option<PathBuf>,
    /// Show cargo's output.
    #[arg(long, short)]
    verbose: bool,
}

pub fn run(args: &BuildArgs) -> anyhow::Result<ExitCode> {
    let built = build_guest(
        &args.crate_dir,
        &BuildOptions {
            target_dir: args.target_dir.clone(),
            out: args.out.clone(),
            verbose: args.verbose,
        },
    )
    .with_context(|| format!("building {}", args.crate_dir.display()))?;
    println!("{}", built.path.display());
    println!("blake3 {}", built.blake3);
    println!("size   {} bytes", built.size);
    Ok(ExitCode::SUCCESS)
}
