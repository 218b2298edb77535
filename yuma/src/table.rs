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
