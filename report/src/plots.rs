//! The four plots of a simulation, drawn with `plotters` as SVG or PNG, [`WIDTH`] x [`HEIGHT`]
//! pixels:
//!
//! | plot | file stem | shows |
//! |---|---|---|
//! | [`Plot::Emission`] | `emission` | emission per miner over epochs (stacked area) |
//! | [`Plot::Weights`] | `weights` | the weight matrix of one epoch (validators x miners, heatmap) |
//! | [`Plot::Dividends`] | `dividends` | each validator's dividends per unit stake over epochs |
//! | [`Plot::Consensus`] | `consensus` | consensus weight against each validator's weight, top miners |
//!
//! Output is a function of the data and the options only: text is laid out with the font
//! embedded in this crate ([`crate::font`]), no system font is looked up, and no time or path
//! enters a plot, so the same data give the same bytes on every machine.

use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::font::{self, text};
use crate::load::SimulationData;
use crate::series;

/// Every plot's width in pixels.
pub const WIDTH: u32 = 960;
/// Every plot's height in pixels.
pub const HEIGHT: u32 = 540;
/// The width of the legend column right of a chart.
const LEGEND_WIDTH: u32 = 190;

/// One of the plots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Plot {
    /// Emission per miner over epochs (stacked area).
    Emission,
    /// The weight matrix of one epoch (validators x miners).
    Weights,
    /// Each validator's dividends per unit stake over epochs.
    Dividends,
    /// Consensus weight against each validator's weight for the top miners.
    Consensus,
}

impl Plot {
    /// Every plot, in report order.
    pub const ALL: [Plot; 4] = [
        Plot::Emission,
        Plot::Dividends,
        Plot::Weights,
        Plot::Consensus,
    ];

    /// The file name without extension (`emission`, `weights`, ...).
    pub fn stem(self) -> &'static str {
        match self {
            Plot::Emission => "emission",
            Plot::Weights => "weights",
            Plot::Dividends => "dividends",
            Plot::Consensus => "consensus",
        }
    }
}

/// What the plots show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlotOptions {
    /// The epoch (index) of the weight matrix and the consensus comparison (`None`: the last).
    pub epoch: Option<u64>,
    /// Miners drawn on their own in the emission stack (the rest are summed).
    pub stacked_miners: usize,
    /// At most this many miners (the top ones by emission) in the weight matrix.
    pub matrix_miners: usize,
    /// Miners in the consensus comparison (the top ones by emission).
    pub compared_miners: usize,
}

impl Default for PlotOptions {
    fn default() -> Self {
        Self {
            epoch: None,
            stacked_miners: 10,
            matrix_miners: 64,
            compared_miners: 8,
        }
    }
}

/// A plot that could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The simulation has no epochs.
    #[error("the simulation has no epochs to plot")]
    NoEpochs,
    /// The requested epoch does not exist.
    #[error("epoch {epoch} does not exist (the simulation has epochs 0..{epochs})")]
    NoSuchEpoch {
        /// The epoch asked for.
        epoch: u64,
        /// The number of epochs.
        epochs: usize,
    },
    /// Drawing failed.
    #[error("cannot draw the {plot} plot: {message}")]
    Draw {
        /// The plot's stem.
        plot: &'static str,
        /// The drawing error.
        message: String,
    },
    /// PNG encoding failed.
    #[error("cannot encode the {plot} plot as PNG: {message}")]
    Png {
        /// The plot's stem.
        plot: &'static str,
        /// The encoder's error.
        message: String,
    },
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Categorical colors (Tableau 10), then the same again.
const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];
const OTHERS: RGBColor = RGBColor(205, 205, 205);
const NO_ROW: RGBColor = RGBColor(235, 235, 235);

fn color(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// The epoch index a plot of one epoch shows.
pub fn chosen_epoch(d: &SimulationData, options: &PlotOptions) -> Result<usize, PlotError> {
    let n = d.epochs.len();
    if n == 0 {
        return Err(PlotError::NoEpochs);
    }
    match options.epoch {
        None => Ok(n - 1),
        Some(e) => usize::try_from(e)
            .ok()
            .filter(|&i| i < n)
            .ok_or(PlotError::NoSuchEpoch {
                epoch: e,
                epochs: n,
            }),
    }
}

/// `plot` as an SVG document.
pub fn svg(d: &SimulationData, plot: Plot, options: &PlotOptions) -> Result<String, PlotError> {
    let epoch = chosen_epoch(d, options)?;
    font::register();
    let mut out = String::new();
    {
        let root = SVGBackend::with_string(&mut out, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, d, plot, options, epoch).map_err(|e| draw_error(plot, e))?;
        root.present().map_err(|e| draw_error(plot, e))?;
    }
    Ok(out)
}

/// `plot` as a PNG image (8-bit RGB).
pub fn png(d: &SimulationData, plot: Plot, options: &PlotOptions) -> Result<Vec<u8>, PlotError> {
    let epoch = chosen_epoch(d, options)?;
    font::register();
    let mut pixels = vec![0u8; WIDTH as usize * HEIGHT as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut pixels, (WIDTH, HEIGHT)).into_drawing_area();
        draw(&root, d, plot, options, epoch).map_err(|e| draw_error(plot, e))?;
        root.present().map_err(|e| draw_error(plot, e))?;
    }
    let png_error = |e: png::EncodingError| PlotError::Png {
        plot: plot.stem(),
        message: e.to_string(),
    };
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, WIDTH, HEIGHT);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    encoder.set_compression(png::Compression::Default);
    let mut writer = encoder.write_header().map_err(png_error)?;
    writer.write_image_data(&pixels).map_err(png_error)?;
    writer.finish().map_err(png_error)?;
    Ok(out)
}

fn draw_error<E: std::error::Error + Send + Sync>(
    plot: Plot,
    e: DrawingAreaErrorKind<E>,
) -> PlotError {
    PlotError::Draw {
        plot: plot.stem(),
        message: e.to_string(),
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &SimulationData,
    plot: Plot,
    options: &PlotOptions,
    epoch: usize,
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    match plot {
        Plot::Emission => emission(root, d, options),
        Plot::Dividends => dividends(root, d),
        Plot::Weights => weights(root, d, options, epoch),
        Plot::Consensus => consensus(root, d, options, epoch),
    }
}

/// The x range of a chart over epochs (widened when there is one epoch).
fn epoch_range(d: &SimulationData) -> std::ops::Range<f64> {
    let first = d.epochs.first().map_or(0, |e| e.index) as f64;
    let last = d.epochs.last().map_or(0, |e| e.index) as f64;
    if last > first {
        first..last
    } else {
        first - 0.5..first + 0.5
    }
}

/// `0..max` (at least a small positive range), with 5% headroom.
fn value_range(max: f64) -> std::ops::Range<f64> {
    if max.is_finite() && max > 0.0 {
        0.0..max * 1.05
    } else {
        0.0..1.0
    }
}

/// A legend: a color box and a label per entry, top to bottom.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    entries: &[(String, RGBColor)],
) -> DrawResult<DB> {
    area.draw(&Text::new(title.to_string(), (6, 48), text(13.0)))?;
    for (k, (label, c)) in entries.iter().enumerate() {
        let y = 70 + 18 * k as i32;
        area.draw(&Rectangle::new([(8, y), (20, y + 12)], c.filled()))?;
        area.draw(&Text::new(label.clone(), (26, y), text(12.0)))?;
    }
    Ok(())
}

/// A chart with epochs on x and values on y.
type EpochChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

/// A chart over the simulation's epochs (x) from 0 to a little above `max` (y), with its mesh
/// drawn: `(caption, y axis description)`, and the y labels with `y_decimals` decimals.
fn over_epochs<'a, DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    d: &SimulationData,
    max: f64,
    (caption, y_desc): (&str, &str),
    y_decimals: usize,
) -> Result<EpochChart<'a, DB>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut chart = ChartBuilder::on(area)
        .caption(caption, text(20.0))
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(epoch_range(d), value_range(max))?;
    chart
        .configure_mesh()
        .x_desc("epoch")
        .y_desc(y_desc)
        .x_label_formatter(&|v| format!("{v:.0}"))
        .y_label_formatter(&|v| format!("{v:.y_decimals$}"))
        .max_light_lines(2)
        .label_style(text(12.0))
        .axis_desc_style(text(13.0))
        .draw()?;
    Ok(chart)
}

fn emission<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &SimulationData,
    options: &PlotOptions,
) -> DrawResult<DB> {
    let layers = series::emission_stack(d, options.stacked_miners);
    // Cumulative tops, bottom layer first; drawn top first so that lower layers cover them.
    let mut tops: Vec<Vec<f64>> = Vec::with_capacity(layers.len());
    for l in &layers {
        let below = tops.last();
        tops.push(
            l.values
                .iter()
                .enumerate()
                .map(|(i, v)| v.unwrap_or(0.0) + below.map_or(0.0, |b| b[i]))
                .collect(),
        );
    }
    let max = tops
        .last()
        .map_or(0.0, |t| t.iter().copied().fold(0.0, f64::max));
    let (chart_area, legend_area) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
    let mut chart = over_epochs(
        &chart_area,
        d,
        max,
        ("Emission per miner", "emission per epoch (TAO)"),
        2,
    )?;
    let xs: Vec<f64> = d.epochs.iter().map(|e| e.index as f64).collect();
    let mut entries = Vec::new();
    for (i, top) in tops.iter().enumerate().rev() {
        let c = if i == options.stacked_miners {
            OTHERS
        } else {
            color(i)
        };
        chart.draw_series(
            AreaSeries::new(xs.iter().copied().zip(top.iter().copied()), 0.0, c.filled())
                .border_style(c.stroke_width(1)),
        )?;
        entries.push((layers[i].label.clone(), c));
    }
    legend(&legend_area, "top of the stack first", &entries)
}

fn dividends<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &SimulationData,
) -> DrawResult<DB> {
    let lines = series::dividends_per_stake(d);
    let max = lines
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .copied()
        .fold(0.0, f64::max);
    let (chart_area, legend_area) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
    let mut chart = over_epochs(
        &chart_area,
        d,
        max,
        (
            "Dividends per unit stake",
            "dividends per epoch (rao per TAO staked)",
        ),
        0,
    )?;
    let mut entries = Vec::new();
    for (i, s) in lines.iter().enumerate() {
        let c = color(i);
        let points: Vec<(f64, f64)> = d
            .epochs
            .iter()
            .zip(&s.values)
            .filter_map(|(e, v)| v.map(|v| (e.index as f64, v)))
            .collect();
        chart.draw_series(LineSeries::new(points, c.stroke_width(2)))?;
        entries.push((s.label.clone(), c));
    }
    legend(&legend_area, "validator (behaviour)", &entries)
}

/// A sequential color: white at 0, dark blue at 1.
fn shade(t: f64) -> RGBColor {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let lerp = |a: u8, b: u8| (f64::from(a) + (f64::from(b) - f64::from(a)) * t).round() as u8;
    RGBColor(lerp(247, 8), lerp(251, 48), lerp(255, 107))
}

/// Labels under (or left of) categorical cells, drawn in backend coordinates.
fn category_label<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    label: String,
    at: (i32, i32),
    pos: Pos,
) -> DrawResult<DB> {
    root.draw(&Text::new(label, at, text(12.0).pos(pos)))
}

fn weights<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &SimulationData,
    options: &PlotOptions,
    epoch: usize,
) -> DrawResult<DB> {
    let m = series::weight_matrix(d, epoch, options.matrix_miners);
    let (rows, cols) = (m.validators.len(), m.miners.len());
    let max = m
        .cells
        .iter()
        .flatten()
        .flatten()
        .copied()
        .fold(0.0, f64::max);
    let scale = if max > 0.0 { max } else { 1.0 };
    let shown = if cols < usize::from(m.total_miners) {
        format!(", top {cols} of {} miners by emission", m.total_miners)
    } else {
        String::new()
    };
    let (chart_area, bar_area) = root.split_horizontally(WIDTH - 120);
    let mut chart = ChartBuilder::on(&chart_area)
        .caption(
            format!("Weights set in epoch {}{shown}", m.epoch),
            text(20.0),
        )
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(110)
        .build_cartesian_2d(0.0..cols.max(1) as f64, 0.0..rows.max(1) as f64)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(0)
        .y_labels(0)
        .x_desc("miner uid")
        .axis_desc_style(text(13.0))
        .draw()?;
    for (r, row) in m.cells.iter().enumerate() {
        let y = (rows - 1 - r) as f64;
        match row {
            Some(cells) => chart.draw_series(cells.iter().enumerate().map(|(c, &v)| {
                Rectangle::new(
                    [(c as f64, y), (c as f64 + 1.0, y + 1.0)],
                    shade(v / scale).filled(),
                )
            }))?,
            None => chart.draw_series(std::iter::once(Rectangle::new(
                [(0.0, y), (cols as f64, y + 1.0)],
                NO_ROW.filled(),
            )))?,
        };
        let name = match row {
            Some(_) => m.validators[r].clone(),
            None => format!("{} (none)", m.validators[r]),
        };
        let (x, yc) = chart.backend_coord(&(0.0, y + 0.5));
        category_label(root, name, (x - 6, yc), Pos::new(HPos::Right, VPos::Center))?;
    }
    let step = cols.div_ceil(32).max(1);
    for (c, uid) in m.miners.iter().enumerate().step_by(step) {
        let (x, y) = chart.backend_coord(&(c as f64 + 0.5, 0.0));
        category_label(
            root,
            uid.to_string(),
            (x, y + 5),
            Pos::new(HPos::Center, VPos::Top),
        )?;
    }
    // The color bar: share of the validator's row, 0 at the bottom, the maximum at the top.
    let (top, bottom) = (70, HEIGHT as i32 - 70);
    let steps = 50;
    for k in 0..steps {
        let y0 = bottom - (bottom - top) * (k + 1) / steps;
        let y1 = bottom - (bottom - top) * k / steps;
        let t = (f64::from(k) + 0.5) / f64::from(steps);
        bar_area.draw(&Rectangle::new([(20, y0), (44, y1)], shade(t).filled()))?;
    }
    bar_area.draw(&Rectangle::new(
        [(20, top), (44, bottom)],
        BLACK.stroke_width(1),
    ))?;
    bar_area.draw(&Text::new(
        format!("{:.1}%", 100.0 * scale),
        (50, top),
        text(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    bar_area.draw(&Text::new(
        "0%".to_string(),
        (50, bottom),
        text(12.0).pos(Pos::new(HPos::Left, VPos::Center)),
    ))?;
    bar_area.draw(&Text::new(
        "share of row".to_string(),
        (8, top - 24),
        text(12.0),
    ))?;
    Ok(())
}

fn consensus<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    d: &SimulationData,
    options: &PlotOptions,
    epoch: usize,
) -> DrawResult<DB> {
    let cmp = series::consensus_comparison(d, epoch, options.compared_miners);
    let k = cmp.miners.len();
    let max = cmp
        .consensus
        .iter()
        .chain(
            cmp.validators
                .iter()
                .flat_map(|s| s.values.iter().flatten()),
        )
        .copied()
        .fold(0.0, f64::max);
    let (chart_area, legend_area) = root.split_horizontally(WIDTH - LEGEND_WIDTH);
    let mut chart = ChartBuilder::on(&chart_area)
        .caption(
            format!("Consensus vs validators' weights, epoch {}", cmp.epoch),
            text(20.0),
        )
        .margin(12)
        .x_label_area_size(42)
        .y_label_area_size(64)
        .build_cartesian_2d(-0.5..k.max(1) as f64 - 0.5, value_range(max))?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .x_labels(0)
        .x_desc("miner uid (top miners by total emission)")
        .y_desc("share of weight")
        .y_label_formatter(&|v| format!("{:.0}%", 100.0 * v))
        .max_light_lines(2)
        .label_style(text(12.0))
        .axis_desc_style(text(13.0))
        .draw()?;
    chart.draw_series(cmp.consensus.iter().enumerate().map(|(i, &c)| {
        let x = i as f64;
        Rectangle::new([(x - 0.4, 0.0), (x + 0.4, c)], OTHERS.filled())
    }))?;
    let n = cmp.validators.len().max(1) as f64;
    let mut entries = vec![("consensus".to_string(), OTHERS)];
    for (j, s) in cmp.validators.iter().enumerate() {
        let c = color(j);
        let dx = -0.3 + 0.6 * (j as f64 + 0.5) / n;
        chart.draw_series(
            s.values
                .iter()
                .enumerate()
                .filter_map(|(i, v)| v.map(|v| Circle::new((i as f64 + dx, v), 4, c.filled()))),
        )?;
        let label = if s.values.iter().all(Option::is_none) {
            format!("{} (none)", s.label)
        } else {
            s.label.clone()
        };
        entries.push((label, c));
    }
    for (i, uid) in cmp.miners.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64, 0.0));
        category_label(
            root,
            uid.to_string(),
            (x, y + 5),
            Pos::new(HPos::Center, VPos::Top),
        )?;
    }
    legend(&legend_area, "bar: consensus; dots:", &entries)
}
