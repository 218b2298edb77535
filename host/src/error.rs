//! Typed errors of loading and running mechanisms.

use std::path::PathBuf;

/// A component could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The engine configuration was refused by wasmtime.
    #[error("engine configuration refused: {0}")]
    Engine(String),
    /// The file could not be read.
    #[error("cannot read component {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The bytes are not a valid WebAssembly component.
    #[error("not a valid WebAssembly component: {0}")]
    Invalid(String),
    /// The component is over a compile limit (checked before compiling).
    #[error("component {0}")]
    OverCompileLimit(#[from] crate::compile_limits::CompileLimitError),
    /// A core module's memory starts larger than the memory cap of a run.
    #[error("a core module of the component defines a memory of {initial} bytes at instantiation, over the memory limit of {limit} bytes")]
    MemoryOverLimit {
        /// The largest initial memory size, in bytes.
        initial: u64,
        /// The memory limit of a run, in bytes.
        limit: u64,
    },
    /// The component imports something outside the mechanism world.
    #[error("component imports {} outside the mechanism world (only imr:mechanism/host and imr:mechanism/types are allowed): {}", .0.len(), .0.join(", "))]
    ForbiddenImports(Vec<String>),
    /// The component does not export the world's `score` function with the right type.
    #[error("component does not implement the imr:mechanism/mechanism world: {0}")]
    WrongWorld(String),
}

pub use imr_runlog::RunError;
