//! `imr new`: a thin layer over [`imr_host::scaffold`].

use std::path::PathBuf;

use anyhow::Context;
use clap::{Args, ValueEnum};
use imr_host::scaffold::{create, default_sdk_dir, Template};

/// `--template` values.
#[derive(Debug, Clone, Copy, ValueEnum)]
enum TemplateArg {
    /// Scores each miner's number by its distance to the truth; no state.
    Minimal,
    /// Forecasts resolved by later truth, with an EMA per miner in the state.
    TimeSeries,
    /// Completions scored by word overlap with a reference, with an EMA per miner in the state.
    PromptRanking,
}

/// Create a new mechanism crate (builds with `imr build`, passes `cargo test` as generated).
#[derive(Args, Debug)]
pub struct NewArgs {
    /// The crate's folder; its last component is the crate name.
    #[arg(value_name = "NAME")]
    name: PathBuf,
    /// Which mechanism to start from.
    #[arg(long, value_enum, default_value = "minimal")]
    template: TemplateArg,
    /// The imr guest SDK folder to depend on (default: the guest-sdk of the checkout imr was built from).
    #[arg(long, value_name = "DIR")]
    sdk_path: Option<PathBuf>,
}

/// Runs `imr new`.
pub fn run(args: &NewArgs) -> anyhow::Result<()> {
    let template = match args.template {
        TemplateArg::Minimal => Template::Minimal,
        TemplateArg::TimeSeries => Template::TimeSeries,
        TemplateArg::PromptRanking => Template::PromptRanking,
    };
    let sdk = match &args.sdk_path {
        Some(p) => p.clone(),
        None => default_sdk_dir().context(
            "the guest SDK of the checkout imr was built from is gone; give --sdk-path DIR",
        )?,
    };
    let created = create(&args.name, template, &sdk)
        .with_context(|| format!("cannot create {}", args.name.display()))?;
    let dir = created.dir.display();
    println!(
        "created {dir} ({} template; imr-guest at {})",
        template.name(),
        created.sdk_path
    );
    let lib = created.name.replace('-', "_");
    println!("next:");
    println!("  cd {dir}");
    println!("  cargo test");
    println!("  imr build .");
    println!(
        "  imr run --mechanism target/imr-guest/{lib}.component.wasm --epochs epochs --out out"
    );
    Ok(())
}
