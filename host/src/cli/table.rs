//! A readable per-uid table of scores and weights.

use imr_types::Epoch;
use imr_weights::Emission;

/// Renders uid, hotkey, score, u16 weight and share for every scored or weighted uid.
pub fn render(epoch: &Epoch, scores: &[(u16, f64)], emission: Option<&Emission>) -> String {
    let mut uids: Vec<u16> = scores.iter().map(|s| s.0).collect();
    if let Some(e) = emission {
        uids.extend(&e.uids);
    }
    uids.sort_unstable();
    uids.dedup();
    let total: f64 = emission
        .map(|e| e.values.iter().map(|&v| f64::from(v)).sum())
        .unwrap_or(0.0);
    let mut out = format!(
        "{:>5}  {:<14}  {:>14}  {:>6}  {:>7}\n",
        "uid", "hotkey", "score", "weight", "share"
    );
    for uid in uids {
        let hotkey = epoch
            .neuron(uid)
            .map(|n| abbreviate(&imr_host::terminal::escape_line(&n.hotkey)))
            .unwrap_or_default();
        let score = scores
            .iter()
            .find(|s| s.0 == uid)
            .map(|s| s.1)
            .unwrap_or(0.0);
        let value = emission
            .and_then(|e| e.uids.iter().position(|&u| u == uid).map(|i| e.values[i]))
            .unwrap_or(0);
        let share = if total > 0.0 {
            100.0 * f64::from(value) / total
        } else {
            0.0
        };
        out.push_str(&format!(
            "{uid:>5}  {hotkey:<14}  {score:>14.8}  {value:>6}  {share:>6.2}%\n"
        ));
    }
    out
}

fn abbreviate(s: &str) -> String {
    if s.chars().count() <= 14 {
        s.to_string()
    } else {
        let head: String = s.chars().take(6).collect();
        let tail: String = s
            .chars()
            .rev()
            .take(6)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("{head}..{tail}")
    }
}
