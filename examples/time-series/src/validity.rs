//! Which parts of a submission are usable (spec §3.1 step 1).
//!
//! A part is valid when it has exactly `horizon` entries, every value is finite and > 0, and every interval has
//! two values with `lo ≤ hi`. An invalid part is dropped (scored as missing, `+inf`); a submission the host marked
//! with `error` is invalid as a whole.

use crate::input::Submission;
use crate::state::Sub;

/// The usable parts of a submission, and why the others were refused.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    /// What will be stored and scored.
    pub sub: Sub,
    /// One line per refused part (empty when everything was usable).
    pub problems: Vec<String>,
}

fn check_points(points: &[f64], horizon: usize) -> Result<Vec<f64>, String> {
    if points.len() != horizon {
        return Err(format!(
            "points: {} values, expected {horizon}",
            points.len()
        ));
    }
    if let Some(h) = points.iter().position(|p| !(p.is_finite() && *p > 0.0)) {
        return Err(format!("points[{h}]: {} is not > 0", points[h]));
    }
    Ok(points.to_vec())
}

fn check_intervals(intervals: &[Vec<f64>], horizon: usize) -> Result<Vec<[f64; 2]>, String> {
    if intervals.len() != horizon {
        return Err(format!(
            "intervals: {} intervals, expected {horizon}",
            intervals.len()
        ));
    }
    let mut out = Vec::with_capacity(horizon);
    for (h, iv) in intervals.iter().enumerate() {
        let [lo, hi] = iv[..] else {
            return Err(format!("intervals[{h}]: {} values, expected 2", iv.len()));
        };
        if !(lo.is_finite() && lo > 0.0 && hi.is_finite() && hi > 0.0) {
            return Err(format!(
                "intervals[{h}]: [{lo}, {hi}] has a value that is not > 0"
            ));
        }
        if lo > hi {
            return Err(format!("intervals[{h}]: lo {lo} > hi {hi}"));
        }
        out.push([lo, hi]);
    }
    Ok(out)
}

/// Checks a decoded submission against the horizon.
pub fn check(sub: &Submission, horizon: usize) -> Checked {
    if let Some(e) = &sub.error {
        return Checked {
            sub: Sub::default(),
            problems: vec![format!("refused by the host: {e}")],
        };
    }
    let mut problems = Vec::new();
    let points = match &sub.points {
        None => {
            problems.push("points: missing".to_string());
            None
        }
        Some(p) => check_points(p, horizon).map_err(|e| problems.push(e)).ok(),
    };
    let intervals = match &sub.intervals {
        None => {
            problems.push("intervals: missing".to_string());
            None
        }
        Some(iv) => check_intervals(iv, horizon)
            .map_err(|e| problems.push(e))
            .ok(),
    };
    Checked {
        sub: Sub { points, intervals },
        problems,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sub(json: &str) -> Submission {
        serde_json::from_str(json).expect("submission json")
    }

    #[test]
    fn a_valid_submission_keeps_both_parts() {
        let c = check(
            &sub(r#"{"request_id":"r","points":[1,2],"intervals":[[0.5,1.5],[2,2]]}"#),
            2,
        );
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.sub.points, Some(vec![1.0, 2.0]));
        assert_eq!(c.sub.intervals, Some(vec![[0.5, 1.5], [2.0, 2.0]]));
    }

    #[test]
    fn each_invalid_form_drops_its_part() {
        let cases = [
            // (json, points kept, intervals kept, problem text)
            (
                r#"{"request_id":"r","points":[1],"intervals":[[1,2],[1,2]]}"#,
                false,
                true,
                "points: 1 values",
            ),
            (
                r#"{"request_id":"r","points":[1,0],"intervals":[[1,2],[1,2]]}"#,
                false,
                true,
                "points[1]: 0",
            ),
            (
                r#"{"request_id":"r","points":[1,-3],"intervals":[[1,2],[1,2]]}"#,
                false,
                true,
                "points[1]",
            ),
            (
                r#"{"request_id":"r","points":[1,1],"intervals":[[1,2],[3,2]]}"#,
                true,
                false,
                "lo 3 > hi 2",
            ),
            (
                r#"{"request_id":"r","points":[1,1],"intervals":[[1,2],[0,2]]}"#,
                true,
                false,
                "intervals[1]",
            ),
            (
                r#"{"request_id":"r","points":[1,1],"intervals":[[1,2],[1]]}"#,
                true,
                false,
                "1 values, expected 2",
            ),
            (
                r#"{"request_id":"r","points":[1,1],"intervals":[[1,2]]}"#,
                true,
                false,
                "1 intervals",
            ),
            (
                r#"{"request_id":"r","points":null,"intervals":[[1,2],[1,2]]}"#,
                false,
                true,
                "points: missing",
            ),
            (
                r#"{"request_id":"r","points":[1,1]}"#,
                true,
                false,
                "intervals: missing",
            ),
        ];
        for (json, p, i, text) in cases {
            let c = check(&sub(json), 2);
            assert_eq!(c.sub.points.is_some(), p, "{json}");
            assert_eq!(c.sub.intervals.is_some(), i, "{json}");
            assert_eq!(c.problems.len(), 1, "{json}: {:?}", c.problems);
            assert!(c.problems[0].contains(text), "{json}: {:?}", c.problems);
        }
    }

    #[test]
    fn a_host_error_invalidates_everything() {
        let c = check(
            &sub(r#"{"request_id":"r","points":[1,1],"intervals":[[1,2],[1,2]],"error":"schema"}"#),
            2,
        );
        assert_eq!(c.sub, Sub::default());
        assert_eq!(c.problems, vec!["refused by the host: schema".to_string()]);
    }
}
