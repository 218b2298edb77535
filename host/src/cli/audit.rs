//! `imr audit`: a run log against the weights its validator has on chain.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use imr_host::audit::chain_weights::ChainWeights;
use imr_host::chain_audit::{as_chain_weights, audit_log, computed_weights};
use imr_host::runlog::Log;

/// The largest chain-weights export read (a row per epoch; 64 MiB is years of epochs).
const MAX_CHAIN_WEIGHTS_BYTES: u64 = 64 << 20;

/// Check that the weights a validator set on chain are the ones its run log says it computed.
#[derive(Args, Debug)]
#[command(
    after_help = "Example:\n  imr audit LOG --chain-weights chain-weights.json\n\n\
The export lists the hotkey's weights rows on chain (format imr-chain-weights/1):\n  \
{\"format\": \"imr-chain-weights/1\", \"hotkey\": \"5G...\", \"entries\": [\n    \
{\"block\": 1004, \"netuid\": 7, \"mecid\": 0, \"uids\": [0, 3], \"values\": [65535, 1200]}]}\n\
`block` is the block of the set_weights call (or of the commit whose reveal produced the row). \
Each entry belongs to the receipt with the greatest epoch block not after it. Every epoch where \
the chain holds another row (weights it did not compute), no row (it did not set what it \
computed) or a row for a failed run is reported; exit status 1 if any."
)]
pub struct AuditArgs {
    /// The run log directory.
    #[arg(value_name = "LOG")]
    log: PathBuf,
    /// The hotkey's weights on chain per epoch (JSON, format imr-chain-weights/1).
    #[arg(
        long,
        value_name = "FILE.json",
        required_unless_present = "print_computed"
    )]
    chain_weights: Option<PathBuf>,
    /// Instead of auditing, print what the log's receipts computed in the chain-weights format
    /// (each row at its epoch's block): what an honest validator's chain rows look like.
    #[arg(long, conflicts_with = "chain_weights")]
    print_computed: bool,
    /// Print the report as JSON.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &AuditArgs) -> anyhow::Result<ExitCode> {
    let Some(path) = &args.chain_weights else {
        let log = Log::open(&args.log)?;
        let computed = computed_weights(&log)?;
        println!(
            "{}",
            serde_json::to_string_pretty(&as_chain_weights(&computed))?
        );
        return Ok(ExitCode::SUCCESS);
    };
    let file = path.display().to_string();
    let bytes = imr_host::input_file::read_regular(path, MAX_CHAIN_WEIGHTS_BYTES)
        .with_context(|| format!("cannot read {file}"))?;
    let chain = ChainWeights::from_json(&bytes, &file)?;
    let log = Log::open(&args.log)?;
    let report = audit_log(&log, &chain)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        for finding in &report.findings {
            println!("{finding}");
        }
        println!(
            "{} receipt(s), {} chain row(s) checked ({} before the log, {} for other mechanisms): {}",
            report.receipts,
            report.entries_checked,
            report.entries_before_log,
            report.entries_other_mechanism,
            if report.ok() {
                "every epoch matches the chain".to_string()
            } else {
                format!("{} epoch(s) differ from the chain", report.findings.len())
            }
        );
    }
    Ok(if report.ok() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}
