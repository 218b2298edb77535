//! What `imr run` writes and prints.

use std::path::Path;

use imr_host::out_lock::OutLock;
use imr_host::outputs::{write_outputs_locked, Written};
use imr_host::runner::Executed;

/// Writes the output files, with a note on stderr when there is no receipt.
pub(crate) fn write_run_outputs(out: &OutLock, ex: &Executed, quiet: bool) -> anyhow::Result<()> {
    let Written { receipt, .. } = write_outputs_locked(out, ex)?;
    if !receipt && !quiet {
        eprintln!("note: no receipt: this failure is not a deterministic result");
    }
    Ok(())
}

/// Prints one run's weights table, guest log, fuel and output paths.
pub(crate) fn print_summary(epoch: &imr_types::Epoch, ex: &Executed, out: &Path) {
    if let Ok(outcome) = &ex.run.result {
        let scores: Vec<(u16, f64)> = outcome.scores.iter().map(|s| (s.uid, s.score)).collect();
        print!(
            "{}",
            super::table::render(epoch, &scores, ex.emission.as_ref())
        );
        if let Some(e) = &ex.emission {
            if !e.preflight.ok {
                let names: Vec<&str> = e
                    .preflight
                    .rejections
                    .iter()
                    .map(|r| r.error.as_str())
                    .collect();
                println!("chain pre-flight: would be rejected: {}", names.join(", "));
            }
        }
    }
    print_timelocked(ex);
    for line in &ex.run.log {
        eprintln!(
            "guest {}: {}",
            line.level,
            imr_host::terminal::escape_line(&line.message)
        );
    }
    println!(
        "fuel    {} of {} ({:.3}%)",
        ex.run.fuel_consumed,
        ex.run.fuel_limit,
        100.0 * ex.run.fuel_consumed as f64 / ex.run.fuel_limit.max(1) as f64
    );
    if out.join("receipt.json").exists() {
        println!(
            "receipt {} (hash {})",
            out.join("receipt.json").display(),
            ex.receipt.hash
        );
    }
    if ex.run.result.is_ok() {
        println!("weights {}", out.join("weights.json").display());
    }
}

/// Prints the timelocked commit's call, reveal round and arguments, or why it was not built.
fn print_timelocked(ex: &Executed) {
    match &ex.timelocked {
        Some(Ok(c)) => {
            let verdict = if c.plan.preflight.ok {
                String::new()
            } else {
                let names: Vec<&str> = c
                    .plan
                    .preflight
                    .rejections
                    .iter()
                    .map(|r| r.error.as_str())
                    .collect();
                format!("; would be rejected: {}", names.join(", "))
            };
            println!(
                "commit  {} (call {}) to drand round {}: {} bytes of ciphertext{verdict}",
                c.plan.call, c.plan.call_index, c.plan.reveal.reveal_round, c.commit_len,
            );
            println!("commit  args {}", c.args_scale_hex);
        }
        Some(Err(reason)) => println!("commit  not built: {reason}"),
        None => {}
    }
}
