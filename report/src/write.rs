//! Writing plots and the report page into place: everything is rendered first and moved into
//! place whole, so a failure leaves no half-written plot folder or page.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::load::SimulationData;
use crate::plots::{self, Plot, PlotError, PlotOptions};

/// The folder, inside a simulation's output folder, that holds the plots.
pub const PLOTS_DIR: &str = "plots";

/// The report page's default name, inside a simulation's output folder.
pub const REPORT_FILE: &str = "report.html";

/// Plots or a page that could not be written.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// A plot could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// An I/O failure on a named path.
    #[error("{path}: cannot {action}: {source}")]
    Io {
        /// The path.
        path: PathBuf,
        /// What was attempted.
        action: &'static str,
        /// The I/O error.
        source: std::io::Error,
    },
}

fn io(path: &Path, action: &'static str) -> impl FnOnce(std::io::Error) -> WriteError {
    let path = path.to_path_buf();
    move |source| WriteError::Io {
        path,
        action,
        source,
    }
}

/// Writes every plot as `STEM.svg` and `STEM.png` into `dir/plots/` (replacing that folder)
/// and returns the files written, in [`Plot::ALL`] order.
pub fn write_plots(
    d: &SimulationData,
    options: &PlotOptions,
    dir: &Path,
) -> Result<Vec<PathBuf>, WriteError> {
    let staging = tempfile::Builder::new()
        .prefix(".imr-plots-")
        .tempdir_in(dir)
        .map_err(io(dir, "create a staging folder in"))?;
    let target = dir.join(PLOTS_DIR);
    let mut written = Vec::new();
    for plot in Plot::ALL {
        let svg = plots::svg(d, plot, options)?;
        let png = plots::png(d, plot, options)?;
        for (ext, bytes) in [("svg", svg.as_bytes()), ("png", png.as_slice())] {
            let name = format!("{}.{ext}", plot.stem());
            let path = staging.path().join(&name);
            std::fs::write(&path, bytes).map_err(io(&path, "write"))?;
            written.push(target.join(name));
        }
    }
    if target.exists() {
        std::fs::remove_dir_all(&target).map_err(io(&target, "replace"))?;
    }
    let staged = staging.keep();
    std::fs::rename(&staged, &target).map_err(io(&target, "create"))?;
    Ok(written)
}

/// Writes the report page of `d` to `path` (replacing it).
pub fn write_report(
    d: &SimulationData,
    options: &PlotOptions,
    path: &Path,
) -> Result<(), WriteError> {
    let page = crate::html::report(d, options)?;
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".imr-report-")
        .tempfile_in(&parent)
        .map_err(io(&parent, "create a temporary file in"))?;
    // Readable like any other output (a temporary file is private by default).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o644))
            .map_err(io(tmp.path(), "set the permissions of"))?;
    }
    tmp.write_all(page.as_bytes())
        .map_err(io(tmp.path(), "write"))?;
    tmp.persist(path).map_err(|e| WriteError::Io {
        path: path.to_path_buf(),
        action: "write",
        source: e.error,
    })?;
    Ok(())
}
