//! Rollup: sums over every county, prefecture, province and the nation, every year, with
//! year-over-year change, share of the parent region, rank among siblings and derived ratios.
//! Reads `parquet/facts` (Hive-partitioned) with polars; writes `parquet/rollup` and `parquet/rollup_wide`.

pub mod compute;
pub mod indicators;
pub mod rank;
pub mod tables;
pub mod write;

pub use compute::{compute, RollupOptions, LEVELS};

use crate::error::{IoContext, Result};

use rayon::prelude::*;
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

/// Roll `facts_dir` up into `out_parquet/rollup` and `out_parquet/rollup_wide`.
pub fn rollup(facts_dir: &Path, out_parquet: &Path, opts: &RollupOptions) -> Result<RollupSummary> {
    let long_dir = out_parquet.join("rollup");
    let wide_dir = out_parquet.join("rollup_wide");
    std::fs::create_dir_all(&long_dir).at(&long_dir)?;
    std::fs::create_dir_all(&wide_dir).at(&wide_dir)?;
    if !has_parquet(facts_dir) {
        return Ok(RollupSummary::default());
    }
    let all = compute(facts_dir, opts)?;
    let year_col = all.column("year")?.i32()?;
    let mut years: Vec<i32> = year_col.iter().flatten().collect();
    years.sort_unstable();
    years.dedup();
    // Rows are sorted by level first: each level is one contiguous, zero-copy slice.
    let lvl = all.column("lvl")?.u32()?;
    let mut bounds: Vec<(usize, usize, usize)> = Vec::new();
    for (i, l) in lvl.iter().enumerate() {
        let l = l.unwrap_or(0) as usize;
        match bounds.last_mut() {
            Some(b) if b.0 == l => b.2 = i + 1,
            _ => bounds.push((l, i, i + 1)),
        }
    }
    let strings = tables::RegionStrings::new();
    let rows = bounds
        .par_iter()
        .map(|&(l, start, end)| {
            let df = all.slice(start as i64, end - start);
            write::write_long(&df, &long_dir, LEVELS[l], &strings)?;
            write::write_wide(&df, &wide_dir, LEVELS[l], &strings)?;
            Ok((LEVELS[l].to_string(), df.height()))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(RollupSummary { rows, years })
}
