//! imr-report on real (small) simulation folders: loading and its errors, the series, the plots
//! (valid SVG/PNG of the stated size, deterministic, changed by changed data) and the page.

mod support;

use std::path::Path;

use imr_report::plots::{self, Plot, PlotOptions, HEIGHT, WIDTH};
use imr_report::{html, load, series, write, SimulationData};

/// A change to the data, given the last epoch's index.
type Change = fn(&mut SimulationData, usize);

const EPOCHS: usize = 6;
const MINERS: u16 = 8;

fn data(shift: usize) -> (tempfile::TempDir, SimulationData) {
    let tmp = tempfile::tempdir().unwrap();
    support::folder(tmp.path(), EPOCHS, MINERS, shift);
    let d = load(tmp.path()).unwrap();
    (tmp, d)
}

fn error_text(dir: &Path) -> String {
    load(dir).unwrap_err().to_string()
}

#[test]
fn a_folder_loads_and_agrees_with_the_simulation() {
    let (_tmp, d) = data(0);
    let (sim, summary) = support::simulation(EPOCHS, MINERS, 0);
    assert_eq!(d.epochs.len(), EPOCHS);
    assert_eq!(d.miners, MINERS);
    assert_eq!(d.validators.len(), 5);
    assert_eq!(d.summary.miners.len(), usize::from(MINERS));
    for (e, r) in d.epochs.iter().zip(&sim.records) {
        assert_eq!(e.block, r.block);
        assert_eq!(
            e.consensus_u16,
            r.output.consensus_u16[..usize::from(MINERS)]
        );
        for (i, a) in r.actions.iter().enumerate() {
            assert_eq!(
                e.weights[i].as_ref(),
                a.row(),
                "epoch {} validator {i}",
                e.index
            );
        }
    }
    // The stacked series add up to each miner's total in the summary.
    let stack = series::emission_stack(&d, usize::from(MINERS));
    for (s, uid) in stack.iter().zip(series::miners_by_emission(&d)) {
        let total: f64 = s.values.iter().flatten().sum();
        let expected = summary.miners[usize::from(uid)].emission_rao as f64 / 1e9;
        assert!(
            (total - expected).abs() < 1e-9,
            "miner {uid}: {total} vs {expected}"
        );
        assert_eq!(s.label, format!("miner {uid}"));
    }
    // Dividends per stake: the offline validator earns nothing; the honest ones something.
    let div = series::dividends_per_stake(&d);
    assert!(div[4].values.iter().flatten().all(|&v| v == 0.0));
    assert!(div[0].values.iter().flatten().any(|&v| v > 0.0));
}

#[test]
fn the_weight_matrix_and_the_consensus_comparison_are_shares_of_rows() {
    let (_tmp, d) = data(0);
    let last = d.epochs.len() - 1;
    let m = series::weight_matrix(&d, last, 64);
    assert_eq!(m.miners, (0..MINERS).collect::<Vec<_>>());
    for (name, row) in m.validators.iter().zip(&m.cells) {
        match (name.as_str(), row) {
            ("o", None) => {}
            (_, Some(r)) => assert!((r.iter().sum::<f64>() - 1.0).abs() < 1e-9, "{name}"),
            (_, None) => panic!("{name} set weights in the last epoch"),
        }
    }
    // Only the top miners when there are more than asked for.
    let top = series::weight_matrix(&d, last, 3);
    assert_eq!(top.miners.len(), 3);
    let mut ranked = series::miners_by_emission(&d)[..3].to_vec();
    ranked.sort_unstable();
    assert_eq!(top.miners, ranked);
    // The consensus comparison compares the chain's consensus with each row, on the top miners.
    let c = series::consensus_comparison(&d, last, 4);
    assert_eq!(c.miners, series::miners_by_emission(&d)[..4].to_vec());
    for (k, &uid) in c.miners.iter().enumerate() {
        let u16c = d.epochs[last].consensus_u16[usize::from(uid)];
        assert_eq!(c.consensus[k], f64::from(u16c) / 65535.0);
        assert_eq!(
            c.validators[0].values[k],
            m.cells[0].as_ref().map(|r| r[usize::from(uid)])
        );
    }
}

/// The root element of an SVG document, checked for its size.
fn check_svg(svg: &str, what: &str) {
    let doc = roxmltree::Document::parse(svg).unwrap_or_else(|e| panic!("{what}: not XML: {e}"));
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg", "{what}");
    assert_eq!(
        root.attribute("width"),
        Some(WIDTH.to_string().as_str()),
        "{what}"
    );
    assert_eq!(
        root.attribute("height"),
        Some(HEIGHT.to_string().as_str()),
        "{what}"
    );
    assert!(
        root.descendants().any(|n| n.has_tag_name("text")),
        "{what}: no text"
    );
}

/// Decodes a PNG and checks its size; returns its pixels.
fn check_png(bytes: &[u8], what: &str) -> Vec<u8> {
    let mut reader = png::Decoder::new(bytes)
        .read_info()
        .unwrap_or_else(|e| panic!("{what}: not a PNG: {e}"));
    let mut pixels = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!((info.width, info.height), (WIDTH, HEIGHT), "{what}");
    assert_eq!(info.color_type, png::ColorType::Rgb, "{what}");
    pixels.truncate(info.buffer_size());
    pixels
}

#[test]
fn every_plot_is_a_valid_svg_and_png_of_the_stated_size_and_has_ink() {
    let (_tmp, d) = data(0);
    let o = PlotOptions::default();
    for plot in Plot::ALL {
        check_svg(&plots::svg(&d, plot, &o).unwrap(), plot.stem());
        let pixels = check_png(&plots::png(&d, plot, &o).unwrap(), plot.stem());
        let white = pixels.iter().filter(|&&b| b == 255).count();
        assert!(white < pixels.len(), "{}: blank", plot.stem());
        // Some pixels are colored (not grey): the series are drawn.
        assert!(
            pixels.chunks(3).any(|p| p[0] != p[1] || p[1] != p[2]),
            "{}: no colored pixel",
            plot.stem()
        );
    }
}

#[test]
fn plots_are_deterministic_and_change_when_the_data_change() {
    let (_tmp, d) = data(0);
    let (_tmp2, again) = data(0);
    let o = PlotOptions::default();
    // A different mechanism (scores shifted) changes every plot.
    let (_tmp3, other) = data(2);
    assert_ne!(d.epochs, other.epochs);
    for plot in Plot::ALL {
        let (svg, png) = (
            plots::svg(&d, plot, &o).unwrap(),
            plots::png(&d, plot, &o).unwrap(),
        );
        assert_eq!(
            svg,
            plots::svg(&again, plot, &o).unwrap(),
            "{}",
            plot.stem()
        );
        assert_eq!(
            png,
            plots::png(&again, plot, &o).unwrap(),
            "{}",
            plot.stem()
        );
        assert_ne!(
            svg,
            plots::svg(&other, plot, &o).unwrap(),
            "{}",
            plot.stem()
        );
        assert_ne!(
            png,
            plots::png(&other, plot, &o).unwrap(),
            "{}",
            plot.stem()
        );
    }
    // One number changed changes the plot that shows it.
    let last = d.epochs.len() - 1;
    let changes: [(Plot, Change); 4] = [
        (Plot::Emission, |d, _| {
            d.epochs[1].server_emission_rao[2] += 300_000_000
        }),
        (Plot::Dividends, |d, _| {
            d.epochs[2].validator_emission_rao[1] += 300_000_000
        }),
        (Plot::Weights, |d, last| {
            let row = d.epochs[last].weights[0].as_mut().unwrap();
            row[0].1 = row[0].1.saturating_add(20_000);
        }),
        (Plot::Consensus, |d, last| {
            let top = series::miners_by_emission(d)[0];
            let c = &mut d.epochs[last].consensus_u16[usize::from(top)];
            *c = c.wrapping_add(9_000);
        }),
    ];
    for (plot, change) in changes {
        let mut changed = d.clone();
        change(&mut changed, last);
        assert_ne!(
            plots::svg(&d, plot, &o).unwrap(),
            plots::svg(&changed, plot, &o).unwrap(),
            "{}",
            plot.stem()
        );
        assert_ne!(
            plots::png(&d, plot, &o).unwrap(),
            plots::png(&changed, plot, &o).unwrap(),
            "{}",
            plot.stem()
        );
    }
    // The epoch option picks the matrix shown.
    let first = PlotOptions {
        epoch: Some(1),
        ..PlotOptions::default()
    };
    assert_ne!(
        plots::svg(&d, Plot::Weights, &o).unwrap(),
        plots::svg(&d, Plot::Weights, &first).unwrap()
    );
    let beyond = PlotOptions {
        epoch: Some(EPOCHS as u64),
        ..PlotOptions::default()
    };
    let e = plots::svg(&d, Plot::Weights, &beyond)
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("epoch {EPOCHS} does not exist")), "{e}");
}

#[test]
fn the_report_page_is_self_contained_and_shows_the_receipt_hash() {
    let (tmp, d) = data(0);
    let page = html::report(&d, &PlotOptions::default()).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert!(page.contains(&d.receipt_hash));
    assert_eq!(d.receipt_hash.len(), 64);
    let lower = page.to_ascii_lowercase();
    for external in [
        "src=", "href=", "url(", "<script", "<link", "@import", "<img", "<iframe",
    ] {
        assert!(!lower.contains(external), "the page uses `{external}`");
    }
    // Every plot is inlined as an SVG of the stated size, and the page is well-formed XML
    // around them (parsed after dropping the doctype).
    assert_eq!(page.matches("<svg").count(), Plot::ALL.len());
    let body = page.trim_start_matches("<!DOCTYPE html>\n");
    let doc = roxmltree::Document::parse(body).unwrap();
    let svgs: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("svg"))
        .collect();
    assert_eq!(svgs.len(), Plot::ALL.len());
    for s in svgs {
        assert_eq!(s.attribute("width"), Some(WIDTH.to_string().as_str()));
    }
    // Both tables list every validator.
    for v in &d.validators {
        assert!(page.contains(&format!("<td>{}</td>", v.name)), "{}", v.name);
    }
    // Written into the folder by default name, byte-identical on a second write.
    let out = tmp.path().join(write::REPORT_FILE);
    write::write_report(&d, &PlotOptions::default(), &out).unwrap();
    let first = std::fs::read(&out).unwrap();
    write::write_report(&load(tmp.path()).unwrap(), &PlotOptions::default(), &out).unwrap();
    assert_eq!(first, std::fs::read(&out).unwrap());
    assert_eq!(first, page.as_bytes());
}

#[test]
fn write_plots_puts_every_plot_in_the_plots_folder() {
    let (tmp, d) = data(0);
    let files = write::write_plots(&d, &PlotOptions::default(), tmp.path()).unwrap();
    assert_eq!(files.len(), 2 * Plot::ALL.len());
    for f in &files {
        assert_eq!(f.parent().unwrap(), tmp.path().join(write::PLOTS_DIR));
        let bytes = std::fs::read(f).unwrap();
        match f.extension().and_then(|e| e.to_str()) {
            Some("svg") => check_svg(
                std::str::from_utf8(&bytes).unwrap(),
                &f.display().to_string(),
            ),
            Some("png") => drop(check_png(&bytes, &f.display().to_string())),
            other => panic!("unexpected file type {other:?}"),
        }
    }
    // Written again (replacing the folder) with the same bytes, and no staging folder is left.
    let before: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    write::write_plots(&d, &PlotOptions::default(), tmp.path()).unwrap();
    let after: Vec<Vec<u8>> = files.iter().map(|f| std::fs::read(f).unwrap()).collect();
    assert_eq!(before, after);
    let leftovers: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn bad_or_missing_files_are_named_with_the_field() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("sim");
    support::folder(&dir, 3, 4, 0);
    let uids = std::fs::read_to_string(dir.join("uids.csv")).unwrap();
    let copy = |name: &str| {
        let d = tmp.path().join(name);
        std::fs::create_dir_all(&d).unwrap();
        for f in [
            "simulation.json",
            "uids.csv",
            "weights.csv",
            "summary.json",
            "epochs.jsonl",
        ] {
            std::fs::copy(dir.join(f), d.join(f)).unwrap();
        }
        d
    };

    // A missing file.
    let d = copy("missing");
    std::fs::remove_file(d.join("weights.csv")).unwrap();
    let e = error_text(&d);
    assert!(
        e.contains("weights.csv") && e.contains("cannot read"),
        "{e}"
    );
    let e = error_text(&tmp.path().join("nowhere"));
    assert!(
        e.contains("simulation.json") && e.contains("cannot read"),
        "{e}"
    );

    // An output changed after the simulation: its hash no longer matches the receipt.
    let d = copy("edited");
    std::fs::write(d.join("uids.csv"), format!("{uids}\n")).unwrap();
    let e = error_text(&d);
    assert!(
        e.contains("uids.csv") && e.contains("outputs.uids.csv"),
        "{e}"
    );

    // A receipt field of the wrong type, and a receipt whose hash does not match.
    let d = copy("receipt");
    let r = std::fs::read_to_string(d.join("simulation.json")).unwrap();
    std::fs::write(
        d.join("simulation.json"),
        r.replace("\"miners\": 4", "\"miners\": \"four\""),
    )
    .unwrap();
    let e = error_text(&d);
    assert!(
        e.contains("simulation.json") && e.contains("`miners`"),
        "{e}"
    );
    std::fs::write(
        d.join("simulation.json"),
        r.replace("\"stake\": 4000.0", "\"stake\": 4001.0"),
    )
    .unwrap();
    let e = error_text(&d);
    assert!(e.contains("simulation.json") && e.contains("`hash`"), "{e}");
    let mut v: serde_json::Value = serde_json::from_str(&r).unwrap();
    v["format"] = "imr-simulation/0".into();
    std::fs::write(d.join("simulation.json"), v.to_string()).unwrap();
    let e = error_text(&d);
    assert!(
        e.contains("simulation.json") && e.contains("`format`"),
        "{e}"
    );

    // Consistent folders (receipt re-sealed) with a bad value, a missing column, a stranger.
    let d = copy("value");
    let mut lines: Vec<String> = uids.lines().map(str::to_string).collect();
    let mut fields: Vec<&str> = lines[2].split(',').collect();
    fields[11] = "lots";
    lines[2] = fields.join(",");
    support::reseal(&d, "uids.csv", (lines.join("\n") + "\n").as_bytes());
    let e = error_text(&d);
    assert!(
        e.contains("uids.csv")
            && e.contains("line 3")
            && e.contains("`server_emission_rao`")
            && e.contains("`lots`"),
        "{e}"
    );
    let d = copy("column");
    support::reseal(
        &d,
        "uids.csv",
        uids.replacen("consensus_u16", "consensus", 1).as_bytes(),
    );
    let e = error_text(&d);
    assert!(
        e.contains("uids.csv") && e.contains("`consensus_u16`"),
        "{e}"
    );
    let d = copy("stranger");
    let weights = std::fs::read_to_string(d.join("weights.csv")).unwrap();
    support::reseal(
        &d,
        "weights.csv",
        weights.replacen(",a,", ",zed,", 1).as_bytes(),
    );
    let e = error_text(&d);
    assert!(
        e.contains("weights.csv") && e.contains("`validator`") && e.contains("zed"),
        "{e}"
    );
    let d = copy("summary");
    support::reseal(
        &d,
        "summary.json",
        b"{\"epochs\": 3, \"miners\": [{\"uid\": 0}]}",
    );
    let e = error_text(&d);
    assert!(e.contains("summary.json") && e.contains("miners[0]"), "{e}");
}
