//! Validation: per-field checks (`cell`), each report's table format (`format`), the 勾稽关系 inside
//! a report (`consistency`) and across years (`across_years`), and the findings they produce
//! (`finding`).

pub mod across_years;
pub mod consistency;
pub mod format;

use crate::model::{Breach, Rule, Severity};
use crate::model::{Dataset, Report};
use rayon::prelude::*;

/// Settle the format of each report in `ds` (one year's), then apply the report-level rules and,
/// against `last_year` (the year before's reports, already checked), the rules across years. With
/// `strict`, a report breaking R1–R4 is rejected whole.
pub fn check_year(ds: &mut Dataset, last_year: &[Report], strict: bool) {
    format::resolve(ds);
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
            ds.findings.push(f);
        }
        if strict {
            reject_strict(ds, i, &reasons.join("; "));
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
    for (j, i) in pairs {
        for b in across_years::check_pair(&last_year[j], &ds.reports[i]) {
            let f = consistency::to_finding(ds, &ds.reports[i], b, Severity::Warning);
            ds.findings.push(f);
        }
    }
}

fn reject_strict(ds: &mut Dataset, i: usize, reasons: &str) {
    reject_report(ds, i, &format!("{}（--strict：整份报告被拒收）", reasons));
}

/// Reject a report whole: it is not stored, and every row it was read from is rejected with `reason`.
pub(crate) fn reject_report(ds: &mut Dataset, i: usize, reason: &str) {
    ds.reports[i].rejected = true;
    let sources: Vec<_> = ds.reports[i].sources.iter().flatten().copied().collect();
    for s in sources {
        let file = &mut ds.files[s.file as usize];
        if !file.rejected.contains_key(&s.record) {
            file.reject(s.record, s.line as u64, reason.to_string());
        }
    }
}

/// Rule ids in the order README documents them.
pub fn rules() -> &'static [Rule] {
    &Rule::ALL
}
