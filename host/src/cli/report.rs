//! `imr report DIR` and the plots of `imr simulate --plots`: a thin layer over [`imr_report`].

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use imr_report::write::{write_plots, write_report, REPORT_FILE};
use imr_report::PlotOptions;

/// Write one self-contained HTML page (plots inlined, tables, the receipt hash) for a simulation's output folder.
#[derive(Args, Debug)]
pub struct ReportArgs {
    /// The output folder of `imr simulate`.
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Where to write the page (default: DIR/report.html).
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,
    /// Also write the plots as SVG and PNG into DIR/plots/.
    #[arg(long)]
    plots: bool,
    #[command(flatten)]
    plot: PlotArgs,
}

/// What the plots show (shared by `imr report` and `imr simulate --plots`).
#[derive(Args, Debug, Clone)]
pub struct PlotArgs {
    /// The epoch (index, from 0) of the weight matrix and the consensus plot (default: the last).
    #[arg(long, value_name = "N")]
    plot_epoch: Option<u64>,
}

impl PlotArgs {
    fn options(&self) -> PlotOptions {
        PlotOptions {
            epoch: self.plot_epoch,
            ..PlotOptions::default()
        }
    }
}

/// Writes the plots of the simulation output folder `dir` into `dir/plots/`; returns that folder.
pub fn plots(dir: &Path, args: &PlotArgs) -> anyhow::Result<PathBuf> {
    let data = imr_report::load(dir).with_context(|| format!("plots of {}", dir.display()))?;
    let written = write_plots(&data, &args.options(), dir)?;
    Ok(written
        .first()
        .and_then(|p| p.parent())
        .map_or_else(|| dir.join(imr_report::write::PLOTS_DIR), Path::to_path_buf))
}

/// Runs `imr report`.
pub fn run(args: &ReportArgs) -> anyhow::Result<()> {
    let data =
        imr_report::load(&args.dir).with_context(|| format!("report of {}", args.dir.display()))?;
    let out = args
        .out
        .clone()
        .unwrap_or_else(|| args.dir.join(REPORT_FILE));
    let options = args.plot.options();
    write_report(&data, &options, &out)?;
    if args.plots {
        write_plots(&data, &options, &args.dir)?;
    }
    println!("{}", out.display());
    Ok(())
}
