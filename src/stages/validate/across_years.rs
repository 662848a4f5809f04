//! R5: rules that join a report to the same region and body's report of the year before.
//! Warnings only: a body may restate last year's figures, and an analyst decides.
//!
//! R5a holds across the 2020→2021 change of format: 二、上年结转 and 四、结转下年度 are the same rows,
//! with the same ids, in both tables. R5b needs 现行有效件数, which the 2019 table does not have
//! (its 对外公开总数量 counts documents published, not in force), so it is checked only between two
//! 2021-format reports.

use super::consistency::{finding_at, place_in, Place};
use crate::model::ReportKey;
use crate::model::{Breach, Finding, Rule, Severity};
use crate::model::{Dataset, Report};
use crate::reference::catalog::{catalog, Format};

/// The cells of `prev` that [`check_pair`] reads: its 四、结转下年度 row and, on the 2021 format, the
/// 现行有效件数 of 规章 and 规范性文件. A year kept from the cache keeps these alone, for the year
/// after it when that one is checked again.
pub fn read_of_year_before(prev: &Report) -> Vec<usize> {
    let c = catalog();
    let form = c.form(prev.format);
    let mut cells = form.matrix[form.carried_forward_row].cells.to_vec();
    if prev.format == Format::F2021 {
        cells.extend(["regulations.in_force", "normative_docs.in_force"].map(|id| c.known(id)));
    }
    cells
}

/// The cells of `cur` that [`check_pair`] reads: its 二、上年结转 row and, on the 2021 format, the
/// 现行有效件数, 本年制发件数 and 本年废止件数 of 规章 and 规范性文件.
pub fn read_of_this_year(format: Format) -> &'static [usize] {
    // Worked out once per format: every report of every year checked asks.
    static CELLS: std::sync::OnceLock<[Vec<usize>; 2]> = std::sync::OnceLock::new();
    let cells = CELLS.get_or_init(|| {
        [Format::F2019, Format::F2021].map(|format| {
            let c = catalog();
            let form = c.form(format);
            let mut cells = form.matrix[form.carried_in_row].cells.to_vec();
            if format == Format::F2021 {
                for item in ["regulations", "normative_docs"] {
                    cells.extend(
                        ["in_force", "issued", "repealed"].map(|part| c.known(&format!("{item}.{part}"))),
                    );
                }
            }
            cells
        })
    });
    &cells[usize::from(format == Format::F2021)]
}

/// Whether a finding is one of R5's, the only ones a year's outcome owes to the year before.
pub fn is_across_years(rule: Rule) -> bool {
    matches!(rule, Rule::CarryOverAcrossYears | Rule::InForceAcrossYears)
}

/// A year's stored reports as R5 reads them as the later of a pair: enough to check the year again
/// against a changed year before without merging it again. Each cell keeps where a finding about
/// it points (file, line, column), its strings held once in `strings`: a national year is some
/// 37,000 such places in a few hundred files.
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct KeptCurrent {
    reports: Vec<(ReportKey, Format, Vec<KeptCell>)>,
    strings: Vec<String>,
}

/// A cell: metric, value, and its place as (file, line, column) with the strings by number.
type KeptCell = (u16, Option<f64>, Option<(u32, u32, Option<u32>)>);

impl KeptCurrent {
    /// What a later check needs of `ds.reports` (one year's, sorted): the stored ones, in order.
    pub fn of<'a>(ds: &'a Dataset) -> KeptCurrent {
        // Each file name and column once, borrowed from the dataset until then.
        let mut numbers: crate::support::hash::HashMap<&'a str, u32> =
            crate::support::hash::HashMap::default();
        let mut strings = Vec::new();
        let mut number = |s: &'a str| match numbers.get(s) {
            Some(&n) => n,
            None => {
                strings.push(s.to_string());
                let n = (strings.len() - 1) as u32;
                numbers.insert(s, n);
                n
            }
        };
        let reports = ds
            .reports
            .iter()
            .filter(|r| !r.rejected)
            .map(|r| {
                let cells = read_of_this_year(r.format)
                    .iter()
                    .map(|&m| {
                        let at = place_in(ds, r, m)
                            .map(|(file, line, column)| (number(file), line, column.map(&mut number)));
                        (m as u16, r.values[m], at)
                    })
                    .collect();
                (r.key.clone(), r.format, cells)
            })
            .collect();
        KeptCurrent { reports, strings }
    }

    fn place(&self, at: (u32, u32, Option<u32>)) -> Place {
        let text = |i: u32| self.strings.get(i as usize).cloned().unwrap_or_default();
        Place { file: text(at.0), line: at.1, column: at.2.map(text) }
    }
}

/// R5's findings for `kept` (a year's stored reports) against `last_year` (the year before's
/// reports, sorted): what [`super::check_year`] finds of them, in the same order.
pub fn recheck(kept: &KeptCurrent, last_year: &[Report]) -> Vec<Finding> {
    let mut out = Vec::new();
    for (key, format, cells) in &kept.reports {
        let want = ReportKey { region: key.region, year: key.year - 1, body: key.body.clone() };
        let Ok(j) = last_year.binary_search_by(|p| p.key.cmp(&want)) else { continue };
        if last_year[j].rejected {
            continue;
        }
        let mut cur = Report::for_checks(key.clone(), *format);
        for &(m, v, _) in cells {
            if let Some(slot) = cur.values.get_mut(usize::from(m)) {
                *slot = v;
            }
        }
        for b in check_pair(&last_year[j], &cur) {
            let at = cells.iter().find(|c| usize::from(c.0) == b.metric).and_then(|c| c.2);
            out.push(finding_at(key, b, Severity::Warning, at.map(|a| kept.place(a))));
        }
    }
    out
}

pub fn check_pair(prev: &Report, cur: &Report) -> Vec<Breach> {
    let c = catalog();
    let mut out = Vec::new();
    let (cur_form, prev_form) = (c.form(cur.format), c.form(prev.format));
    let carried_in = &cur_form.matrix[cur_form.carried_in_row];
    let forward = &prev_form.matrix[prev_form.carried_forward_row];
    for col in 0..7 {
        let this_in = cur.v(carried_in.cells[col]);
        let last_out = prev.v(forward.cells[col]);
        if this_in != last_out {
            out.push(Breach {
                rule: Rule::CarryOverAcrossYears,
                metric: carried_in.cells[col],
                expected: last_out,
                actual: this_in,
                message: format!(
                    "{}：本年 二、上年结转 {} 与 {} 年报告的 四、结转下年度继续办理 {} 不一致",
                    c.metric(carried_in.cells[col]).column_zh,
                    this_in,
                    prev.key.year,
                    last_out
                ),
            });
        }
    }
    if (prev.format, cur.format) != (Format::F2021, Format::F2021) {
        return out;
    }
    for item in ["regulations", "normative_docs"] {
        let id = |part: &str| c.known(&format!("{item}.{part}"));
        let (in_force, issued, repealed) = (id("in_force"), id("issued"), id("repealed"));
        let expected = prev.v(in_force) + cur.v(issued) - cur.v(repealed);
        if cur.v(in_force) != expected {
            let label = c.metric(in_force).item_zh.rsplit('/').next().unwrap_or("");
            out.push(Breach {
                rule: Rule::InForceAcrossYears,
                metric: in_force,
                expected,
                actual: cur.v(in_force),
                message: format!(
                    "{label}：上年现行有效 {} + 本年制发 {} − 本年废止 {} = {expected}，但本年现行有效件数是 {}",
                    prev.v(in_force),
                    cur.v(issued),
                    cur.v(repealed),
                    cur.v(in_force)
                ),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::ReportKey;

    fn report(year: i32, cells: &[(&str, f64)]) -> Report {
        let mut r = Report::new(ReportKey { region: 653128, year, body: String::new() });
        for (id, v) in cells {
            r.values[catalog().known(id)] = Some(*v);
        }
        r
    }

    #[test]
    fn carry_over_crosses_the_change_of_format_and_in_force_does_not() {
        let prev = report(
            2020,
            &[("requests.carried_forward.research", 2.0), ("requests.carried_forward.total", 2.0)],
        );
        assert_eq!(prev.format, Format::F2019);
        let cur = report(2021, &[("requests.carried_in.research", 1.0), ("requests.carried_in.total", 1.0)]);
        let rules: Vec<(Rule, f64, f64)> =
            check_pair(&prev, &cur).iter().map(|b| (b.rule, b.expected, b.actual)).collect();
        assert_eq!(
            rules,
            vec![(Rule::CarryOverAcrossYears, 2.0, 1.0), (Rule::CarryOverAcrossYears, 2.0, 1.0)]
        );
        // 现行有效件数 = 0 + 3 would break R5b between two 2021 reports, but 2020 has no such cell.
        let cur = report(
            2021,
            &[
                ("requests.carried_in.research", 2.0),
                ("requests.carried_in.total", 2.0),
                ("normative_docs.issued", 3.0),
            ],
        );
        assert_eq!(check_pair(&prev, &cur), vec![]);
        let prev21 = report(2021, &[]);
        let cur22 = report(2022, &[("normative_docs.issued", 3.0)]);
        let rules: Vec<Rule> = check_pair(&prev21, &cur22).iter().map(|b| b.rule).collect();
        assert_eq!(rules, vec![Rule::InForceAcrossYears]);
    }

    #[test]
    fn the_cells_kept_of_the_year_before_are_all_it_takes() {
        let full = |year: i32, format: Format, v: f64| {
            let mut r = Report::new(ReportKey { region: 653128, year, body: String::new() });
            r.format = format;
            for (m, value) in r.values.iter_mut().enumerate() {
                *value = Some(v + m as f64);
            }
            r
        };
        for (prev_format, cur_format) in [(Format::F2021, Format::F2021), (Format::F2019, Format::F2021)] {
            let (prev, cur) = (full(2022, prev_format, 1.0), full(2023, cur_format, 3.0));
            let mut kept = Report::new(prev.key.clone());
            kept.format = prev.format;
            for m in read_of_year_before(&prev) {
                kept.values[m] = prev.values[m];
            }
            let messages = |b: Vec<Breach>| b.into_iter().map(|b| b.message).collect::<Vec<_>>();
            let all = messages(check_pair(&prev, &cur));
            assert!(!all.is_empty());
            assert_eq!(messages(check_pair(&kept, &cur)), all);
        }
    }
}
