//! # imr-prompt-scenario
//!
//! Generates the data bundled with `examples/prompt-ranking` (see `examples/prompt-ranking/data/README.md`).
