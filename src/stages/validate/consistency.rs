//! The format's own consistency rules (勾稽关系) R1–R4, checked inside one report against the table of
//! the report's format: the 2019 table's （六）其他处理 is one row where 2021 has three.

use crate::model::equations::num;
use crate::model::ReportKey;
use crate::model::{Breach, Finding, Severity};
use crate::model::{Dataset, Report};
use crate::reference::catalog::catalog;

/// Turn a breach into a finding located at the cell it names.
pub fn to_finding(ds: &Dataset, r: &Report, b: Breach, severity: Severity) -> Finding {
    let place = place(ds, r, b.metric);
    finding_at(&r.key, b, severity, place)
}

/// Where a finding about `metric` of `r` points: its own cell's file, line and column, or for a cell
/// the report lacks its first cell's file and line (as [`Report::locate`] finds it).
pub fn place(ds: &Dataset, r: &Report, metric: usize) -> Option<Place> {
    let (file, line, column) = place_in(ds, r, metric)?;
    Some(Place { file: file.to_string(), line, column: column.map(str::to_string) })
}

/// [`place`], borrowed from the dataset: file, line, column.
pub fn place_in<'a>(ds: &'a Dataset, r: &Report, metric: usize) -> Option<(&'a str, u32, Option<&'a str>)> {
    let own = r.sources[metric];
    let s = r.locate(metric)?;
    let column = own.and_then(|s| ds.files[s.file as usize].header.get(s.col as usize)).map(|h| h.trim());
    Some((ds.file_name(s.file), s.line, column))
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
    use crate::model::ReportKey;
    use crate::model::{check_report, Rule};
    use crate::reference::catalog::Format;

    fn report(cells: &[(&str, f64)]) -> Report {
        report_of(2023, cells)
    }

    fn report_of(year: i32, cells: &[(&str, f64)]) -> Report {
        let mut r = Report::new(ReportKey { region: 653128, year, body: String::new() });
        for (id, v) in cells {
            r.values[catalog().known(id)] = Some(*v);
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
        assert_eq!(b[0].metric, catalog().known("requests.closed_total.natural_person"));
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
        r.values[catalog().known("requests.other_total.total")] = Some(3.0);
        let rules: Vec<Rule> = check_report(&r).iter().map(|b| b.rule).collect();
        assert_eq!(rules, vec![Rule::ResultsTotal, Rule::RowTotal]);
    }
}
