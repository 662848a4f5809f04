//! The frame shared by the horizontal bar charts: one row per region, top row first, names on the
//! left, a value axis along the bottom.

use super::style::{self, DrawResult};
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::ops::Range;

pub type BarCoord = Cartesian2d<RangedCoordf64, SegmentedCoord<RangedCoordi32>>;
pub type Frame<'a, DB> = ChartContext<'a, DB, BarCoord>;
pub type FrameResult<T> = std::result::Result<T, Box<dyn std::error::Error + Send + Sync>>;

pub const ROW: u32 = 32;

/// Image height for `rows` rows plus title, legend and axis.
pub fn height(rows: usize, extra: u32) -> u32 {
    (140 + extra + ROW * rows as u32).max(320)
}

/// Rows to lay out for `n` regions: at least two, since plotters cannot map a one-value axis.
pub fn rows(n: usize) -> usize {
    n.max(2)
}

/// Segment of row `r` (0 = top) among `n`: plotters counts from the bottom.
pub fn seg(r: usize, n: usize) -> i32 {
    (n - 1 - r.min(n - 1)) as i32
}

pub fn frame<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    names: &[String],
    x: Range<f64>,
    tick: &dyn Fn(&f64) -> String,
    x_desc: &str,
) -> FrameResult<Frame<'a, DB>>
where
    DB::ErrorType: 'static,
{
    let n = rows(names.len());
    let label_width = style::label_width(names.iter().map(|s| s.chars().count()), 15.0);
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .margin_right(30)
        .x_label_area_size(56)
        .y_label_area_size(label_width)
        .build_cartesian_2d(x, (0..n as i32 - 1).into_segmented())?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(style::GRID)
        .axis_style(style::MUTED)
        .x_labels(8)
        .x_label_formatter(tick)
        .y_labels(n)
        .y_label_formatter(&|v| match v {
            SegmentValue::CenterOf(i) => {
                names.get(n - 1 - (*i).clamp(0, n as i32 - 1) as usize).cloned().unwrap_or_default()
            }
            _ => String::new(),
        })
        .x_desc(x_desc)
        .label_style(style::text(15.0, &style::INK))
        .axis_desc_style(style::text(14.0, &style::MUTED))
        .draw()?;
    Ok(chart)
}

/// A bar in row `r` of `n` from `x0` to `x1`.
pub fn bar(r: usize, n: usize, x0: f64, x1: f64, colour: RGBColor) -> Rectangle<(f64, SegmentValue<i32>)> {
    let s = seg(r, n);
    let mut rect = Rectangle::new(
        [(x0.min(x1), SegmentValue::Exact(s)), (x0.max(x1), SegmentValue::Exact(s + 1))],
        colour.filled(),
    );
    rect.set_margin(5, 5, 0, 0);
    rect
}

/// Text in the middle of row `r`, at `x`, offset `dx` pixels.
pub fn label<DB: DrawingBackend>(
    chart: &mut Frame<'_, DB>,
    r: usize,
    n: usize,
    x: f64,
    dx: i32,
    text: String,
    style: TextStyle<'static>,
) -> DrawResult
where
    DB::ErrorType: 'static,
{
    let at = (x, SegmentValue::CenterOf(seg(r, n)));
    chart.draw_series(std::iter::once(EmptyElement::at(at) + Text::new(text, (dx, 0), style)))?;
    Ok(())
}
