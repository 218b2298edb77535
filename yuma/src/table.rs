//! Readable per-uid tables of epoch outputs.

use std::fmt::Write;

use crate::driver::EpochRecord;
use crate::state::EpochOutput;

fn prop(v: u16) -> String {
    format!("{:.4}", v as f64 / 65535.0)
}

/// Render one epoch's output as a fixed-width table, one line per uid.
///
/// Proportions (stored as u16) are shown as fractions of 65535; emissions are in rao.
pub fn render_output(out: &EpochOutput) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:>5} {:>7} {:>6} {:>6} {:>9} {:>9} {:>9} {:>7} {:>14} {:>14} {:>14}",
        "uid",
        "stake",
        "permit",
        "active",
        "consensus",
        "incentive",
        "dividends",
        "vtrust",
        "server_rao",
        "validator_rao",
        "emission_rao"
    );
    let n = out.stake_weight_u16.len();
    for i in 0..n {
        let yn = |b: bool| if b { "yes" } else { "no" };
        let _ = writeln!(
            s,
            "{:>5} {:>7} {:>6} {:>6} {:>9} {:>9} {:>9} {:>7} {:>14} {:>14} {:>14}",
            i,
            prop(out.stake_weight_u16[i]),
            yn(out.new_validator_permit[i]),
            yn(out.active[i]),
            prop(out.consensus_u16[i]),
            prop(out.incentive_u16[i]),
            prop(out.dividends_u16[i]),
            prop(out.validator_trust_u16[i]),
            out.server_emission[i],
            out.validator_emission[i],
            out.emission[i]
        );
    }
    s
}

/// Render a run: a header per epoch followed by its table.
pub fn render_run(records: &[EpochRecord]) -> String {
    let mut s = String::new();
    for r in records {
        let _ = writeln!(s, "epoch {} (block {})", r.epoch, r.block);
        s.push_str(&render_output(&r.output));
        s.push('\n');
    }
    s
}

/// Render a multi-mechanism epoch: each mechanism's table (its share of the emission and its
/// aggregation weight in the header), then the aggregated terms the chain stores per netuid
/// (incentive is per mechanism only, so the aggregated table shows none).
pub fn render_mechanisms(out: &crate::mechanisms::MechanismsOutput) -> String {
    let mut s = String::new();
    for (m, mech) in out.mechanisms.iter().enumerate() {
        let weight = out.sub_weight_u64f64_bits[m]
            .parse::<u128>()
            .map(|b| b as f64 / 2f64.powi(64))
            .unwrap_or(f64::NAN);
        let _ = writeln!(
            s,
            "mechanism {} (storage index {}): {} rao, aggregation weight {weight:.6}",
            mech.mecid, mech.netuid_index, out.sub_emission[m]
        );
        s.push_str(&render_output(&mech.output));
        s.push('\n');
    }
    let a = &out.aggregated;
    let _ = writeln!(s, "aggregated (stored per netuid)");
    let _ = writeln!(
        s,
        "{:>5} {:>7} {:>6} {:>6} {:>9} {:>9} {:>7} {:>14} {:>14} {:>14}",
        "uid",
        "stake",
        "permit",
        "active",
        "consensus",
        "dividends",
        "vtrust",
        "server_rao",
        "validator_rao",
        "emission"
    );
    for i in 0..a.stake_weight_u16.len() {
        let yn = |b: bool| if b { "yes" } else { "no" };
        let _ = writeln!(
            s,
            "{:>5} {:>7} {:>6} {:>6} {:>9} {:>9} {:>7} {:>14} {:>14} {:>14}",
            i,
            prop(a.stake_weight_u16[i]),
            yn(a.new_validator_permit[i]),
            yn(a.active[i]),
            prop(a.consensus_u16[i]),
            prop(a.dividends_u16[i]),
            prop(a.validator_trust_u16[i]),
            a.server_emission[i],
            a.validator_emission[i],
            a.emission[i]
        );
    }
    s
}
