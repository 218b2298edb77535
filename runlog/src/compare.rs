//! Comparing a logged receipt with its replay, field by field.
//!
//! The engine fingerprint is compared apart from the results: a receipt made under another
//! fingerprint is still replayed, and the report says whether the results nevertheless
//! agree.

use crate::fingerprint::Fingerprint;
use crate::receipt::Receipt;

/// One field whose logged and replayed values differ.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Difference {
    /// The field, as a path (`fuel_consumed`, `weights.values[3]`).
    pub field: String,
    /// The logged value (compact JSON).
    pub logged: String,
    /// The replayed value (compact JSON).
    pub replayed: String,
}

/// What replaying one receipt found.
#[derive(Debug, Clone)]
pub struct ReplayReport {
    /// The logged receipt.
    pub logged: Receipt,
    /// The receipt the replay produced.
    pub replayed: Receipt,
    /// Whether the logged receipt's hash matches its own content.
    pub hash_valid: bool,
    /// Fields that differ, the engine fingerprint aside (and the hash aside when
    /// the fingerprint differs, since the hash covers it).
    pub differences: Vec<Difference>,
}

impl ReplayReport {
    /// Whether the replay produced the logged receipt exactly.
    pub fn identical(&self) -> bool {
        self.hash_valid && self.differences.is_empty() && !self.fingerprint_differs()
    }

    /// Whether the replay's engine fingerprint differs from the logged one.
    pub fn fingerprint_differs(&self) -> bool {
        self.logged.engine != self.replayed.engine
    }

    /// The replay's error when it gave no result here (a non-deterministic error such as the
    /// native stack limit or a host failure): the receipt is then unverified, which is not
    /// evidence that it was tampered with.
    pub fn no_result(&self) -> Option<&crate::RunError> {
        self.replayed.error.as_ref().filter(|e| !e.deterministic())
    }

    /// Whether the results (everything but fingerprint and hash) agree.
    pub fn results_agree(&self) -> bool {
        self.differences.is_empty()
    }

    /// The logged and the replay engine fingerprints.
    pub fn fingerprints(&self) -> (&Fingerprint, &Fingerprint) {
        (&self.logged.engine, &self.replayed.engine)
    }
}

/// Compares a logged receipt with a replayed one.
pub fn compare(logged: &Receipt, replayed: Receipt) -> ReplayReport {
    let to_value = |r: &Receipt| serde_json::to_value(r).unwrap_or(serde_json::Value::Null);
    let (mut a, mut b) = (to_value(logged), to_value(&replayed));
    let fingerprint_differs = logged.engine != replayed.engine;
    for v in [&mut a, &mut b] {
        if let Some(map) = v.as_object_mut() {
            map.remove("engine");
            if fingerprint_differs {
                map.remove("hash");
            }
        }
    }
    let mut differences = Vec::new();
    diff(&a, &b, String::new(), &mut differences);
    ReplayReport {
        hash_valid: logged.hash_is_valid(),
        logged: logged.clone(),
        replayed,
        differences,
    }
}

fn diff(a: &serde_json::Value, b: &serde_json::Value, path: String, out: &mut Vec<Difference>) {
    use serde_json::Value;
    let join = |key: &str| {
        if path.is_empty() {
            key.to_string()
        } else {
            format!("{path}.{key}")
        }
    };
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let keys: std::collections::BTreeSet<&String> = x.keys().chain(y.keys()).collect();
            for k in keys {
                let null = Value::Null;
                diff(
                    x.get(k).unwrap_or(&null),
                    y.get(k).unwrap_or(&null),
                    join(k),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                diff(p, q, format!("{path}[{i}]"), out);
            }
        }
        _ if a == b => {}
        _ => out.push(Difference {
            field: path,
            logged: a.to_string(),
            replayed: b.to_string(),
        }),
    }
}
