//! Each report's body kind (`model::scope`), settled once its cells are merged: the `body_kind`
//! column when its rows give one kind, else the body's name read with its region's names.
//!
//! Three warnings, none of which rejects anything (the numbers are right whatever the body is;
//! only where they are summed is in question, and both say where that is):
//! - `W075`: the body's name names another region than the report's `region_code` (伽师县教育局
//!   under 岳普湖县), or is a government above it (喀什地区行政公署 under 岳普湖县). The report is
//!   stored under its code, as given.
//! - `W077`: a region's only government-like report that year is its 人民政府办公室's, read as a
//!   department's (`model::scope`): if it is the government's report, published by the office,
//!   `body_kind` = `government` says so; nothing is changed without it.
//! - `W076`: the report's rows give two kinds in `body_kind`. Nothing says which is right, so the
//!   name decides, as for a report without the column, and the warning names both kinds and cells.

use crate::model::scope::{classify, foreign_region, is_government_office};
use crate::model::BodyKind;
use crate::model::{CellSource, Dataset, Report};
use crate::model::{Finding, Rule, Severity};
use crate::reference::regions::regions;

/// Settle every report's body kind; warn about foreign names and conflicting kinds.
pub fn resolve(ds: &mut Dataset, out: &mut super::Checked) {
    let mut findings = Vec::new();
    for r in ds.reports.iter_mut() {
        let Some(region) = regions().get(r.key.region) else { continue };
        let named = classify(&r.key.body, region);
        // In the order the rows were read, so that the finding names the first one first.
        r.declared_kind.sort_by_key(|(_, s)| (s.file, s.line));
        r.body_kind = match r.declared_kind[..] {
            [(k, _)] => k,
            [(a, at_a), (b, at_b), ..] => {
                findings.push((
                    at_a,
                    Some("body_kind"),
                    Rule::ConflictingBodyKind,
                    format!("{} / {}", a.as_str(), b.as_str()),
                    format!(
                        "body_kind 列同时给出了 {}（{}）和 {}（{}，第 {} 行），无法判断哪个正确；按报告主体名称判断为 {}（{}）（conflicting body_kind）",
                        a.as_str(),
                        a.label_zh(),
                        b.as_str(),
                        b.label_zh(),
                        at_b.line,
                        named.as_str(),
                        named.label_zh()
                    ),
                    r.key.clone(),
                ));
                named
            }
            [] => named,
        };
        if let Some(other) = foreign_region(&r.key.body, region) {
            let at = first_cell(r);
            findings.push((
                at,
                Some("body"),
                Rule::ForeignBody,
                format!("{} {}", other.code_str(), other.name),
                format!(
                    "报告主体 “{}” 写的是 {}（{}），但 region_code 是 {}（{}）；仍按 {} 入库，请核对代码或主体（the body names another region）",
                    r.key.body,
                    other.name,
                    other.code_str(),
                    region.name,
                    region.code_str(),
                    region.code_str()
                ),
                r.key.clone(),
            ));
        }
    }
    // W077: a region whose only government-like report is its government office's, read as a
    // department's. Reports are sorted by region: one region's are a run.
    for run in ds.reports.chunk_by(|a, b| a.key.region == b.key.region) {
        let live = || run.iter().filter(|r| !r.rejected);
        if live().any(|r| r.body_kind == BodyKind::Government) {
            continue;
        }
        let Some(region) = regions().get(run[0].key.region) else { continue };
        for r in live().filter(|r| r.declared_kind.is_empty() && is_government_office(&r.key.body, region)) {
            findings.push((
                first_cell(r),
                Some("body"),
                Rule::OfficeWithoutGovernment,
                format!("{}（{}）", r.body_kind.as_str(), r.body_kind.label_zh()),
                format!(
                    "{}（{}）{} 年没有政府报告，只有 “{}” 的报告，按部门汇总；如果这是办公室代政府发布的政府年度报告，请在 body_kind 列写 government，否则政府合计缺这一年（见 validation/missing.csv）",
                    region.name,
                    region.code_str(),
                    r.key.year,
                    r.key.body
                ),
                r.key.clone(),
            ));
        }
    }
    for (at, column, rule, actual, message, key) in findings {
        let file = ds.file_name(at.file).to_string();
        let column = column
            .map(str::to_string)
            .or_else(|| ds.files[at.file as usize].header.get(at.col as usize).map(|h| h.trim().to_string()));
        let region = format!("{:06}", key.region);
        let expected = match rule {
            Rule::ForeignBody => format!("{} 的报告主体", region),
            Rule::OfficeWithoutGovernment => "government（政府报告），或另有政府报告".to_string(),
            _ => "同一报告只给一种 body_kind".to_string(),
        };
        let mut f = Finding::new(
            Severity::Warning,
            rule,
            &file,
            format!("{region} {} {}：{message}", key.year, key.body),
        )
        .at(at.line as u64, column.as_deref())
        .expected(expected, actual);
        f.region_code = Some(region);
        f.year = Some(key.year);
        f.body = Some(key.body);
        out.findings.push(f);
    }
}

/// The report's first cell as read (file, line): where a finding about the whole report points.
fn first_cell(r: &Report) -> CellSource {
    r.sources.iter().flatten().min_by_key(|s| (s.file, s.line)).copied().unwrap_or(CellSource {
        file: 0,
        record: 0,
        line: 0,
        col: 0,
    })
}
