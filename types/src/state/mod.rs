//! The state a mechanism carries from one epoch to the next.
//!
//! Declare the state as a type implementing [`MechanismState`], read it with [`load`] and write it with [`save`]
//! (or [`crate::Outcome::with_typed_state`]). The default encoding is the compact [`binary`] format: a header with
//! a format tag and the type's schema [`MechanismState::VERSION`], then the value in postcard's wire format (floats
//! as their IEEE bits, so a state round-trips bit for bit). [`Encoding::CanonicalJson`] keeps a small state
//! human-readable instead. The same value gives the same bytes on every platform, either way.
//!
//! ```
//! use std::collections::BTreeMap;
//! use imr_types::state::{self, MechanismState};
//!
//! #[derive(serde::Serialize, serde::Deserialize, Default, Debug, PartialEq)]
//! struct Emas {
//!     last_epoch: Option<u64>,
//!     ema: BTreeMap<u16, f64>,
//! }
//! impl MechanismState for Emas {
//!     const VERSION: u32 = 1;
//! }
//!
//! let fresh: Emas = state::load(&[]).unwrap(); // the first epoch: empty state
//! assert_eq!(fresh, Emas::default());
//! let s = Emas { last_epoch: Some(4), ema: BTreeMap::from([(1, 0.25), (300, 0.1)]) };
//! let bytes = state::save(&s).unwrap();
//! assert_eq!(state::load::<Emas>(&bytes).unwrap(), s);
//! assert!(state::summarize(&bytes).to_string().starts_with("binary state: format 0x01 (postcard 1.x), version 1"));
//! ```

pub mod binary;
mod column;
mod path;
mod summary;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::json::{decode_json, encode_canonical};
use crate::MechanismError;

pub use column::F64Column;
pub use summary::{render, summarize, StateSummary};

/// How a [`MechanismState`] is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The [`binary`] format: header (magic, format tag, schema version) + postcard body. Compact and fast; the
    /// default.
    Binary,
    /// Canonical JSON (compact, keys sorted), without a header: readable in the run log, for small states. Its
    /// encoder goes through `serde_json::Value` to sort keys, so it costs several times the binary format; keep a
    /// version field in the type if the format may change.
    CanonicalJson,
}

/// A mechanism's state type: serde, a schema version, and an encoding.
///
/// The type must encode deterministically: `BTreeMap`/`BTreeSet`, never `HashMap`. For the binary encoding, do
/// not use serde attributes that need a self-describing format (see [`binary`]).
pub trait MechanismState: Serialize + DeserializeOwned + Default {
    /// The schema version written into (and required from) a binary state. Bump it whenever a field is added,
    /// removed, reordered or changes type.
    const VERSION: u32;
    /// The encoding; [`Encoding::Binary`] unless overridden.
    const ENCODING: Encoding = Encoding::Binary;
}

/// Decodes the previous epoch's state. An empty state (the first epoch) gives `S::default()`; anything else that
/// cannot be read is an [`MechanismError::InvalidInput`] that says why (the field, where the format allows; a
/// wrong format tag; another version; a JSON state where a binary one is expected, or the other way round).
pub fn load<S: MechanismState>(state: &[u8]) -> Result<S, MechanismError> {
    if state.is_empty() {
        return Ok(S::default());
    }
    match S::ENCODING {
        Encoding::Binary => binary::decode(state, S::VERSION),
        Encoding::CanonicalJson => {
            if let Some(h) = binary::header(state) {
                return Err(MechanismError::InvalidInput(format!(
                    "state: this is the binary state format (tag 0x{:02x}, version {}), not canonical JSON",
                    h.tag, h.version
                )));
            }
            // Fast path without path tracking; on failure, decode again for an error that names the field.
            match serde_json::from_slice(state) {
                Ok(s) => Ok(s),
                Err(_) => decode_json(state, "state"),
            }
        }
    }
}

/// Encodes a state in its type's encoding.
pub fn save<S: MechanismState>(state: &S) -> Result<Vec<u8>, MechanismError> {
    match S::ENCODING {
        Encoding::Binary => binary::encode(state, S::VERSION),
        Encoding::CanonicalJson => encode_canonical(state, "state"),
    }
}

/// Decodes the previous state (canonical JSON written by [`crate::Outcome::with_state`]).
/// An empty state (the first epoch) gives `S::default()`; anything unreadable is an
/// [`MechanismError::InvalidInput`] naming the field. Prefer [`load`] with a [`MechanismState`].
///
/// ```
/// #[derive(serde::Deserialize, Default, Debug, PartialEq)]
/// struct S { epochs: u32 }
/// assert_eq!(imr_types::state::decode::<S>(&[]).unwrap(), S { epochs: 0 });
/// assert_eq!(imr_types::state::decode::<S>(br#"{"epochs":3}"#).unwrap(), S { epochs: 3 });
/// ```
pub fn decode<S: DeserializeOwned + Default>(state: &[u8]) -> Result<S, MechanismError> {
    if state.is_empty() {
        return Ok(S::default());
    }
    decode_json(state, "state")
}

#[cfg(test)]
mod tests;
