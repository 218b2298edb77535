//! imr-report: pictures and a page of a simulation (`imr simulate --plots`, `imr report`), read
//! from the output folder `imr simulate` writes. Pure: no runtime, no system fonts, no browser.
//!
//! - [`load`]: the folder's receipt, CSV files and summary, checked against the receipt's hashes;
//! - [`series`]: what each plot shows, as numbers;
//! - [`plots`]: the four plots as SVG or PNG (deterministic bytes);
//! - [`html`]: one self-contained HTML page (plots inlined, tables, the receipt hash);
//! - [`write`]: writing the plots or the page into place.

mod csv_table;
pub mod font;
pub mod html;
pub mod load;
pub mod plots;
pub mod series;
pub mod write;

pub use load::{load, LoadError, SimulationData};
pub use plots::{Plot, PlotError, PlotOptions};
