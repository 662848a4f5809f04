//! Dimension tables a dashboard joins against: `parquet/dim/regions.parquet` (every division of the
//! 民政部 table and the nation, with its prefecture, province and region group) and
//! `parquet/dim/metrics.parquet` (every metric of both formats and the derived indicators, with its
//! Parquet column, Chinese label, unit, section, formats and what it is harmonized to). Both depend
//! on the build alone; written with the rollup, and kept (hard-linked) when they come out the same.

use super::indicators::INDICATORS;
use super::tables::{NATIONAL, NATIONAL_NAME};
use super::write::wide_column;
use crate::reference::catalog::harmonized::{harmonized, Source};
use crate::reference::catalog::{catalog, Format, Section};
use crate::reference::regions::regions;
use crate::store::parquet_file::{write_parquet, FileMeta};
use crate::support::error::{IoContext, Result};
use arrow::array::{ArrayRef, StringArray};
use arrow::record_batch::RecordBatch;
use std::path::Path;
use std::sync::Arc;

fn text<I: IntoIterator<Item = Option<String>>>(v: I) -> ArrayRef {
    Arc::new(v.into_iter().collect::<StringArray>())
}

fn regions_batch() -> Result<RecordBatch> {
    let t = regions();
    let mut rows: Vec<[Option<String>; 9]> = vec![[
        Some(format!("{NATIONAL:06}")),
        Some(NATIONAL_NAME.to_string()),
        Some("national".to_string()),
        None,
        None,
        None,
        None,
        None,
        None,
    ]];
    for r in t.iter() {
        let pref = t.prefecture_of(r.code);
        let prov = t.province_of(r.code);
        rows.push([
            Some(r.code_str()),
            Some(r.name.clone()),
            Some(r.level.as_str().to_string()),
            Some(r.parent.map_or_else(|| format!("{NATIONAL:06}"), |p| format!("{p:06}"))),
            pref.map(|p| p.code_str()),
            pref.map(|p| p.name.clone()),
            prov.map(|p| p.code_str()),
            prov.map(|p| p.name.clone()),
            Some(crate::store::region_group(r.code)),
        ]);
    }
    let names = [
        "code",
        "name",
        "level",
        "parent_code",
        "prefecture_code",
        "prefecture_name",
        "province_code",
        "province_name",
        "region_group",
    ];
    let columns: Vec<(&str, ArrayRef)> =
        names.iter().enumerate().map(|(i, n)| (*n, text(rows.iter().map(|r| r[i].clone())))).collect();
    Ok(RecordBatch::try_from_iter(columns)?)
}

fn section(s: Section) -> &'static str {
    match s {
        Section::Active => "二、主动公开政府信息情况",
        Section::Requests => "三、收到和处理政府信息公开申请情况",
        Section::Appeals => "四、政府信息公开行政复议、行政诉讼情况",
    }
}

fn metrics_batch() -> Result<RecordBatch> {
    let c = catalog();
    let h = harmonized();
    let mut rows: Vec<[Option<String>; 7]> = Vec::new();
    for m in c.metrics() {
        let formats: Vec<&str> =
            Format::ALL.iter().filter(|f| m.in_format(**f)).map(|f| f.as_str()).collect();
        // What the rollup sums the metric from in each format, when it is comparable across both.
        let harmonized_to = h.iter().find(|x| x.id == m.id).map(|x| {
            let say = |f: Format| match x.source(f) {
                Source::Same => format!("{}: {}", f.as_str(), m.id),
                Source::Sum(parts) => format!("{}: {}", f.as_str(), parts.join(" + ")),
                Source::From(id) => format!("{}: {}", f.as_str(), id),
            };
            Format::ALL.iter().map(|&f| say(f)).collect::<Vec<_>>().join("; ")
        });
        rows.push([
            Some(m.id.clone()),
            Some(m.column.clone()),
            Some(m.label_zh()),
            Some(m.unit.clone()),
            Some(section(m.section).to_string()),
            Some(formats.join(",")),
            harmonized_to,
        ]);
    }
    for ind in &INDICATORS {
        rows.push([
            Some(ind.id.to_string()),
            Some(wide_column(ind.id)),
            Some(ind.label_zh.to_string()),
            Some("比率（0–1）".to_string()),
            Some("派生指标".to_string()),
            Some("2019,2021".to_string()),
            Some(format!("({}) ÷ {}", ind.numerator.join(" + "), ind.denominator)),
        ]);
    }
    let names = ["metric", "parquet_column", "label_zh", "unit", "section", "formats", "harmonized"];
    let columns: Vec<(&str, ArrayRef)> =
        names.iter().enumerate().map(|(i, n)| (*n, text(rows.iter().map(|r| r[i].clone())))).collect();
    Ok(RecordBatch::try_from_iter(columns)?)
}

/// Write `regions.parquet` and `metrics.parquet` into `dir`; with `previous` (the published
/// `dim/`), a file that came out the same is the published one.
pub fn write(dir: &Path, previous: Option<&Path>) -> Result<()> {
    std::fs::create_dir_all(dir).at(dir)?;
    for (name, batch) in [("regions.parquet", regions_batch()?), ("metrics.parquet", metrics_batch()?)] {
        let file = dir.join(name);
        write_parquet(&file, &batch, FileMeta::new(&name[..name.len() - 8], &[]))?;
        if let Some(old) = previous.map(|p| p.join(name)) {
            crate::store::reuse::keep_if_same(&file, &old)?;
        }
    }
    Ok(())
}
