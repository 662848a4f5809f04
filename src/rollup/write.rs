//! Write the rollup with arrow-rs, one file per level and year, the county and prefecture levels
//! one per region group too (`store::region_group`): `rollup/level=<level>/part-<year>[-<group>].parquet`
//! (long: dictionary-encoded region and metric columns built from integer keys, so millions of rows
//! never hold millions of strings) and `rollup_wide/level=<level>/part-<year>[-<group>].parquet`
//! (one row per region). A file per year keeps memory flat however many years there are; a file
//! per group lets a re-run after one county's file changed rewrite a quarter of the year or less.

use super::coverage::Coverage;
use super::finish::LevelRows;
use super::indicators::{metric_count, metric_id};
use super::published::{SUMS_BY_GROUP_KEY, SUMS_KEY};
use super::tables::RegionStrings;
use crate::model::BodyKind;
use crate::reference::catalog::{catalog, FORMAT_VERSION};
use crate::store::parquet_file::{compression, write_columns_in_parallel};
use crate::store::reuse::DIGEST_KEY;
use crate::support::error::{IoContext, Result};
use arrow::array::{
    ArrayRef, ArrowPrimitiveType, DictionaryArray, Float64Array, Int32Array, Int64Array, PrimitiveArray,
    RecordBatch, StringArray,
};
use arrow::buffer::{NullBuffer, ScalarBuffer};
use arrow::datatypes::{DataType, Field, Float64Type, Int32Type, Int64Type, Schema};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// Where one level's long file for `year` (and `group`, for the levels cut by region group) goes,
/// relative to `parquet/`.
pub fn long_rel(level: &str, year: i32, group: Option<&str>) -> String {
    format!("rollup/level={level}/{}", file_name(year, group))
}

pub fn wide_rel(level: &str, year: i32, group: Option<&str>) -> String {
    format!("rollup_wide/level={level}/{}", file_name(year, group))
}

fn file_name(year: i32, group: Option<&str>) -> String {
    match group {
        Some(p) => format!("part-{year}-{p}.parquet"),
        None => format!("part-{year}.parquet"),
    }
}

/// Whether a level's files are cut by region group.
pub fn by_group(level: &str) -> bool {
    matches!(level, "county" | "prefecture")
}

/// What a year's files are made of, kept in their footers for the next run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Digests<'a> {
    /// Everything the files hold (`rollup::source_digest`).
    pub content: Option<&'a str>,
    /// The sums alone (`FactsDigests::part_sums_key`): the long file can stand in for them.
    pub sums: Option<&'a str>,
    /// The province file's list of what each region group's rows were summed from.
    pub sums_by_group: Option<&'a str>,
}

fn properties(dataset: &str, columns: usize, digests: &[(&str, Option<&str>)]) -> WriterProperties {
    let mut kv = vec![
        KeyValue::new("xxgk.format_version".to_string(), FORMAT_VERSION.to_string()),
        KeyValue::new("xxgk.dataset".to_string(), dataset.to_string()),
    ];
    for (key, value) in digests {
        if let Some(v) = value {
            kv.push(KeyValue::new(key.to_string(), v.to_string()));
        }
    }
    // No Arrow schema is embedded (the file writer below writes none): readers see the columns'
    // Parquet types, dictionary-encoded strings reading back as plain strings everywhere.
    WriterProperties::builder().set_compression(compression(columns)).set_key_value_metadata(Some(kv)).build()
}

fn long_schema() -> Arc<Schema> {
    let dict = || DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8));
    Arc::new(Schema::new(vec![
        Field::new("region_code", dict(), false),
        Field::new("region_name", dict(), false),
        Field::new("region_level", dict(), false),
        Field::new("parent_code", dict(), true),
        Field::new("prefecture_code", dict(), true),
        Field::new("province_code", dict(), true),
        Field::new("year", DataType::Int32, false),
        Field::new("scope", dict(), false),
        Field::new("metric", dict(), false),
        Field::new("value", DataType::Float64, true),
        Field::new("n_reports", DataType::Int64, false),
        Field::new("yoy_change", DataType::Float64, true),
        Field::new("yoy_pct", DataType::Float64, true),
        Field::new("share_of_parent", DataType::Float64, true),
        Field::new("rank_in_parent", DataType::Int64, true),
        Field::new("coverage", DataType::Float64, true),
    ]))
}

fn is_count(m: usize) -> bool {
    m < catalog().len() && catalog().metric(m).kind.is_integer()
}

/// The wide table's column of metric `id` (`licensing.decisions` → `licensing_decisions`): SQL
/// and dashboards take a name without dots unquoted.
pub fn wide_column(id: &str) -> String {
    id.replace('.', "_")
}

fn wide_schema() -> Arc<Schema> {
    let mut fields = vec![
        Field::new("region_code", DataType::Utf8, false),
        Field::new("region_name", DataType::Utf8, false),
        Field::new("parent_code", DataType::Utf8, true),
        Field::new("year", DataType::Int32, false),
        Field::new("scope", DataType::Utf8, false),
        Field::new("n_reports", DataType::Int64, false),
        Field::new("coverage", DataType::Float64, true),
    ];
    for m in 0..metric_count() {
        let dt = if is_count(m) { DataType::Int64 } else { DataType::Float64 };
        fields.push(Field::new(wide_column(metric_id(m)), dt, true));
    }
    Arc::new(Schema::new(fields))
}

/// Write one level's rows of `year` as its long and its wide file (the two at once), under
/// `parquet`, `digests` in their footers (the sums only in the long file, which holds them).
/// Returns the number of long rows.
pub fn write_level(
    parquet: &Path,
    level: &str,
    (year, group): (i32, Option<&str>),
    digests: Digests<'_>,
    rows: &LevelRows<'_>,
    strings: &RegionStrings,
    coverage: &Coverage,
) -> Result<usize> {
    let long_keys =
        [(DIGEST_KEY, digests.content), (SUMS_KEY, digests.sums), (SUMS_BY_GROUP_KEY, digests.sums_by_group)];
    let wide_keys = [(DIGEST_KEY, digests.content)];
    let (long, wide) = rayon::join(
        || {
            let batch = long_batch(rows, level, year, strings, coverage)?;
            write_batch(
                &parquet.join(long_rel(level, year, group)),
                long_schema(),
                "rollup",
                &long_keys,
                &batch,
            )
        },
        || {
            let batch = wide_batch(rows, year, strings, coverage)?;
            write_batch(
                &parquet.join(wide_rel(level, year, group)),
                wide_schema(),
                "rollup_wide",
                &wide_keys,
                &batch,
            )
        },
    );
    long.and(wide)?;
    Ok(rows.len())
}

fn write_batch(
    path: &Path,
    schema: Arc<Schema>,
    dataset: &str,
    digests: &[(&str, Option<&str>)],
    batch: &RecordBatch,
) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    let file = File::create(path).at(path)?;
    let props = properties(dataset, schema.fields().len(), digests);
    write_columns_in_parallel(path, file, schema, props, false, std::iter::once(Ok(batch.clone())))?;
    Ok(())
}

/// One level's rows of a year as the long file's batch.
fn long_batch(
    rows: &LevelRows<'_>,
    level: &str,
    year: i32,
    strings: &RegionStrings,
    coverage: &Coverage,
) -> Result<RecordBatch> {
    // A region's keys, its parent's, prefecture's and province's (a filter on a province or
    // prefecture works on every level's rows without a join), looked up once per run of its rows:
    // rows come grouped by region, and per row the lookups were a tenth of the rollup's time.
    let t = crate::reference::regions::regions();
    let key = |c: Option<u32>| c.and_then(|c| strings.key(c));
    let n = rows.len();
    let mut region_keys: [Vec<Option<i32>>; 4] = std::array::from_fn(|_| Vec::with_capacity(n));
    // (region, parent) of the run of rows being read, and its four keys.
    type Keys = [Option<i32>; 4];
    let mut last: Option<((u32, Option<u32>), Keys)> = None;
    for (&c, &parent) in rows.code.iter().zip(rows.parent) {
        let ks = match last {
            Some((at, ks)) if at == (c, parent) => ks,
            _ => {
                let ks = [
                    key(Some(c)),
                    key(parent),
                    key(t.prefecture_of(c).map(|r| r.code)),
                    key(t.province_of(c).map(|r| r.code)),
                ];
                last = Some(((c, parent), ks));
                ks
            }
        };
        for (column, k) in region_keys.iter_mut().zip(ks) {
            column.push(k);
        }
    }
    let [code_keys, parent_keys, prefecture_keys, province_keys] = region_keys.map(|k| primitive(&k));
    let level_key = super::compute::LEVELS.iter().position(|l| *l == level).unwrap_or(0) as i32;
    let level_keys = Int32Array::from(vec![level_key; rows.len()]);
    let metric_keys = Int32Array::from_iter_values(rows.m.iter().map(|&m| m as i32));
    let scope_keys = Int32Array::from_iter_values(rows.scope.iter().map(|&s| s as i32));
    let dict = |k: &Int32Array, values: &Arc<StringArray>| -> Result<ArrayRef> {
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(k.clone(), values.clone())?))
    };
    let f64s = |v: &[Option<f64>]| -> ArrayRef { Arc::new(primitive::<Float64Type>(v)) };
    let columns: Vec<ArrayRef> = vec![
        dict(&code_keys, &strings.code_array)?,
        dict(&code_keys, &strings.name_array)?,
        dict(&level_keys, &strings.level_array)?,
        dict(&parent_keys, &strings.code_array)?,
        dict(&prefecture_keys, &strings.code_array)?,
        dict(&province_keys, &strings.code_array)?,
        Arc::new(Int32Array::from(vec![year; rows.len()])),
        dict(&scope_keys, &strings.scope_array)?,
        dict(&metric_keys, &strings.metric_array)?,
        f64s(rows.value),
        Arc::new(Int64Array::from(rows.n_reports.to_vec())),
        f64s(rows.yoy_change),
        f64s(rows.yoy_pct),
        f64s(rows.share_of_parent),
        Arc::new(primitive::<Int64Type>(rows.rank_in_parent)),
        f64s(&cover(rows, year, coverage)),
    ];
    Ok(RecordBatch::try_new(long_schema(), columns)?)
}

/// `values` as an arrow column, its values and its validity made in a pass each: `From<Vec<Option<_>>>`
/// goes value by value through a builder, and with the copy it needed it was a sixth of the
/// rollup's writing CPU in a one-file re-run (`perf`). The same array, the same file.
fn primitive<T: ArrowPrimitiveType>(values: &[Option<T::Native>]) -> PrimitiveArray<T> {
    let data: ScalarBuffer<T::Native> = values.iter().map(|v| v.unwrap_or_default()).collect();
    let nulls = values
        .iter()
        .any(Option::is_none)
        .then(|| values.iter().map(Option::is_some).collect::<NullBuffer>());
    PrimitiveArray::new(data, nulls)
}

/// Each row's coverage: the share of the county-level units under its region that reported in its
/// scope (`coverage`); one region's rows of a scope share a lookup.
fn cover(rows: &LevelRows<'_>, year: i32, coverage: &Coverage) -> Vec<Option<f64>> {
    let mut last: Option<((u32, u32), Option<f64>)> = None;
    (0..rows.len())
        .map(|i| {
            let k = (rows.code[i], rows.scope[i]);
            match last {
                Some((l, c)) if l == k => c,
                _ => {
                    let c = coverage.coverage(year, k.0, k.1);
                    last = Some((k, c));
                    c
                }
            }
        })
        .collect()
}

/// The same rows as the wide file's batch, one row per region and scope.
fn wide_batch(
    rows: &LevelRows<'_>,
    year: i32,
    strings: &RegionStrings,
    coverage: &Coverage,
) -> Result<RecordBatch> {
    let text = |c: Option<u32>, of: &[String]| c.and_then(|c| strings.key(c)).map(|k| of[k as usize].clone());
    let (mut codes, mut names, mut parents, mut reports) = (vec![], vec![], vec![], vec![]);
    let mut scopes: Vec<&str> = Vec::new();
    let mut covered: Vec<Option<f64>> = Vec::new();
    let mut cells: Vec<Vec<Option<f64>>> = vec![Vec::new(); metric_count()];
    // Rows arrive grouped by region and scope: a new one starts a new output row.
    let mut last = None;
    for i in 0..rows.len() {
        let code = rows.code[i];
        if last != Some((code, rows.scope[i])) {
            last = Some((code, rows.scope[i]));
            scopes.push(BodyKind::from_index(rows.scope[i]).unwrap_or_default().as_str());
            covered.push(coverage.coverage(year, code, rows.scope[i]));
            codes.push(text(Some(code), &strings.codes));
            names.push(text(Some(code), &strings.names));
            parents.push(text(rows.parent[i], &strings.codes));
            reports.push(0i64);
            cells.iter_mut().for_each(|c| c.push(None));
        }
        let row = codes.len() - 1;
        let mi = rows.m[i] as usize;
        cells[mi][row] = rows.value[i];
        if mi < catalog().len() {
            reports[row] = reports[row].max(rows.n_reports[i]);
        }
    }
    let height = codes.len();
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(StringArray::from(codes)),
        Arc::new(StringArray::from(names)),
        Arc::new(StringArray::from(parents)),
        Arc::new(Int32Array::from(vec![year; height])),
        Arc::new(StringArray::from(scopes)),
        Arc::new(Int64Array::from(reports)),
        Arc::new(Float64Array::from(covered)),
    ];
    for (mi, values) in cells.into_iter().enumerate() {
        columns.push(if is_count(mi) {
            let counts: Vec<Option<i64>> = values.into_iter().map(|v| v.map(|x| x as i64)).collect();
            Arc::new(primitive::<Int64Type>(&counts))
        } else {
            Arc::new(primitive::<Float64Type>(&values))
        });
    }
    Ok(RecordBatch::try_new(wide_schema(), columns)?)
}
