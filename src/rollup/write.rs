//! Write the rollup: `rollup/level=<level>/part-0.parquet` (long, arrow-rs, written in row groups
//! from integer keys so the strings never exist as millions of separate values) and
//! `rollup_wide/level=<level>/part-0.parquet` (one row per region and year, polars' writer).

use super::indicators::{metric_count, metric_id};
use super::tables::RegionStrings;
use crate::catalog::{catalog, Kind, FORMAT_VERSION};
use crate::error::{Error, IoContext, Result};
use arrow::array::{
    ArrayRef, DictionaryArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use arrow::datatypes::{DataType, Field, Int32Type, Schema};
use parquet::arrow::arrow_writer::ArrowWriterOptions;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use polars::prelude::*;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

const ROWS_PER_GROUP: usize = 1 << 20;

fn kv(dataset: &str) -> Vec<(String, String)> {
    vec![
        ("xxgk.format_version".to_string(), FORMAT_VERSION.to_string()),
        ("xxgk.dataset".to_string(), dataset.to_string()),
    ]
}

fn long_schema() -> Arc<Schema> {
    let dict = || DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    Arc::new(Schema::new(vec![
        Field::new("region_code", dict(), false),
        Field::new("region_name", dict(), false),
        Field::new("parent_code", dict(), true),
        Field::new("year", DataType::Int32, false),
        Field::new("metric", dict(), false),
        Field::new("value", DataType::Float64, true),
        Field::new("n_reports", DataType::Int64, false),
        Field::new("yoy_change", DataType::Float64, true),
        Field::new("yoy_pct", DataType::Float64, true),
        Field::new("share_of_parent", DataType::Float64, true),
        Field::new("rank_in_parent", DataType::Int64, true),
    ]))
}

fn f64s(df: &DataFrame, name: &str) -> Result<Float64Array> {
    Ok(df.column(name)?.f64()?.iter().collect())
}

fn i64s(df: &DataFrame, name: &str) -> Result<Int64Array> {
    Ok(df.column(name)?.i64()?.iter().collect())
}

/// Long rollup of one level, from the numeric frame of `compute` (already sliced to the level).
pub fn write_long(df: &DataFrame, dir: &Path, level: &str, strings: &RegionStrings) -> Result<()> {
    let path = dir.join(format!("level={level}/part-0.parquet"));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    let perr = |source| Error::Parquet { path: path.clone(), source };
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_max_row_group_row_count(Some(ROWS_PER_GROUP))
        .set_key_value_metadata(Some(kv("rollup").into_iter().map(|(k, v)| KeyValue::new(k, v)).collect()))
        .build();
    // Without the embedded Arrow schema the dictionary columns read back as plain strings everywhere.
    let options = ArrowWriterOptions::new().with_properties(props).with_skip_arrow_metadata(true);
    let file = std::fs::File::create(&path).at(&path)?;
    let schema = long_schema();
    let mut writer = ArrowWriter::try_new_with_options(file, schema.clone(), options).map_err(perr)?;
    let codes: Arc<StringArray> = Arc::new(strings.codes.iter().map(|s| Some(s.as_str())).collect());
    let names: Arc<StringArray> = Arc::new(strings.names.iter().map(|s| Some(s.as_str())).collect());
    let metrics: Arc<StringArray> = Arc::new((0..metric_count()).map(|m| Some(metric_id(m))).collect());
    let mut offset = 0;
    while offset < df.height() {
        let len = ROWS_PER_GROUP.min(df.height() - offset);
        let part = df.slice(offset as i64, len);
        offset += len;
        let keys = |name: &str| -> Result<arrow::array::Int32Array> {
            Ok(part.column(name)?.u32()?.iter().map(|c| c.and_then(|c| strings.key(c))).collect())
        };
        let code_keys = keys("code")?;
        let parent_keys = keys("parent")?;
        let metric_keys: Int32Array = part.column("m")?.u32()?.iter().map(|m| m.map(|m| m as i32)).collect();
        let dict = |k: &Int32Array, values: &Arc<StringArray>| -> Result<ArrayRef> {
            Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(k.clone(), values.clone())?))
        };
        let columns: Vec<ArrayRef> = vec![
            dict(&code_keys, &codes)?,
            dict(&code_keys, &names)?,
            dict(&parent_keys, &codes)?,
            Arc::new(part.column("year")?.i32()?.iter().collect::<Int32Array>()),
            dict(&metric_keys, &metrics)?,
            Arc::new(f64s(&part, "value")?),
            Arc::new(i64s(&part, "n_reports")?),
            Arc::new(f64s(&part, "yoy_change")?),
            Arc::new(f64s(&part, "yoy_pct")?),
            Arc::new(f64s(&part, "share_of_parent")?),
            Arc::new(i64s(&part, "rank_in_parent")?),
        ];
        writer.write(&RecordBatch::try_new(schema.clone(), columns)?).map_err(perr)?;
    }
    writer.close().map_err(perr)?;
    Ok(())
}

/// Wide rollup of one level: one row per region and year, in order of first appearance (by region,
/// then year, since the frame is sorted by region, metric, year).
pub fn write_wide(df: &DataFrame, dir: &Path, level: &str, strings: &RegionStrings) -> Result<()> {
    let code = df.column("code")?.u32()?;
    let parent = df.column("parent")?.u32()?;
    let year = df.column("year")?.i32()?;
    let m = df.column("m")?.u32()?;
    let value = df.column("value")?.f64()?;
    let n = df.column("n_reports")?.i64()?;

    let text =
        |c: Option<u32>, of: &Vec<String>| c.and_then(|c| strings.key(c)).map(|k| of[k as usize].clone());
    let nm = metric_count();
    let (mut codes, mut names, mut parents, mut years, mut reports) =
        (vec![], vec![], vec![], vec![], vec![]);
    let mut cells: Vec<Vec<Option<f64>>> = vec![Vec::new(); nm];
    let mut row_of: HashMap<(Option<u32>, Option<i32>), usize> = HashMap::new();
    for i in 0..df.height() {
        let key = (code.get(i), year.get(i));
        let row = *row_of.entry(key).or_insert_with(|| {
            codes.push(text(key.0, &strings.codes));
            names.push(text(key.0, &strings.names));
            parents.push(text(parent.get(i), &strings.codes));
            years.push(key.1);
            reports.push(0i64);
            cells.iter_mut().for_each(|c| c.push(None));
            codes.len() - 1
        });
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
    let mut out = DataFrame::new(height, columns)?;
    let path = dir.join(format!("level={level}/part-0.parquet"));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    let file = std::fs::File::create(&path).at(&path)?;
    ParquetWriter::new(file)
        .with_compression(ParquetCompression::Zstd(None))
        .with_key_value_metadata(Some(KeyValueMetadata::from_static(kv("rollup_wide"))))
        .finish(&mut out)?;
    Ok(())
}
