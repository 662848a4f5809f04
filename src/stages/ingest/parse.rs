//! Read one CSV file into cells, checking every field on the way. A row with any problem is rejected
//! whole and remembered by its record number, so `store::rejected` can write it back out verbatim.

use super::layout::{detect, Header, HeaderProblem, Layout};
use crate::model::finding::{Finding, Rule, Severity};
use crate::model::{Cell, InputFile, ParsedFile, ReportKey};
use crate::reference::catalog::catalog;
use crate::stages::ingest::cell::{
    check_body_kind, check_format, check_metric, check_region, check_value, check_year, FieldProblem,
};
use crate::support::decode::decode;
use crate::support::hash::HashMap;
use crate::support::records::Records;
use sha2::{Digest, Sha256};

pub struct ParseOptions {
    /// Latest report year accepted (the current year).
    pub max_year: i32,
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
    read_records(file, opts, &text, out)
}

/// The header and every record of a file's text, into `out`.
fn read_records(file: &InputFile, opts: &ParseOptions, text: &str, mut out: ParsedFile) -> ParsedFile {
    let records = Records::of(text);
    let mut first = None;
    records.for_each(|r| {
        first = Some(r.map(|(fields, line)| {
            (detect(fields.iter().copied()), fields.iter().map(|f| f.to_string()).collect(), line)
        }));
        false
    });
    let (header, names, header_line): (_, Vec<String>, u64) = match first {
        Some(Ok(h)) => h,
        None => {
            out.refuse_file(
                Rule::EmptyFile,
                Some(1),
                "文件为空，没有表头（empty file, no header row）".into(),
            );
            return out;
        }
        Some(Err((e, line))) => {
            out.refuse_file(Rule::BadCsv, Some(line), format!("表头不是合法的 CSV：{e}"));
            return out;
        }
    };
    out.header = names.into();
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
                HeaderProblem::Ambiguous { name, column, candidates } => {
                    let listed = candidates
                        .iter()
                        .map(|&i| {
                            let m = catalog().metric(i);
                            format!("{}（{}）", m.id, m.label_zh())
                        })
                        .collect::<Vec<_>>();
                    (
                        Rule::AmbiguousHeader,
                        format!(
                            "第 {column} 列的列名 “{name}” 可对应 {} 个指标，无法判断是哪一个（ambiguous header）：{}；请写全标签，或用 --columns 指定",
                            listed.len(),
                            listed.join("；")
                        ),
                        Some(name.clone()),
                        "只对应一个指标的列名（指标编号或完整标签）".to_string(),
                        name,
                    )
                }
                HeaderProblem::Missing { missing, found } => (
                    Rule::MissingColumn,
                    format!(
                        "缺少必填列 {}（missing required column）；表头是：{}",
                        missing.join(", "),
                        crate::stages::ingest::cell::elide(&found.join(","))
                    ),
                    None,
                    missing.join(","),
                    crate::stages::ingest::cell::elide(&found.join(",")).into_owned(),
                ),
            };
            let f = out.refuse_file(rule, Some(header_line), message.clone());
            f.column = column;
            f.expected = Some(expected);
            f.actual = Some(actual);
            reject_all_records(&mut out, &records, &format!("{}: {message}", rule.id()));
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
        .at(header_line, None);
        f.actual = Some(names.join(","));
        out.findings.push(f);
    }
    let mut rows = RowReader { header: &header, opts, interned: HashMap::default(), last: None };
    // The header was record 0 of the reader; the rows count from 0 after it.
    let mut record = 0u32;
    let mut header_seen = false;
    records.for_each(|r| {
        if !std::mem::replace(&mut header_seen, true) {
            return true;
        }
        out.rows_read += 1;
        match r {
            Ok((fields, line)) => rows.read_row(&mut out, fields, record, line),
            Err((e, line)) => {
                let f = Finding::error(Rule::BadCsv, &file.display, format!("不是合法的 CSV 记录：{e}"))
                    .at(line, None);
                out.reject(record, line, format!("{}: {}", f.rule.id(), f.message));
                out.findings.push(f);
            }
        }
        record += 1;
        true
    });
    out
}

fn reject_all_records(out: &mut ParsedFile, records: &Records<'_>, reason: &str) {
    let mut record = 0u32;
    let mut header_seen = false;
    records.for_each(|r| {
        if !std::mem::replace(&mut header_seen, true) {
            return true;
        }
        let line = match r {
            Ok((_, line)) | Err((_, line)) => line,
        };
        out.rows_read += 1;
        out.reject(record, line, reason.to_string());
        record += 1;
        true
    });
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
    fn read_row(&mut self, out: &mut ParsedFile, rec: &[&str], record: u32, line: u64) {
        let h = self.header;
        let names = &h.names;
        let field = |i: usize| rec.get(i).copied().unwrap_or("");
        let body = h.body.map(|i| crate::reference::value::trim_blank(field(i))).unwrap_or("");
        let mut probs = RowProblems {
            out,
            record,
            line,
            region: Some(crate::reference::value::trim_blank(field(h.region_code)).to_string()),
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
        let kind = match h.body_kind.map(|col| (col, check_body_kind(field(col)))) {
            None | Some((_, Ok(None))) => None,
            Some((_, Ok(Some(k)))) => Some(k),
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
                    if !crate::reference::value::is_null_mark(raw.trim()) {
                        let mut p = check_metric(&names[col]).expect_err("unknown metric column");
                        p.actual = format!("{}={}", names[col], crate::stages::ingest::cell::elide(raw));
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
            kind,
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
