//! The `imr` command line: clap definitions and dispatch. The only place that
//! uses `anyhow` and prints.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod anchor;
mod args;
mod audit;
mod build;
mod inspect;
mod inspect_state;
mod new;
mod output;
mod progress;
mod replay;
mod report;
mod run;
mod simulate;
mod table;
mod validator;
mod verify;
mod verify_build;
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
    /// Check a run log against the weights its validator set on chain (a chain-weights export).
    Audit(audit::AuditArgs),
    /// Build a guest crate into a reproducible mechanism component.
    Build(build::BuildArgs),
    /// Check that a component rebuilds, byte for byte, from a source directory (its imr-build section).
    VerifyBuild(verify_build::VerifyBuildArgs),
    /// Show a component's hash, world, imports, exports and size.
    Inspect(inspect::InspectArgs),
    /// Show a mechanism state: JSON pretty-printed, the binary format as tag, version, size and hex.
    InspectState(inspect_state::InspectStateArgs),
    /// Turn scores into chain-ready weights (bittensor SDK 10.x or 11.x, bit for bit).
    Weights(weights::WeightsArgs),
    /// Simulate subtensor's Yuma consensus epoch on a subnet state.
    Yuma(yuma::YumaArgs),
    /// Create a new mechanism crate from a template.
    New(new::NewArgs),
    /// Simulate a subnet: validators with behaviours run the mechanism over epochs; Yuma combines their weights.
    Simulate(simulate::SimulateArgs),
    /// Write a self-contained HTML report (plots, tables, receipt hash) of a simulation's output folder.
    Report(report::ReportArgs),
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
        Command::Audit(a) => audit::run(a),
        Command::Build(a) => build::run(a),
        Command::VerifyBuild(a) => verify_build::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::InspectState(a) => inspect_state::run(a),
        Command::Weights(a) => weights::run(a).map(|()| ExitCode::SUCCESS),
        Command::Yuma(a) => yuma::run(a).map(|()| ExitCode::SUCCESS),
        Command::New(a) => new::run(a).map(|()| ExitCode::SUCCESS),
        Command::Simulate(a) => simulate::run(a).map(|()| ExitCode::SUCCESS),
        Command::Report(a) => report::run(a).map(|()| ExitCode::SUCCESS),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {}", error_text(&e));
            ExitCode::FAILURE
        }
    }
}

/// The error and its causes on one line, as `{:#}` gives them, except that a
/// cause the text already quotes (an error that names its OS error and also
/// exposes it as its source) is not repeated, and control characters are
/// escaped: messages quote file names and guest strings.
fn error_text(e: &anyhow::Error) -> String {
    let mut text = String::new();
    for cause in e.chain() {
        let piece = cause.to_string();
        if text.contains(&piece) {
            continue;
        }
        if !text.is_empty() {
            text.push_str(": ");
        }
        text.push_str(&piece);
    }
    imr_host::terminal::escape_text(&text).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_quoted_is_not_repeated() {
        let os = std::io::Error::from(std::io::ErrorKind::NotFound);
        let inner = imr_host::epoch::EpochError::Read {
            path: "e.json".into(),
            source: os,
        };
        let e = anyhow::Error::new(inner).context("epoch 3");
        let text = error_text(&e);
        assert_eq!(text.matches("entity not found").count(), 1, "{text}");
        assert!(
            text.starts_with("epoch 3: cannot read epoch file e.json"),
            "{text}"
        );
        let e = anyhow::anyhow!("bad \x1b[2J hotkey \x1b[2J");
        assert!(!error_text(&e).contains('\x1b'));
    }

    #[test]
    fn clap_definition_is_consistent() {
        use clap::CommandFactory;
        Cli::command().debug_assert();
    }
}
