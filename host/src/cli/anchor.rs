//! `imr anchor`: what a validator publishes on chain to commit to its run log.

use std::path::PathBuf;

use clap::Args;
use imr_host::runlog::Log;

/// Print the on-chain anchor of a run log.
#[derive(Args, Debug)]
#[command(after_help = "Example:\n  imr anchor audit/log\n\n\
The output is JSON: the head receipt hash and count, and the commitments pallet's \
set_commitment call (pallet Commitments, index 18; call 0) as SCALE hex: `args_scale` for \
clients that compose calls by name, `call_scale` for raw submission. Its single Data::Raw \
field (44 bytes: \"imr1\", the head, the count as u64 LE) is what Commitments.CommitmentOf \
holds afterwards. An auditor then runs `imr verify LOG --anchor HEAD:COUNT`.")]
pub struct AnchorArgs {
    /// The run log directory.
    #[arg(value_name = "LOG")]
    log: PathBuf,
    /// The subnet (default: the netuid the head receipt's weights record names).
    #[arg(long)]
    netuid: Option<u16>,
}

pub fn run(args: &AnchorArgs) -> anyhow::Result<()> {
    let log = Log::open(&args.log)?;
    let anchor = imr_host::anchoring::anchor(&log, args.netuid)?;
    println!("{}", serde_json::to_string_pretty(&anchor.to_json())?);
    Ok(())
}
