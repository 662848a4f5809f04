//! Year-over-year change of the child regions, as bars diverging from zero: increases to the right
//! in blue, decreases to the left in orange, the change printed at the bar's end. Counts and amounts
//! show the percent change; a ratio shows the change in percentage points (a percent of a percent
//! reads wrong). A region without the year before is 无上年数据.

use super::bars;
use super::style::{self, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;

#[derive(Debug)]
pub struct Yoy {
    pub title: String,
    /// "%" or "百分点".
    pub unit_label: &'static str,
    /// (name, change), change in `unit_label`.
    pub bars: Vec<(String, Option<f64>)>,
}

fn signed(v: f64, unit: &str) -> String {
    let s = format!("{:+.1}", v);
    if unit == "%" {
        format!("{s}%")
    } else {
        format!("{s}{unit}")
    }
}

impl Yoy {
    pub fn size(&self) -> (u32, u32) {
        (1000, bars::height(self.bars.len(), 0))
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = root.titled(&self.title, style::title())?;
        let mut sorted = self.bars.clone();
        sorted.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        let n = bars::rows(sorted.len());
        let names: Vec<String> = sorted.iter().map(|b| b.0.clone()).collect();
        let reach =
            sorted.iter().filter_map(|b| b.1).map(f64::abs).filter(|v| v.is_finite()).fold(0.0, f64::max);
        // Symmetric, with room for the labels beyond the longest bar.
        let m = if reach > 0.0 { reach * 1.35 } else { 10.0 };
        let unit = self.unit_label;
        let tick = move |v: &f64| if unit == "%" { format!("{v:.0}%") } else { format!("{v:.0}") };
        let desc = if unit == "%" { "同比增减（%）" } else { "同比增减（百分点）" };
        let mut chart = bars::frame(&area, &names, -m..m, &tick, desc)?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
            ShapeStyle::from(&style::MUTED).stroke_width(1),
        )))?;
        for (r, (_, change)) in sorted.iter().enumerate() {
            match change {
                Some(v) if v.is_finite() => {
                    let colour = if *v >= 0.0 { style::UP } else { style::DOWN };
                    chart.draw_series(std::iter::once(bars::bar(r, n, 0.0, *v, colour)))?;
                    let (dx, pos) = if *v >= 0.0 {
                        (6, style::left(14.0, &style::INK))
                    } else {
                        (-6, style::right(14.0, &style::INK))
                    };
                    bars::label(&mut chart, r, n, *v, dx, signed(*v, unit), pos)?;
                }
                _ => bars::label(
                    &mut chart,
                    r,
                    n,
                    0.0,
                    6,
                    "无上年数据".into(),
                    style::left(14.0, &style::MUTED),
                )?,
            }
        }
        Ok(())
    }
}
