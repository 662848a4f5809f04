//! The run summary: per file, rows read = rows stored + rows rejected; findings by rule; coverage.
//! Printed at the end of a run and kept as `validation/summary.json`.

use crate::model::finding::{Finding, Severity};
use crate::model::{Dataset, Report};
use crate::support::term::{pad, width};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

#[derive(Debug, Clone, Serialize)]
pub struct FileSummary {
    pub file: String,
    pub encoding: Option<String>,
    pub layout: Option<String>,
    pub sha256: String,
    pub rows_read: u64,
    pub rows_stored: u64,
    pub rows_rejected: u64,
    pub error: Option<String>,
}

impl FileSummary {
    /// A file that was looked at and skipped (not a report, or a kind xxgk does not read): listed
    /// even in a long summary, with its layout saying what it is.
    pub fn skipped(&self) -> bool {
        self.layout.as_deref().is_some_and(|l| l.ends_with("(skipped)"))
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub files: Vec<FileSummary>,
    pub files_rejected: usize,
    /// Files whose unchanged content was taken from `.xxgk-cache/` instead of being read again.
    pub files_from_cache: usize,
    /// Report years whose merge and checks were taken from `.xxgk-cache/`: none of their inputs
    /// (nor the year before's) changed.
    pub years_from_cache: Vec<i32>,
    pub rows_read: u64,
    pub rows_stored: u64,
    pub rows_rejected: u64,
    pub reports_stored: usize,
    pub reports_rejected: usize,
    /// Stored reports by table format (`2019`, `2021`).
    pub reports_by_format: BTreeMap<String, usize>,
    pub cells_stored: usize,
    pub errors: usize,
    pub warnings: usize,
    pub notices: usize,
    pub findings_by_rule: BTreeMap<String, usize>,
    pub regions: Vec<String>,
    pub years: Vec<i32>,
    pub strict: bool,
}

/// What the reports add to the summary, counted year by year as they pass (a run holds one year
/// of reports at a time).
#[derive(Debug, Default, Clone, Serialize, serde::Deserialize)]
pub struct ReportTally {
    stored: usize,
    rejected: usize,
    by_format: BTreeMap<String, usize>,
    cells: usize,
    regions: BTreeSet<String>,
    years: BTreeSet<i32>,
}

impl ReportTally {
    pub fn add(&mut self, reports: &[Report]) {
        for r in reports {
            if r.rejected {
                self.rejected += 1;
                continue;
            }
            self.stored += 1;
            *self.by_format.entry(r.format.as_str().to_string()).or_insert(0) += 1;
            self.cells += r.sources.iter().flatten().count();
            self.regions.insert(r.region_code());
            self.years.insert(r.key.year);
        }
    }

    /// Count another tally's reports too (a year's, taken from the cache).
    pub fn absorb(&mut self, other: &ReportTally) {
        self.stored += other.stored;
        self.rejected += other.rejected;
        for (format, n) in &other.by_format {
            *self.by_format.entry(format.clone()).or_insert(0) += n;
        }
        self.cells += other.cells;
        self.regions.extend(other.regions.iter().cloned());
        self.years.extend(other.years.iter().copied());
    }
}

impl Summary {
    pub fn new(ds: &Dataset, tally: ReportTally, findings: &[Finding], strict: bool) -> Summary {
        let files: Vec<FileSummary> = ds
            .files
            .iter()
            .map(|f| FileSummary {
                file: f.file.display.clone(),
                encoding: f.encoding.clone(),
                layout: f.layout.clone(),
                sha256: f.sha256.clone(),
                rows_read: f.rows_read,
                rows_stored: f.rows_read - f.rows_rejected(),
                rows_rejected: f.rows_rejected(),
                error: f.file_error.clone(),
            })
            .collect();
        let mut by_rule = BTreeMap::new();
        for f in findings {
            *by_rule.entry(f.rule.id().to_string()).or_insert(0) += 1;
        }
        let count = |s: Severity| findings.iter().filter(|f| f.severity == s).count();
        Summary {
            files_rejected: files.iter().filter(|f| f.error.is_some()).count(),
            files_from_cache: ds.files.iter().filter(|f| f.from_cache).count(),
            years_from_cache: Vec::new(),
            rows_read: files.iter().map(|f| f.rows_read).sum(),
            rows_stored: files.iter().map(|f| f.rows_stored).sum(),
            rows_rejected: files.iter().map(|f| f.rows_rejected).sum(),
            reports_stored: tally.stored,
            reports_rejected: tally.rejected,
            reports_by_format: tally.by_format,
            cells_stored: tally.cells,
            errors: count(Severity::Error),
            warnings: count(Severity::Warning),
            notices: count(Severity::Info),
            findings_by_rule: by_rule,
            regions: tally.regions.into_iter().collect(),
            years: tally.years.into_iter().collect(),
            files,
            strict,
        }
    }

    /// Anything rejected (a row, a file, an unreadable path) makes the run exit 1.
    pub fn anything_rejected(&self) -> bool {
        self.rows_rejected > 0 || self.files_rejected > 0 || self.errors > 0
    }

    pub fn render(&self) -> String {
        let mut s = String::new();
        // Padded by display width: file names are often Chinese (two columns a character).
        let w = self.files.iter().map(|f| width(&f.file)).max().unwrap_or(4).clamp(5, 60);
        let _ = writeln!(
            s,
            "{:<w$}  {:>9}  {:>9}  {:>9}  {:<12} layout",
            "file", "read", "stored", "rejected", "encoding"
        );
        // A national run has tens of thousands of files: list them all only when few, else the ones
        // with rejections; summary.json always has every file.
        let many = self.files.len() > 40;
        let shown: Vec<&FileSummary> = self
            .files
            .iter()
            .filter(|f| !many || f.rows_rejected > 0 || f.error.is_some() || f.skipped())
            .take(200)
            .collect();
        for f in &shown {
            let _ = writeln!(
                s,
                "{}  {:>9}  {:>9}  {:>9}  {:<12} {}",
                pad(&f.file, w),
                f.rows_read,
                f.rows_stored,
                f.rows_rejected,
                f.encoding.as_deref().unwrap_or("-"),
                f.layout.as_deref().unwrap_or("-")
            );
            if let Some(e) = &f.error {
                let _ = writeln!(s, "    file rejected: {e}");
            }
        }
        if shown.len() < self.files.len() {
            let rest = self.files.len() - shown.len();
            let what = if shown.is_empty() { "files, none with a rejection," } else { "more files" };
            let _ = writeln!(s, "… {rest} {what} not listed (per-file counts in validation/summary.json)");
        }
        let _ = writeln!(
            s,
            "{:<w$}  {:>9}  {:>9}  {:>9}   (rows read = rows stored + rows rejected)",
            "total", self.rows_read, self.rows_stored, self.rows_rejected
        );
        let _ = writeln!(
            s,
            "reports stored: {}, rejected: {}; cells stored: {}; files: {} ({} rejected, {} unchanged since the last run)",
            self.reports_stored,
            self.reports_rejected,
            self.cells_stored,
            self.files.len(),
            self.files_rejected,
            self.files_from_cache
        );
        let years = match (self.years.first(), self.years.last()) {
            (Some(a), Some(b)) if a != b => format!("{a}–{b}"),
            (Some(a), _) => a.to_string(),
            _ => "none".into(),
        };
        let formats: Vec<String> =
            self.reports_by_format.iter().map(|(f, n)| format!("{n} on the {f} format")).collect();
        let formats = if formats.is_empty() { "none".to_string() } else { formats.join(", ") };
        let _ = writeln!(s, "regions covered: {}; years: {years}; reports: {formats}", self.regions.len());
        let _ = writeln!(
            s,
            "findings: {} errors, {} warnings, {} notices",
            self.errors, self.warnings, self.notices
        );
        for (rule, n) in &self.findings_by_rule {
            let _ = writeln!(s, "  {} {n}", pad(rule, 32));
        }
        s
    }
}
