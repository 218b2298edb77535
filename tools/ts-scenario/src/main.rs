//! `imr-ts-scenario [DATA_DIR]`: regenerates the time-series example's data (default
//! `examples/time-series/data`, relative to the workspace root).

use std::path::PathBuf;
use std::process::ExitCode;

fn main() -> ExitCode {
    let dir = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../../examples/time-series/data"
            ))
        });
    match imr_ts_scenario::write_all(&dir) {
        Ok(()) => {
            println!("wrote {}", dir.display());
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: writing {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}
