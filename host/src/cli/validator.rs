//! `imr run --epochs DIR`: validator mode. Runs every epoch file of a directory
//! in order, carrying the state and the receipt chain from each to the next,
//! optionally appending each run to a run log (`--log`, `--resume`).

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use anyhow::Context;
use imr_host::epoch;
use imr_host::runlog::{carried_state, Log, Record};
use imr_host::runner::{execute, Executed};
use indicatif::{ProgressBar, ProgressStyle};

use super::run::{read_component, write_outputs, RunArgs};

/// The `*.json` files of `dir`, sorted by name.
pub fn epoch_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let entries =
        std::fs::read_dir(dir).with_context(|| format!("cannot list epochs {}", dir.display()))?;
    for entry in entries {
        let path = entry
            .with_context(|| format!("cannot list epochs {}", dir.display()))?
            .path();
        if path.extension().is_some_and(|x| x == "json") && path.is_file() {
            files.push(path);
        }
    }
    files.sort();
    if files.is_empty() {
        anyhow::bail!("no *.json epoch files in {}", dir.display());
    }
    Ok(files)
}

/// A progress bar on stderr, hidden when stderr is not a terminal or `quiet`.
pub fn progress_bar(len: u64, quiet: bool, what: &str) -> ProgressBar {
    if quiet || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(len);
    let template = format!(
        "{{elapsed_precise}} [{{bar:40}}] {{pos}}/{{len}} {what} ({{per_sec}}, eta {{eta}})"
    );
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// Runs validator mode (see the module docs).
pub fn run_epochs(args: &RunArgs, dir: &Path) -> anyhow::Result<ExitCode> {
    let files = epoch_files(dir)?;
    let component = read_component(args.mechanism())?;
    let engine = args.engine_args().engine()?;
    let mechanism = args
        .engine_args()
        .load_bytes(&engine, &component, args.mechanism())?;
    let mut log = match args.log() {
        Some(p) => Some(Log::open_append(p)?),
        None => None,
    };

    // Where to start: the log's head, when resuming.
    let mut state = match args.state() {
        Some(p) => {
            std::fs::read(p).with_context(|| format!("cannot read state file {}", p.display()))?
        }
        None => Vec::new(),
    };
    let mut previous = None;
    let mut start = 0usize;
    if let Some(log) = &log {
        let receipts = log.receipts()?;
        if !receipts.is_empty() {
            if !args.resume() {
                anyhow::bail!(
                    "run log {} already holds {} receipts: pass --resume to continue it, or give a new log",
                    log.path().display(),
                    receipts.len()
                );
            }
            if args.state().is_some() {
                anyhow::bail!(
                    "--state cannot be given when resuming: the state comes from the log"
                );
            }
            if receipts.len() > files.len() {
                anyhow::bail!(
                    "run log {} holds {} receipts but {} has only {} epochs",
                    log.path().display(),
                    receipts.len(),
                    dir.display(),
                    files.len()
                );
            }
            for (k, (r, file)) in receipts.iter().zip(&files).enumerate() {
                let hash = epoch::load(file)?.hash();
                if hash != r.epoch {
                    anyhow::bail!(
                        "cannot resume: receipt {k} of {} ran epoch {}, but {} hashes to {hash}",
                        log.path().display(),
                        r.epoch,
                        file.display()
                    );
                }
            }
            let head = receipts.last().expect("non-empty");
            if head.component != mechanism.id() {
                anyhow::bail!(
                    "cannot resume: the log's receipts ran component {}, not {} ({})",
                    head.component,
                    mechanism.id(),
                    args.mechanism().display()
                );
            }
            state = log.blob("state", carried_state(head))?;
            previous = Some(head.hash.clone());
            start = receipts.len();
        }
    }

    let bar = progress_bar(files.len() as u64, args.quiet(), "epochs");
    bar.set_position(start as u64);
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut last: Option<Executed> = None;
    let mut last_epoch = None;
    for file in &files[start..] {
        let input = epoch::load(file)?;
        let executed = execute(&mechanism, &input, &state, previous.take(), args.sdk());
        if let Err(e) = &executed.run.result {
            if !e.deterministic() {
                bar.abandon();
                anyhow::bail!(
                    "epoch {}: {e}; this is no result, so the run stops here (the log ends before this epoch)",
                    file.display()
                );
            }
            stats.failed.push((file.clone(), e.to_string()));
        }
        if let Some(log) = &mut log {
            log.append(&Record {
                component: &component,
                input: &input,
                state_in: &state,
                executed: &executed,
            })?;
        }
        stats.fuel_total += u128::from(executed.run.fuel_consumed);
        stats.fuel_max = stats.fuel_max.max(executed.run.fuel_consumed);
        stats.ran += 1;
        if let Ok(outcome) = &executed.run.result {
            state = outcome.state.clone();
        }
        previous = Some(executed.receipt.hash.clone());
        last = Some(executed);
        last_epoch = Some(input.epoch);
        bar.inc(1);
    }
    bar.finish_and_clear();
    let elapsed = started.elapsed();
    if let Some(ex) = &last {
        write_outputs(args.out(), ex, args.quiet())?;
    }
    if !args.quiet() {
        // The last epoch's weights, as `imr run` prints them for one epoch.
        if let (Some(ex), Some(epoch)) = (&last, &last_epoch) {
            if let Ok(outcome) = &ex.run.result {
                let scores: Vec<(u16, f64)> =
                    outcome.scores.iter().map(|s| (s.uid, s.score)).collect();
                println!("last epoch: {}", files[files.len() - 1].display());
                print!(
                    "{}",
                    super::table::render(epoch, &scores, ex.emission.as_ref())
                );
                println!();
            }
        }
        let mut rows: Vec<(&str, String)> = vec![
            (
                "epochs",
                format!(
                    "{} in {} ({start} already logged, {} run)",
                    files.len(),
                    dir.display(),
                    stats.ran
                ),
            ),
            ("succeeded", (stats.ran - stats.failed.len()).to_string()),
            ("failed", stats.failed.len().to_string()),
        ];
        if stats.ran > 0 {
            rows.push((
                "fuel",
                format!(
                    "total {}, mean {}, max {}",
                    stats.fuel_total,
                    stats.fuel_total / stats.ran as u128,
                    stats.fuel_max
                ),
            ));
            rows.push((
                "time",
                format!(
                    "{:.2} s ({:.2} ms per epoch)",
                    elapsed.as_secs_f64(),
                    1e3 * elapsed.as_secs_f64() / stats.ran as f64
                ),
            ));
        }
        if let Some(log) = &log {
            rows.push((
                "log",
                format!("{} ({} receipts)", log.path().display(), log.len()?),
            ));
        }
        if let Some(hash) = &previous {
            rows.push(("head", hash.clone()));
        }
        if last.is_some() {
            rows.push(("outputs", format!("{} (last epoch)", args.out().display())));
        }
        for (k, v) in rows {
            println!("{k:<10} {v}");
        }
        for (file, e) in &stats.failed {
            eprintln!("failed: {}: {e}", file.display());
        }
    }
    if stats.failed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        Err(anyhow::anyhow!(
            "{} of {} epochs failed (their receipts record the failure)",
            stats.failed.len(),
            stats.ran
        ))
    }
}

#[derive(Default)]
struct Stats {
    ran: usize,
    failed: Vec<(PathBuf, String)>,
    fuel_total: u128,
    fuel_max: u64,
}
