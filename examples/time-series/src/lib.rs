//! Time-series example.
