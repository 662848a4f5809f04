//! The rollup as the charts need it: the headline and outcome metrics of every county, prefecture
//! and province, read from `parquet/rollup_wide/level=*/` (one file at a time, in parallel:
//! [`load`]) and indexed by region, with each value's change on the year before.

use super::load;
use super::metrics::wanted;
use crate::reference::regions::Level;
use crate::support::error::{Error, Result};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// One cell of the rollup.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Point {
    pub value: Option<f64>,
    pub yoy_change: Option<f64>,
    pub yoy_pct: Option<f64>,
}

#[derive(Debug, Clone)]
pub struct RegionData {
    pub code: u32,
    pub name: String,
    pub level: Level,
    pub parent: Option<u32>,
    /// (metric's position in [`wanted`], year) and cell, sorted by the pair: filled row by row, then
    /// sorted once, which is a fraction of the cost of a tree per region.
    cells: Vec<((usize, i32), Point)>,
}

/// The position of `metric` among the metrics the charts read.
fn slot(metric: &str) -> Option<usize> {
    static SLOTS: OnceLock<HashMap<&'static str, usize>> = OnceLock::new();
    SLOTS
        .get_or_init(|| wanted().into_iter().enumerate().map(|(i, id)| (id, i)).collect())
        .get(metric)
        .copied()
}

impl RegionData {
    pub fn value(&self, metric: &'static str, year: i32) -> Option<f64> {
        self.point(metric, year).and_then(|p| p.value)
    }

    pub fn point(&self, metric: &'static str, year: i32) -> Option<&Point> {
        let key = (slot(metric)?, year);
        self.cells.binary_search_by_key(&key, |c| c.0).ok().map(|i| &self.cells[i].1)
    }

    /// Years with a value for `metric`, ascending.
    pub fn years(&self, metric: &str) -> Vec<i32> {
        let Some(m) = slot(metric) else { return Vec::new() };
        let from = self.cells.partition_point(|c| c.0 .0 < m);
        let cells = self.cells[from..].iter().take_while(|c| c.0 .0 == m);
        cells.filter(|(_, p)| p.value.is_some()).map(|((_, y), _)| *y).collect()
    }

    /// Sort the cells once all rows are in (of two rows for one cell the later one counts), then
    /// work out each value's change on the year before with the rollup's own rule
    /// (`rollup::finish::yoy`). The first year of the rollup gets none, even where the rollup had
    /// the year before it (`--years`): no chart shows a change on a year it has no value for.
    fn seal(&mut self) {
        self.cells.reverse();
        self.cells.sort_by_key(|c| c.0);
        self.cells.dedup_by_key(|c| c.0);
        for i in 1..self.cells.len() {
            let (((m0, y0), before), ((m, y), now)) = (self.cells[i - 1], &mut self.cells[i]);
            if (m0, y0 + 1) != (*m, *y) {
                continue;
            }
            (now.yoy_change, now.yoy_pct) = crate::rollup::finish::yoy(now.value, before.value);
        }
    }

    /// `653100-喀什地区`: the region's folder under `charts/`.
    pub fn dir_name(&self) -> String {
        let safe: String = self
            .name
            .chars()
            .map(|c| if c == '/' || c == '\\' || c.is_control() { '_' } else { c })
            .collect();
        format!("{:06}-{safe}", self.code)
    }
}

#[derive(Debug, Clone, Default)]
pub struct ChartData {
    pub regions: BTreeMap<u32, RegionData>,
    /// Parent code → its children's codes, ascending: asked once per region when planning, a scan
    /// of every region each time was quadratic.
    children: BTreeMap<u32, Vec<u32>>,
    /// (region, year) → (reported, expected) county-level units of the government scope, from
    /// `parquet/coverage/` (empty without it): a total below its expected count is partial.
    pub coverage: BTreeMap<(u32, i32), (usize, usize)>,
}

const LEVELS: [(&str, Level); 3] =
    [("county", Level::County), ("prefecture", Level::Prefecture), ("province", Level::Province)];

fn parquet_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().any(|e| e.path().extension().is_some_and(|x| x == "parquet")))
        .unwrap_or(false)
}

impl ChartData {
    /// Read the wide twin of `rollup_dir` (`<out>/parquet/rollup` → `<out>/parquet/rollup_wide`).
    /// No level with a Parquet file is `Error::NoRollup`.
    pub fn read(rollup_dir: &Path) -> Result<ChartData> {
        let wide = rollup_dir.with_file_name("rollup_wide");
        let dirs: Vec<_> = LEVELS
            .iter()
            .map(|(name, level)| (wide.join(format!("level={name}")), *level))
            .filter(|(dir, _)| parquet_files(dir))
            .collect();
        if dirs.is_empty() && !parquet_files(&wide.join("level=national")) {
            return Err(Error::NoRollup { dir: rollup_dir.to_path_buf() });
        }
        let metrics = wanted();
        let mut files: Vec<(PathBuf, Level)> = Vec::new();
        for (dir, level) in dirs {
            let in_dir = crate::store::dict_read::parquet_files(&dir)?;
            files.extend(in_dir.into_iter().map(|f| (f, level)));
        }
        let read: Vec<(Vec<load::Region>, Level)> = files
            .par_iter()
            .map(|(f, level)| Ok((load::read(f, &metrics)?, *level)))
            .collect::<Result<_>>()?;
        // Each region's pieces from every file, in file order (stable sort), joined into one list
        // of cells of the size it needs: a map grown piece by piece cost more than reading.
        let mut pieces: Vec<(load::Region, Level)> = read
            .into_iter()
            .flat_map(|(regions, level)| regions.into_iter().map(move |r| (r, level)))
            .collect();
        pieces.par_sort_by_key(|(r, _)| r.code);
        let mut data = ChartData::default();
        let coverage = rollup_dir.with_file_name("coverage").join("coverage.parquet");
        if coverage.is_file() {
            data.coverage = load::coverage(&coverage)?;
        }
        for same in pieces.chunk_by(|a, b| a.0.code == b.0.code) {
            let (first, level) = &same[0];
            let mut cells = Vec::with_capacity(same.iter().map(|(r, _)| r.cells.len()).sum());
            same.iter().for_each(|(r, _)| cells.extend_from_slice(&r.cells));
            let region = RegionData {
                code: first.code,
                name: first.name.clone(),
                level: *level,
                parent: first.parent,
                cells,
            };
            data.regions.insert(first.code, region);
        }
        data.regions.par_iter_mut().for_each(|(_, r)| r.seal());
        for r in data.regions.values() {
            if let Some(parent) = r.parent.filter(|p| *p != r.code) {
                data.children.entry(parent).or_default().push(r.code);
            }
        }
        Ok(data)
    }

    pub fn get(&self, code: u32) -> Option<&RegionData> {
        self.regions.get(&code)
    }

    /// The regions directly below `code` in the rollup (a prefecture's counties; a province's
    /// prefectures and the counties directly under it), by code.
    pub fn children(&self, code: u32) -> Vec<&RegionData> {
        let codes = self.children.get(&code).map(Vec::as_slice).unwrap_or_default();
        codes.iter().filter_map(|c| self.regions.get(c)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn region(cells: &[(&'static str, i32, f64)]) -> RegionData {
        let mut r = RegionData {
            code: 653101,
            name: "喀什市".into(),
            level: Level::County,
            parent: Some(653100),
            cells: cells
                .iter()
                .map(|&(m, y, v)| ((slot(m).unwrap(), y), Point { value: Some(v), ..Point::default() }))
                .collect(),
        };
        r.seal();
        r
    }

    #[test]
    fn change_on_the_year_before_as_the_rollup_has_it() {
        let r = region(&[
            ("licensing.decisions", 2024, 150.0),
            ("licensing.decisions", 2021, 0.0),
            ("licensing.decisions", 2022, 120.0),
            ("penalty.decisions", 2023, 10.0),
            ("licensing.decisions", 2022, 125.0),
        ]);
        let p = |m, y| *r.point(m, y).unwrap();
        // The first year has nothing to compare with; the later of two rows for a cell counts.
        assert_eq!(p("licensing.decisions", 2021).yoy_change, None);
        assert_eq!(p("licensing.decisions", 2022).value, Some(125.0));
        // A year before of zero: a change, no percentage.
        assert_eq!(p("licensing.decisions", 2022).yoy_change, Some(125.0));
        assert_eq!(p("licensing.decisions", 2022).yoy_pct, None);
        // 2023 is missing: 2024 is not compared with 2022.
        assert_eq!(p("licensing.decisions", 2024).yoy_change, None);
        // Another metric's 2023 is not this metric's year before.
        assert_eq!(p("penalty.decisions", 2023).yoy_change, None);
        let r = region(&[("licensing.decisions", 2023, 80.0), ("licensing.decisions", 2024, 100.0)]);
        let p = r.point("licensing.decisions", 2024).unwrap();
        assert_eq!((p.yoy_change, p.yoy_pct), (Some(20.0), Some(25.0)));
    }
}
