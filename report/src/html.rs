//! One self-contained HTML page for a simulation: the receipt hash, the totals as tables and the
//! four plots inlined as SVG. Nothing is loaded from elsewhere (no scripts, styles, fonts or
//! images by address), and nothing but the data enters it (no time, no paths), so the page is
//! byte-for-byte reproducible and can be mailed or archived alone.

use std::fmt::Write as _;

use crate::load::SimulationData;
use crate::plots::{self, Plot, PlotError, PlotOptions};

/// Miners listed in the page's table (the top ones by emission; all when there are fewer).
pub const MINERS_LISTED: usize = 32;

const STYLE: &str = "body{font-family:sans-serif;margin:2em auto;max-width:1000px;color:#222}\
table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:3px 8px}\
td.n{text-align:right;font-variant-numeric:tabular-nums}th{background:#f3f3f3}\
code{font-size:90%}svg{max-width:100%;height:auto}figure{margin:1.5em 0}";

/// Escapes `s` for HTML text and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

fn caption(plot: Plot) -> &'static str {
    match plot {
        Plot::Emission => "Emission per miner over epochs (stacked).",
        Plot::Dividends => "Each validator's dividends per epoch, per TAO it stakes.",
        Plot::Weights => "The weights each validator set in one epoch, as shares of its row.",
        Plot::Consensus => {
            "Consensus weight (bars) against each validator's weight (dots) on the top miners."
        }
    }
}

/// The report page of `d`.
pub fn report(d: &SimulationData, options: &PlotOptions) -> Result<String, PlotError> {
    let mut s = String::new();
    let s_ = &mut s;
    let _ = write!(
        s_,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n\
         <title>imr simulation report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <h1>Simulation report</h1>\n"
    );
    let blocks = match (d.epochs.first(), d.epochs.last()) {
        (Some(a), Some(b)) => format!("blocks {} to {}", a.block, b.block),
        _ => "no blocks".into(),
    };
    let _ = writeln!(
        s_,
        "<p>{} epochs ({blocks}), {} miners, {} validators.</p>\n\
         <p>Simulation receipt hash: <code>{}</code> (<code>simulation.json</code>; a rerun on the same inputs gives the same hash).</p>",
        d.epochs.len(),
        d.miners,
        d.validators.len(),
        escape(&d.receipt_hash)
    );
    validators_table(s_, d);
    miners_table(s_, d);
    for plot in Plot::ALL {
        let svg = plots::svg(d, plot, options)?;
        let _ = writeln!(
            s_,
            "<figure>\n<h2>{}</h2>\n{}\n<figcaption>{}</figcaption>\n</figure>",
            title(plot),
            svg.trim_end(),
            caption(plot)
        );
    }
    s.push_str("<p>Written by <code>imr report</code>.</p>\n</body>\n</html>\n");
    Ok(s)
}

fn title(plot: Plot) -> &'static str {
    match plot {
        Plot::Emission => "Emission per miner",
        Plot::Dividends => "Dividends per unit stake",
        Plot::Weights => "Weight matrix",
        Plot::Consensus => "Consensus against validators",
    }
}

fn validators_table(s: &mut String, d: &SimulationData) {
    s.push_str(
        "<h2>Validators</h2>\n<table>\n<tr><th>validator</th><th>behaviour</th><th>stake (TAO)</th>\
         <th>epochs set</th><th>dividends (TAO)</th><th>per TAO staked</th><th>vs honest</th></tr>\n",
    );
    for v in &d.summary.validators {
        let dps = v
            .dividends_per_stake
            .map_or("-".to_string(), |x| format!("{x:.8}"));
        let vs = v
            .vs_honest
            .map_or("-".to_string(), |x| format!("{:+.2}%", 100.0 * x));
        let _ = writeln!(
            s,
            "<tr><td>{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{:.6}</td><td class=\"n\">{dps}</td><td class=\"n\">{vs}</td></tr>",
            escape(&v.name),
            escape(&v.behaviour),
            v.stake,
            v.epochs_set,
            v.dividends_rao as f64 / 1e9,
        );
    }
    s.push_str("</table>\n");
    if let Some(h) = d.summary.honest_dividends_per_stake {
        let _ = writeln!(
            s,
            "<p>Honest validators together: {h:.8} TAO per TAO staked.</p>"
        );
    }
}

fn miners_table(s: &mut String, d: &SimulationData) {
    let mut miners: Vec<_> = d.summary.miners.iter().collect();
    miners.sort_by(|a, b| b.emission_rao.cmp(&a.emission_rao).then(a.uid.cmp(&b.uid)));
    let shown = miners.len().min(MINERS_LISTED);
    s.push_str(
        "<h2>Miners</h2>\n<table>\n<tr><th>uid</th><th>emission (TAO)</th><th>share</th></tr>\n",
    );
    for m in &miners[..shown] {
        let _ = writeln!(
            s,
            "<tr><td class=\"n\">{}</td><td class=\"n\">{:.6}</td><td class=\"n\">{:.2}%</td></tr>",
            m.uid,
            m.emission_rao as f64 / 1e9,
            100.0 * m.share
        );
    }
    s.push_str("</table>\n");
    if shown < miners.len() {
        let _ = writeln!(
            s,
            "<p>{} more miners in <code>summary.json</code>.</p>",
            miners.len() - shown
        );
    }
}
