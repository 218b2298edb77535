//! `imr simulate`: a thin layer over [`imr_host::simulate`].

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use imr_host::simulate::{epoch_files, simulate, Request};

use super::args::{read_component, EngineArgs, SdkArg};
use super::progress::progress_bar;

/// Simulate a subnet: many validators, each with a behaviour, run the mechanism over many epochs, and Yuma combines their weights.
#[derive(Args, Debug)]
pub struct SimulateArgs {
    /// The mechanism component (built with `imr build`).
    #[arg(long, short, value_name = "M.wasm")]
    mechanism: PathBuf,
    /// Directory of epoch files (*.json, run in name order).
    #[arg(long, value_name = "DIR")]
    epochs: PathBuf,
    /// The validators file: each validator's name, stake and behaviour (see README "Simulating a subnet").
    #[arg(long, value_name = "V.json")]
    validators: PathBuf,
    /// The subnet's Yuma hyperparameters (default: a new subnet's).
    #[arg(long, value_name = "S.json")]
    subnet: Option<PathBuf>,
    /// Output folder (created, or replaced if it holds a previous simulation).
    #[arg(long, short, value_name = "DIR", default_value = "sim-out")]
    out: PathBuf,
    /// bittensor SDK generation whose weight processing the validators use.
    #[arg(long, value_enum, default_value = "11")]
    sdk: SdkArg,
    /// Do not keep a run log per validator (faster on large simulations).
    #[arg(long)]
    no_run_logs: bool,
    /// Miners shown in the summary table (0: all).
    #[arg(long, value_name = "N", default_value_t = 12)]
    top: usize,
    /// Also draw the plots (SVG and PNG) into OUT/plots/ (see `imr report`).
    #[arg(long)]
    plots: bool,
    #[command(flatten)]
    plot: super::report::PlotArgs,
    /// Print nothing but errors (and no progress bar).
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    engine: EngineArgs,
}

/// Runs `imr simulate`.
pub fn run(args: &SimulateArgs) -> anyhow::Result<()> {
    let files = epoch_files(&args.epochs)?;
    if files.is_empty() {
        anyhow::bail!("no *.json epoch files in {}", args.epochs.display());
    }
    let engine = args.engine.engine()?;
    let component = read_component(&args.mechanism)?;
    let mechanism = args
        .engine
        .load_bytes(&engine, &component, &args.mechanism)?;
    let bar = progress_bar(files.len() as u64, args.quiet, "epochs");
    let finished = simulate(
        &Request {
            mechanism: &mechanism,
            epochs: &files,
            validators: &args.validators,
            subnet: args.subnet.as_deref(),
            out: &args.out,
            sdk: args.sdk.into(),
            run_logs: !args.no_run_logs,
        },
        &mut |done, _| bar.set_position(done as u64),
    )
    .with_context(|| format!("simulation of {}", args.epochs.display()));
    bar.finish_and_clear();
    let finished = finished?;
    let plots = match args.plots {
        true => Some(super::report::plots(&args.out, &args.plot)?),
        false => None,
    };
    if !args.quiet {
        print!("{}", finished.summary.render(args.top));
        let t = &finished.timings;
        let total = t.total.as_secs_f64();
        let share = |d: std::time::Duration| 100.0 * d.as_secs_f64() / total.max(1e-9);
        println!();
        println!(
            "epochs     {} x {} validators",
            finished.summary.epochs,
            finished.summary.validators.len()
        );
        println!(
            "time       {total:.2} s: mechanism {:.1}% ({} runs), yuma {:.1}%",
            share(t.mechanism),
            t.runs,
            share(t.yuma)
        );
        println!("outputs    {}", args.out.display());
        if let Some(dir) = plots {
            println!("plots      {}", dir.display());
        }
        println!(
            "receipt    {}",
            finished.receipt["hash"].as_str().unwrap_or_default()
        );
    }
    Ok(())
}
