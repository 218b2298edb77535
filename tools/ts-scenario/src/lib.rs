//! # imr-ts-scenario
//!
//! Generates the data bundled with `examples/time-series` (see `examples/time-series/data/README.md`):
//!
//! * `syn_btc_daily.csv`: the SYN-BTC synthetic daily series (regime-switching GBM with jumps, SplitMix64 seed
//!   `0x5EED_B7C0`), and `syn_btc_daily.csv.sha256` in `sha256sum` format;
//! * `epochs/0000.json … 0199.json`: the 200-epoch scenario in the epoch file format of DESIGN.md §4.
//!
//! Everything is a pure function of the constants in [`series`] and [`scenario`]; transcendentals come from
//! `libm`, so the bytes are the same on every machine.

pub mod rng;
pub mod scenario;
pub mod series;

use std::fs;
use std::io;
use std::path::Path;

use sha2::{Digest, Sha256};

/// Name of the series file.
pub const CSV_NAME: &str = "syn_btc_daily.csv";

/// Every generated file as (path relative to the data directory, bytes), in a fixed order.
pub fn files() -> Vec<(String, Vec<u8>)> {
    let days = series::generate();
    let csv = series::to_csv(&days);
    let digest = hex::encode(Sha256::digest(csv.as_bytes()));
    let mut out = vec![
        (CSV_NAME.to_string(), csv.into_bytes()),
        (
            format!("{CSV_NAME}.sha256"),
            format!("{digest}  {CSV_NAME}\n").into_bytes(),
        ),
    ];
    for (k, epoch) in scenario::generate(&days).into_iter().enumerate() {
        out.push((format!("epochs/{k:04}.json"), epoch.to_text().into_bytes()));
    }
    out
}

/// Writes every generated file under `dir` (creating `dir/epochs`).
pub fn write_all(dir: &Path) -> io::Result<()> {
    fs::create_dir_all(dir.join("epochs"))?;
    for (rel, bytes) in files() {
        fs::write(dir.join(rel), bytes)?;
    }
    Ok(())
}
