//! The simulation's totals: each miner's emission, each validator's dividends per unit stake, and
//! each validator's advantage or loss against the honest ones.

use serde::{Deserialize, Serialize};

use crate::simulate::Simulation;
use crate::validators::Behaviour;

const RAO_PER_TAO: f64 = 1e9;

/// One miner's total.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MinerTotal {
    /// The miner's uid.
    pub uid: u16,
    /// Its emission over all epochs, in rao.
    pub emission_rao: u64,
    /// Its share of all miners' emission.
    pub share: f64,
}

/// One validator's total.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct ValidatorTotal {
    /// The validator's name.
    pub name: String,
    /// Its behaviour (`honest`, `copier`, ...).
    pub behaviour: String,
    /// Its uid in the simulated subnet.
    pub uid: u16,
    /// Its stake in TAO.
    pub stake: f64,
    /// Its dividends (validator emission) over all epochs, in rao.
    pub dividends_rao: u64,
    /// Dividends per unit stake: TAO earned per TAO staked (`None` without stake).
    pub dividends_per_stake: Option<f64>,
    /// `dividends_per_stake / honest_dividends_per_stake - 1` (`None` without stake or without
    /// an honest validator that earned something).
    pub vs_honest: Option<f64>,
    /// Epochs in which it set weights.
    pub epochs_set: usize,
}

/// The totals of a simulation.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Epochs simulated.
    pub epochs: usize,
    /// Every miner uid, by uid.
    pub miners: Vec<MinerTotal>,
    /// Every validator, in file order.
    pub validators: Vec<ValidatorTotal>,
    /// All honest validators' dividends over all their stake (TAO per TAO staked).
    pub honest_dividends_per_stake: Option<f64>,
}

impl Summary {
    /// Computes the totals of `sim`.
    pub fn of(sim: &Simulation) -> Self {
        let miners = sim.miners as usize;
        let mut emission = vec![0u64; miners];
        let vs = &sim.validators.validators;
        let mut dividends = vec![0u64; vs.len()];
        let mut set = vec![0usize; vs.len()];
        for r in &sim.records {
            for (uid, e) in emission.iter_mut().enumerate() {
                *e = e.saturating_add(r.output.server_emission[uid]);
            }
            for (i, d) in dividends.iter_mut().enumerate() {
                *d = d.saturating_add(r.output.validator_emission[miners + i]);
                if r.actions[i].row().is_some() {
                    set[i] += 1;
                }
            }
        }
        let all: u128 = emission.iter().map(|&e| u128::from(e)).sum();
        let per_stake =
            |div: u64, stake: f64| (stake > 0.0).then(|| div as f64 / RAO_PER_TAO / stake);
        let (honest_div, honest_stake) = vs
            .iter()
            .zip(&dividends)
            .filter(|(v, _)| v.behaviour == Behaviour::Honest)
            .fold((0u64, 0.0f64), |(d, s), (v, &div)| {
                (d.saturating_add(div), s + v.stake)
            });
        let honest = per_stake(honest_div, honest_stake).filter(|&h| h > 0.0);
        Summary {
            epochs: sim.records.len(),
            miners: emission
                .iter()
                .enumerate()
                .map(|(uid, &e)| MinerTotal {
                    uid: uid as u16,
                    emission_rao: e,
                    share: if all == 0 { 0.0 } else { e as f64 / all as f64 },
                })
                .collect(),
            validators: vs
                .iter()
                .enumerate()
                .map(|(i, v)| {
                    let dps = per_stake(dividends[i], v.stake);
                    ValidatorTotal {
                        name: v.name.clone(),
                        behaviour: v.behaviour.kind().to_string(),
                        uid: sim.validator_uid(i),
                        stake: v.stake,
                        dividends_rao: dividends[i],
                        dividends_per_stake: dps,
                        vs_honest: dps.zip(honest).map(|(d, h)| d / h - 1.0),
                        epochs_set: set[i],
                    }
                })
                .collect(),
            honest_dividends_per_stake: honest,
        }
    }

    /// The terminal table: the `top` miners by emission (all when `top` is 0), then every
    /// validator.
    pub fn render(&self, top: usize) -> String {
        use std::fmt::Write;
        let mut s = String::new();
        let mut miners: Vec<&MinerTotal> = self.miners.iter().collect();
        miners.sort_by(|a, b| b.emission_rao.cmp(&a.emission_rao).then(a.uid.cmp(&b.uid)));
        let shown = if top == 0 {
            miners.len()
        } else {
            top.min(miners.len())
        };
        let _ = writeln!(
            s,
            "{:>8}  {:>16}  {:>7}",
            "miner", "emission (TAO)", "share"
        );
        for m in &miners[..shown] {
            let _ = writeln!(
                s,
                "{:>8}  {:>16.6}  {:>6.2}%",
                m.uid,
                m.emission_rao as f64 / RAO_PER_TAO,
                100.0 * m.share
            );
        }
        if shown < miners.len() {
            let _ = writeln!(
                s,
                "  ... {} more miners in summary.json",
                miners.len() - shown
            );
        }
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{:<14} {:<9} {:>12} {:>6} {:>16} {:>14} {:>10}",
            "validator",
            "behaviour",
            "stake (TAO)",
            "set",
            "dividends (TAO)",
            "per TAO staked",
            "vs honest"
        );
        for v in &self.validators {
            let dps = v
                .dividends_per_stake
                .map_or("-".to_string(), |d| format!("{d:.8}"));
            let vs = v
                .vs_honest
                .map_or("-".to_string(), |d| format!("{:+.2}%", 100.0 * d));
            let _ = writeln!(
                s,
                "{:<14} {:<9} {:>12} {:>6} {:>16.6} {:>14} {:>10}",
                v.name,
                v.behaviour,
                v.stake,
                v.epochs_set,
                v.dividends_rao as f64 / RAO_PER_TAO,
                dps,
                vs
            );
        }
        s
    }
}
