//! `imr run --epochs DIR`: validator mode. Runs every epoch file of a directory
//! in order through one [`imr_host::Session`], which carries the state and the
//! receipt chain from each to the next and appends each run to the run log
//! (`--log`, `--resume`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use imr_host::epoch::{self, EpochInput};
use imr_host::runner::Executed;
use imr_host::Session;

use super::args::RunArgs;
use super::output::write_run_outputs;
use super::progress::progress_bar;

/// The epoch files of `dir`, sorted by name; a note on stderr lists what was
/// skipped (see [`imr_host::epoch_dir`]).
pub fn epoch_files(dir: &Path, quiet: bool) -> anyhow::Result<Vec<PathBuf>> {
    let listed = imr_host::epoch_dir::list(dir)
        .with_context(|| format!("cannot list epochs {}", dir.display()))?;
    if let Some(summary) = listed.skipped_summary(dir, 10) {
        if !quiet || listed.files.is_empty() {
            eprintln!("note: {summary}");
        }
    }
    if listed.files.is_empty() {
        anyhow::bail!("no *.json epoch files in {}", dir.display());
    }
    Ok(listed.files)
}

/// Runs validator mode (see the module docs).
pub fn run_epochs(args: &RunArgs, dir: &Path) -> anyhow::Result<ExitCode> {
    let files = epoch_files(dir, args.quiet)?;
    // Taken before running: a second process on the same --out fails at once.
    let out = imr_host::out_lock::OutLock::acquire(&args.out)?;
    let mechanism = args.load_mechanism()?;
    let mut session = args.open_session()?;
    let start = resume_point(args, &session, &mechanism, &files)?;

    let bar = progress_bar(files.len() as u64, args.quiet, "epochs");
    bar.set_position(start as u64);
    let started = Instant::now();
    let mut stats = Stats::default();
    let mut last: Option<(Executed, EpochInput)> = None;
    for file in &files[start..] {
        let input = epoch::load(file)?;
        let stepped = session.step(&mechanism, &input)?;
        if !stepped.is_result() {
            bar.abandon();
            let e = stepped.executed.run.result.as_ref().err();
            anyhow::bail!(
                "epoch {}: {}; this is no result, so the run stops here (the log ends before this epoch)",
                file.display(),
                e.map(ToString::to_string).unwrap_or_default()
            );
        }
        stats.record(file, &stepped.executed);
        last = Some((stepped.executed, input));
        bar.inc(1);
    }
    bar.finish_and_clear();
    stats.elapsed = started.elapsed();
    if let Some((ex, _)) = &last {
        write_run_outputs(&out, ex, args.quiet)?;
    }
    if !args.quiet {
        if let (Some((ex, input)), Some(file)) = (&last, files.last()) {
            print_last_epoch(file, ex, input);
        }
        print_summary(args, dir, files.len(), start, &stats, &session)?;
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

/// How many epoch files the log already holds: 0 for a new log; with
/// `--resume`, after the session checked that they are these epochs.
fn resume_point(
    args: &RunArgs,
    session: &Session,
    mechanism: &imr_host::Mechanism,
    files: &[PathBuf],
) -> anyhow::Result<usize> {
    let logged = session.len()?;
    if logged == 0 {
        return Ok(0);
    }
    let path = args.log.as_deref().unwrap_or(Path::new(""));
    if !args.resume {
        anyhow::bail!(
            "run log {} already holds {logged} receipts: pass --resume to continue it, or give a new log",
            path.display()
        );
    }
    let mut hashes = Vec::with_capacity(files.len().min(logged as usize));
    for file in files.iter().take(logged as usize) {
        hashes.push(epoch::load(file)?.hash());
    }
    // The session checks the count against every file, not just those hashed.
    if (logged as usize) > files.len() {
        hashes.resize(files.len(), String::new());
    }
    let start = session
        .resume_point(mechanism, &hashes)
        .map_err(|e| match &e {
            imr_host::SessionError::EpochMismatch { seq, .. } => {
                anyhow::anyhow!("{e} ({})", files[*seq].display())
            }
            _ => anyhow::Error::from(e),
        })
        .with_context(|| {
            format!(
                "run log {}, epochs {}",
                path.display(),
                args.mechanism.display()
            )
        })?;
    Ok(start)
}

/// The last epoch's weights, as `imr run` prints them for one epoch.
fn print_last_epoch(file: &Path, ex: &Executed, input: &EpochInput) {
    if let Ok(outcome) = &ex.run.result {
        let scores: Vec<(u16, f64)> = outcome.scores.iter().map(|s| (s.uid, s.score)).collect();
        println!("last epoch: {}", file.display());
        print!(
            "{}",
            super::table::render(&input.epoch, &scores, ex.emission.as_ref())
        );
        println!();
    }
}

fn print_summary(
    args: &RunArgs,
    dir: &Path,
    total: usize,
    start: usize,
    stats: &Stats,
    session: &Session,
) -> anyhow::Result<()> {
    let mut rows: Vec<(&str, String)> = vec![
        (
            "epochs",
            format!(
                "{total} in {} ({start} already logged, {} run)",
                dir.display(),
                stats.ran
            ),
        ),
        ("succeeded", (stats.ran - stats.failed.len()).to_string()),
        ("failed", stats.failed.len().to_string()),
    ];
    if stats.ran > 0 {
        let ran = stats.ran as u128;
        rows.push((
            "fuel",
            format!(
                "total {}, mean {}, max {}",
                stats.fuel_total,
                stats.fuel_total / ran,
                stats.fuel_max
            ),
        ));
        let secs = stats.elapsed.as_secs_f64();
        rows.push((
            "time",
            format!(
                "{secs:.2} s ({:.2} ms per epoch)",
                1e3 * secs / stats.ran as f64
            ),
        ));
    }
    if let Some(log) = session.log() {
        rows.push((
            "log",
            format!("{} ({} receipts)", log.path().display(), log.len()?),
        ));
    }
    if let Some(hash) = session.head() {
        rows.push(("head", hash.to_string()));
    }
    if stats.ran > 0 {
        rows.push(("outputs", format!("{} (last epoch)", args.out.display())));
    }
    for (k, v) in rows {
        println!("{k:<10} {v}");
    }
    for (file, e) in &stats.failed {
        eprintln!("failed: {}: {e}", file.display());
    }
    Ok(())
}

#[derive(Default)]
struct Stats {
    ran: usize,
    failed: Vec<(PathBuf, String)>,
    fuel_total: u128,
    fuel_max: u64,
    elapsed: Duration,
}

impl Stats {
    fn record(&mut self, file: &Path, ex: &Executed) {
        if let Err(e) = &ex.run.result {
            self.failed.push((file.to_path_buf(), e.to_string()));
        }
        self.fuel_total += u128::from(ex.run.fuel_consumed);
        self.fuel_max = self.fuel_max.max(ex.run.fuel_consumed);
        self.ran += 1;
    }
}
