//! The rollup as the charts need it: the headline and outcome metrics of every county, prefecture
//! and province, read from `parquet/rollup/level=*/` with polars and indexed by region.

use super::metrics::wanted;
use crate::error::{Error, Result};
use crate::regions::Level;
use polars::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

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
    /// (metric id, year) → cell.
    pub cells: BTreeMap<(&'static str, i32), Point>,
}

impl RegionData {
    pub fn value(&self, metric: &'static str, year: i32) -> Option<f64> {
        self.point(metric, year).and_then(|p| p.value)
    }

    pub fn point(&self, metric: &'static str, year: i32) -> Option<&Point> {
        self.cells.get(&(metric, year))
    }

    /// Years with a value for `metric`, ascending.
    pub fn years(&self, metric: &str) -> Vec<i32> {
        self.cells
            .iter()
            .filter(|((m, _), p)| *m == metric && p.value.is_some())
            .map(|((_, y), _)| *y)
            .collect()
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
            data.add(&df, level, &ids)?;
        }
        Ok(data)
    }

    fn add(&mut self, df: &DataFrame, level: Level, ids: &[&'static str]) -> Result<()> {
        let code = df.column("region_code")?.str()?;
        let name = df.column("region_name")?.str()?;
        let parent = df.column("parent_code")?.str()?;
        let year = df.column("year")?.i32()?;
        let metric = df.column("metric")?.str()?;
        let value = df.column("value")?.f64()?;
        let yoy_change = df.column("yoy_change")?.f64()?;
        let yoy_pct = df.column("yoy_pct")?.f64()?;
        for i in 0..df.height() {
            let (Some(c), Some(y), Some(m)) = (code.get(i), year.get(i), metric.get(i)) else { continue };
            let (Ok(c), Some(id)) = (c.parse::<u32>(), ids.iter().find(|w| **w == m)) else { continue };
            let region = self.regions.entry(c).or_insert_with(|| RegionData {
                code: c,
                name: name.get(i).unwrap_or_default().to_string(),
                level,
                parent: parent.get(i).and_then(|p| p.parse().ok()),
                cells: BTreeMap::new(),
            });
            region.cells.insert(
                (id, y),
                Point { value: value.get(i), yoy_change: yoy_change.get(i), yoy_pct: yoy_pct.get(i) },
            );
        }
        Ok(())
    }

    pub fn get(&self, code: u32) -> Option<&RegionData> {
        self.regions.get(&code)
    }

    /// The regions directly below `code` in the rollup (a prefecture's counties; a province's
    /// prefectures and the counties directly under it), by code.
    pub fn children(&self, code: u32) -> Vec<&RegionData> {
        self.regions.values().filter(|r| r.parent == Some(code) && r.code != code).collect()
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
