//! The one font every plot's text is laid out (and, in PNGs, drawn) with: DejaVu Sans, cut down
//! to printable ASCII and a few symbols (`assets/DejaVuSans-subset.ttf`, 20 KB; license in
//! `assets/DejaVuSans-LICENSE`). Embedding it means no system font is looked up (a fresh CI
//! machine may have none) and the same text gives the same pixels everywhere.
//!
//! It is registered with plotters as `sans-serif`, the family SVG viewers then render with.

use std::sync::Once;

use plotters::style::{FontStyle, IntoFont, TextStyle};

/// The embedded font file.
pub const FONT: &[u8] = include_bytes!("../assets/DejaVuSans-subset.ttf");

/// The family name the plots use.
pub const FAMILY: &str = "sans-serif";

/// Registers [`FONT`] with plotters as [`FAMILY`] (once per process).
pub fn register() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is a fixed, tested asset: it parses (see the tests).
        let _ = plotters::style::register_font(FAMILY, FontStyle::Normal, FONT);
    });
}

/// A text style of `size` pixels in [`FAMILY`].
pub fn text(size: f64) -> TextStyle<'static> {
    (FAMILY, size).into_font().into()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_font_parses() {
        assert!(plotters::style::register_font(
            "imr-font-test",
            plotters::style::FontStyle::Normal,
            super::FONT
        )
        .is_ok());
    }
}
