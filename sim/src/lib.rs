//! imr-sim: the pieces of `imr simulate` (issue 16 item 2) that need no runtime.
//!
//! Work in progress: only the validators file ([`validators`]) and the seeded per-validator randomness
//! ([`seeding`]) exist so far.

pub mod seeding;
pub mod validators;
