//! `imr replay`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use imr_host::receipt::Receipt;
use imr_host::replay::{replay, ReplayOptions};
use imr_host::runlog::layout::enclosing_log;
use imr_host::runlog::Log;

use super::args::{cache, EngineKind};

/// Re-execute a receipt's run from a run log and compare.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The receipt: a receipt file, or with --log a sequence number or a hash (prefix) of one of its receipts.
    #[arg(value_name = "RECEIPT")]
    receipt: String,
    /// The run log holding the receipt's blobs (default: the log the receipt file is in).
    #[arg(long, value_name = "DIR")]
    log: Option<PathBuf>,
    /// Code generator of the replay: cranelift, or pulley (portable interpreter; same results, slower).
    #[arg(long, value_enum, default_value_t = EngineKind::Cranelift)]
    engine: EngineKind,
    /// Do not use the compiled-artifact cache.
    #[arg(long)]
    no_cache: bool,
    /// Directory of the compiled-artifact cache (default: $IMR_CACHE_DIR, else ~/.cache/imr).
    #[arg(long, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

pub fn run(args: &ReplayArgs) -> anyhow::Result<ExitCode> {
    let file = Path::new(&args.receipt);
    let (log, receipt, label) = if file.is_file() {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read receipt {}", file.display()))?;
        let receipt: Receipt = serde_json::from_str(&text)
            .with_context(|| format!("{} is not a receipt", file.display()))?;
        let log_path = match (&args.log, enclosing_log(file)) {
            (Some(l), _) => l.clone(),
            (None, Some(l)) => l,
            (None, None) => anyhow::bail!(
                "{} is not inside a run log: give the log holding its blobs with --log DIR",
                file.display()
            ),
        };
        (Log::open(&log_path)?, receipt, file.display().to_string())
    } else {
        let Some(log_path) = &args.log else {
            anyhow::bail!(
                "{} is not a receipt file; to name a receipt of a run log by number or hash, give --log DIR",
                args.receipt
            );
        };
        let log = Log::open(log_path)?;
        let (seq, receipt) = log.find(&args.receipt)?;
        (
            log,
            receipt,
            format!("receipt {seq} of {}", log_path.display()),
        )
    };
    let options = ReplayOptions {
        backend: args.engine.backend(),
        cache: cache(args.no_cache, args.cache_dir.as_ref()),
    };
    let report =
        replay(&log, &receipt, &options).with_context(|| format!("cannot replay {label}"))?;
    println!(
        "replayed {label} ({}) under {}",
        receipt.hash, options.backend
    );
    if !report.hash_valid {
        println!(
            "hash: the receipt's hash {} does not match its content (which hashes to {})",
            receipt.hash,
            receipt.compute_hash()
        );
    }
    if report.fingerprint_differs() {
        let (a, b) = report.fingerprints();
        println!(
            "engine fingerprint differs: logged {} (imr {}, wasmtime {}, protocol {}), replay {} (imr {}, wasmtime {}, protocol {})",
            a.config_hash, a.imr_version, a.wasmtime_version, a.protocol,
            b.config_hash, b.imr_version, b.wasmtime_version, b.protocol
        );
        println!(
            "results {} despite the different fingerprint",
            if report.results_agree() {
                "agree"
            } else {
                "differ"
            }
        );
    }
    for d in &report.differences {
        println!("{}: logged {}, replayed {}", d.field, d.logged, d.replayed);
    }
    if report.identical() {
        println!("identical");
        Ok(ExitCode::SUCCESS)
    } else {
        Ok(ExitCode::FAILURE)
    }
}
