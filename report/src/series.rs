//! What each plot shows, computed from a [`SimulationData`]: plain numbers, no drawing, so that
//! the tests can check them directly.

use crate::load::SimulationData;

const RAO_PER_TAO: f64 = 1e9;

/// One named series over the epochs.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Its legend text.
    pub label: String,
    /// One value per epoch (`None`: no value, e.g. a validator without stake).
    pub values: Vec<Option<f64>>,
}

/// Miner uids ranked by total emission over all epochs (largest first, then by uid).
pub fn miners_by_emission(d: &SimulationData) -> Vec<u16> {
    let mut totals: Vec<(u16, u128)> = (0..d.miners)
        .map(|uid| {
            let t = d
                .epochs
                .iter()
                .map(|e| u128::from(e.server_emission_rao[usize::from(uid)]))
                .sum();
            (uid, t)
        })
        .collect();
    totals.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    totals.into_iter().map(|(uid, _)| uid).collect()
}

/// Emission per miner per epoch in TAO: the `top` miners by total emission each on its own
/// (bottom of the stack first), then all others summed as one series (when there are any).
pub fn emission_stack(d: &SimulationData, top: usize) -> Vec<Series> {
    let ranked = miners_by_emission(d);
    let (shown, rest) = ranked.split_at(top.min(ranked.len()));
    let per_epoch = |uids: &[u16]| -> Vec<Option<f64>> {
        d.epochs
            .iter()
            .map(|e| {
                let rao: u128 = uids
                    .iter()
                    .map(|&u| u128::from(e.server_emission_rao[usize::from(u)]))
                    .sum();
                Some(rao as f64 / RAO_PER_TAO)
            })
            .collect()
    };
    let mut out: Vec<Series> = shown
        .iter()
        .map(|&uid| Series {
            label: format!("miner {uid}"),
            values: per_epoch(&[uid]),
        })
        .collect();
    if !rest.is_empty() {
        out.push(Series {
            label: format!("{} other miners", rest.len()),
            values: per_epoch(rest),
        });
    }
    out
}

/// Each validator's dividends per epoch in rao per TAO staked (`None` without stake).
pub fn dividends_per_stake(d: &SimulationData) -> Vec<Series> {
    d.validators
        .iter()
        .enumerate()
        .map(|(i, v)| Series {
            label: format!("{} ({})", v.name, v.behaviour),
            values: d
                .epochs
                .iter()
                .map(|e| (v.stake > 0.0).then(|| e.validator_emission_rao[i] as f64 / v.stake))
                .collect(),
        })
        .collect()
}

/// Each validator's weight on each miner in one epoch, as a share of the validator's row.
#[derive(Debug, Clone, PartialEq)]
pub struct WeightMatrix {
    /// The epoch's index.
    pub epoch: u64,
    /// The validators (rows), in receipt order.
    pub validators: Vec<String>,
    /// The miner uids shown (columns), ascending.
    pub miners: Vec<u16>,
    /// The number of miners in the subnet (more than `miners.len()` when only the top ones are
    /// shown).
    pub total_miners: u16,
    /// `cells[row][col]`: the share (0..=1) of the row's weight on that miner, `None` for a
    /// validator that set no weights this epoch.
    pub cells: Vec<Option<Vec<f64>>>,
}

/// The weight matrix of epoch `epoch` (an index into `d.epochs`): all miners when there are at
/// most `max_miners`, else the `max_miners` with the most total emission.
pub fn weight_matrix(d: &SimulationData, epoch: usize, max_miners: usize) -> WeightMatrix {
    let e = &d.epochs[epoch];
    let mut miners: Vec<u16> = if usize::from(d.miners) <= max_miners {
        (0..d.miners).collect()
    } else {
        miners_by_emission(d)[..max_miners].to_vec()
    };
    miners.sort_unstable();
    let cells = e
        .weights
        .iter()
        .map(|row| {
            row.as_ref().map(|row| {
                let sum: u64 = row.iter().map(|&(_, w)| u64::from(w)).sum();
                let mut dense = vec![0u64; usize::from(d.miners)];
                for &(u, w) in row {
                    if let Some(x) = dense.get_mut(usize::from(u)) {
                        *x += u64::from(w);
                    }
                }
                miners
                    .iter()
                    .map(|&m| match sum {
                        0 => 0.0,
                        _ => dense[usize::from(m)] as f64 / sum as f64,
                    })
                    .collect()
            })
        })
        .collect();
    WeightMatrix {
        epoch: e.index,
        validators: d.validators.iter().map(|v| v.name.clone()).collect(),
        miners,
        total_miners: d.miners,
        cells,
    }
}

/// Consensus against each validator's weight, for the top miners of one epoch.
#[derive(Debug, Clone, PartialEq)]
pub struct ConsensusComparison {
    /// The epoch's index.
    pub epoch: u64,
    /// The miners compared: the top ones by total emission, in rank order.
    pub miners: Vec<u16>,
    /// Each miner's consensus weight (a share, 0..=1).
    pub consensus: Vec<f64>,
    /// Each validator's weight on each miner as a share of its row (`None`: set no weights this
    /// epoch); the series' labels are the validators' names.
    pub validators: Vec<Series>,
}

/// The consensus comparison of epoch `epoch` (an index into `d.epochs`) for the `top` miners.
pub fn consensus_comparison(d: &SimulationData, epoch: usize, top: usize) -> ConsensusComparison {
    let m = weight_matrix(d, epoch, usize::from(d.miners));
    let ranked = miners_by_emission(d);
    let miners = ranked[..top.min(ranked.len())].to_vec();
    let e = &d.epochs[epoch];
    ConsensusComparison {
        epoch: e.index,
        consensus: miners
            .iter()
            .map(|&u| f64::from(e.consensus_u16[usize::from(u)]) / f64::from(u16::MAX))
            .collect(),
        validators: m
            .validators
            .iter()
            .zip(&m.cells)
            .map(|(name, row)| Series {
                label: name.clone(),
                values: miners
                    .iter()
                    .map(|&u| row.as_ref().map(|r| r[usize::from(u)]))
                    .collect(),
            })
            .collect(),
        miners,
    }
}
