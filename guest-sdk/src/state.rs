//! Reading the previous epoch's state.

use serde::de::DeserializeOwned;

use crate::json::decode_json;
use crate::MechanismError;

/// Decodes the previous state (canonical JSON written by [`crate::Outcome::with_state`]).
/// An empty state (the first epoch) gives `S::default()`; anything unreadable is an
/// [`MechanismError::InvalidInput`] naming the field.
///
/// ```
/// #[derive(serde::Deserialize, Default, Debug, PartialEq)]
/// struct S { epochs: u32 }
/// assert_eq!(imr_guest::state::decode::<S>(&[]).unwrap(), S { epochs: 0 });
/// assert_eq!(imr_guest::state::decode::<S>(br#"{"epochs":3}"#).unwrap(), S { epochs: 3 });
/// ```
pub fn decode<S: DeserializeOwned + Default>(state: &[u8]) -> Result<S, MechanismError> {
    if state.is_empty() {
        return Ok(S::default());
    }
    decode_json(state, "state")
}
