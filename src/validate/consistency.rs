//! The format's own consistency rules (勾稽关系) R1–R4, checked inside one report against the table of
//! the report's format: the 2019 table's （六）其他处理 is one row where 2021 has three.

use super::finding::{Finding, Rule, Severity};
use crate::catalog::{catalog, APPLICANTS};
use crate::dataset::{Dataset, Report};
use crate::ingest::parse::ReportKey;

/// A rule broken inside a report, before it is placed at a file and line.
#[derive(Debug, Clone, PartialEq)]
pub struct Breach {
    pub rule: Rule,
    /// The cell the finding points at (the total the parts should add up to).
    pub metric: usize,
    pub expected: f64,
    pub actual: f64,
    pub message: String,
}

fn applicant_zh(col: usize) -> &'static str {
    ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他（法人或其他组织）", "总计"][col]
}

fn num(v: f64) -> String {
    if v.fract() == 0.0 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

pub fn check_report(r: &Report) -> Vec<Breach> {
    let c = catalog().form(r.format);
    let mut out = Vec::new();
    let row = |i: usize| &c.matrix[i];
    for col in 0..APPLICANTS.len() {
        // R1: 一 + 二 = 三（七） + 四, per column.
        let received = r.v(row(c.received_row).cells[col]);
        let carried_in = r.v(row(c.carried_in_row).cells[col]);
        let closed = r.v(row(c.closed_total_row).cells[col]);
        let forward = r.v(row(c.carried_forward_row).cells[col]);
        if received + carried_in != closed + forward {
            out.push(Breach {
                rule: Rule::RequestBalance,
                metric: row(c.closed_total_row).cells[col],
                expected: received + carried_in,
                actual: closed + forward,
                message: format!(
                    "{}列：一、本年新收 {} + 二、上年结转 {} = {}，应等于 三、（七）总计 {} + 四、结转下年度 {} = {}",
                    applicant_zh(col),
                    num(received),
                    num(carried_in),
                    num(received + carried_in),
                    num(closed),
                    num(forward),
                    num(closed + forward)
                ),
            });
        }
        // R2: （七）总计 = sum of the result rows, per column.
        let parts: f64 = c.result_rows.iter().map(|&i| r.v(row(i).cells[col])).sum();
        if parts != closed {
            out.push(Breach {
                rule: Rule::ResultsTotal,
                metric: row(c.closed_total_row).cells[col],
                expected: parts,
                actual: closed,
                message: format!(
                    "{}列：三、本年度办理结果（一）至（六）各项之和为 {}，但（七）总计填的是 {}",
                    applicant_zh(col),
                    num(parts),
                    num(closed)
                ),
            });
        }
    }
    // R3: 总计 = the six applicant columns, per row.
    for mrow in &c.matrix {
        let parts: f64 = mrow.cells[..6].iter().map(|&m| r.v(m)).sum();
        let total = r.v(mrow.cells[6]);
        if parts != total {
            out.push(Breach {
                rule: Rule::RowTotal,
                metric: mrow.cells[6],
                expected: parts,
                actual: total,
                message: format!(
                    "“{}” 这一行：自然人与法人或其他组织五列之和为 {}，但总计填的是 {}",
                    mrow.item_zh,
                    num(parts),
                    num(total)
                ),
            });
        }
    }
    // R4: 复议/诉讼 总计 = 维持 + 纠正 + 其他 + 尚未审结.
    for g in &c.appeal_groups {
        let parts: f64 = g.parts.iter().map(|&m| r.v(m)).sum();
        let total = r.v(g.total);
        if parts != total {
            out.push(Breach {
                rule: Rule::AppealTotal,
                metric: g.total,
                expected: parts,
                actual: total,
                message: format!(
                    "{}：结果维持 + 结果纠正 + 其他结果 + 尚未审结 = {}，但总计填的是 {}",
                    g.name_zh,
                    num(parts),
                    num(total)
                ),
            });
        }
    }
    out
}

/// Turn a breach into a finding located at the cell it names.
pub fn to_finding(ds: &Dataset, r: &Report, b: Breach, severity: Severity) -> Finding {
    let place = place(ds, r, b.metric);
    finding_at(&r.key, b, severity, place)
}

/// Where a finding about `metric` of `r` points: its own cell's file, line and column, or for a cell
/// the report lacks its first cell's file and line (as [`Report::locate`] finds it).
pub fn place(ds: &Dataset, r: &Report, metric: usize) -> Option<Place> {
    let own = r.sources[metric];
    let s = r.locate(metric)?;
    let column =
        own.and_then(|s| ds.files[s.file as usize].header.get(s.col as usize)).map(|h| h.trim().to_string());
    Some(Place { file: ds.file_name(s.file).to_string(), line: s.line, column })
}

/// A finding's place in the input: file, line and (for a cell the report has) column.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Place {
    pub file: String,
    pub line: u32,
    pub column: Option<String>,
}

/// The finding of breach `b` of the report `key`, pointing at `place`.
pub fn finding_at(key: &ReportKey, b: Breach, severity: Severity, place: Option<Place>) -> Finding {
    let metric = catalog().metric(b.metric);
    let region_code = format!("{:06}", key.region);
    let file = place.as_ref().map(|p| p.file.as_str()).unwrap_or_default();
    let mut f = Finding::new(
        severity,
        b.rule,
        file,
        format!("{region_code} {} {}：{}", key.year, key.body, b.message),
    )
    .metric(&metric.id)
    .expected(num(b.expected), num(b.actual));
    if let Some(p) = &place {
        f = f.at(p.line as u64, p.column.as_deref());
    }
    f.region_code = Some(region_code);
    f.year = Some(key.year);
    f.body = Some(key.body.clone());
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Format;
    use crate::ingest::parse::ReportKey;

    fn report(cells: &[(&str, f64)]) -> Report {
        report_of(2023, cells)
    }

    fn report_of(year: i32, cells: &[(&str, f64)]) -> Report {
        let mut r = Report::new(ReportKey { region: 653128, year, body: String::new() });
        for (id, v) in cells {
            r.values[catalog().expect(id)] = Some(*v);
        }
        r
    }

    fn consistent() -> Vec<(&'static str, f64)> {
        vec![
            ("requests.received.natural_person", 3.0),
            ("requests.received.total", 3.0),
            ("requests.carried_in.natural_person", 1.0),
            ("requests.carried_in.total", 1.0),
            ("requests.disclosed.natural_person", 2.0),
            ("requests.disclosed.total", 2.0),
            ("requests.closed_total.natural_person", 2.0),
            ("requests.closed_total.total", 2.0),
            ("requests.carried_forward.natural_person", 2.0),
            ("requests.carried_forward.total", 2.0),
            ("review.upheld", 1.0),
            ("review.total", 1.0),
        ]
    }

    #[test]
    fn a_consistent_report_breaks_nothing() {
        assert_eq!(check_report(&report(&consistent())), vec![]);
        assert_eq!(check_report(&report(&[])), vec![], "an empty report is trivially consistent");
    }

    #[test]
    fn broken_balance_is_r1_on_that_column() {
        let mut cells = consistent();
        cells.retain(|(id, _)| *id != "requests.carried_forward.natural_person");
        cells.push(("requests.carried_forward.natural_person", 1.0));
        let b = check_report(&report(&cells));
        let rules: Vec<Rule> = b.iter().map(|b| b.rule).collect();
        // natural_person breaks R1; its row 四 no longer adds up to its 总计 (R3).
        assert_eq!(rules, vec![Rule::RequestBalance, Rule::RowTotal]);
        assert_eq!(b[0].metric, catalog().expect("requests.closed_total.natural_person"));
        assert_eq!((b[0].expected, b[0].actual), (4.0, 3.0));
        assert!(b[0].message.contains("自然人"));
    }

    #[test]
    fn results_total_and_appeals() {
        let mut cells = consistent();
        cells.push(("requests.withheld.state_secret.research", 1.0));
        cells.push(("requests.withheld.state_secret.total", 1.0));
        cells.push(("review.pending", 2.0));
        let rules: Vec<Rule> = check_report(&report(&cells)).iter().map(|b| b.rule).collect();
        assert_eq!(rules, vec![Rule::ResultsTotal, Rule::ResultsTotal, Rule::AppealTotal]);
    }

    #[test]
    fn the_2019_table_has_one_other_row() {
        let mut cells = consistent();
        cells.retain(|(id, _)| !id.starts_with("requests.disclosed"));
        cells.push(("requests.other_total.natural_person", 2.0));
        cells.push(("requests.other_total.total", 2.0));
        let r = report_of(2020, &cells);
        assert_eq!(r.format, Format::F2019);
        assert_eq!(check_report(&r), vec![], "（六） as one row adds up to （七）");
        // The same cells read as a 2021 report: its （六） rows are others, so R2 breaks.
        let mut r = report_of(2023, &cells);
        assert_eq!(r.format, Format::F2021);
        let rules: Vec<Rule> = check_report(&r).iter().map(|b| b.rule).collect();
        assert_eq!(rules, vec![Rule::ResultsTotal, Rule::ResultsTotal]);
        // A 2019 report whose （六） row is wrong breaks R2 on that column and R3 on that row.
        r.format = Format::F2019;
        r.values[catalog().expect("requests.other_total.total")] = Some(3.0);
        let rules: Vec<Rule> = check_report(&r).iter().map(|b| b.rule).collect();
        assert_eq!(rules, vec![Rule::ResultsTotal, Rule::RowTotal]);
    }
}
