//! `imr inspect-state`: a state file, readably (the logic is `imr_types::state::render`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;

/// Show a mechanism state: JSON pretty-printed, the binary format as tag, version, size and a hex dump.
#[derive(Args, Debug)]
pub struct InspectStateArgs {
    /// The state file (`state.json` written by `imr run --out`, or a state blob of a run log).
    #[arg(value_name = "STATE")]
    file: PathBuf,
    /// How many bytes of a binary state to show in hex.
    #[arg(long, value_name = "N", default_value_t = 256)]
    hex_bytes: usize,
    /// Print a JSON summary (kind, size, blake3, and a binary state's tag, format and version) instead of text.
    #[arg(long)]
    json: bool,
}

pub fn run(args: &InspectStateArgs) -> anyhow::Result<ExitCode> {
    let bytes = std::fs::read(&args.file)
        .with_context(|| format!("cannot read state file {}", args.file.display()))?;
    let summary = imr_types::state::summarize(&bytes);
    let hash = blake3::hash(&bytes).to_hex().to_string();
    if args.json {
        let mut v = summary.to_json();
        v["path"] = serde_json::json!(args.file);
        v["blake3"] = serde_json::json!(hash);
        println!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        println!("state   {}", args.file.display());
        println!("blake3  {hash}");
        print!("{}", imr_types::state::render(&bytes, args.hex_bytes));
    }
    Ok(ExitCode::SUCCESS)
}
