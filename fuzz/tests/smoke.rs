//! A short deterministic run of every target (fixed seeds and input counts), as CI runs it.

#[test]
fn every_target_runs_its_seeded_inputs_without_findings() {
    for (target, iterations) in [
        ("differential", 150),
        ("mechanisms", 60),
        ("epoch", 2_000),
        ("receipt", 2_000),
        ("run_log", 300),
    ] {
        let findings = imr_fuzz::smoke(target, 14, iterations);
        assert!(findings.is_empty(), "{target}: {findings:?}");
    }
}

/// The mechanisms target reaches the mechanisms: among its seeded inputs, some
/// epochs are scored and some refused by both builds (or by the parser), so a
/// divergence on either path would be seen.
#[test]
fn mechanism_inputs_reach_both_outcomes_and_refusals() {
    use imr_fuzz::mechanisms::{check, Verdict};
    let mut inputs = imr_fuzz::Inputs::new(3);
    let mut seen = std::collections::BTreeMap::new();
    for _ in 0..60 {
        let verdict = check(&inputs.next_input(1024)).expect("no finding");
        *seen.entry(format!("{verdict:?}")).or_insert(0) += 1;
    }
    assert!(seen.get("SameOutcome").is_some_and(|&n| n > 0), "{seen:?}");
    assert!(
        seen.contains_key(&format!("{:?}", Verdict::SameRefusal))
            || seen.contains_key(&format!("{:?}", Verdict::Unparsed)),
        "{seen:?}"
    );
}
