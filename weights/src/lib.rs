//! Scores to chain-ready weights.
