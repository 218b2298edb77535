//! The `imr` command line: clap definitions and dispatch. The only place that
//! uses `anyhow` and prints.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod anchor;
mod args;
mod build;
mod inspect;
mod inspect_state;
mod output;
mod progress;
mod replay;
mod run;
mod table;
mod validator;
mod verify;
mod weights;
mod yuma;

/// imr: run Bittensor incentive mechanisms as deterministic Wasm components.
#[derive(Parser, Debug)]
#[command(name = "imr", version, about, long_about = None, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run a mechanism on an epoch (or a directory of epochs): writes weights.json, receipt.json and the new state.
    Run(args::RunArgs),
    /// Re-execute a receipt's run from a run log: prints `identical` or each differing field.
    Replay(replay::ReplayArgs),
    /// Verify a whole run log: blobs, hashes, links, and a replay of every receipt.
    Verify(verify::VerifyArgs),
    /// Print a run log's on-chain anchor (head hash and count as set_commitment call data).
    Anchor(anchor::AnchorArgs),
    /// Build a guest crate into a reproducible mechanism component.
    Build(build::BuildArgs),
    /// Show a component's hash, world, imports, exports and size.
    Inspect(inspect::InspectArgs),
    /// Show a mechanism state: JSON pretty-printed, the binary format as tag, version, size and hex.
    InspectState(inspect_state::InspectStateArgs),
    /// Turn scores into chain-ready weights (bittensor SDK 10.x or 11.x, bit for bit).
    Weights(weights::WeightsArgs),
    /// Simulate subtensor's Yuma consensus epoch on a subnet state.
    Yuma(yuma::YumaArgs),
}

/// Parses the command line and runs the command. Exit status: 0 success,
/// 1 failure, 2 usage error.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(a) => run::run(a),
        Command::Replay(a) => replay::run(a),
        Command::Verify(a) => verify::run(a),
        Command::Anchor(a) => anchor::run(a).map(|()| ExitCode::SUCCESS),
        Command::Build(a) => build::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::InspectState(a) => inspect_state::run(a),
        Command::Weights(a) => weights::run(a).map(|()| ExitCode::SUCCESS),
        Command::Yuma(a) => yuma::run(a).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
