//! Which parts of a submission are usable (spec §3.1 step 1).
//!
//! A part is valid when it has exactly `horizon` entries, every value is finite and > 0, and every interval has
//! two values with `lo ≤ hi`. An invalid part is dropped (scored as missing, `+inf`); a submission the host marked
//! with `error` is invalid as a whole.

use crate::input::{Intervals, Submission};

/// The usable parts of a submission, and why the others were refused.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Checked<'a> {
    /// The points that will be stored and scored.
    pub points: Option<&'a [f64]>,
    /// The intervals that will be stored and scored.
    pub intervals: Option<&'a [[f64; 2]]>,
    /// One line per refused part (empty when everything was usable).
    pub problems: Vec<String>,
}

fn check_points(points: &[f64], horizon: usize) -> Result<&[f64], String> {
    if points.len() != horizon {
        return Err(format!(
            "points: {} values, expected {horizon}",
            points.len()
        ));
    }
    if let Some(h) = points.iter().position(|p| !(p.is_finite() && *p > 0.0)) {
        return Err(format!("points[{h}]: {} is not > 0", points[h]));
    }
    Ok(points)
}

fn check_intervals(intervals: &Intervals, horizon: usize) -> Result<&[[f64; 2]], String> {
    if intervals.count != horizon {
        return Err(format!(
            "intervals: {} intervals, expected {horizon}",
            intervals.count
        ));
    }
    // In order: the well-formed intervals, then the first malformed one (as a check of each in turn would).
    for (h, &[lo, hi]) in intervals.pairs.iter().enumerate() {
        if !(lo.is_finite() && lo > 0.0 && hi.is_finite() && hi > 0.0) {
            return Err(format!(
                "intervals[{h}]: [{lo}, {hi}] has a value that is not > 0"
            ));
        }
        if lo > hi {
            return Err(format!("intervals[{h}]: lo {lo} > hi {hi}"));
        }
    }
    if let Some((h, n)) = intervals.first_malformed {
        return Err(format!("intervals[{h}]: {n} values, expected 2"));
    }
    Ok(&intervals.pairs)
}

/// Checks a decoded submission against the horizon.
pub fn check(sub: &Submission, horizon: usize) -> Checked<'_> {
    if let Some(e) = &sub.error {
        return Checked {
            problems: vec![format!("refused by the host: {e}")],
            ..Checked::default()
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
        points,
        intervals,
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
        let s = sub(r#"{"request_id":"r","points":[1,2],"intervals":[[0.5,1.5],[2,2]]}"#);
        let c = check(&s, 2);
        assert!(c.problems.is_empty(), "{:?}", c.problems);
        assert_eq!(c.points, Some(&[1.0, 2.0][..]));
        assert_eq!(c.intervals, Some(&[[0.5, 1.5], [2.0, 2.0]][..]));
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
                r#"{"request_id":"r","points":[1,1],"intervals":[[0,2],[1]]}"#,
                true,
                false,
                "intervals[0]: [0, 2]",
            ),
            (
                r#"{"request_id":"r","points":[1,1],"intervals":[[1,2,3],[0,2]]}"#,
                true,
                false,
                "intervals[0]: 3 values, expected 2",
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
            let s = sub(json);
            let c = check(&s, 2);
            assert_eq!(c.points.is_some(), p, "{json}");
            assert_eq!(c.intervals.is_some(), i, "{json}");
            assert_eq!(c.problems.len(), 1, "{json}: {:?}", c.problems);
            assert!(c.problems[0].contains(text), "{json}: {:?}", c.problems);
        }
    }

    /// `Intervals` reads what `Vec<Vec<f64>>` reads, with the same errors.
    #[test]
    fn intervals_decode_like_nested_vectors() {
        let inputs = [
            "[]",
            "[[1,2]]",
            "[[1,2],[3,4],[5,6]]",
            "[[],[1,2]]",
            "[[1,2],[1,2,3],[4],[5,6]]",
            "[[1.5e300,-0.0]]",
            "[[1,2],null]",
            "[[1,\"x\"]]",
            "[1,2]",
            "{}",
            "[[1,2]",
            "[[1e400,1]]",
        ];
        for json in inputs {
            let fast = serde_json::from_str::<Intervals>(json);
            let nested = serde_json::from_str::<Vec<Vec<f64>>>(json);
            match (fast, nested) {
                (Ok(f), Ok(n)) => assert_eq!(f, Intervals::from_vecs(&n), "{json}"),
                (Err(f), Err(n)) => assert_eq!(f.to_string(), n.to_string(), "{json}"),
                (f, n) => panic!("{json}: {f:?} vs {n:?}"),
            }
        }
    }

    #[test]
    fn a_host_error_invalidates_everything() {
        let s =
            sub(r#"{"request_id":"r","points":[1,1],"intervals":[[1,2],[1,2]],"error":"schema"}"#);
        let c = check(&s, 2);
        assert_eq!((c.points, c.intervals), (None, None));
        assert_eq!(c.problems, vec!["refused by the host: schema".to_string()]);
    }
}
