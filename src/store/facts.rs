//! `parquet/facts/year=YYYY/part-<group>.parquet`: one row per reported cell, the long table the rollup
//! reads. Rows are in report order, then catalog order, so the same input gives the same bytes.

use super::parquet_file::{partition_file, write_parquet_batches, FileMeta};
use crate::model::{FileNames, Report};
use crate::reference::catalog::catalog;
use crate::reference::regions::regions;
use crate::support::error::Result;
use arrow::array::{ArrayRef, DictionaryArray, Float64Builder, Int32Array, Int64Builder, StringArray};
use arrow::datatypes::{DataType, Field, Int32Type, Schema};
use arrow::record_batch::RecordBatch;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

/// Reports turned into Arrow arrays at a time: about 100,000 rows. A whole national year at once
/// (570,000 rows of text columns) took some 200 MB per year written in parallel.
const REPORTS_PER_BATCH: usize = 512;

fn labelled(f: Field, label: &str) -> Field {
    f.with_metadata(HashMap::from([("xxgk.label_zh".to_string(), label.to_string())]))
}

pub fn schema() -> Schema {
    let s =
        |name: &str, nullable: bool, label: &str| labelled(Field::new(name, DataType::Utf8, nullable), label);
    Schema::new(vec![
        s("region_code", false, "行政区划代码"),
        s("region_name", false, "地区名称"),
        s("region_level", false, "层级"),
        s("prefecture_code", true, "所属地级区划代码"),
        s("province_code", false, "所属省级区划代码"),
        s("body", false, "报告主体"),
        s("body_kind", false, "报告主体类型（government、department、township、other）：rollup 的 scope"),
        s("format", false, "报告格式（2019 或 2021）"),
        s("metric", false, "指标编号"),
        s("item", false, "行（指标编号去掉申请人列）"),
        s("applicant", true, "申请人列（仅申请情况表）"),
        labelled(
            Field::new("value", DataType::Float64, true),
            "数值（件、项；收费金额为万元；本年增/减可为负）；空值表示未填报",
        ),
        s("unit", false, "单位"),
        s("source_file", false, "来源文件"),
        labelled(Field::new("source_line", DataType::Int64, false), "来源行号"),
    ])
}

/// The columns that repeat one of a few strings (a report's region and body, the catalog's metric
/// texts, the file names) are built as dictionaries of those strings, the rest as plain arrays. The
/// file still says `Utf8` for each (the schema written is [`schema`]'s) and the Parquet writer
/// interns each row's string as it would from a plain string array, so the bytes are the same; what
/// the dictionaries save is copying every row's strings into a batch first (national set, 2.28 M
/// facts × 13 string columns: `facts::batch` 0.45 s of CPU in `perf`, then 0.13 s).
pub fn batch(files: &FileNames, reports: &[&Report]) -> Result<RecordBatch> {
    let regions = regions();
    let metrics = catalog().metrics();
    let n: usize = reports.iter().map(|r| r.sources.iter().flatten().count()).sum();
    // Per report (its number in this batch): region code, name, level, prefecture, province, body,
    // body kind, format.
    let mut per_report: [Vec<Option<String>>; 8] = std::array::from_fn(|_| Vec::with_capacity(reports.len()));
    let mut report_key: Vec<i32> = Vec::with_capacity(n);
    let mut pref_key: Vec<Option<i32>> = Vec::with_capacity(n);
    let mut metric_key: Vec<i32> = Vec::with_capacity(n);
    let mut applicant_key: Vec<Option<i32>> = Vec::with_capacity(n);
    let mut file_key: Vec<i32> = Vec::with_capacity(n);
    let mut file_names: Vec<&str> = Vec::new();
    let mut file_index: crate::support::hash::HashMap<u32, i32> = Default::default();
    let mut value = Float64Builder::with_capacity(n);
    let mut line = Int64Builder::with_capacity(n);
    for (i, r) in reports.iter().enumerate() {
        let region = regions.get(r.key.region);
        let pref = regions.prefecture_of(r.key.region).map(|p| p.code_str());
        let has_pref = pref.is_some();
        let texts = [
            Some(r.region_code()),
            Some(region.map(|x| x.name.clone()).unwrap_or_default()),
            Some(region.map(|x| x.level.as_str().to_string()).unwrap_or_default()),
            pref,
            Some(regions.province_of(r.key.region).map(|p| p.code_str()).unwrap_or_default()),
            Some(r.key.body.clone()),
            Some(r.body_kind.as_str().to_string()),
            Some(r.format.as_str().to_string()),
        ];
        for (column, text) in per_report.iter_mut().zip(texts) {
            column.push(text);
        }
        for (m, src) in metrics.iter().zip(&r.sources) {
            let Some(src) = src else { continue };
            report_key.push(i as i32);
            pref_key.push(has_pref.then_some(i as i32));
            metric_key.push(m.index as i32);
            applicant_key.push(m.applicant.map(|_| m.index as i32));
            let next = file_names.len() as i32;
            file_key.push(*file_index.entry(src.file).or_insert_with(|| {
                file_names.push(files.name(src.file));
                next
            }));
            value.append_option(r.values[m.index]);
            line.append_value(src.line as i64);
        }
    }
    let dict = |keys: &Int32Array, values: ArrayRef| -> Result<ArrayRef> {
        Ok(Arc::new(DictionaryArray::<Int32Type>::try_new(keys.clone(), values)?))
    };
    let strings = |v: &[Option<String>]| -> ArrayRef {
        Arc::new(StringArray::from_iter(v.iter().map(|s| s.as_deref())))
    };
    let by_report = Int32Array::from(report_key);
    let by_pref = Int32Array::from(pref_key);
    let by_metric = Int32Array::from(metric_key);
    let texts = catalog_texts();
    let mut arrays: Vec<ArrayRef> = Vec::with_capacity(15);
    for (i, column) in per_report.iter().enumerate() {
        arrays.push(dict(if i == 3 { &by_pref } else { &by_report }, strings(column))?);
    }
    arrays.push(dict(&by_metric, Arc::clone(&texts.id))?);
    arrays.push(dict(&by_metric, Arc::clone(&texts.item))?);
    arrays.push(dict(&Int32Array::from(applicant_key), Arc::clone(&texts.applicant))?);
    arrays.push(Arc::new(value.finish()));
    arrays.push(dict(&by_metric, Arc::clone(&texts.unit))?);
    arrays.push(dict(&Int32Array::from(file_key), Arc::new(StringArray::from(file_names)))?);
    arrays.push(Arc::new(line.finish()));
    let fields: Vec<Field> = schema()
        .fields()
        .iter()
        .zip(&arrays)
        .map(|(f, a)| f.as_ref().clone().with_data_type(a.data_type().clone()))
        .collect();
    Ok(RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?)
}

/// The catalog's texts by metric number, each once for every batch.
struct CatalogTexts {
    id: ArrayRef,
    item: ArrayRef,
    applicant: ArrayRef,
    unit: ArrayRef,
}

fn catalog_texts() -> &'static CatalogTexts {
    static TEXTS: std::sync::OnceLock<CatalogTexts> = std::sync::OnceLock::new();
    TEXTS.get_or_init(|| {
        let metrics = catalog().metrics();
        let of = |f: &dyn Fn(&crate::reference::catalog::Metric) -> &str| -> ArrayRef {
            Arc::new(StringArray::from_iter_values(metrics.iter().map(f)))
        };
        CatalogTexts {
            id: of(&|m| &m.id),
            item: of(&|m| &m.item),
            applicant: of(&|m| m.applicant.unwrap_or("")),
            unit: of(&|m| &m.unit),
        }
    })
}

pub fn write_year(
    dir: &Path,
    files: &FileNames,
    year: i32,
    group: &str,
    reports: &[&Report],
    meta: FileMeta,
) -> Result<()> {
    let batches = reports.chunks(REPORTS_PER_BATCH).map(|chunk| batch(files, chunk));
    write_parquet_batches(
        &dir.join(partition_file(year, group)),
        Arc::new(schema()),
        FileMeta { dataset: "facts", ..meta },
        batches,
    )
}
