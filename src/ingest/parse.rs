//! Read one CSV file into cells, checking every field on the way. A row with any problem is rejected
//! whole and remembered by its record number, so `store::rejected` can write it back out verbatim.

use super::decode::decode;
use super::discover::InputFile;
use super::layout::{detect, Header, HeaderProblem, Layout};
use crate::catalog::{catalog, Format};
use crate::validate::cell::{
    check_format, check_metric, check_region, check_value, check_year, FieldProblem,
};
use crate::validate::finding::{Finding, Rule, Severity};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

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
    pub extracted: Option<super::report::ReportExtract>,
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
    /// column, record, line, value and declared format. Lines and records are the file's, so an
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

pub struct ParseOptions {
    /// Latest report year accepted (the current year).
    pub max_year: i32,
}

pub fn csv_reader(text: &str) -> csv::Reader<&[u8]> {
    csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes())
}

/// Read `file` from disk and parse it; a file that cannot be read is refused with `E001`.
pub fn parse_file(file: &InputFile, opts: &ParseOptions) -> ParsedFile {
    read_or_refuse(file, |bytes| parse_bytes(file, bytes, opts))
}

/// `parse` the file's bytes, or, when they cannot be read, a result that refuses the file with
/// `E001` (CSV files and report files alike).
pub(crate) fn read_or_refuse(file: &InputFile, parse: impl FnOnce(&[u8]) -> ParsedFile) -> ParsedFile {
    match std::fs::read(&file.path) {
        Ok(bytes) => parse(&bytes),
        Err(e) => {
            let mut out = ParsedFile::new(file);
            out.refuse_file(
                Rule::UnreadableFile,
                None,
                format!("文件 {} 无法读取（cannot read the file）: {e}", file.path.display()),
            );
            out
        }
    }
}

/// Parse a file's bytes: decode, detect the layout, check every field. Never panics, whatever the
/// bytes (the fuzz target in `fuzz/` holds it to that); every problem becomes a finding.
pub fn parse_bytes(file: &InputFile, bytes: &[u8], opts: &ParseOptions) -> ParsedFile {
    let mut out = ParsedFile::new(file);
    out.size = bytes.len() as u64;
    out.sha256 = format!("{:x}", Sha256::digest(bytes));
    let text = match decode(bytes) {
        Ok((text, enc)) => {
            out.encoding = Some(enc.as_str().to_string());
            text
        }
        Err(p) => {
            let f = out.refuse_file(
                Rule::NotText,
                Some(p.line as u64),
                format!("文件不是 UTF-8 或 GBK 文本，第 {} 行字节偏移 {}：{}", p.line, p.offset, p.what),
            );
            f.expected = Some("UTF-8 或 GBK/GB18030 文本".into());
            f.actual = Some(format!("字节 0x{:02X}（偏移 {}）", p.byte, p.offset));
            return out;
        }
    };
    let mut rdr = csv_reader(&text);
    let mut rec = csv::StringRecord::new();
    let header = match rdr.read_record(&mut rec) {
        Ok(true) => detect(rec.iter()),
        Ok(false) => {
            out.refuse_file(
                Rule::EmptyFile,
                Some(1),
                "文件为空，没有表头（empty file, no header row）".into(),
            );
            return out;
        }
        Err(e) => {
            out.refuse_file(Rule::BadCsv, Some(1), format!("表头不是合法的 CSV：{e}"));
            return out;
        }
    };
    out.header = rec.iter().map(str::to_string).collect();
    let header = match header {
        Ok(h) => h,
        Err(problem) => {
            let (rule, message, column, expected, actual) = match problem {
                HeaderProblem::Duplicate { first_name, name, first, second } => (
                    Rule::DuplicateColumn,
                    format!("列名 “{name}” 出现两次（第 {first} 列和第 {second} 列，不区分大小写）；无法判断用哪一列"),
                    Some(name.clone()),
                    "每个列名只出现一次".to_string(),
                    format!("第 {first} 列 {first_name} = 第 {second} 列 {name}"),
                ),
                HeaderProblem::Missing { missing, found } => (
                    Rule::MissingColumn,
                    format!(
                        "缺少必填列 {}（missing required column）；表头是：{}",
                        missing.join(", "),
                        crate::validate::cell::elide(&found.join(","))
                    ),
                    None,
                    missing.join(","),
                    crate::validate::cell::elide(&found.join(",")).into_owned(),
                ),
            };
            let f = out.refuse_file(rule, Some(1), message.clone());
            f.column = column;
            f.expected = Some(expected);
            f.actual = Some(actual);
            reject_all_records(&mut out, &mut rdr, &format!("{}: {message}", rule.id()));
            return out;
        }
    };
    out.layout = Some(header.layout.name().to_string());
    if !header.ignored.is_empty() {
        let names: Vec<&str> = header.ignored.iter().map(|&i| header.names[i].as_str()).collect();
        let mut f = Finding::new(
            Severity::Warning,
            Rule::IgnoredColumn,
            &file.display,
            format!("不认识的列已忽略（ignored columns）：{}", names.join(", ")),
        )
        .at(1, None);
        f.actual = Some(names.join(","));
        out.findings.push(f);
    }
    let mut rows = RowReader { header: &header, opts, interned: HashMap::new(), last: None };
    let mut record = 0u32;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                out.rows_read += 1;
                let f = Finding::error(Rule::BadCsv, &file.display, format!("不是合法的 CSV 记录：{e}"))
                    .at(line, None);
                out.reject(record, line, format!("{}: {}", f.rule.id(), f.message));
                out.findings.push(f);
                record += 1;
                continue;
            }
        }
        out.rows_read += 1;
        let line = rec.position().map(|p| p.line()).unwrap_or(0);
        rows.read_row(&mut out, &rec, record, line);
        record += 1;
    }
    out
}

fn reject_all_records(out: &mut ParsedFile, rdr: &mut csv::Reader<&[u8]>, reason: &str) {
    let mut rec = csv::StringRecord::new();
    let mut record = 0u32;
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map(|p| p.line()).unwrap_or(0);
                out.rows_read += 1;
                out.reject(record, line, reason.to_string());
            }
            Err(e) => {
                out.rows_read += 1;
                out.reject(record, e.position().map(|p| p.line()).unwrap_or(0), reason.to_string());
            }
        }
        record += 1;
    }
}

struct RowReader<'h> {
    header: &'h Header,
    opts: &'h ParseOptions,
    interned: HashMap<ReportKey, u32>,
    /// The previous row's report: long files repeat it on every row, so most rows skip the map.
    last: Option<(u32, i32, u32)>,
}

struct RowProblems<'a> {
    out: &'a mut ParsedFile,
    record: u32,
    line: u64,
    region: Option<String>,
    year: Option<i32>,
    body: Option<String>,
    any: bool,
}

impl RowProblems<'_> {
    fn add(&mut self, col: usize, names: &[String], metric: Option<usize>, p: FieldProblem) {
        let column = names.get(col).map(String::as_str);
        let mut f = Finding::error(p.rule, &self.out.file.display, p.message)
            .at(self.line, column)
            .expected(p.expected, p.actual);
        f.region_code = self.region.clone();
        f.year = self.year;
        f.body = self.body.clone();
        f.metric = metric.map(|m| catalog().metric(m).id.clone());
        let reason = format!("{} [{}]: {}", f.rule.id(), column.unwrap_or(""), f.message);
        self.out.reject(self.record, self.line, reason);
        self.out.findings.push(f);
        self.any = true;
    }
}

impl RowReader<'_> {
    fn read_row(&mut self, out: &mut ParsedFile, rec: &csv::StringRecord, record: u32, line: u64) {
        let h = self.header;
        let names = &h.names;
        let field = |i: usize| rec.get(i).unwrap_or("");
        let body = h.body.map(|i| crate::ingest::value::trim_blank(field(i))).unwrap_or("");
        let mut probs = RowProblems {
            out,
            record,
            line,
            region: Some(crate::ingest::value::trim_blank(field(h.region_code)).to_string()),
            year: None,
            body: Some(body.to_string()),
            any: false,
        };
        if rec.len() != names.len() {
            let f = Finding::error(
                Rule::FieldCount,
                &probs.out.file.display,
                format!("该行有 {} 个字段，表头有 {} 个（wrong number of fields; a stray comma or a cut-off line?）", rec.len(), names.len()),
            )
            .at(line, None)
            .expected(names.len().to_string(), rec.len().to_string());
            // Say whose row it was, as far as the fields that are there tell.
            let mut f = f;
            f.region_code = probs.region.filter(|r| !r.is_empty());
            f.body = probs.body;
            probs.out.reject(record, line, format!("{}: {}", f.rule.id(), f.message));
            probs.out.findings.push(f);
            return;
        }
        let region = check_region(field(h.region_code), h.region_name.map(field));
        let region = match region {
            Ok(r) => Some(r),
            Err(p) => {
                let col = if p.rule == Rule::RegionNameMismatch {
                    h.region_name.unwrap_or(h.region_code)
                } else {
                    h.region_code
                };
                probs.add(col, names, None, p);
                None
            }
        };
        let year = match check_year(field(h.year), self.opts.max_year) {
            Ok(y) => {
                probs.year = Some(y);
                Some(y)
            }
            Err(p) => {
                probs.add(h.year, names, None, p);
                None
            }
        };
        let declared = match h.format.map(|col| (col, check_format(field(col)))) {
            None | Some((_, Ok(None))) => None,
            Some((_, Ok(Some(f)))) => Some(f),
            Some((col, Err(p))) => {
                probs.add(col, names, None, p);
                None
            }
        };
        let mut cells: Vec<(usize, usize, Option<f64>)> = Vec::new();
        match &h.layout {
            Layout::Long { metric, value } => match check_metric(field(*metric)) {
                Ok(m) => match check_value(field(*value), catalog().metric(m)) {
                    Ok(v) => cells.push((*value, m, v)),
                    Err(p) => probs.add(*value, names, Some(m), p),
                },
                Err(p) => probs.add(*metric, names, None, p),
            },
            Layout::Wide { metrics } => {
                cells.reserve(metrics.len());
                for &(col, m) in metrics {
                    match check_value(field(col), catalog().metric(m)) {
                        Ok(v) => cells.push((col, m, v)),
                        Err(p) => probs.add(col, names, Some(m), p),
                    }
                }
                for &col in &h.unknown_metrics {
                    let raw = field(col);
                    if !crate::ingest::value::is_null_mark(raw.trim()) {
                        let mut p = check_metric(&names[col]).expect_err("unknown metric column");
                        p.actual = format!("{}={}", names[col], crate::validate::cell::elide(raw));
                        probs.add(col, names, None, p);
                    }
                }
            }
        }
        let (Some(region), Some(year), false) = (region, year, probs.any) else {
            return;
        };
        let out = probs.out;
        let report = self.intern(out, region.code, year, body);
        out.cells.extend(cells.into_iter().map(|(col, metric, value)| Cell {
            report,
            metric: metric as u16,
            col: col as u16,
            record,
            line: line as u32,
            value,
            declared,
        }));
    }

    fn intern(&mut self, out: &mut ParsedFile, region: u32, year: i32, body: &str) -> u32 {
        if let Some((r, y, idx)) = self.last {
            if r == region && y == year && out.reports[idx as usize].body == body {
                return idx;
            }
        }
        let key = ReportKey { region, year, body: body.to_string() };
        let idx = *self.interned.entry(key.clone()).or_insert_with(|| {
            out.reports.push(key);
            (out.reports.len() - 1) as u32
        });
        self.last = Some((region, year, idx));
        idx
    }
}
