//! `imr-fuzz TARGET [ITERATIONS | SECONDSs] [SEED]`: runs one fuzz target on
//! seeded inputs (a count, or a time budget such as `60s`) and prints its
//! findings and executions per second. Exit status 1 when something was found.

use std::time::Duration;

use imr_fuzz::Budget;

fn usage() -> ! {
    eprintln!(
        "usage: imr-fuzz TARGET [ITERATIONS | SECONDSs] [SEED]; targets: {}",
        imr_fuzz::TARGETS.join(", ")
    );
    std::process::exit(2);
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(target) = args.first() else { usage() };
    if !imr_fuzz::TARGETS.contains(&target.as_str()) {
        eprintln!("imr-fuzz: unknown target {target:?}");
        usage();
    }
    let budget = match args.get(1) {
        None => Budget::Inputs(1000),
        Some(a) => match a.strip_suffix('s') {
            Some(secs) => match secs.parse() {
                Ok(s) => Budget::Time(Duration::from_secs(s)),
                Err(_) => usage(),
            },
            None => match a.parse() {
                Ok(n) => Budget::Inputs(n),
                Err(_) => usage(),
            },
        },
    };
    let seed = match args.get(2).map(|a| a.parse()) {
        None => 1,
        Some(Ok(s)) => s,
        Some(Err(_)) => usage(),
    };
    let report = imr_fuzz::fuzz(target, seed, budget);
    let secs = report.elapsed.as_secs_f64().max(1e-9);
    println!(
        "{target}: {} inputs (seed {seed}) in {secs:.1} s (after preparing), {:.0} executions/s, {} findings",
        report.inputs,
        report.inputs as f64 / secs,
        report.findings.len()
    );
    for (i, f) in &report.findings {
        println!("input {i}: {f}");
    }
    if !report.findings.is_empty() {
        std::process::exit(1);
    }
}
