//! Prompt-ranking example.
