//! The rollup values the charts draw, from one `rollup_wide` Parquet file with arrow: one row per
//! region and year, so only the dozen wanted metric columns are read (projection) out of two
//! hundred, and nothing is filtered row by row. The long table has the same values, one row per
//! metric: reading it meant decompressing every page of it to keep one row in sixteen, a third of
//! the charts' time when SVG only is drawn. Year-over-year change is worked out from the values
//! ([`super::data`]). Only the `government` scope is drawn: a region's government report is what
//! stands for the region; departments and townships are summed apart (`rollup`'s `scope`).

use super::data::Point;
use crate::rollup::write::wide_column;
use crate::store::dict_read::{self, per_row, strings, values};
use crate::support::error::{Error, Result};
use arrow::array::{Array, AsArray, DictionaryArray};
use arrow::datatypes::{DataType, Float64Type, Int32Type};
use arrow::error::ArrowError;
use parquet::arrow::ProjectionMask;
use std::path::Path;

/// A region's cells in one file: (metric slot, year) and the value, as its first row names it.
pub struct Region {
    pub code: u32,
    pub name: String,
    pub parent: Option<u32>,
    pub cells: Vec<((usize, i32), Point)>,
}

const KEYS: [&str; 5] = ["region_code", "region_name", "parent_code", "year", "scope"];

/// The scope the charts draw.
const GOVERNMENT: &str = "government";

/// The string in row `i`, if any.
fn text(d: &DictionaryArray<Int32Type>, i: usize) -> Option<&str> {
    let k = d.key(i)?;
    values(d).is_valid(k).then(|| values(d).value(k))
}

/// The values of `metrics` (slot `i` is `metrics[i]`) in the wide rollup file `path`, by region in
/// order of appearance (rows of one region next to each other make one entry, so that merging the
/// files sorts regions, not cells); a metric the file has no column for has no values.
/// Year-over-year change is left empty.
pub fn read(path: &Path, metrics: &[&str]) -> Result<Vec<Region>> {
    let failed =
        |e: parquet::errors::ParquetError| Error::ReadParquet { path: path.to_path_buf(), source: e };
    let builder = dict_read::open(path)?;
    let columns: Vec<(usize, String)> = metrics
        .iter()
        .enumerate()
        .map(|(slot, id)| (slot, wide_column(id)))
        .filter(|(_, c)| builder.schema().field_with_name(c).is_ok())
        .collect();
    let projection = ProjectionMask::columns(
        builder.parquet_schema(),
        KEYS.iter().copied().chain(columns.iter().map(|(_, c)| c.as_str())),
    );
    let reader = builder.with_projection(projection).build().map_err(failed)?;
    let mut out: Vec<Region> = Vec::new();
    for batch in reader {
        let batch = batch?;
        let column = |name: &str, t: &DataType| dict_read::column(&batch, name, t);
        let codes = per_row(&strings(&batch, "region_code")?, |c| c.parse::<u32>().ok());
        let (name, parent) = (strings(&batch, "region_name")?, strings(&batch, "parent_code")?);
        let scope = column("scope", &DataType::Utf8)?;
        let scope = scope.as_string::<i32>();
        let year = column("year", &DataType::Int32)?;
        let year = year.as_primitive::<Int32Type>();
        let metrics = columns
            .iter()
            .map(|(slot, c)| Ok((*slot, column(c, &DataType::Float64)?)))
            .collect::<Result<Vec<_>, ArrowError>>()?;
        for (i, code) in codes.into_iter().enumerate() {
            let Some(code) = code else { continue };
            // The charts draw the governments' reports: the other scopes are in the Parquet.
            if year.is_null(i) || scope.is_null(i) || scope.value(i) != GOVERNMENT {
                continue;
            }
            if out.last().is_none_or(|r| r.code != code) {
                out.push(Region {
                    code,
                    name: text(&name, i).unwrap_or_default().to_string(),
                    parent: text(&parent, i).and_then(|p| p.parse().ok()),
                    cells: Vec::new(),
                });
            }
            let Some(region) = out.last_mut() else { continue };
            for (slot, values) in &metrics {
                let values = values.as_primitive::<Float64Type>();
                if values.is_valid(i) {
                    let point = Point { value: Some(values.value(i)), ..Point::default() };
                    region.cells.push(((*slot, year.value(i)), point));
                }
            }
        }
    }
    Ok(out)
}

/// The government scope's (reported, expected) county-level units by (region, year), from
/// `parquet/coverage/coverage.parquet`.
pub fn coverage(path: &Path) -> Result<std::collections::BTreeMap<(u32, i32), (usize, usize)>> {
    let failed =
        |e: parquet::errors::ParquetError| Error::ReadParquet { path: path.to_path_buf(), source: e };
    let file = std::fs::File::open(path).map_err(|e| Error::Io { path: path.to_path_buf(), source: e })?;
    let reader = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(failed)?;
    let mut out = std::collections::BTreeMap::new();
    for batch in reader {
        let batch = batch?;
        let column = |name: &str, t: &DataType| dict_read::column(&batch, name, t);
        let (code, scope) = (column("region_code", &DataType::Utf8)?, column("scope", &DataType::Utf8)?);
        let (code, scope) = (code.as_string::<i32>(), scope.as_string::<i32>());
        let year = column("year", &DataType::Int32)?;
        let year = year.as_primitive::<Int32Type>();
        let (reported, expected) =
            (column("reported", &DataType::Float64)?, column("expected", &DataType::Float64)?);
        let (reported, expected) =
            (reported.as_primitive::<Float64Type>(), expected.as_primitive::<Float64Type>());
        for i in 0..batch.num_rows() {
            if scope.value(i) != GOVERNMENT {
                continue;
            }
            let Ok(c) = code.value(i).parse::<u32>() else { continue };
            out.insert((c, year.value(i)), (reported.value(i) as usize, expected.value(i) as usize));
        }
    }
    Ok(out)
}
