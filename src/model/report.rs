//! The in-memory model between ingest and store: parsed files and the merged reports.

use crate::model::finding::Finding;
use crate::model::{ParsedFile, ReportKey};
use crate::reference::catalog::{catalog, Format};

/// Where a stored cell was read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CellSource {
    /// Index into [`Dataset::files`].
    pub file: u32,
    pub record: u32,
    pub line: u32,
    pub col: u16,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub key: ReportKey,
    /// By catalog index; `None` where the cell is absent or not reported.
    pub values: Vec<Option<f64>>,
    /// By catalog index; `Some` where the input gave the cell (even as "not reported"). Empty in a
    /// report rebuilt from a cached year for R5 ([`Report::for_checks`]), which points nowhere.
    pub sources: Vec<Option<CellSource>>,
    /// Indexes into [`Dataset::files`] of the files the report was read from, ascending.
    pub files: Vec<u32>,
    /// The table format the report is read as; settled by `validate::format` after the merge.
    pub format: Format,
    /// Each format a `format` column declared for the report, with the first cell that said so.
    pub declared: Vec<(Format, CellSource)>,
    /// What the body is, and so the `scope` its numbers are summed in; settled by
    /// `validate::scope` after the merge (from `declared_kind`, else from the body's name).
    pub body_kind: crate::model::scope::BodyKind,
    /// Each kind a `body_kind` column gave for the report, with the first cell that said so.
    pub declared_kind: Vec<(crate::model::scope::BodyKind, CellSource)>,
    /// Set when the report is rejected whole (`--strict`, a mixed format); such a report is not stored.
    pub rejected: bool,
}

impl Report {
    pub fn new(key: ReportKey) -> Report {
        let format = Format::for_year(key.year);
        Report { sources: vec![None; catalog().len()], ..Report::for_checks(key, format) }
    }

    /// Whether the report is stored in `year`'s partitions: not rejected, and of that year. The
    /// store writes these, and the coverage counts them.
    pub fn stored_in(&self, year: i32) -> bool {
        !self.rejected && self.key.year == year
    }

    /// A report as R5 reads it, rebuilt from what a cached year kept: its values and format, no
    /// cell sources. A national year is 2,846 such reports; with a source slot per metric each
    /// they were 24 MB more to allocate and touch in a one-file re-run, for nothing R5 reads.
    pub fn for_checks(key: ReportKey, format: Format) -> Report {
        Report {
            key,
            values: vec![None; catalog().len()],
            sources: Vec::new(),
            files: Vec::new(),
            format,
            declared: Vec::new(),
            body_kind: Default::default(),
            declared_kind: Vec::new(),
            rejected: false,
        }
    }

    /// A cell's value inside a rule: null counts as 0.
    pub fn v(&self, metric: usize) -> f64 {
        self.values[metric].unwrap_or(0.0)
    }

    /// Where to point a finding about `metric`: its own cell, else the report's first cell.
    pub fn locate(&self, metric: usize) -> Option<CellSource> {
        self.sources
            .get(metric)
            .copied()
            .flatten()
            .or_else(|| self.sources.iter().flatten().min_by_key(|s| (s.file, s.line)).copied())
    }

    pub fn region_code(&self) -> String {
        format!("{:06}", self.key.region)
    }
}

/// Each input file's name and SHA-256 by file number: what the writers need of the files, apart
/// from the dataset, so a year can be written while the next one is merged.
#[derive(Debug, Default)]
pub struct FileNames {
    names: Vec<String>,
    sha256: Vec<String>,
    year_digests: Vec<Vec<(i32, String)>>,
}

impl FileNames {
    pub fn of(files: &[ParsedFile]) -> FileNames {
        FileNames {
            names: files.iter().map(|f| f.file.display.clone()).collect(),
            sha256: files.iter().map(|f| f.sha256.clone()).collect(),
            year_digests: files.iter().map(|f| f.year_digests.clone()).collect(),
        }
    }

    /// What `ParsedFile::year_digest` gives for the file and year.
    pub fn year_digest(&self, file: u32, year: i32) -> &str {
        self.year_digests
            .get(file as usize)
            .and_then(|d| d.iter().find(|(y, _)| *y == year))
            .map_or_else(|| self.sha256(file), |(_, d)| d.as_str())
    }

    pub fn name(&self, file: u32) -> &str {
        self.names.get(file as usize).map_or("", String::as_str)
    }

    pub fn sha256(&self, file: u32) -> &str {
        self.sha256.get(file as usize).map_or("", String::as_str)
    }
}

#[derive(Debug)]
pub struct Dataset {
    pub files: Vec<ParsedFile>,
    /// The year being merged and checked, sorted by (region, year, body); empty between years.
    pub reports: Vec<Report>,
    /// Findings that are not about a single file's rows (merge, consistency, across years).
    pub findings: Vec<Finding>,
}

impl Dataset {
    pub fn file_name(&self, file: u32) -> &str {
        &self.files[file as usize].file.display
    }

    /// All findings, in a stable order.
    pub fn all_findings(&self) -> Vec<Finding> {
        let mut all: Vec<Finding> = self.files.iter().flat_map(|f| f.findings.iter().cloned()).collect();
        all.extend(self.findings.iter().cloned());
        all.sort_by_cached_key(|f| f.sort_key());
        all
    }
}
