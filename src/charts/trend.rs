//! Trend over the years of one headline metric: the region's total in a panel of its own (a total
//! dwarfs its parts on a shared axis), and below it one line per child region. With a dozen or more
//! children only the five largest in the latest year get a colour and a legend entry; the rest are
//! thin grey lines, named in the side column.

use super::metrics::Unit;
use super::style::{self, DrawResult};
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One line: (year, value) with the years that have a value, ascending.
#[derive(Debug, Clone)]
pub struct Series {
    pub name: String,
    pub points: Vec<(i32, f64)>,
}

impl Series {
    fn latest(&self) -> Option<f64> {
        self.points.last().map(|p| p.1)
    }

    /// Runs of consecutive years, so that a missing year is a gap and not a straight line.
    fn runs(&self) -> Vec<Vec<(i32, f64)>> {
        let mut out: Vec<Vec<(i32, f64)>> = Vec::new();
        for &(y, v) in &self.points {
            match out.last_mut() {
                Some(run) if run.last().is_some_and(|p| p.0 + 1 == y) => run.push((y, v)),
                _ => out.push(vec![(y, v)]),
            }
        }
        out
    }
}

#[derive(Debug)]
pub struct Trend {
    pub title: String,
    pub unit: Unit,
    /// 喀什地区合计.
    pub total: Series,
    pub children: Vec<Series>,
    /// 县（市、区）: what the children are.
    pub child_noun: &'static str,
    pub years: (i32, i32),
    /// Years whose total is partial, with (reported, expected) county-level units: drawn hollow and
    /// labelled, and the latest said under the title.
    pub partial: Vec<(i32, usize, usize)>,
}

const HIGHLIGHTED: usize = 5;
/// What a prefecture's children are called; a province's are 市（州、地区）.
const COUNTIES: &str = "县（市、区）";
const LEGEND_WIDTH: u32 = 300;

impl Trend {
    pub fn size(&self) -> (u32, u32) {
        (1100, 820)
    }

    /// Children to colour (largest latest value first), then the rest by code.
    fn split(&self) -> (Vec<&Series>, Vec<&Series>) {
        let latest = |i: usize| self.children[i].latest().unwrap_or(f64::MIN);
        let mut ranked: Vec<usize> = (0..self.children.len()).collect();
        // Stable: ties keep the children's code order.
        ranked.sort_by(|&a, &b| latest(b).total_cmp(&latest(a)));
        ranked.truncate(HIGHLIGHTED);
        let coloured = ranked.iter().map(|&i| &self.children[i]).collect();
        let rest =
            (0..self.children.len()).filter(|i| !ranked.contains(i)).map(|i| &self.children[i]).collect();
        (coloured, rest)
    }

    pub fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult
    where
        DB::ErrorType: 'static,
    {
        let area = root.titled(&self.title, style::title())?;
        let (top, bottom) = area.split_vertically(36.percent_height());
        let (top_chart, top_side) = top.split_horizontally(top.dim_in_pixel().0 - LEGEND_WIDTH);
        let (bottom_chart, bottom_side) = bottom.split_horizontally(bottom.dim_in_pixel().0 - LEGEND_WIDTH);

        let total_style = ShapeStyle::from(&style::TOTAL).stroke_width(3);
        let total_max = self.total.points.iter().map(|p| p.1).fold(0.0, f64::max);
        let latest = self.total.points.last().map(|p| p.0);
        let caption = match self.partial.iter().find(|p| Some(p.0) == latest).or(self.partial.last()) {
            Some(&(year, reported, expected)) => format!(
                "{}合计 · {year}年 {reported}/{expected} 个{}已报送，合计不全（空心点为不全的年份）",
                self.total.name,
                // Coverage counts county-level units, whatever the children are.
                if self.child_noun == COUNTIES { COUNTIES } else { "县级单位" }
            ),
            None => format!("{}合计", self.total.name),
        };
        let partial = |y: i32| self.partial.iter().find(|p| p.0 == y).map(|p| (p.1, p.2));
        self.panel(&top_chart, &caption, total_max, |chart| {
            for run in self.total.runs() {
                chart.draw_series(LineSeries::new(
                    run.iter().map(|&(y, v)| (SegmentValue::CenterOf(y), v)),
                    total_style,
                ))?;
            }
            let unit = self.unit;
            chart.draw_series(self.total.points.iter().filter(|p| partial(p.0).is_none()).map(
                |&(y, v)| {
                    EmptyElement::at((SegmentValue::CenterOf(y), v))
                        + Circle::new((0, 0), 4, style::TOTAL.filled())
                        + Text::new(unit.format(v), (0, -16), style::centre(14.0, &style::TOTAL))
                },
            ))?;
            // A partial year: a hollow point, and how many reported under it.
            chart.draw_series(self.total.points.iter().filter_map(|&(y, v)| {
                let (reported, expected) = partial(y)?;
                Some(
                    EmptyElement::at((SegmentValue::CenterOf(y), v))
                        + Circle::new((0, 0), 5, ShapeStyle::from(&WHITE).filled())
                        + Circle::new((0, 0), 5, ShapeStyle::from(&style::TOTAL).stroke_width(2))
                        + Text::new(unit.format(v), (0, -16), style::centre(14.0, &style::TOTAL))
                        + Text::new(
                            format!("{reported}/{expected}"),
                            (0, 16),
                            style::centre(12.0, &style::MUTED),
                        ),
                )
            }))?;
            Ok(())
        })?;
        side_legend(
            &top_side,
            &[(self.total.name.clone() + "合计", style::TOTAL, self.total.latest())],
            self.unit,
            self.years.1,
        )?;

        let (coloured, rest) = self.split();
        let child_max = self.children.iter().flat_map(|s| s.points.iter().map(|p| p.1)).fold(0.0, f64::max);
        let caption = format!("各{}", self.child_noun);
        self.panel(&bottom_chart, &caption, child_max, |chart| {
            for s in &rest {
                for run in s.runs() {
                    let line = ShapeStyle::from(&style::OTHERS).stroke_width(1);
                    chart.draw_series(LineSeries::new(
                        run.iter().map(|&(y, v)| (SegmentValue::CenterOf(y), v)),
                        line,
                    ))?;
                }
            }
            for (s, colour) in coloured.iter().zip(style::HIGHLIGHT) {
                for run in s.runs() {
                    let line = ShapeStyle::from(&colour).stroke_width(2);
                    chart.draw_series(LineSeries::new(
                        run.iter().map(|&(y, v)| (SegmentValue::CenterOf(y), v)),
                        line,
                    ))?;
                }
                chart.draw_series(
                    s.points
                        .iter()
                        .map(|&(y, v)| Circle::new((SegmentValue::CenterOf(y), v), 3, colour.filled())),
                )?;
            }
            Ok(())
        })?;
        let entries: Vec<(String, RGBColor, Option<f64>)> =
            coloured.iter().zip(style::HIGHLIGHT).map(|(s, c)| (s.name.clone(), c, s.latest())).collect();
        let below = side_legend(&bottom_side, &entries, self.unit, self.years.1)?;
        others_list(&bottom_side, below, &rest)?;
        Ok(())
    }

    /// Axes over the years and 0..max, then `series` draws into them.
    fn panel<DB: DrawingBackend, F>(
        &self,
        area: &DrawingArea<DB, Shift>,
        caption: &str,
        max: f64,
        series: F,
    ) -> DrawResult
    where
        DB::ErrorType: 'static,
        F: FnOnce(&mut ChartContext<'_, DB, YearCoord>) -> DrawResult,
    {
        let unit = self.unit;
        let mut chart = ChartBuilder::on(area)
            .caption(caption, style::text(16.0, &style::MUTED))
            .margin(10)
            .margin_right(24)
            .x_label_area_size(34)
            .y_label_area_size(84)
            .build_cartesian_2d((self.years.0..self.years.1).into_segmented(), 0.0..unit.axis_max(max))?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .bold_line_style(style::GRID)
            .axis_style(style::MUTED)
            .x_labels((self.years.1 - self.years.0 + 1) as usize)
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(y) => format!("{y}年"),
                _ => String::new(),
            })
            .y_labels(6)
            .y_label_formatter(&|v| unit.tick(*v))
            .y_desc(unit.axis())
            .label_style(style::text(13.0, &style::INK))
            .axis_desc_style(style::text(14.0, &style::MUTED))
            .draw()?;
        series(&mut chart)
    }
}

type YearCoord = Cartesian2d<SegmentedCoord<RangedCoordi32>, RangedCoordf64>;

/// Colour key in the side column, with each series' value in the latest year. Returns the y pixel
/// below the last entry.
fn side_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    entries: &[(String, RGBColor, Option<f64>)],
    unit: Unit,
    year: i32,
) -> Result<i32, Box<dyn std::error::Error + Send + Sync>>
where
    DB::ErrorType: 'static,
{
    let mut y = 46;
    area.draw(&Text::new(format!("{year}年"), (14, y), style::left(14.0, &style::MUTED)))?;
    y += 26;
    for (name, colour, latest) in entries {
        area.draw(&PathElement::new(vec![(14, y), (40, y)], ShapeStyle::from(colour).stroke_width(3)))?;
        area.draw(&Text::new(name.clone(), (48, y), style::left(15.0, &style::INK)))?;
        let value = latest.map(|v| unit.format(v)).unwrap_or_else(|| "—".into());
        area.draw(&Text::new(value, (290, y), style::right(14.0, &style::MUTED)))?;
        y += 24;
    }
    Ok(y)
}

/// The grey lines' names, as many as fit.
fn others_list<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, top: i32, rest: &[&Series]) -> DrawResult
where
    DB::ErrorType: 'static,
{
    if rest.is_empty() {
        return Ok(());
    }
    let mut y = top + 12;
    area.draw(&PathElement::new(vec![(14, y), (40, y)], ShapeStyle::from(&style::OTHERS).stroke_width(1)))?;
    area.draw(&Text::new(
        format!("其余 {} 个（灰线）", rest.len()),
        (48, y),
        style::left(14.0, &style::MUTED),
    ))?;
    y += 24;
    let bottom = area.dim_in_pixel().1 as i32 - 16;
    let fit = ((bottom - y) / 20).max(0) as usize;
    // Two names a row when they are short enough to share one.
    let per_row = if rest.iter().all(|s| s.name.chars().count() <= 7) { 2 } else { 1 };
    let shown = rest.len().min(fit * per_row);
    for (i, s) in rest.iter().take(shown).enumerate() {
        let x = if i % per_row == 0 { 20 } else { 160 };
        let name = if shown < rest.len() && i + 1 == shown {
            format!("…等{}个", rest.len() - i)
        } else {
            s.name.clone()
        };
        let row = (i / per_row) as i32;
        area.draw(&Text::new(name, (x, y + row * 20), style::left(13.0, &style::MUTED)))?;
    }
    Ok(())
}
