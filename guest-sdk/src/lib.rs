//! # imr-guest: write an incentive mechanism for imr
//!
//! (guide written below)

pub mod helpers;
