//! # imr-guest: write a Bittensor incentive mechanism for imr
//!
//! A mechanism is a pure function of the epoch and of the state it returned
//! last time. Write it as a type implementing [`Mechanism`], export it with
//! [`export_mechanism!`], and build it with `imr build`:
//!
//! ```
//! use imr_guest::{export_mechanism, Epoch, Mechanism, MechanismError, Outcome};
//!
//! #[derive(serde::Deserialize, Default)]
//! struct Params {
//!     #[serde(default)]
//!     bonus_uid: Option<u16>,
//! }
//!
//! /// Scores every miner that answered, and doubles one chosen uid.
//! pub struct Answered;
//!
//! impl Mechanism for Answered {
//!     fn score(epoch: &Epoch, _state: &[u8]) -> Result<Outcome, MechanismError> {
//!         let params: Params = epoch.params()?;
//!         let mut scores = std::collections::BTreeMap::new();
//!         for response in &epoch.responses {
//!             let bonus = if params.bonus_uid == Some(response.uid) { 2.0 } else { 1.0 };
//!             scores.insert(response.uid, bonus);
//!         }
//!         Ok(Outcome::new(scores))
//!     }
//! }
//!
//! export_mechanism!(Answered);
//!
//! // The same code runs natively, so it can be unit-tested with `cargo test`:
//! let epoch = imr_guest::epoch_file::parse(br#"{
//!     "netuid": 1, "block": 10, "seed": "0000000000000000000000000000000000000000000000000000000000000000",
//!     "neurons": [{"uid": 0, "hotkey": "a", "registered_at_block": 0},
//!                 {"uid": 1, "hotkey": "b", "registered_at_block": 0}],
//!     "responses": [{"uid": 0, "payload": 1}, {"uid": 1, "payload": 2}],
//!     "params": {"bonus_uid": 1}
//! }"#).unwrap();
//! let outcome = Answered::score(&epoch, &[]).unwrap();
//! assert_eq!(outcome.scores[1].score, 2.0);
//! ```
//!
//! ## What the SDK gives you
//!
//! * [`Epoch`], [`Neuron`], [`Response`], [`Outcome`]: plain Rust types mirroring
//!   the WIT contract (`wit/mechanism.wit`); the generated bindings stay hidden.
//! * Typed decoding of `task`, `params` and response payloads with serde
//!   ([`Epoch::task`], [`Epoch::params`], [`Response::payload`]), with errors that
//!   name the field.
//! * [`state`]: a typed state ([`MechanismState`], [`state::load`], [`Outcome::with_typed_state`]) in a compact,
//!   versioned binary format (postcard body, floats bit-exact), or canonical JSON for small readable states.
//! * [`ledger`]: a per-miner [`ledger::Ledger`] keyed by uid, reconciled against the metagraph each epoch (a new
//!   hotkey at a uid resets its entry, departed uids are dropped), with an EMA update and a ready-made
//!   [`ledger::Ema`] entry; it serializes as the map it wraps.
//! * [`shaping`]: the final normalize → cap → burn pipeline ([`shaping::Shaping`]) from per-miner scores to one
//!   weight per neuron, and the usual `max_weight` / `burn_uid` / `burn_frac` params ([`shaping::ShapingParams`]).
//! * `testing` (cargo feature `testing`, for `[dev-dependencies]`): run a directory of epoch files natively with
//!   the state chained, and compare the chain weights with committed goldens (`IMR_BLESS=1` rewrites them).
//! * [`Rng`]: a deterministic generator seeded from the epoch seed, the only
//!   randomness a mechanism may use.
//! * [`log`]: lines recorded by the host in the run's log.
//! * [`helpers`]: deterministic scoring helpers (compensated sums, pinned libm,
//!   explicit NaN and tie rules).
//! * [`epoch_file`]: the epoch file format, parsed exactly as the host parses it,
//!   so a mechanism can be tested and benchmarked natively on the same files.
//!
//! ## Determinism rules for authors
//!
//! The component runs on `wasm32-unknown-unknown` with no WASI: there is no
//! clock (`SystemTime::now()` panics), no file system and no ambient randomness.
//! Use `BTreeMap` for anything you serialize, the helpers' compensated sums for
//! reductions, and [`Rng`] for sampling.
//!
//! The same crate also builds natively (for tests and benches), and a native
//! run must give the component's bits:
//!
//! * Decode integers from `task`, `params` and payloads as fixed-width types
//!   (`u32`, `u64`), never `usize`/`isize`: those are 32 bits in the component
//!   and 64 natively, so a large value is refused in one build and accepted in
//!   the other (imr's fuzzer found this in the time-series example). Convert to
//!   `usize` after your range check.
//! * Call `exp`, `ln`, `pow` and friends through [`helpers`] (Rust's `libm`, the
//!   same code on every target), not the `f64` methods of `std`, which natively
//!   call the platform's C library and can differ in the last bit.
//! * The host stores a `-0.0` score as `+0.0` (and sorts scores by uid) before
//!   it records an outcome: compare a native outcome after the same step.

extern crate self as imr_guest;

pub mod ledger;
pub mod log;
mod mechanism;
pub mod shaping;
#[cfg(feature = "testing")]
pub mod testing;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod bindings;

/// Deterministic scoring helpers: the `imr-helpers` crate, re-exported (spec/scoring-helpers.md §2).
pub use imr_helpers as helpers;
/// The epoch file format (the `imr-types` crate's, re-exported: the host parses files with the same code).
pub use imr_types::epoch_file;
/// The state a mechanism carries from one epoch to the next (the `imr-types` crate's, re-exported).
pub use imr_types::state;
pub use imr_types::{
    canonical_json, Epoch, MechanismError, MechanismState, Neuron, Outcome, Response, Rng, Scored,
};
pub use mechanism::Mechanism;

/// Exports a [`Mechanism`] implementation as the component's `score` function.
///
/// On `wasm32` this generates the component glue (and installs a panic hook that
/// sends the panic message to the host's log before the trap). On any other
/// target it expands to nothing, so the same crate builds and tests natively.
#[macro_export]
macro_rules! export_mechanism {
    ($ty:ty) => {
        #[cfg(target_arch = "wasm32")]
        const _: () = {
            struct __ImrMechanismExport;
            impl $crate::bindings::Guest for __ImrMechanismExport {
                fn score(
                    epoch: $crate::bindings::Epoch,
                    state: ::std::vec::Vec<u8>,
                ) -> ::std::result::Result<$crate::bindings::Outcome, $crate::bindings::MechanismError>
                {
                    $crate::bindings::run::<$ty>(epoch, state)
                }
            }
            $crate::bindings::__export_mechanism_raw!(__ImrMechanismExport with_types_in $crate::bindings);
        };
    };
}

/// The README's Rust examples, compiled and run as doc tests so they cannot drift.
#[doc = include_str!("../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
