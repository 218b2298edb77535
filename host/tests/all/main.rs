//! The host's integration tests: one binary, one module per concern.

mod abi_faults;
mod admission;
mod anchoring;
mod cache;
mod cli;
mod compile_limits;
mod determinism;
mod engine_config;
mod epoch_files;
mod hostile;
mod input_handling;
mod new;
mod out_dir;
mod prompt_ranking;
mod receipt_format;
mod replay;
mod reproducible_build;
mod run_limits;
mod runlog;
mod session;
mod signatures;
mod simulate;
mod support;
mod time_series;
mod verify;
