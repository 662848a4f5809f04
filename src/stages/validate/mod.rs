//! Validation: per-field checks (`cell`), each report's table format (`format`), the 勾稽关系 inside
//! a report (`consistency`) and across years (`across_years`), each report's body kind (`scope`),
//! and the findings they produce (`finding`).

pub mod across_years;
pub mod consistency;
pub mod format;
pub mod scope;

use crate::model::{Breach, Finding, Rejection, Rule, Severity};
use crate::model::{Dataset, Report};
use crate::support::hash::HashSet;
use rayon::prelude::*;

/// What checking one year gives: its findings and the rows of the reports it rejected whole, for
/// the caller to apply to the files. The reports themselves are changed in place: their format is
/// settled and a report rejected whole is marked so.
#[derive(Debug, Default)]
pub struct Checked {
    pub findings: Vec<Finding>,
    pub rejections: Vec<Rejection>,
    /// (file, record) of every row in `rejections`.
    rejected: HashSet<(u32, u32)>,
}

impl Checked {
    /// Reject report `i` whole: it is not stored, and every row it was read from that is not
    /// rejected already is rejected with `reason`.
    fn reject_report(&mut self, ds: &mut Dataset, i: usize, reason: &str) {
        ds.reports[i].rejected = true;
        for s in ds.reports[i].sources.iter().flatten() {
            let file = &ds.files[s.file as usize];
            if !file.rejected.contains_key(&s.record) && self.rejected.insert((s.file, s.record)) {
                self.rejections.push(Rejection {
                    file: file.file.display.clone(),
                    file_no: Some(s.file),
                    record: s.record,
                    line: s.line as u64,
                    reason: reason.to_string(),
                });
            }
        }
    }
}

/// Settle the format of each report in `ds` (one year's), then apply the report-level rules and,
/// against `last_year` (the year before's reports, already checked), the rules across years. With
/// `strict`, a report breaking R1–R4 is rejected whole.
pub fn check_year(ds: &mut Dataset, last_year: &[Report], strict: bool) -> Checked {
    let mut out = Checked::default();
    format::resolve(ds, &mut out);
    scope::resolve(ds, &mut out);
    let severity = if strict { Severity::Error } else { Severity::Warning };
    let breaches: Vec<(usize, Vec<Breach>)> = ds
        .reports
        .par_iter()
        .enumerate()
        .filter(|(_, r)| !r.rejected)
        .map(|(i, r)| (i, crate::model::check_report(r)))
        .filter(|(_, b)| !b.is_empty())
        .collect();
    for (i, list) in breaches {
        let mut reasons = Vec::new();
        for b in list {
            let f = consistency::to_finding(ds, &ds.reports[i], b, severity);
            reasons.push(format!("{}: {}", f.rule.id(), f.message));
            out.findings.push(f);
        }
        if strict {
            out.reject_report(ds, i, &format!("{}（--strict：整份报告被拒收）", reasons.join("; ")));
        }
    }
    let mut pairs = Vec::new();
    for (i, r) in ds.reports.iter().enumerate() {
        if r.rejected {
            continue;
        }
        // Reports are sorted by (region, year, body): last year's report is found by search.
        let want =
            crate::model::ReportKey { region: r.key.region, year: r.key.year - 1, body: r.key.body.clone() };
        if let Ok(j) = last_year.binary_search_by(|p| p.key.cmp(&want)) {
            if !last_year[j].rejected {
                pairs.push((j, i));
            }
        }
    }
    // Each pair on its own, in parallel; the findings in the pairs' order.
    let found: Vec<Vec<Finding>> = pairs
        .par_iter()
        .map(|&(j, i)| {
            across_years::check_pair(&last_year[j], &ds.reports[i])
                .into_iter()
                .map(|b| consistency::to_finding(ds, &ds.reports[i], b, Severity::Warning))
                .collect()
        })
        .collect();
    out.findings.extend(found.into_iter().flatten());
    out
}

/// Rule ids in the order README documents them.
pub fn rules() -> &'static [Rule] {
    &Rule::ALL
}
