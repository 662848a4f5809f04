//! The rollup as the charts need it: the headline and outcome metrics of every county, prefecture
//! and province, read from `parquet/rollup/level=*/` with polars and indexed by region.

use super::metrics::wanted;
use crate::error::{Error, Result};
use crate::regions::Level;
use polars::prelude::*;
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
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

    /// Sort the cells once all rows are in; of two rows for one cell the later one counts.
    fn seal(&mut self) {
        self.cells.reverse();
        self.cells.sort_by_key(|c| c.0);
        self.cells.dedup_by_key(|c| c.0);
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
}

const LEVELS: [(&str, Level); 3] =
    [("county", Level::County), ("prefecture", Level::Prefecture), ("province", Level::Province)];

fn parquet_files(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|rd| rd.flatten().any(|e| e.path().extension().is_some_and(|x| x == "parquet")))
        .unwrap_or(false)
}

impl ChartData {
    /// Read `rollup_dir` (`<out>/parquet/rollup`). No level with a Parquet file is `Error::NoRollup`.
    pub fn read(rollup_dir: &Path) -> Result<ChartData> {
        let dirs: Vec<_> = LEVELS
            .iter()
            .map(|(name, level)| (rollup_dir.join(format!("level={name}")), *level))
            .filter(|(dir, _)| parquet_files(dir))
            .collect();
        if dirs.is_empty() && !parquet_files(&rollup_dir.join("level=national")) {
            return Err(Error::NoRollup { dir: rollup_dir.to_path_buf() });
        }
        let ids = wanted();
        let mut data = ChartData::default();
        for (dir, level) in dirs {
            let df = read_level(&dir, &ids)?;
            data.add(&df, level)?;
        }
        data.regions.values_mut().for_each(RegionData::seal);
        for r in data.regions.values() {
            if let Some(parent) = r.parent.filter(|p| *p != r.code) {
                data.children.entry(parent).or_default().push(r.code);
            }
        }
        Ok(data)
    }

    fn add(&mut self, df: &DataFrame, level: Level) -> Result<()> {
        let code = df.column("region_code")?.str()?;
        let name = df.column("region_name")?.str()?;
        let parent = df.column("parent_code")?.str()?;
        let year = df.column("year")?.i32()?;
        let metric = df.column("metric")?.str()?;
        let value = df.column("value")?.f64()?;
        let yoy_change = df.column("yoy_change")?.f64()?;
        let yoy_pct = df.column("yoy_pct")?.f64()?;
        let cells = code
            .iter()
            .zip(year.iter())
            .zip(metric.iter())
            .zip(value.iter())
            .zip(yoy_change.iter())
            .zip(yoy_pct.iter());
        let names = name.iter().zip(parent.iter());
        // A region's rows come together: its code is parsed once for all of them.
        let mut last: Option<(&str, Option<u32>)> = None;
        for ((((((c, y), m), value), yoy_change), yoy_pct), (n, p)) in cells.zip(names) {
            let (Some(c), Some(y), Some(m)) = (c, y, m) else { continue };
            let parsed = match last {
                Some((text, parsed)) if text == c => parsed,
                _ => c.parse::<u32>().ok(),
            };
            last = Some((c, parsed));
            let (Some(c), Some(m)) = (parsed, slot(m)) else { continue };
            let region = self.regions.entry(c).or_insert_with(|| RegionData {
                code: c,
                name: n.unwrap_or_default().to_string(),
                level,
                parent: p.and_then(|p| p.parse().ok()),
                cells: Vec::new(),
            });
            region.cells.push(((m, y), Point { value, yoy_change, yoy_pct }));
        }
        Ok(())
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

fn read_level(dir: &Path, ids: &[&'static str]) -> Result<DataFrame> {
    let pattern = dir.join("*.parquet");
    // The level is known from the folder. Hive parsing of `level=county` would try it as a date,
    // which panics in polars built without the dtype-date feature.
    let args = ScanArgsParquet { hive_options: HiveOptions::new_disabled(), ..Default::default() };
    let wanted = ids.iter().map(|id| col("metric").eq(lit(*id))).reduce(|a, b| a.or(b)).unwrap_or(lit(false));
    let df = LazyFrame::scan_parquet(PlRefPath::new(pattern.to_string_lossy().as_ref()), args)?
        .select([
            col("region_code"),
            col("region_name"),
            col("parent_code"),
            col("year").cast(DataType::Int32),
            col("metric"),
            col("value").cast(DataType::Float64),
            col("yoy_change").cast(DataType::Float64),
            col("yoy_pct").cast(DataType::Float64),
        ])
        .filter(wanted)
        .collect()?;
    Ok(df)
}
