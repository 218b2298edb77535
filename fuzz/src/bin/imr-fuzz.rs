//! `imr-fuzz TARGET [ITERATIONS] [SEED]`: runs one fuzz target on seeded inputs
//! and prints its findings and executions per second.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(target) = args.first() else {
        eprintln!(
            "usage: imr-fuzz TARGET [ITERATIONS] [SEED]; targets: {}",
            imr_fuzz::TARGETS.join(", ")
        );
        std::process::exit(2);
    };
    let iterations = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let seed = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    let start = std::time::Instant::now();
    let findings = imr_fuzz::smoke(target, seed, iterations);
    let secs = start.elapsed().as_secs_f64();
    println!(
        "{target}: {iterations} inputs (seed {seed}) in {secs:.1} s, {:.0} executions/s, {} findings",
        iterations as f64 / secs,
        findings.len()
    );
    for (i, f) in &findings {
        println!("input {i}: {f}");
    }
    if !findings.is_empty() {
        std::process::exit(1);
    }
}
