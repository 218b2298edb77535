//! `imr verify`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::Args;
use imr_host::audit::anchor::AnchorRef;
use imr_host::replay::ReplayOptions;
use imr_host::runlog::Log;
use imr_host::signatures::{ExpectedSigner, SignaturePolicy};
use imr_host::verify::{verify_with_progress, Progress, VerifyOptions, VerifyReport};
use imr_host::Backend;

use super::args::{cache, EngineKind};
use super::progress::progress_bar;

/// Verify a whole run log: blobs, receipt hashes and links, and a replay of every receipt.
#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// The run log directory.
    #[arg(value_name = "LOG")]
    log: PathBuf,
    /// Code generator of the replays: cranelift, or pulley (portable interpreter; same results, slower).
    #[arg(long, value_enum, default_value_t = EngineKind::Cranelift)]
    engine: EngineKind,
    /// Worker threads (default: one per core).
    #[arg(long, short, value_name = "N")]
    jobs: Option<usize>,
    /// Check blobs, hashes and links only; do not replay.
    #[arg(long)]
    no_replay: bool,
    /// Print only problems and errors (no progress bar, no summary).
    #[arg(long, short)]
    quiet: bool,
    /// Do not use the compiled-artifact cache.
    #[arg(long)]
    no_cache: bool,
    /// Directory of the compiled-artifact cache (default: $IMR_CACHE_DIR, else ~/.cache/imr).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
    /// The head the validator anchored on chain (`imr anchor`): HASH or HASH:COUNT. The log must
    /// contain it at that position; a log that ends before it fails, naming the first missing
    /// receipt.
    #[arg(long, value_name = "HASH[:COUNT]")]
    anchor: Option<AnchorRef>,
    /// The validator's hotkey (ss58): every signature present must be by this key.
    #[arg(long, value_name = "SS58", value_parser = parse_ss58, conflicts_with = "signer_uid")]
    signer: Option<String>,
    /// The validator's uid: every signature present must be by that uid's hotkey in the
    /// metagraph of the epoch the receipt ran.
    #[arg(long, value_name = "UID")]
    signer_uid: Option<u16>,
    /// Every receipt must be signed (unsigned logs are otherwise valid).
    #[arg(long)]
    require_signatures: bool,
}

fn parse_ss58(s: &str) -> Result<String, String> {
    imr_signing::ss58_decode(s)
        .map(|_| s.to_string())
        .map_err(|e| format!("not an ss58 address: {e}"))
}

/// The library's options for these arguments.
fn options(args: &VerifyArgs) -> VerifyOptions {
    VerifyOptions {
        replay: ReplayOptions {
            backend: args.engine.backend(),
            cache: cache(args.no_cache, args.cache_dir.as_ref()),
        },
        threads: args.jobs.unwrap_or(0),
        skip_replay: args.no_replay,
        signatures: SignaturePolicy {
            signer: match (&args.signer, args.signer_uid) {
                (Some(address), _) => Some(ExpectedSigner::Address(address.clone())),
                (None, Some(uid)) => Some(ExpectedSigner::Uid(uid)),
                (None, None) => None,
            },
            required: args.require_signatures,
        },
    }
}

/// Prints the report's counts, one `name value` row each.
fn print_summary(report: &VerifyReport, secs: f64, backend: Backend) {
    let rows = [
        ("receipts", report.receipts.to_string()),
        ("blobs", report.blobs.to_string()),
        ("replayed", report.replayed.to_string()),
        ("identical", report.identical.to_string()),
        ("mismatched", report.mismatched.to_string()),
        ("no result", report.no_result.to_string()),
        ("signed", report.signed.to_string()),
        ("missing", report.missing.to_string()),
        ("problems", report.problems.len().to_string()),
        (
            "head",
            report.head.clone().unwrap_or_else(|| "(empty log)".into()),
        ),
        (
            "time",
            format!(
                "{secs:.2} s ({:.0} receipts/s, {backend} engine)",
                report.replayed as f64 / secs.max(1e-9),
            ),
        ),
    ];
    for (k, v) in rows {
        println!("{k:<11} {v}");
    }
}

pub fn run(args: &VerifyArgs) -> anyhow::Result<ExitCode> {
    let log = Log::open(&args.log)?;
    let options = options(args);
    let started = Instant::now();
    let mut bar = None;
    let report = verify_with_progress(&log, &options, &mut |p| match p {
        Progress::Start(n) => bar = Some(progress_bar(n, args.quiet, "receipts replayed")),
        Progress::Replayed => {
            if let Some(b) = &bar {
                b.inc(1);
            }
        }
    })?;
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    let secs = started.elapsed().as_secs_f64();
    for p in &report.problems {
        eprintln!("problem: {p}");
    }
    let anchored = args
        .anchor
        .as_ref()
        .map(|a| imr_host::anchoring::check_anchor(&log, a));
    if let Some(Err(e)) = &anchored {
        eprintln!("problem: anchor: {e}");
    }
    if !args.quiet {
        print_summary(&report, secs, options.replay.backend);
    }
    if let Some(Err(e)) = anchored {
        return Err(anyhow::anyhow!(
            "run log {} does not match its anchor: {e}",
            args.log.display()
        ));
    }
    if report.ok() {
        if !args.quiet {
            let anchor = if anchored.is_some() {
                "; the log contains the anchored head"
            } else {
                ""
            };
            println!(
                "verified: every blob, hash and link checks, every replay is identical{anchor}"
            );
        }
        Ok(ExitCode::SUCCESS)
    } else {
        Err(anyhow::anyhow!(
            "run log {} failed verification: {} problem(s), first: {}",
            args.log.display(),
            report.problems.len(),
            report.problems[0]
        ))
    }
}
