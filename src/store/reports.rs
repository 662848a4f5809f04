//! `parquet/reports/year=YYYY/part-<group>.parquet`: one row per report, one column per metric.

use super::parquet_file::{partition_file, write_parquet, FileMeta};
use crate::model::{FileNames, Report};
use crate::reference::catalog::catalog;
use crate::reference::regions::regions;
use crate::support::error::Result;
use arrow::array::{ArrayRef, Float64Builder, Int64Builder, ListBuilder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

pub fn metric_field(m: &crate::reference::catalog::Metric) -> Field {
    let dt = if m.kind.is_integer() { DataType::Int64 } else { DataType::Float64 };
    Field::new(&m.column, dt, true).with_metadata(HashMap::from([
        ("xxgk.metric".to_string(), m.id.clone()),
        ("xxgk.label_zh".to_string(), m.label_zh()),
        ("xxgk.unit".to_string(), m.unit.clone()),
    ]))
}

fn text(name: &str, nullable: bool, label: &str) -> Field {
    Field::new(name, DataType::Utf8, nullable)
        .with_metadata(HashMap::from([("xxgk.label_zh".to_string(), label.to_string())]))
}

pub fn schema() -> Schema {
    let mut fields = vec![
        text("region_code", false, "行政区划代码"),
        text("region_name", false, "地区名称"),
        text("region_level", false, "层级（county/prefecture/province）"),
        text("prefecture_code", true, "所属地级区划代码"),
        text("prefecture_name", true, "所属地级区划名称"),
        text("province_code", false, "所属省级区划代码"),
        text("province_name", false, "所属省级区划名称"),
        text("body", false, "报告主体"),
        text(
            "body_kind",
            false,
            "报告主体类型（government 政府、department 部门、township 乡镇街道、other 其他）",
        ),
        text("format", false, "报告格式（2019：国办公开办函〔2019〕60号；2021：国办公开办函〔2021〕30号）"),
        Field::new("source_files", DataType::List(Arc::new(Field::new("item", DataType::Utf8, true))), false),
    ];
    fields.extend(catalog().metrics().iter().map(metric_field));
    Schema::new(fields)
}

pub fn batch(names: &FileNames, reports: &[&Report]) -> Result<RecordBatch> {
    let regions = regions();
    let n = reports.len();
    let mut cols: Vec<StringBuilder> = (0..10).map(|_| StringBuilder::with_capacity(n, n * 12)).collect();
    let mut files = ListBuilder::new(StringBuilder::new());
    for r in reports {
        let region = regions.get(r.key.region);
        let pref = regions.prefecture_of(r.key.region);
        let prov = regions.province_of(r.key.region);
        cols[0].append_value(r.region_code());
        cols[1].append_value(region.map(|x| x.name.as_str()).unwrap_or(""));
        cols[2].append_value(region.map(|x| x.level.as_str()).unwrap_or(""));
        cols[3].append_option(pref.map(|p| p.code_str()));
        cols[4].append_option(pref.map(|p| p.name.as_str()));
        cols[5].append_value(prov.map(|p| p.code_str()).unwrap_or_default());
        cols[6].append_value(prov.map(|p| p.name.as_str()).unwrap_or(""));
        cols[7].append_value(&r.key.body);
        cols[8].append_value(r.body_kind.as_str());
        cols[9].append_value(r.format.as_str());
        for f in &r.files {
            files.values().append_value(names.name(*f));
        }
        files.append(true);
    }
    let mut arrays: Vec<ArrayRef> = cols.iter_mut().map(|b| Arc::new(b.finish()) as ArrayRef).collect();
    arrays.push(Arc::new(files.finish()));
    for m in catalog().metrics() {
        let array: ArrayRef = if m.kind.is_integer() {
            let mut b = Int64Builder::with_capacity(n);
            reports.iter().for_each(|r| b.append_option(r.values[m.index].map(|v| v as i64)));
            Arc::new(b.finish())
        } else {
            let mut b = Float64Builder::with_capacity(n);
            reports.iter().for_each(|r| b.append_option(r.values[m.index]));
            Arc::new(b.finish())
        };
        arrays.push(array);
    }
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
    let b = batch(files, reports)?;
    write_parquet(&dir.join(partition_file(year, group)), &b, FileMeta { dataset: "reports", ..meta })
}
