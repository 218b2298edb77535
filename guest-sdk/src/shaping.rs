//! The last steps of a mechanism: from per-miner scores to the weight vector.
//!
//! Most subnets end the same way: normalize the scores to sum to 1, cap the share any single miner may take, and
//! send a fixed fraction (everything, while nobody has earned) to a burn uid, usually the subnet owner's. A
//! [`Shaping`] pipeline does exactly these steps with the deterministic [`crate::helpers`], in this fixed order,
//! each one optional:
//!
//! 1. **normalize**: [`helpers::normalize_sum`] with [`ZeroPolicy::AllZero`];
//! 2. **cap**: [`helpers::cap_max_weight`] (water-filling: the excess of the capped miners is spread over the
//!    others in proportion; it normalizes first, so a cap of 1 only normalizes);
//! 3. **burn**: [`helpers::with_burn`]: `(1 − frac)·normalize(w)`, plus `frac` to the burn uid; when every score
//!    is 0 the burn uid gets everything.
//!
//! The result has one `(uid, weight)` per neuron, in the neurons' order (ascending in an [`crate::Epoch`]), a
//! neuron without a score getting 0; scores of uids that are not neurons are dropped at the end. With a burn, the
//! burn uid must be one of the neurons whenever it would receive weight (a burn fraction above 0, or nothing
//! earned): otherwise the pipeline refuses with an [`MechanismError::InvalidInput`] naming the parameter, rather
//! than silently dropping the owner's share.
//!
//! ```
//! use imr_guest::shaping::Shaping;
//! use imr_guest::Neuron;
//!
//! let neurons: Vec<Neuron> = (0..4)
//!     .map(|uid| Neuron { uid, hotkey: format!("h{uid}"), stake: 0.0, registered_at_block: 0, validator_permit: false })
//!     .collect();
//! let shaping = Shaping::new().normalize().cap(0.5).burn(0, 0.2);
//! // 0.8 / 0.1 / 0.1 capped at 0.5 → 0.5 / 0.25 / 0.25; then 20 % to uid 0.
//! let w = shaping.apply(&neurons, &[(1, 0.8), (2, 0.1), (3, 0.1)]).unwrap();
//! assert_eq!(w, vec![(0, 0.2), (1, 0.4), (2, 0.2), (3, 0.2)]);
//! // Nobody earned anything: everything to the burn uid.
//! assert_eq!(shaping.apply(&neurons, &[]).unwrap(), vec![(0, 1.0), (1, 0.0), (2, 0.0), (3, 0.0)]);
//! ```

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::helpers::{self, HelperError, ZeroPolicy};
use crate::{MechanismError, Neuron};

/// Where the burn goes and how much of it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Burn {
    /// The uid that receives the burn (the subnet owner's, on most subnets).
    pub uid: u16,
    /// The fraction of the weights it receives, in `[0, 1]`.
    pub frac: f64,
    /// Where `uid` came from, for the error when it is not a neuron (`params.burn_uid` unless set with
    /// [`Shaping::burn_from`]).
    pub source: &'static str,
}

/// The usual shaping parameters, read from an epoch's `params` with [`crate::Epoch::params`]: `max_weight`
/// (default 1: no cap), `burn_uid` (default 0) and `burn_frac` (default 0). Other fields of `params` are ignored, so
/// a mechanism can read its own parameters from the same object.
///
/// ```
/// use imr_guest::shaping::ShapingParams;
/// let p: ShapingParams = serde_json::from_str(r#"{"burn_frac": 0.1, "alpha": 0.3}"#).unwrap();
/// assert_eq!(p, ShapingParams { max_weight: 1.0, burn_uid: 0, burn_frac: 0.1 });
/// assert!(serde_json::from_str::<ShapingParams>(r#"{"max_weight": 0}"#).unwrap().pipeline().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ShapingParams {
    /// The largest share of one miner before the burn, in (0, 1].
    pub max_weight: f64,
    /// The uid that receives the burn, and everything while nobody has earned.
    pub burn_uid: u16,
    /// The fraction of the weights burned, in [0, 1].
    pub burn_frac: f64,
}

impl Default for ShapingParams {
    fn default() -> Self {
        Self {
            max_weight: 1.0,
            burn_uid: 0,
            burn_frac: 0.0,
        }
    }
}

impl ShapingParams {
    /// The pipeline normalize → `cap(max_weight)` → `burn(burn_uid, burn_frac)`, after checking the ranges: a value
    /// out of range is an [`MechanismError::InvalidInput`] naming `params.max_weight` or `params.burn_frac`.
    pub fn pipeline(&self) -> Result<Shaping, MechanismError> {
        if !(self.max_weight > 0.0 && self.max_weight <= 1.0) {
            return Err(MechanismError::InvalidInput(format!(
                "params.max_weight: {} is not in (0, 1]",
                self.max_weight
            )));
        }
        if !(0.0..=1.0).contains(&self.burn_frac) {
            return Err(MechanismError::InvalidInput(format!(
                "params.burn_frac: {} is not in [0, 1]",
                self.burn_frac
            )));
        }
        Ok(Shaping::new()
            .normalize()
            .cap(self.max_weight)
            .burn(self.burn_uid, self.burn_frac))
    }
}

/// A normalize → cap → burn pipeline (see the [module documentation](self)). Build it with [`Shaping::new`] and
/// the step methods; the steps always run in that order, whatever order they were added in.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Shaping {
    normalize: bool,
    cap: Option<f64>,
    burn: Option<Burn>,
}

impl Shaping {
    /// A pipeline with no step: [`Shaping::apply`] only lays the scores out per neuron.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the normalize step ([`helpers::normalize_sum`], all-zero stays all-zero).
    pub fn normalize(mut self) -> Self {
        self.normalize = true;
        self
    }

    /// Adds the cap step: no miner gets more than `max_weight` of the total before the burn
    /// ([`helpers::cap_max_weight`]; `max_weight` must be > 0, and 1 or more only normalizes).
    pub fn cap(mut self, max_weight: f64) -> Self {
        self.cap = Some(max_weight);
        self
    }

    /// Adds the burn step: `frac` of the weights, and everything while every score is 0, to `uid`
    /// ([`helpers::with_burn`]). A refusal names `params.burn_uid` as the source of `uid`.
    pub fn burn(self, uid: u16, frac: f64) -> Self {
        self.burn_from(uid, frac, "params.burn_uid")
    }

    /// [`Shaping::burn`], naming `source` (e.g. `"params.owner_uid"`) in the error when `uid` is not a neuron.
    pub fn burn_from(mut self, uid: u16, frac: f64, source: &'static str) -> Self {
        self.burn = Some(Burn { uid, frac, source });
        self
    }

    /// The burn step, if any.
    pub fn burn_step(&self) -> Option<Burn> {
        self.burn
    }

    /// Runs the pipeline on `scores` (`(uid, score)`, finite and >= 0, each uid once) and returns one
    /// `(uid, weight)` per neuron, in the order of `neurons`.
    ///
    /// Errors: a burn uid that is not among `neurons` while it would receive weight →
    /// [`MechanismError::InvalidInput`] naming its source; scores or parameters a helper refuses (NaN, negative,
    /// a repeated uid, a cap <= 0, a burn fraction outside `[0, 1]`) → [`MechanismError::Failed`] naming the step.
    pub fn apply(
        &self,
        neurons: &[Neuron],
        scores: &[(u16, f64)],
    ) -> Result<Vec<(u16, f64)>, MechanismError> {
        if let Some(burn) = &self.burn {
            let all_zero = scores.iter().all(|e| e.1 == 0.0);
            let burn_known = neurons.iter().any(|n| n.uid == burn.uid);
            if !burn_known && (all_zero || burn.frac > 0.0) {
                return Err(MechanismError::InvalidInput(format!(
                    "{}: uid {} is not among the epoch's neurons",
                    burn.source, burn.uid
                )));
            }
        }
        let fail = |what: &str, e: HelperError| MechanismError::Failed(format!("{what}: {e}"));
        let mut w: Vec<(u16, f64)> = scores.to_vec();
        if self.normalize {
            w = helpers::normalize_sum(&w, ZeroPolicy::AllZero)
                .map_err(|e| fail("normalize_sum", e))?;
        }
        if let Some(limit) = self.cap {
            w = helpers::cap_max_weight(&w, limit).map_err(|e| fail("cap_max_weight", e))?;
        }
        if let Some(burn) = &self.burn {
            w = helpers::with_burn(&w, burn.uid, burn.frac).map_err(|e| fail("with_burn", e))?;
        }
        // Usually the weights are already the neurons' uids in order (ascending, so unique): take them as they
        // are. Otherwise look each neuron up (a uid listed twice in `w` keeps its last value, as before).
        let in_order = w.len() == neurons.len()
            && neurons.windows(2).all(|p| p[0].uid < p[1].uid)
            && w.iter().zip(neurons).all(|(e, n)| e.0 == n.uid);
        if in_order {
            return Ok(w);
        }
        let by_uid: BTreeMap<u16, f64> = w.into_iter().collect();
        Ok(neurons
            .iter()
            .map(|n| (n.uid, by_uid.get(&n.uid).copied().unwrap_or(0.0)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn neurons(uids: &[u16]) -> Vec<Neuron> {
        uids.iter()
            .map(|&uid| Neuron {
                uid,
                hotkey: format!("h{uid}"),
                stake: 0.0,
                registered_at_block: 0,
                validator_permit: false,
            })
            .collect()
    }

    /// Weights already in the neurons' order are taken as they are; any other layout is looked up per neuron
    /// (missing → 0, a uid listed twice → its last value), as a map would.
    #[test]
    fn the_result_follows_the_neurons_whatever_the_weights_order() {
        let n = neurons(&[0, 1, 2, 3, 5]);
        let scores = [(0, 0.0), (1, 0.3), (2, 0.1), (3, 0.7), (5, 1.0 / 3.0)];
        let plain = Shaping::new().normalize();
        let expected = |scores: &[(u16, f64)], n: &[Neuron]| {
            let w = helpers::normalize_sum(scores, ZeroPolicy::AllZero).unwrap();
            let by_uid: BTreeMap<u16, f64> = w.into_iter().collect();
            n.iter()
                .map(|x| (x.uid, by_uid.get(&x.uid).copied().unwrap_or(0.0)))
                .collect::<Vec<_>>()
        };
        assert_eq!(plain.apply(&n, &scores).unwrap(), expected(&scores, &n));
        let mut reversed = scores;
        reversed.reverse();
        assert_eq!(plain.apply(&n, &reversed).unwrap(), expected(&reversed, &n));
        let fewer = &scores[1..];
        assert_eq!(plain.apply(&n, fewer).unwrap(), expected(fewer, &n));
        let mut unsorted = n.clone();
        unsorted.swap(0, 4);
        assert_eq!(
            plain.apply(&unsorted, &scores).unwrap(),
            expected(&scores, &unsorted)
        );
        // No step at all: a uid listed twice reaches the lookup and keeps its last value.
        let twice = [(0, 0.0), (1, 0.3), (1, 0.5), (3, 0.7), (5, 0.1)];
        assert_eq!(
            Shaping::new().apply(&n, &twice).unwrap(),
            vec![(0, 0.0), (1, 0.5), (2, 0.0), (3, 0.7), (5, 0.1)]
        );
    }

    #[test]
    fn each_step_is_exactly_its_helper() {
        let n = neurons(&[0, 1, 2, 3, 5]);
        let scores = [(1, 0.3), (2, 0.1), (3, 0.7), (5, 1.0 / 3.0)];
        let normalized = helpers::normalize_sum(&scores, ZeroPolicy::AllZero).unwrap();
        let capped = helpers::cap_max_weight(&normalized, 0.4).unwrap();
        let burned = helpers::with_burn(&capped, 0, 0.15).unwrap();
        let got = Shaping::new()
            .burn(0, 0.15)
            .cap(0.4)
            .normalize()
            .apply(&n, &scores)
            .unwrap();
        // Bit for bit, and laid out per neuron.
        let want: Vec<(u16, f64)> = n
            .iter()
            .map(|x| {
                (
                    x.uid,
                    burned.iter().find(|e| e.0 == x.uid).map_or(0.0, |e| e.1),
                )
            })
            .collect();
        let bits = |w: &[(u16, f64)]| w.iter().map(|e| (e.0, e.1.to_bits())).collect::<Vec<_>>();
        assert_eq!(bits(&got), bits(&want));
        // Burn alone normalizes inside with_burn (not the same bits as normalize first, in general).
        let only_burn = Shaping::new().burn(0, 0.15).apply(&n, &scores).unwrap();
        let direct = helpers::with_burn(&scores, 0, 0.15).unwrap();
        assert_eq!(bits(&only_burn), bits(&direct));
    }

    #[test]
    fn no_step_only_lays_out_per_neuron_and_drops_strangers() {
        let w = Shaping::new()
            .apply(&neurons(&[1, 2, 4]), &[(4, 2.0), (9, 5.0), (1, 0.5)])
            .unwrap();
        assert_eq!(w, vec![(1, 0.5), (2, 0.0), (4, 2.0)]);
    }

    #[test]
    fn the_burn_uid_must_be_a_neuron_when_it_would_receive_weight() {
        let n = neurons(&[1, 2]);
        let e = Shaping::new().burn(0, 0.0).apply(&n, &[]).unwrap_err();
        assert_eq!(
            e,
            MechanismError::InvalidInput(
                "params.burn_uid: uid 0 is not among the epoch's neurons".into()
            )
        );
        let e = Shaping::new()
            .burn_from(7, 0.1, "params.owner")
            .apply(&n, &[(1, 1.0)])
            .unwrap_err();
        assert!(e.to_string().contains("params.owner: uid 7"), "{e}");
        // No burn fraction and something earned: an absent burn uid receives nothing, which is fine.
        let w = Shaping::new()
            .normalize()
            .burn(0, 0.0)
            .apply(&n, &[(2, 0.5)])
            .unwrap();
        assert_eq!(w, vec![(1, 0.0), (2, 1.0)]);
    }

    #[test]
    fn bad_scores_and_parameters_name_the_step() {
        let n = neurons(&[0, 1]);
        for (shaping, scores, step) in [
            (
                Shaping::new().normalize(),
                vec![(1, f64::NAN)],
                "normalize_sum",
            ),
            (Shaping::new().cap(0.0), vec![(1, 1.0)], "cap_max_weight"),
            (Shaping::new().burn(0, 1.5), vec![(1, 1.0)], "with_burn"),
            (
                Shaping::new().normalize(),
                vec![(1, 1.0), (1, 2.0)],
                "normalize_sum",
            ),
        ] {
            let e = shaping.apply(&n, &scores).unwrap_err();
            assert!(
                matches!(&e, MechanismError::Failed(m) if m.starts_with(step)),
                "{e}"
            );
        }
    }

    #[test]
    fn params_give_the_full_pipeline_or_name_the_bad_field() {
        let p = ShapingParams {
            max_weight: 0.4,
            burn_uid: 0,
            burn_frac: 0.15,
        };
        assert_eq!(
            p.pipeline().unwrap(),
            Shaping::new().normalize().cap(0.4).burn(0, 0.15)
        );
        for (p, field) in [
            (
                ShapingParams {
                    max_weight: 1.5,
                    ..p
                },
                "params.max_weight",
            ),
            (
                ShapingParams {
                    max_weight: f64::NAN,
                    ..p
                },
                "params.max_weight",
            ),
            (
                ShapingParams {
                    burn_frac: -0.1,
                    ..p
                },
                "params.burn_frac",
            ),
        ] {
            let e = p.pipeline().unwrap_err();
            assert!(
                matches!(&e, MechanismError::InvalidInput(m) if m.starts_with(field)),
                "{e}"
            );
        }
    }

    #[test]
    fn all_zero_without_a_burn_stays_all_zero() {
        let w = Shaping::new()
            .normalize()
            .cap(0.5)
            .apply(&neurons(&[0, 1]), &[(0, 0.0), (1, 0.0)])
            .unwrap();
        assert_eq!(w, vec![(0, 0.0), (1, 0.0)]);
    }
}
