//! A short deterministic run of every target (fixed seeds and input counts), as CI runs it.

#[test]
fn every_target_runs_its_seeded_inputs_without_findings() {
    for (target, iterations) in [
        ("differential", 150),
        ("epoch", 2_000),
        ("receipt", 2_000),
        ("run_log", 300),
    ] {
        let findings = imr_fuzz::smoke(target, 14, iterations);
        assert!(findings.is_empty(), "{target}: {findings:?}");
    }
}
