//! `imr-prompt-scenario [DATA_DIR]`: regenerates the prompt-ranking example's epochs.

fn main() {}
