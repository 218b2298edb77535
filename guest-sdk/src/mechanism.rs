//! The trait a mechanism implements.

use crate::{Epoch, MechanismError, Outcome};

/// An incentive mechanism: a pure function of the epoch and the previous state.
///
/// `state` is exactly the `state` of the previous epoch's [`Outcome`] (empty on
/// the first epoch). Return [`MechanismError::InvalidInput`] when the epoch or
/// the state cannot be used, naming the field.
pub trait Mechanism {
    /// Scores one epoch.
    fn score(epoch: &Epoch, state: &[u8]) -> Result<Outcome, MechanismError>;
}
