//! The rollup rows the charts draw, from one Parquet file with arrow. The rollup writes its strings
//! dictionary-encoded and they are read as dictionaries: picking the few dozen wanted metrics out
//! of some two hundred is a look-up per distinct string (a row filter, applied before the other
//! columns are decoded), and a region's code is parsed once per distinct code, not once per row.

use super::data::Point;
use crate::error::{Error, Result};
use crate::store::dict_read::{self, per_row, strings, values};
use arrow::array::{Array, AsArray, BooleanArray, DictionaryArray, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int32Type};
use arrow::error::ArrowError;
use parquet::arrow::arrow_reader::{ArrowPredicateFn, RowFilter};
use parquet::arrow::ProjectionMask;
use std::path::Path;

/// One cell: region code, metric slot, year.
pub struct Row {
    pub code: u32,
    pub slot: usize,
    pub year: i32,
    pub point: Point,
}

/// A region as its first row in the file names it.
pub struct Region {
    pub code: u32,
    pub name: String,
    pub parent: Option<u32>,
}

#[derive(Default)]
pub struct Rows {
    pub rows: Vec<Row>,
    /// In order of first appearance.
    pub regions: Vec<Region>,
}

const COLUMNS: [&str; 8] =
    ["region_code", "region_name", "parent_code", "year", "metric", "value", "yoy_change", "yoy_pct"];

/// The string in row `i`, if any.
fn text(d: &DictionaryArray<Int32Type>, i: usize) -> Option<&str> {
    let k = d.key(i)?;
    values(d).is_valid(k).then(|| values(d).value(k))
}

/// The rows of `path` whose metric `slot` knows.
pub fn read(path: &Path, slot: fn(&str) -> Option<usize>) -> Result<Rows> {
    let failed =
        |e: parquet::errors::ParquetError| Error::ReadParquet { path: path.to_path_buf(), source: e };
    let builder = dict_read::open(path)?;
    let schema = builder.parquet_schema();
    let (metric, columns) =
        (ProjectionMask::columns(schema, ["metric"]), ProjectionMask::columns(schema, COLUMNS));
    let wanted = ArrowPredicateFn::new(metric, move |batch: RecordBatch| {
        let keep = per_row(&strings(&batch, "metric")?, |m| slot(m).map(|_| true));
        Ok(BooleanArray::from_iter(keep))
    });
    let reader = builder
        .with_projection(columns)
        .with_row_filter(RowFilter::new(vec![Box::new(wanted)]))
        .build()
        .map_err(failed)?;
    let mut out = Rows::default();
    let mut last_region = None;
    for batch in reader {
        let batch = batch?;
        let code = strings(&batch, "region_code")?;
        let codes = per_row(&code, |c| c.parse::<u32>().ok());
        let slots = per_row(&strings(&batch, "metric")?, slot);
        let (name, parent) = (strings(&batch, "region_name")?, strings(&batch, "parent_code")?);
        let number = |name: &str, t: &DataType| -> Result<_, ArrowError> {
            let column = batch
                .column_by_name(name)
                .ok_or_else(|| ArrowError::SchemaError(format!("no column {name}")))?;
            cast(column, t)
        };
        let year = number("year", &DataType::Int32)?;
        let year = year.as_primitive::<Int32Type>();
        let [value, yoy_change, yoy_pct] = [
            number("value", &DataType::Float64)?,
            number("yoy_change", &DataType::Float64)?,
            number("yoy_pct", &DataType::Float64)?,
        ];
        let [value, yoy_change, yoy_pct] = [
            value.as_primitive::<Float64Type>(),
            yoy_change.as_primitive::<Float64Type>(),
            yoy_pct.as_primitive::<Float64Type>(),
        ];
        let float = |a: &arrow::array::Float64Array, i: usize| a.is_valid(i).then(|| a.value(i));
        for i in 0..batch.num_rows() {
            let (Some(code), Some(slot)) = (codes[i], slots[i]) else { continue };
            if year.is_null(i) {
                continue;
            }
            if last_region != Some(code) {
                last_region = Some(code);
                out.regions.push(Region {
                    code,
                    name: text(&name, i).unwrap_or_default().to_string(),
                    parent: text(&parent, i).and_then(|p| p.parse().ok()),
                });
            }
            let point = Point {
                value: float(value, i),
                yoy_change: float(yoy_change, i),
                yoy_pct: float(yoy_pct, i),
            };
            out.rows.push(Row { code, slot, year: year.value(i), point });
        }
    }
    Ok(out)
}
