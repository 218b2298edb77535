//! `imr simulate --plots` and `imr report` on the bundled time-series scenario: the plots and
//! the page are produced and valid, and the README's plot (`docs/simulation-dividends.svg`) is
//! what the current code draws (run with `IMR_BLESS=1` to rewrite it after a deliberate change).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::support::{time_series, time_series_epochs, workspace};

/// Epochs of the bundled scenario simulated here (and in the README's plot).
const EPOCHS: usize = 40;

/// The README's plot, relative to the workspace.
const DOCS_PLOT: &str = "docs/simulation-dividends.svg";

fn imr() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_imr"));
    c.env("IMR_CACHE_DIR", std::env::temp_dir().join("imr-test-cache"));
    c
}

fn ok(o: &Output) -> String {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Simulates the first `EPOCHS` bundled epochs with `--plots` into `dir/out`.
fn simulate_with_plots(dir: &Path) -> PathBuf {
    let epochs = dir.join("epochs");
    std::fs::create_dir_all(&epochs).unwrap();
    for f in time_series_epochs().iter().take(EPOCHS) {
        std::fs::copy(f, epochs.join(f.file_name().unwrap())).unwrap();
    }
    let out = dir.join("out");
    let o = imr()
        .arg("simulate")
        .arg("--mechanism")
        .arg(time_series())
        .arg("--epochs")
        .arg(&epochs)
        .arg("--validators")
        .arg(workspace().join("examples/time-series/data/validators.json"))
        .arg("--out")
        .arg(&out)
        .args(["--no-run-logs", "--plots"])
        .output()
        .unwrap();
    let stdout = ok(&o);
    assert!(stdout.contains("plots "), "{stdout}");
    out
}

/// The width and height of a PNG, from its IHDR chunk.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "PNG signature");
    assert_eq!(&bytes[12..16], b"IHDR");
    let be = |b: &[u8]| u32::from_be_bytes(b.try_into().unwrap());
    (be(&bytes[16..20]), be(&bytes[20..24]))
}

#[test]
fn simulate_plots_and_report_and_the_readme_plot_is_current() {
    let tmp = tempfile::tempdir().unwrap();
    let out = simulate_with_plots(tmp.path());
    let (w, h) = (imr_report::plots::WIDTH, imr_report::plots::HEIGHT);
    for plot in imr_report::Plot::ALL {
        let svg = std::fs::read_to_string(out.join(format!("plots/{}.svg", plot.stem()))).unwrap();
        assert!(
            svg.starts_with(&format!("<svg width=\"{w}\" height=\"{h}\"")),
            "{}: {}",
            plot.stem(),
            &svg[..svg.len().min(80)]
        );
        assert!(svg.trim_end().ends_with("</svg>"), "{}", plot.stem());
        let png = std::fs::read(out.join(format!("plots/{}.png", plot.stem()))).unwrap();
        assert_eq!(png_size(&png), (w, h), "{}", plot.stem());
    }

    // The README's plot is the dividends plot of this run.
    let drawn = std::fs::read_to_string(out.join("plots/dividends.svg")).unwrap();
    let docs = workspace().join(DOCS_PLOT);
    if std::env::var_os("IMR_BLESS").is_some() {
        std::fs::create_dir_all(docs.parent().unwrap()).unwrap();
        std::fs::write(&docs, &drawn).unwrap();
    }
    let committed = std::fs::read_to_string(&docs).unwrap_or_else(|e| {
        panic!(
            "{}: {e} (run with IMR_BLESS=1 to create it)",
            docs.display()
        )
    });
    assert!(
        committed == drawn,
        "{DOCS_PLOT} is stale: it is not what `imr simulate --plots` draws now for the first {EPOCHS} \
         bundled epochs; rerun this test with IMR_BLESS=1 and commit the file"
    );

    // `imr report DIR` writes DIR/report.html: self-contained, with the receipt hash.
    let stdout = ok(&imr().arg("report").arg(&out).output().unwrap());
    assert!(stdout.contains("report.html"), "{stdout}");
    let page = std::fs::read_to_string(out.join("report.html")).unwrap();
    let receipt: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("simulation.json")).unwrap()).unwrap();
    assert!(page.contains(receipt["hash"].as_str().unwrap()));
    assert_eq!(page.matches("<svg").count(), imr_report::Plot::ALL.len());
    assert!(page.contains("copycat"));
    for external in ["src=", "href=", "url(", "<script", "<link"] {
        assert!(!page.contains(external), "the page uses `{external}`");
    }
    // --out elsewhere, and the same bytes again.
    let elsewhere = tmp.path().join("page.html");
    ok(&imr()
        .arg("report")
        .arg(&out)
        .arg("--out")
        .arg(&elsewhere)
        .output()
        .unwrap());
    assert_eq!(std::fs::read_to_string(&elsewhere).unwrap(), page);

    // A folder that is not a simulation's: the missing file is named, exit 1, nothing written.
    let o = imr()
        .arg("report")
        .arg(tmp.path().join("epochs"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("simulation.json") && err.contains("cannot read"),
        "{err}"
    );
    assert!(!tmp.path().join("epochs/report.html").exists());
    // An epoch beyond the simulation's is refused.
    let o = imr()
        .arg("report")
        .arg(&out)
        .args(["--plot-epoch", "999"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("epoch 999 does not exist"), "{err}");
    ok(&imr().args(["report", "--help"]).output().unwrap());
}
