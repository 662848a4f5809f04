//! Which table format each report is read as, settled once its cells are merged.
//!
//! In order: the `format` column, if the report's rows give one; else the metric ids, if any of them
//! exists in one format only; else the year (2019 and 2020 → 2019, later → 2021). A report whose
//! cells belong to both formats, or contradict its `format` column, cannot be checked against either
//! table and is rejected whole (`E041`), naming the ids that do not fit. A 2021-format report dated
//! before 2021 is rejected too (`E033`): that format did not exist yet, so the year or the table is
//! wrong, and nothing says which.
//!
//! Only cells with a value count: a blank cell says nothing about the table. So one wide file whose
//! header has the columns of both formats holds reports of either, each leaving the other format's
//! columns blank; those blanks are dropped from the report once its format is known, so that no
//! report stores a (null) cell its table does not have.

use crate::model::{CellSource, Dataset, Report};
use crate::model::{Finding, Rule, Severity};
use crate::reference::catalog::{catalog, Format};
use rayon::prelude::*;

/// Ids shown in a message before the rest are only counted.
const SHOWN_IDS: usize = 8;

/// Why a report's format could not be settled.
struct Problem {
    rule: Rule,
    /// The cell the finding points at.
    at: CellSource,
    metric: Option<usize>,
    expected: String,
    actual: String,
    message: String,
}

/// Settle every report's format; reject (and report) those that have none.
pub fn resolve(ds: &mut Dataset, out: &mut super::Checked) {
    let problems: Vec<(usize, Problem)> = ds
        .reports
        .par_iter_mut()
        .enumerate()
        .filter_map(|(i, r)| match settle(r) {
            Ok(f) => {
                r.format = f;
                drop_blanks_of_other_format(r);
                None
            }
            Err(p) => Some((i, p)),
        })
        .collect();
    for (i, p) in problems {
        let r = &ds.reports[i];
        let file = ds.file_name(p.at.file).to_string();
        let column = ds.files[p.at.file as usize].header.get(p.at.col as usize).map(|h| h.trim().to_string());
        let mut f = Finding::new(
            Severity::Error,
            p.rule,
            &file,
            format!("{} {} {}：{}", r.region_code(), r.key.year, r.key.body, p.message),
        )
        .at(p.at.line as u64, column.as_deref())
        .expected(p.expected, p.actual);
        f.metric = p.metric.map(|m| catalog().metric(m).id.clone());
        f.region_code = Some(r.region_code());
        f.year = Some(r.key.year);
        f.body = Some(r.key.body.clone());
        let reason = format!("{}: {}（整份报告被拒收）", f.rule.id(), f.message);
        out.findings.push(f);
        out.reject_report(ds, i, &reason);
    }
}

fn other(f: Format) -> Format {
    match f {
        Format::F2019 => Format::F2021,
        Format::F2021 => Format::F2019,
    }
}

/// Cells of `r` with a value that only format `f` prints, in catalog order.
fn only_in(r: &Report, f: Format) -> Vec<usize> {
    catalog().only_in(f).iter().copied().filter(|&m| r.values.get(m).is_some_and(Option::is_some)).collect()
}

/// Forget the blank cells the report's table does not have (only blanks are left by `settle`).
fn drop_blanks_of_other_format(r: &mut Report) {
    // What the report's format does not print is what only the other prints.
    for &m in catalog().only_in(other(r.format)) {
        if let Some(source) = r.sources.get_mut(m).filter(|s| s.is_some()) {
            debug_assert!(r.values[m].is_none());
            *source = None;
        }
    }
}

/// The first id with its Chinese label, for messages: `fees.amount（第二十条第（八）项/…）`.
fn labelled(ids: &[usize]) -> String {
    ids.first()
        .map(|&m| format!("{}（{}）", catalog().metric(m).id, catalog().metric(m).label_zh()))
        .unwrap_or_default()
}

fn list(ids: &[usize]) -> String {
    let c = catalog();
    let mut s: Vec<&str> = ids.iter().take(SHOWN_IDS).map(|&m| c.metric(m).id.as_str()).collect();
    let more;
    if ids.len() > SHOWN_IDS {
        more = format!("等共 {} 个", ids.len());
        s.push(&more);
    }
    s.join(", ")
}

/// The cell to point a finding at: the first of `ids` as read (file, line), else the report's first.
fn first_place(r: &Report, ids: &[usize]) -> (CellSource, Option<usize>) {
    let best = ids.iter().filter_map(|&m| r.sources[m].map(|s| (s, m))).min_by_key(|(s, _)| (s.file, s.line));
    match best {
        Some((s, m)) => (s, Some(m)),
        None => (r.locate(0).unwrap_or(CellSource { file: 0, record: 0, line: 0, col: 0 }), None),
    }
}

fn settle(r: &Report) -> Result<Format, Problem> {
    if let [(a, at_a), (b, _), ..] = r.declared[..] {
        return Err(Problem {
            rule: Rule::MixedFormat,
            at: at_a,
            metric: None,
            expected: "同一报告的 format 列只给一种格式".into(),
            actual: format!("{} / {}", a.as_str(), b.as_str()),
            message: format!(
                "format 列同时给出了 {} 和 {}，无法判断按哪种表格核对（a report's rows declare two formats）",
                a.name_zh(),
                b.name_zh()
            ),
        });
    }
    let (f2019, f2021) = (only_in(r, Format::F2019), only_in(r, Format::F2021));
    let format = match r.declared.first() {
        Some(&(declared, _)) => {
            let wrong = if declared == Format::F2019 { &f2021 } else { &f2019 };
            if !wrong.is_empty() {
                let (at, metric) = first_place(r, wrong);
                return Err(Problem {
                    rule: Rule::MixedFormat,
                    at,
                    metric,
                    expected: format!("只含{}的数据项", declared.name_zh()),
                    actual: list(wrong),
                    message: format!(
                        "format 列写的是 {}，但这些数据项只属于{}：{}；第一个是 {}（the metric ids contradict the format column）",
                        declared.as_str(),
                        other(declared).name_zh(),
                        list(wrong),
                        labelled(wrong)
                    ),
                });
            }
            declared
        }
        None => match (f2019.is_empty(), f2021.is_empty()) {
            (false, false) => {
                // Point at the minority: those are the likelier mistakes.
                let wrong = if f2019.len() <= f2021.len() { &f2019 } else { &f2021 };
                let (at, metric) = first_place(r, wrong);
                return Err(Problem {
                    rule: Rule::MixedFormat,
                    at,
                    metric,
                    expected: "只含一种格式的数据项".into(),
                    actual: format!("2019：{}；2021：{}", list(&f2019), list(&f2021)),
                    message: format!(
                        "同一报告混用两种格式的数据项，无法判断按哪种表格核对。只属于 2019 年格式的：{}；只属于 2021 年格式的：{}；此处是 {}（mixed format）",
                        list(&f2019),
                        list(&f2021),
                        labelled(wrong)
                    ),
                });
            }
            (false, true) => Format::F2019,
            (true, false) => Format::F2021,
            (true, true) => Format::for_year(r.key.year),
        },
    };
    if r.key.year < format.first_year() {
        let (at, metric) = first_place(r, &f2021);
        return Err(Problem {
            rule: Rule::FormatTooEarly,
            at,
            metric,
            expected: format!("{} 年及以后的年度，或 2019 年格式", format.first_year()),
            actual: format!("{} 年度、{}", r.key.year, format.as_str()),
            message: format!(
                "{}自 {} 年度报告起施行，{} 年度报告应使用 2019 年格式；年度或表格有误{}（2021 format dated before 2021）",
                format.name_zh(),
                format.first_year(),
                r.key.year,
                if f2021.is_empty() { String::new() } else { format!("；2021 年格式的数据项如 {}", labelled(&f2021)) }
            ),
        });
    }
    Ok(format)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportKey;

    fn report(year: i32, cells: &[(&str, Option<f64>)], declared: Option<Format>) -> Report {
        let mut r = Report::new(ReportKey { region: 653128, year, body: String::new() });
        for (line, (id, v)) in cells.iter().enumerate() {
            let m = catalog().known(id);
            let src = CellSource { file: 0, record: line as u32, line: line as u32 + 2, col: 3 };
            r.values[m] = *v;
            r.sources[m] = Some(src);
            if let (Some(f), true) = (declared, line == 0) {
                r.declared.push((f, src));
            }
        }
        r
    }

    #[test]
    fn the_format_column_then_the_ids_then_the_year() {
        let shared = ("licensing.decisions", Some(5.0));
        assert_eq!(settle(&report(2020, &[shared], None)).ok(), Some(Format::F2019));
        assert_eq!(settle(&report(2021, &[shared], None)).ok(), Some(Format::F2021));
        let old = ("fees.items_change", Some(-1.0));
        assert_eq!(settle(&report(2023, &[shared, old], None)).ok(), Some(Format::F2019));
        assert_eq!(settle(&report(2023, &[shared], Some(Format::F2019))).ok(), Some(Format::F2019));
        // A blank cell decides nothing.
        let blank_new = ("fees.amount", None);
        assert_eq!(settle(&report(2020, &[shared, blank_new], None)).ok(), Some(Format::F2019));
    }

    #[test]
    fn mixed_and_misdated_reports_have_no_format() {
        let (old, new) = (("fees.items_change", Some(-1.0)), ("fees.amount", Some(2.5)));
        let p = settle(&report(2023, &[old, new], None)).err().unwrap();
        assert_eq!(
            (p.rule, p.actual.as_str()),
            (Rule::MixedFormat, "2019：fees.items_change；2021：fees.amount")
        );
        let p = settle(&report(2023, &[old], Some(Format::F2021))).err().unwrap();
        assert_eq!((p.rule, p.metric), (Rule::MixedFormat, Some(catalog().known("fees.items_change"))));
        let p = settle(&report(2020, &[new], None)).err().unwrap();
        assert_eq!((p.rule, p.at.line), (Rule::FormatTooEarly, 2));
        let p =
            settle(&report(2020, &[("licensing.decisions", Some(1.0))], Some(Format::F2021))).err().unwrap();
        assert_eq!(p.rule, Rule::FormatTooEarly);
        // Two rows of one report declaring different formats.
        let mut r = report(2023, &[("licensing.decisions", Some(1.0))], Some(Format::F2019));
        r.declared.push((Format::F2021, CellSource { file: 0, record: 9, line: 11, col: 3 }));
        let p = settle(&r).err().unwrap();
        assert_eq!((p.rule, p.actual.as_str(), p.at.line), (Rule::MixedFormat, "2019 / 2021", 2));
    }
}
