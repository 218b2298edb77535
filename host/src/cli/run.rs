//! `imr run`: one epoch, or a directory of epochs in validator mode
//! ([`super::validator`]). Both drive an [`imr_host::Session`].

use std::path::Path;
use std::process::ExitCode;

use imr_host::epoch;

use super::args::RunArgs;
use super::output::{print_summary, write_run_outputs};

/// Runs `imr run`.
pub fn run(args: &RunArgs) -> anyhow::Result<ExitCode> {
    match (&args.epoch, &args.epochs) {
        (_, Some(dir)) => super::validator::run_epochs(args, dir),
        (Some(epoch), None) => run_one(args, epoch),
        (None, None) => anyhow::bail!("give --epoch E.json or --epochs DIR"),
    }
}

fn run_one(args: &RunArgs, epoch_path: &Path) -> anyhow::Result<ExitCode> {
    let input = epoch::load(epoch_path)?;
    // Taken before running: a second process on the same --out fails at once.
    let out = imr_host::out_lock::OutLock::acquire(&args.out)?;
    let mut session = args.open_session()?;
    let mechanism = args.load_mechanism()?;
    let stepped = session.step(&mechanism, &input)?;
    let executed = &stepped.executed;
    write_run_outputs(&out, executed, args.quiet)?;
    if !args.quiet {
        if let (Some(seq), Some(log)) = (stepped.seq, session.log()) {
            println!("logged  receipt {seq} of {}", log.path().display());
        }
        print_summary(&input.epoch, executed, &args.out);
    }
    match &executed.run.result {
        Ok(_) => Ok(ExitCode::SUCCESS),
        Err(e) => Err(anyhow::anyhow!("run failed: {e}")),
    }
}
