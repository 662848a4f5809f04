//! Rollup: sums over every county, prefecture, province and the nation, every year, with
//! year-over-year change, share of the parent region, rank among siblings and derived ratios.
//! Reads `parquet/facts` (Hive-partitioned) with polars; writes `parquet/rollup` and `parquet/rollup_wide`.
//! The rollup is harmonized across the 2019 and 2021 formats (`catalog::harmonized`): a comparable
//! metric sums every report that has it under either table, a not-comparable one only the reports
//! whose table prints it.

pub mod compute;
pub mod indicators;
pub mod rank;
pub mod tables;
pub mod write;

pub use compute::{RollupOptions, LEVELS};

use crate::error::{IoContext, Result};

use std::path::Path;

pub const PRODUCTS: [&str; 2] = ["parquet/rollup", "parquet/rollup_wide"];

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RollupSummary {
    /// Rows written per level, long layout.
    pub rows: Vec<(String, usize)>,
    pub years: Vec<i32>,
}

fn has_parquet(dir: &Path) -> bool {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .any(|e| e.path().extension().is_some_and(|x| x == "parquet"))
}

/// Roll `facts_dir` up into `out_parquet/rollup` and `out_parquet/rollup_wide`, one year at a time.
pub fn rollup(facts_dir: &Path, out_parquet: &Path, opts: &RollupOptions) -> Result<RollupSummary> {
    let long_dir = out_parquet.join("rollup");
    let wide_dir = out_parquet.join("rollup_wide");
    std::fs::create_dir_all(&long_dir).at(&long_dir)?;
    std::fs::create_dir_all(&wide_dir).at(&wide_dir)?;
    if !has_parquet(facts_dir) {
        return Ok(RollupSummary::default());
    }
    let (from, to) = opts.years.unwrap_or((i32::MIN, i32::MAX));
    let strings = tables::RegionStrings::new();
    let mut writers: Vec<Option<write::LevelWriter>> = LEVELS.iter().map(|_| None).collect();
    let mut years = Vec::new();
    let mut prev: Option<(i32, polars::prelude::DataFrame)> = None;
    // The year before the range is read too, so that the range's first year has a yoy change.
    for year in
        compute::years_present(facts_dir).into_iter().filter(|y| (from.saturating_sub(1)..=to).contains(y))
    {
        let cur = compute::year_sums(facts_dir, year, opts)?;
        if year >= from {
            let last_year = prev.as_ref().filter(|(y, _)| *y == year - 1).map(|(_, df)| df);
            let out = compute::finish_year(&cur, last_year)?;
            for (l, start, end) in level_bounds(&out)? {
                if writers[l].is_none() {
                    writers[l] = Some(write::LevelWriter::create(&long_dir, &wide_dir, LEVELS[l])?);
                }
                if let Some(w) = writers[l].as_mut() {
                    w.write_year(&out.slice(start as i64, end - start), year, &strings)?;
                }
            }
            years.push(year);
        }
        prev = Some((year, cur));
    }
    let mut rows = Vec::new();
    for (l, w) in writers.into_iter().enumerate() {
        if let Some(w) = w {
            rows.push((LEVELS[l].to_string(), w.close()?));
        }
    }
    Ok(RollupSummary { rows, years })
}

/// (level number, start, end) of each level's rows: they are contiguous, sorted by level first.
fn level_bounds(df: &polars::prelude::DataFrame) -> Result<Vec<(usize, usize, usize)>> {
    let mut bounds: Vec<(usize, usize, usize)> = Vec::new();
    for (i, l) in df.column("lvl")?.u32()?.iter().enumerate() {
        let l = l.unwrap_or(0) as usize;
        match bounds.last_mut() {
            Some(b) if b.0 == l => b.2 = i + 1,
            _ => bounds.push((l, i, i + 1)),
        }
    }
    Ok(bounds)
}
