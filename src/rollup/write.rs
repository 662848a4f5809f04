//! Write the rollup: `rollup/level=<level>/part-0.parquet` (long) and
//! `rollup_wide/level=<level>/part-0.parquet` (one row per region and year), with polars' writer.

use super::indicators::{metric_count, metric_id};
use crate::catalog::{catalog, Kind, FORMAT_VERSION};
use crate::error::{IoContext, Result};
use polars::prelude::*;
use std::path::Path;

fn write(df: &mut DataFrame, path: &Path, dataset: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    let file = std::fs::File::create(path).at(path)?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(vec![
            ("xxgk.format_version".to_string(), FORMAT_VERSION.to_string()),
            ("xxgk.dataset".to_string(), dataset.to_string()),
        ])))
        .finish(df)?;
    Ok(())
}

/// Long rollup of one level: the documented columns, without `level` (it is the Hive partition).
pub fn write_long(level_df: &DataFrame, dir: &Path, level: &str) -> Result<()> {
    let mut df = level_df.select([
        "region_code",
        "region_name",
        "parent_code",
        "year",
        "metric",
        "value",
        "n_reports",
        "yoy_change",
        "yoy_pct",
        "share_of_parent",
        "rank_in_parent",
    ])?;
    write(&mut df, &dir.join(format!("level={level}/part-0.parquet")), "rollup")
}

/// Wide rollup of one level. `level_df` is sorted by region, year, metric number.
pub fn write_wide(level_df: &DataFrame, dir: &Path, level: &str) -> Result<()> {
    let code = level_df.column("region_code")?.str()?;
    let name = level_df.column("region_name")?.str()?;
    let parent = level_df.column("parent_code")?.str()?;
    let year = level_df.column("year")?.i32()?;
    let m = level_df.column("m")?.u32()?;
    let value = level_df.column("value")?.f64()?;
    let n = level_df.column("n_reports")?.i64()?;

    let nm = metric_count();
    let (mut codes, mut names, mut parents, mut years, mut reports) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut cells: Vec<Vec<Option<f64>>> = vec![Vec::new(); nm];
    let mut last: Option<(Option<&str>, Option<i32>)> = None;
    for i in 0..level_df.height() {
        let key = (code.get(i), year.get(i));
        if last != Some(key) {
            last = Some(key);
            codes.push(key.0.map(str::to_string));
            names.push(name.get(i).map(str::to_string));
            parents.push(parent.get(i).map(str::to_string));
            years.push(key.1);
            reports.push(0i64);
            cells.iter_mut().for_each(|c| c.push(None));
        }
        let row = codes.len() - 1;
        if let (Some(mi), v) = (m.get(i), value.get(i)) {
            cells[mi as usize][row] = v;
            if (mi as usize) < catalog().len() {
                reports[row] = reports[row].max(n.get(i).unwrap_or(0));
            }
        }
    }
    let height = codes.len();
    let mut columns = vec![
        Column::new("region_code".into(), codes),
        Column::new("region_name".into(), names),
        Column::new("parent_code".into(), parents),
        Column::new("year".into(), years),
        Column::new("n_reports".into(), reports),
    ];
    for (mi, values) in cells.into_iter().enumerate() {
        let col_name = metric_id(mi).replace('.', "_");
        let is_count = mi < catalog().len() && catalog().metric(mi).kind == Kind::Count;
        columns.push(if is_count {
            Column::new(col_name.into(), values.into_iter().map(|v| v.map(|x| x as i64)).collect::<Vec<_>>())
        } else {
            Column::new(col_name.into(), values)
        });
    }
    let mut df = DataFrame::new(height, columns)?;
    write(&mut df, &dir.join(format!("level={level}/part-0.parquet")), "rollup_wide")
}
