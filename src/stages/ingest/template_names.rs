//! A filled-in `xxgk template` workbook, read by its defined names. The template names each value
//! cell after the metric's Parquet column (`licensing_decisions`) and the key cells `region_code`,
//! `year`, `body` and `format`, so the numbers are found where the names point, even after the user
//! inserted rows or moved the table. A sheet holding such names is read this way and no other.

use super::workbook::{a1, data_text, number_text, Sheet};
use crate::model::finding::{Rule, Severity};
use crate::model::{Cell, ReportKey};
use crate::reference::catalog::catalog;
use crate::stages::ingest::cell::{check_format, check_region, check_value, check_year};
use calamine::Data;
use std::collections::{BTreeSet, HashMap};

/// The defined names the template gives its key cells.
pub const KEY_NAMES: [&str; 4] = ["region_code", "year", "body", "format"];

/// `'表一 主动公开'!$C$5` → (`表一 主动公开`, (4, 2)).
pub fn parse_ref(formula: &str) -> Option<(String, (u32, u32))> {
    let f = formula.trim().trim_start_matches('=');
    let (sheet, cell) = f.rsplit_once('!')?;
    let sheet = match sheet.strip_prefix('\'').and_then(|s| s.strip_suffix('\'')) {
        Some(quoted) => quoted.replace("''", "'"),
        None => sheet.to_string(),
    };
    let cell: String = cell.chars().filter(|&c| c != '$').collect();
    Some((sheet, super::workbook::parse_a1(&cell)?))
}

fn metric_of_column(name: &str) -> Option<usize> {
    static MAP: std::sync::OnceLock<HashMap<String, usize>> = std::sync::OnceLock::new();
    MAP.get_or_init(|| catalog().metrics().iter().map(|m| (m.column.clone(), m.index)).collect())
        .get(name)
        .copied()
}

/// The sheets that hold a `region_code` name and at least one metric's name.
pub fn sheets_with_names(names: &[(String, String)]) -> BTreeSet<String> {
    let mut keys = BTreeSet::new();
    let mut metrics = BTreeSet::new();
    for (name, formula) in names {
        let Some((sheet, _)) = parse_ref(formula) else { continue };
        if name == "region_code" {
            keys.insert(sheet);
        } else if metric_of_column(name).is_some() {
            metrics.insert(sheet);
        }
    }
    // The key names live on the first table's sheet; a template's other sheets hold metrics only.
    if keys.is_empty() {
        return BTreeSet::new();
    }
    metrics.union(&keys).cloned().collect()
}

/// Read the named cells of one sheet of a template workbook.
pub(super) fn read_named(b: &mut super::workbook::Book, sheet: &Sheet, names: &[(String, String)]) {
    let mut values: Vec<(usize, (u32, u32), String)> = Vec::new();
    for (name, formula) in names {
        let Some((s, at)) = parse_ref(formula) else { continue };
        if s != sheet.name {
            continue;
        }
        if KEY_NAMES.contains(&name.as_str()) {
            let text = if name == "year" { year_of(sheet.data(at.0, at.1)) } else { sheet.text(at.0, at.1) };
            b.key_values.insert((s.clone(), at), text);
            continue;
        }
        if let Some(m) = metric_of_column(name) {
            values.push((m, at, sheet.text(at.0, at.1)));
        }
    }
    values.sort_by_key(|(_, at, _)| *at);
    b.pending_named.push((sheet.name.clone(), values, sheet.formula_cells_without_values()));
}

fn year_of(d: &Data) -> String {
    match d {
        Data::DateTime(dt) => dt.to_ymd_hms_milli().0.to_string(),
        Data::Float(f) => number_text(*f),
        other => data_text(other),
    }
}

/// After every sheet is seen: the template's reports, its named value cells checked and kept.
pub(super) fn finish_named(b: &mut super::workbook::Book, names: &[(String, String)]) {
    let pending = std::mem::take(&mut b.pending_named);
    if pending.is_empty() {
        return;
    }
    // A template nobody filled in is no report: skipped, said so, never a report of 200 blanks.
    let blank = pending.iter().all(|(_, values, formulas)| {
        formulas.is_empty()
            && values.iter().all(|(_, _, raw)| crate::reference::value::trim_blank(raw).is_empty())
    });
    if blank {
        let sheets: Vec<&str> = pending.iter().map(|(s, _, _)| s.as_str()).collect();
        let mut f = b.finding(
            Severity::Warning,
            Rule::TemplateNotFilled,
            sheets.first().copied().unwrap_or(""),
            None,
            "模板的数值单元格全部为空（尚未填写），已跳过（template not filled in）".into(),
        );
        f.expected = Some("至少填写一个数值单元格".into());
        f.actual =
            Some(format!("{} 个命名数值单元格均为空", pending.iter().map(|p| p.1.len()).sum::<usize>()));
        b.out.findings.push(f);
        for s in sheets {
            b.layouts.push(format!("{s}: template, not filled in"));
        }
        return;
    }
    let key = |k: &str| -> (String, String, (u32, u32)) {
        names
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, f)| parse_ref(f))
            .map(|(s, at)| (b.key_values.get(&(s.clone(), at)).cloned().unwrap_or_default(), s, at))
            .unwrap_or_default()
    };
    let (code, code_sheet, code_at) = key("region_code");
    let (year, year_sheet, year_at) = key("year");
    let (body, _, _) = key("body");
    let (format, format_sheet, format_at) = key("format");
    let mut key_problems = Vec::new();
    let region =
        check_region(&code, None).map_err(|p| key_problems.push((p, code_sheet.clone(), code_at))).ok();
    let year_v = check_year(&year, b.opts.max_year)
        .map_err(|p| key_problems.push((p, year_sheet.clone(), year_at)))
        .ok();
    let declared = match check_format(&format) {
        Ok(f) => f,
        Err(p) => {
            key_problems.push((p, format_sheet.clone(), format_at));
            None
        }
    };
    let mut reasons = Vec::new();
    for (p, s, at) in key_problems {
        let mut f = b.finding(Severity::Error, p.rule, &s, Some(at), p.message);
        f.expected = Some(p.expected);
        f.actual = Some(p.actual);
        reasons.push(format!("{}!{}: {}: {}", s, a1(at.0, at.1), f.rule.id(), f.message));
        b.out.findings.push(f);
    }
    let report = match (region, year_v) {
        (Some(r), Some(y)) if reasons.is_empty() => {
            Some(b.intern(ReportKey { region: r.code, year: y, body: body.trim().to_string() }))
        }
        _ => None,
    };
    let c = catalog();
    for (sheet, values, formulas) in pending {
        b.layouts.push(format!("{sheet}: template"));
        for (m, at, raw) in values {
            let metric = c.metric(m);
            let row = super::workbook::Row {
                sheet: sheet.clone(),
                at,
                region_code: code.clone(),
                region_name: region.map(|r| r.name.clone()).unwrap_or_default(),
                year: year.clone(),
                body: body.clone(),
                format: format.clone(),
                metric: metric.id.clone(),
                label: metric.label_zh(),
                value: raw.clone(),
            };
            let g = b.push_row(row, Some(format!("{sheet}!{}（{}）", a1(at.0, at.1), metric.label_zh())));
            let line = at.0 as u64 + 1;
            for r in &reasons {
                b.out.reject(g, line, r.clone());
            }
            if let Some(formula) = formulas.iter().find(|(p, _)| *p == at).map(|(_, f)| f.clone()) {
                let mut f = b.finding(
                    Severity::Error,
                    Rule::FormulaWithoutValue,
                    &sheet,
                    Some(at),
                    format!(
                        "公式 ={formula} 没有保存计算结果，无法读取数值（formula without a cached value）"
                    ),
                );
                f.metric = Some(metric.id.clone());
                b.out.reject(g, line, format!("{}: {}", f.rule.id(), f.message));
                b.out.findings.push(f);
                continue;
            }
            let Some(report) = report else { continue };
            match check_value(&raw, metric) {
                Ok(v) => b.out.cells.push(Cell {
                    report,
                    metric: m as u16,
                    col: 0,
                    record: g,
                    line: line as u32,
                    value: v,
                    declared,
                    kind: None,
                }),
                Err(p) => {
                    let mut f = b.finding(Severity::Error, p.rule, &sheet, Some(at), p.message);
                    f.expected = Some(p.expected);
                    f.actual = Some(p.actual);
                    f.metric = Some(metric.id.clone());
                    f.region_code = Some(code.clone());
                    b.out.reject(g, line, format!("{}: {}", f.rule.id(), f.message));
                    b.out.findings.push(f);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references() {
        assert_eq!(parse_ref("'表一 主动公开'!$C$5"), Some(("表一 主动公开".into(), (4, 2))));
        assert_eq!(parse_ref("表二!$D$10"), Some(("表二".into(), (9, 3))));
        assert_eq!(parse_ref("'it''s'!A1"), Some(("it's".into(), (0, 0))));
        assert_eq!(parse_ref("#REF!"), None);
    }
}
