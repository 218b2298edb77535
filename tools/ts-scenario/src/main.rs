//! `imr-ts-scenario [DATA_DIR]`: regenerates the time-series example's data (default
//! `examples/time-series/data`, relative to the workspace root).
//!
//! `imr-ts-scenario --miners N [--epochs K] DIR`: writes the first K (default 8) epoch files
//! of the scenario scaled to N miners (uids 1..=N beside the validator, as the runtime
//! benchmarks use them) to DIR, for measurements at subnet scale.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn scaled(miners: u16, epochs: usize, dir: &Path) -> std::io::Result<usize> {
    let days = imr_ts_scenario::series::generate();
    let files = imr_ts_scenario::scenario::scaled(&days, miners, epochs);
    std::fs::create_dir_all(dir)?;
    for (k, file) in files.iter().enumerate() {
        std::fs::write(dir.join(format!("{k:04}.json")), file.to_text())?;
    }
    Ok(files.len())
}

fn number<T: std::str::FromStr>(flag: &str, value: Option<OsString>) -> Result<T, String> {
    let value = value.ok_or_else(|| format!("{flag} needs a value"))?;
    let value = value.to_string_lossy();
    value
        .parse()
        .map_err(|_| format!("{flag}: {value:?} is not a valid number"))
}

fn main() -> ExitCode {
    let mut args = std::env::args_os().skip(1);
    let first = args.next();
    if first.as_deref() == Some("--miners".as_ref()) {
        let parsed = (|| -> Result<(u16, usize, PathBuf), String> {
            let miners: u16 = number("--miners", args.next())?;
            let mut epochs = 8usize;
            let mut dir = None;
            while let Some(a) = args.next() {
                if a == "--epochs" {
                    epochs = number("--epochs", args.next())?;
                } else if dir.is_none() {
                    dir = Some(PathBuf::from(a));
                } else {
                    return Err(format!("unexpected argument {a:?}"));
                }
            }
            let dir = dir.ok_or("give the output directory")?;
            Ok((miners, epochs, dir))
        })();
        return match parsed {
            Err(e) => {
                eprintln!("error: {e}\nusage: imr-ts-scenario --miners N [--epochs K] DIR");
                ExitCode::from(2)
            }
            Ok((miners, epochs, dir)) => match scaled(miners, epochs, &dir) {
                Ok(n) => {
                    println!("wrote {n} epochs of {miners} miners to {}", dir.display());
                    ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("error: writing {}: {e}", dir.display());
                    ExitCode::FAILURE
                }
            },
        };
    }
    let dir = first.map(PathBuf::from).unwrap_or_else(|| {
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
