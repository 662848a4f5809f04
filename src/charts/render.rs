//! One chart to one file: SVG through a string, PNG through plotters' bitmap backend. No clock and
//! no randomness reach either, so the same rollup gives the same bytes.

use super::bitmap::Bitmap;
use super::canvas::Canvas;
use super::pngfile;
use super::style::DrawResult;
use super::{compare::Compare, outcomes::Outcomes, trend::Trend, yoy::Yoy};
use crate::error::{Error, IoContext, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::cell::RefCell;
use std::path::Path;

/// What a rayon worker reuses from one PNG chart to the next: the canvas and the file's bytes.
#[derive(Default)]
struct Buffers {
    canvas: Canvas,
    png: Vec<u8>,
}

thread_local! {
    static BUFFERS: RefCell<Buffers> = RefCell::new(Buffers::default());
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Format {
    Svg,
    Png,
}

impl Format {
    pub fn ext(self) -> &'static str {
        match self {
            Format::Svg => "svg",
            Format::Png => "png",
        }
    }

    pub fn parse(s: &str) -> Option<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "svg" => Some(Format::Svg),
            "png" => Some(Format::Png),
            _ => None,
        }
    }
}

/// Every kind of chart, so one list of jobs can hold them all.
#[derive(Debug)]
pub enum Spec {
    Trend(Trend),
    Compare(Compare),
    Outcomes(Outcomes),
    Yoy(Yoy),
}

impl Spec {
    pub fn size(&self) -> (u32, u32) {
        match self {
            Spec::Trend(c) => c.size(),
            Spec::Compare(c) => c.size(),
            Spec::Outcomes(c) => c.size(),
            Spec::Yoy(c) => c.size(),
        }
    }

    pub fn title(&self) -> &str {
        match self {
            Spec::Trend(c) => &c.title,
            Spec::Compare(c) => &c.title,
            Spec::Outcomes(c) => &c.title,
            Spec::Yoy(c) => &c.title,
        }
    }

    /// Whether the chart's colours fit a PNG palette: bars with dark labels do (about 220 colours,
    /// most of them the grey edges of text). Anti-aliased lines crossing each other, or white labels
    /// over six bar colours, make one to three thousand: those charts are drawn RGB from the start
    /// rather than converted when the 257th colour comes.
    fn fits_palette(&self) -> bool {
        matches!(self, Spec::Compare(_) | Spec::Yoy(_))
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        root.fill(&WHITE)?;
        match self {
            Spec::Trend(c) => c.draw(root)?,
            Spec::Compare(c) => c.draw(root)?,
            Spec::Outcomes(c) => c.draw(root)?,
            Spec::Yoy(c) => c.draw(root)?,
        }
        root.present()?;
        Ok(())
    }
}

/// Draw `spec` into `path` (its extension is not looked at: `format` decides).
pub fn write(spec: &Spec, path: &Path, format: Format) -> Result<()> {
    let failed = |e: Box<dyn std::error::Error + Send + Sync>| Error::Chart {
        path: path.to_path_buf(),
        message: e.to_string(),
    };
    match format {
        Format::Svg => {
            let mut svg = String::new();
            {
                let root = SVGBackend::with_string(&mut svg, spec.size()).into_drawing_area();
                spec.draw(&root).map_err(failed)?;
            }
            std::fs::write(path, svg).at(path)
        }
        Format::Png => BUFFERS.with_borrow_mut(|Buffers { canvas, png }| {
            canvas.reset(spec.size(), [255; 3], spec.fits_palette());
            {
                let root = Bitmap::new(canvas)?.into_drawing_area();
                spec.draw(&root).map_err(failed)?;
            }
            pngfile::write(path, canvas.pixels(), canvas.size(), png)
        }),
    }
}
