//! `parquet/facts/year=YYYY/part-<group>.parquet`: one row per reported cell, the long table the rollup
//! reads. Rows are in report order, then catalog order, so the same input gives the same bytes.

use super::parquet_file::{partition_file, write_parquet_batches, FileMeta};
use crate::model::{FileNames, Report};
use crate::reference::catalog::catalog;
use crate::reference::regions::regions;
use crate::support::error::Result;
use arrow::array::{ArrayRef, Float64Builder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
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

pub fn batch(files: &FileNames, reports: &[&Report]) -> Result<RecordBatch> {
    let regions = regions();
    let metrics = catalog().metrics();
    let n: usize = reports.iter().map(|r| r.sources.iter().flatten().count()).sum();
    let sb = || StringBuilder::with_capacity(n, n * 8);
    let mut text: Vec<StringBuilder> = (0..8).map(|_| sb()).collect();
    let (mut metric, mut item, mut applicant, mut unit, mut source_file) = (sb(), sb(), sb(), sb(), sb());
    let mut value = Float64Builder::with_capacity(n);
    let mut line = Int64Builder::with_capacity(n);
    for r in reports {
        let region = regions.get(r.key.region);
        let code = r.region_code();
        let name = region.map(|x| x.name.as_str()).unwrap_or("");
        let level = region.map(|x| x.level.as_str()).unwrap_or("");
        let pref = regions.prefecture_of(r.key.region).map(|p| p.code_str());
        let prov = regions.province_of(r.key.region).map(|p| p.code_str()).unwrap_or_default();
        for (m, src) in metrics.iter().zip(&r.sources) {
            let Some(src) = src else { continue };
            text[0].append_value(&code);
            text[1].append_value(name);
            text[2].append_value(level);
            text[3].append_option(pref.as_deref());
            text[4].append_value(&prov);
            text[5].append_value(&r.key.body);
            text[6].append_value(r.body_kind.as_str());
            text[7].append_value(r.format.as_str());
            metric.append_value(&m.id);
            item.append_value(&m.item);
            match m.applicant {
                Some(a) => applicant.append_value(a),
                None => applicant.append_null(),
            }
            value.append_option(r.values[m.index]);
            unit.append_value(&m.unit);
            source_file.append_value(files.name(src.file));
            line.append_value(src.line as i64);
        }
    }
    let arrays: Vec<ArrayRef> = vec![
        Arc::new(text[0].finish()),
        Arc::new(text[1].finish()),
        Arc::new(text[2].finish()),
        Arc::new(text[3].finish()),
        Arc::new(text[4].finish()),
        Arc::new(text[5].finish()),
        Arc::new(text[6].finish()),
        Arc::new(text[7].finish()),
        Arc::new(metric.finish()),
        Arc::new(item.finish()),
        Arc::new(applicant.finish()),
        Arc::new(value.finish()),
        Arc::new(unit.finish()),
        Arc::new(source_file.finish()),
        Arc::new(line.finish()),
    ];
    Ok(RecordBatch::try_new(Arc::new(schema()), arrays)?)
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
