//! How requests were closed (办理结果), per region: a 100% stacked bar of the six outcome groups,
//! the number of requests closed at the bar's end, the region's own total as the top row.

use super::bars;
use super::metrics::OUTCOMES;
use super::style::{self, DrawResult};
use plotters::coord::Shift;
use plotters::prelude::*;

#[derive(Debug)]
pub struct Outcomes {
    pub title: String,
    /// (name, count per group in `OUTCOMES` order).
    pub rows: Vec<(String, [f64; 6])>,
}

const LEGEND_HEIGHT: u32 = 40;

impl Outcomes {
    pub fn size(&self) -> (u32, u32) {
        (1100, bars::height(self.rows.len(), LEGEND_HEIGHT))
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = root.titled(&self.title, style::title())?;
        let (legend, area) = area.split_vertically(LEGEND_HEIGHT);
        let mut x = 40;
        for (group, colour) in OUTCOMES.iter().zip(style::OUTCOME) {
            legend.draw(&Rectangle::new([(x, 12), (x + 18, 30)], colour.filled()))?;
            legend.draw(&Text::new(group.label, (x + 24, 21), style::left(15.0, &style::INK)))?;
            x += 150;
        }
        let n = bars::rows(self.rows.len());
        let names: Vec<String> = self.rows.iter().map(|r| r.0.clone()).collect();
        let tick = |v: &f64| if *v > 1.0 + 1e-9 { String::new() } else { format!("{:.0}%", v * 100.0) };
        let mut chart = bars::frame(&area, &names, 0.0..1.16, &tick, "占办理结果总数的比例")?;
        for (r, (_, counts)) in self.rows.iter().enumerate() {
            let total: f64 = counts.iter().filter(|v| v.is_finite() && **v > 0.0).sum();
            if total <= 0.0 {
                bars::label(&mut chart, r, n, 0.0, 6, "无办理结果".into(), style::left(14.0, &style::MUTED))?;
                continue;
            }
            let mut x0 = 0.0;
            for (count, colour) in counts.iter().zip(style::OUTCOME) {
                if !(count.is_finite() && *count > 0.0) {
                    continue;
                }
                let share = count / total;
                chart.draw_series(std::iter::once(bars::bar(r, n, x0, x0 + share, colour)))?;
                // Only where the segment is wide enough to hold its label.
                if share >= 0.07 {
                    let label = format!("{:.0}%", share * 100.0);
                    bars::label(&mut chart, r, n, x0 + share / 2.0, 0, label, style::centre(13.0, &WHITE))?;
                }
                x0 += share;
            }
            let closed = format!("共 {} 件", super::metrics::group_thousands(total, 0));
            bars::label(&mut chart, r, n, 1.0, 8, closed, style::left(14.0, &style::INK))?;
        }
        Ok(())
    }
}
