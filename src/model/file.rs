//! What reading one input file produced: the file, its reports' keys, its accepted cells, its
//! rejected rows and its findings. Every stage above reads or writes these; they live here, below
//! the stages, so that ingest, validate and store need not import each other to share them.

use super::finding::{Finding, Rule};
use crate::reference::catalog::Format;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The column a rejected-rows CSV adds for the reasons; a header holding it is read without it.
pub const ERROR_COLUMN: &str = "error";

/// How a file is read: as CSV, or as a published report the extractor turns into cells.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum InputKind {
    #[default]
    Csv,
    Report,
    /// A workbook (.xlsx, .xlsm, .xls, .ods): every visible sheet read (`ingest::workbook`).
    Workbook,
}

#[derive(Debug, Clone, Default)]
pub struct InputFile {
    pub path: PathBuf,
    /// Path relative to the input root it was found under; `rejected/` mirrors it.
    pub rel: PathBuf,
    /// `rel` as text, the name findings and Parquet use for this file.
    pub display: String,
    pub kind: InputKind,
    /// Size and modification time (nanoseconds since the Unix epoch) as the folder walk saw them,
    /// when it did: what the cache compares (`ingest::cache`), without a `stat` of the whole path.
    pub seen: Option<(u64, u128)>,
}

/// A file's size and modification time in nanoseconds since the Unix epoch: how the parse cache
/// knows an unchanged input ([`InputFile::seen`]) and the store an unchanged published file.
pub fn size_and_mtime(meta: &std::fs::Metadata) -> Option<(u64, u128)> {
    let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    Some((meta.len(), mtime))
}

/// What the extractor made of a report file, kept (and cached) so that store can publish it as
/// `extracted/<path>.csv` and `extracted/<path>.log.txt` without reading the report again.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ReportExtract {
    /// `plain text`, `HTML` or `docx`.
    pub form: String,
    /// The long-layout CSV of the 200 cells, as `xxgk extract` writes it; empty when refused or skipped.
    pub csv: String,
    /// The extraction log, one line per finding of the extractor; the last line says how it ended.
    pub log: Vec<String>,
}

/// A report: one body's annual report for one region and year.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct ReportKey {
    pub region: u32,
    pub year: i32,
    pub body: String,
}

/// One accepted cell, pointing back to where it was read.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct Cell {
    /// Index into [`ParsedFile::reports`].
    pub report: u32,
    pub metric: u16,
    /// Header column the value came from.
    pub col: u16,
    /// 0-based data record number within the file.
    pub record: u32,
    pub line: u32,
    pub value: Option<f64>,
    /// The row's `format` column, when it has one and it is not blank.
    pub declared: Option<Format>,
    /// The row's `body_kind` column, when it has one and it is not blank.
    pub kind: Option<super::scope::BodyKind>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RejectedRow {
    pub line: u64,
    pub reasons: Vec<String>,
}

/// What reading one file produced. Serializable so that `cache` can skip re-reading an unchanged
/// file; `file` is where it was found this time and is not cached.
#[derive(Debug, Serialize, Deserialize)]
pub struct ParsedFile {
    #[serde(skip)]
    pub file: InputFile,
    /// Set when this result came from the cache instead of reading the file.
    #[serde(skip)]
    pub from_cache: bool,
    pub sha256: String,
    pub size: u64,
    pub encoding: Option<String>,
    pub layout: Option<String>,
    /// Shared between files with the same header (see `headers`).
    #[serde(with = "shared_strings")]
    pub header: Arc<[String]>,
    pub rows_read: u64,
    pub reports: Vec<ReportKey>,
    pub cells: Vec<Cell>,
    /// Rejected data records by record number. When the whole file is refused, every record is here
    /// (or, if it could not even be read as CSV text, `file_error` says why and there are no records).
    pub rejected: BTreeMap<u32, RejectedRow>,
    pub file_error: Option<String>,
    pub findings: Vec<Finding>,
    /// Set for a report file: what the extractor made of it (see `report`).
    pub extracted: Option<ReportExtract>,
    /// The report years of `cells`, ascending; kept when the cells go (spilled, or not loaded from
    /// the cache), so that a re-run knows which years a file takes part in without its cells.
    pub years: Vec<i32>,
    /// For each of `years`, a digest of what merging and checking that year reads of this file
    /// (see [`ParsedFile::note_years`]): an edit to one year of a file holding several leaves the
    /// other years' digests, and so their merged results and partitions, as they were.
    #[serde(default)]
    pub year_digests: Vec<(i32, String)>,
}

/// `Arc<[String]>` as a plain list, without serde's `rc` feature (turning it on rebuilds most of
/// the dependency tree, polars included).
mod shared_strings {
    use serde::{Deserialize, Deserializer, Serializer};
    use std::sync::Arc;

    pub fn serialize<S: Serializer>(v: &Arc<[String]>, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<[String]>, D::Error> {
        Vec::<String>::deserialize(d).map(Arc::from)
    }
}

impl ParsedFile {
    pub(crate) fn new(file: &InputFile) -> ParsedFile {
        ParsedFile {
            file: file.clone(),
            from_cache: false,
            sha256: String::new(),
            size: 0,
            encoding: None,
            layout: None,
            header: Arc::from(Vec::new()),
            rows_read: 0,
            reports: Vec::new(),
            cells: Vec::new(),
            rejected: BTreeMap::new(),
            file_error: None,
            findings: Vec::new(),
            extracted: None,
            years: Vec::new(),
            year_digests: Vec::new(),
        }
    }

    /// Set `years` and `year_digests` from the cells. A year's digest covers the header (findings
    /// name columns by it) and, in file order, every cell of that year: its report's key, metric,
    /// column, record, line, value, declared format and body kind. Lines and records are the file's, so an
    /// edit that moves the rows of other years changes their digests too, as it changes their
    /// findings.
    pub fn note_years(&mut self) {
        use sha2::{Digest, Sha256};
        // Each year's bytes and how many of its reports have been named so far.
        let mut by_year: BTreeMap<i32, (Vec<u8>, u32)> = BTreeMap::new();
        // A report is named by its place among its year's reports, its key hashed once.
        let mut local = vec![u32::MAX; self.reports.len()];
        for c in &self.cells {
            let Some(key) = self.reports.get(c.report as usize) else { continue };
            let (buf, named) = by_year.entry(key.year).or_default();
            let at = &mut local[c.report as usize];
            if *at == u32::MAX {
                *at = *named;
                *named += 1;
                buf.extend_from_slice(&key.region.to_le_bytes());
                buf.extend_from_slice(&(key.body.len() as u64).to_le_bytes());
                buf.extend_from_slice(key.body.as_bytes());
            }
            buf.extend_from_slice(&at.to_le_bytes());
            buf.extend_from_slice(&c.metric.to_le_bytes());
            buf.extend_from_slice(&c.col.to_le_bytes());
            buf.extend_from_slice(&c.record.to_le_bytes());
            buf.extend_from_slice(&c.line.to_le_bytes());
            match c.value {
                Some(v) => {
                    buf.push(1);
                    buf.extend_from_slice(&v.to_bits().to_le_bytes());
                }
                None => buf.push(0),
            }
            buf.push(c.declared.map_or(0, |f| f as u8 + 1));
            buf.push(c.kind.map_or(0, |k| k as u8 + 1));
        }
        let mut header = Sha256::new();
        for h in self.header.iter() {
            header.update((h.len() as u64).to_le_bytes());
            header.update(h.as_bytes());
        }
        let header = header.finalize();
        self.years = by_year.keys().copied().collect();
        self.year_digests = by_year
            .into_iter()
            .map(|(y, (buf, _))| {
                let mut h = Sha256::new();
                h.update(header);
                h.update(&buf);
                (y, format!("{:x}", h.finalize()))
            })
            .collect();
    }

    /// This file's digest for `year` (`note_years`), or its SHA-256 for a file read before digests
    /// were kept.
    pub fn year_digest(&self, year: i32) -> &str {
        self.year_digests.iter().find(|(y, _)| *y == year).map_or(self.sha256.as_str(), |(_, d)| d.as_str())
    }

    /// Everything but the cells: what the cache manifest keeps of a file.
    pub fn without_cells(&self) -> ParsedFile {
        ParsedFile {
            file: self.file.clone(),
            from_cache: self.from_cache,
            sha256: self.sha256.clone(),
            size: self.size,
            encoding: self.encoding.clone(),
            layout: self.layout.clone(),
            header: Arc::clone(&self.header),
            rows_read: self.rows_read,
            reports: self.reports.clone(),
            cells: Vec::new(),
            rejected: self.rejected.clone(),
            file_error: self.file_error.clone(),
            findings: self.findings.clone(),
            extracted: self.extracted.clone(),
            years: self.years.clone(),
            year_digests: self.year_digests.clone(),
        }
    }

    /// Reject a record, adding the reason to any it already has.
    pub fn reject(&mut self, record: u32, line: u64, reason: String) {
        self.rejected
            .entry(record)
            .or_insert_with(|| RejectedRow { line, reasons: Vec::new() })
            .reasons
            .push(reason);
    }

    pub fn rows_rejected(&self) -> u64 {
        self.rejected.len() as u64
    }

    /// Refuse the whole file; the returned finding can be given a column and expected/actual.
    pub(crate) fn refuse_file(&mut self, rule: Rule, line: Option<u64>, message: String) -> &mut Finding {
        let mut f = Finding::error(rule, &self.file.display, message.clone());
        f.line = line;
        self.file_error = Some(format!("{}: {message}", rule.id()));
        self.findings.push(f);
        self.findings.last_mut().expect("just pushed")
    }
}

/// A row rejected by the merge or the checks of a year (not by reading its file). Merge and
/// validate return these; the pipeline applies them to the files and keeps them in the year cache.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejection {
    /// The file's name (`InputFile::display`): what a cached year names it by across runs.
    pub file: String,
    /// The file's number in this run, set when the rejection was made in this run; a cached
    /// rejection (`None`) is applied to the file of that name.
    #[serde(skip)]
    pub file_no: Option<u32>,
    pub record: u32,
    pub line: u64,
    pub reason: String,
}
