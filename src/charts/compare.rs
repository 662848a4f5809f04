//! Comparison of the child regions in one year: one horizontal bar each, largest on top, the value
//! printed at the end of the bar, and the regions without a value listed at the bottom as 无数据.

use super::bars;
use super::metrics::Unit;
use super::style::{self, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;

#[derive(Debug)]
pub struct Compare {
    pub title: String,
    pub unit: Unit,
    /// (name, value), in any order: drawing sorts them.
    pub bars: Vec<(String, Option<f64>)>,
}

impl Compare {
    pub fn size(&self) -> (u32, u32) {
        (1000, bars::height(self.bars.len(), 0))
    }

    /// Largest first, then the missing ones by name order as given.
    fn sorted(&self) -> Vec<(String, Option<f64>)> {
        let mut v = self.bars.clone();
        v.sort_by(|a, b| match (a.1, b.1) {
            (Some(x), Some(y)) => y.total_cmp(&x),
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        v
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = root.titled(&self.title, style::title())?;
        let sorted = self.sorted();
        let n = bars::rows(sorted.len());
        let names: Vec<String> = sorted.iter().map(|b| b.0.clone()).collect();
        let max = sorted.iter().filter_map(|b| b.1).fold(0.0, f64::max);
        let unit = self.unit;
        // Room on the right for the longest value label.
        let x_max = if unit == Unit::Ratio { 1.15 } else { unit.axis_max(max) * 1.06 };
        let mut chart = bars::frame(&area, &names, 0.0..x_max, &|v| unit.tick(*v), unit.axis())?;
        for (r, (_, value)) in sorted.iter().enumerate() {
            match value {
                Some(v) => {
                    chart.draw_series(std::iter::once(bars::bar(r, n, 0.0, v.max(0.0), style::BAR)))?;
                    bars::label(
                        &mut chart,
                        r,
                        n,
                        v.max(0.0),
                        6,
                        unit.format(*v),
                        style::left(14.0, &style::INK),
                    )?;
                }
                None => {
                    bars::label(&mut chart, r, n, 0.0, 6, "无数据".into(), style::left(14.0, &style::MUTED))?
                }
            }
        }
        Ok(())
    }
}
