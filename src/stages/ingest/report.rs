//! Report files in the input (`.txt`, `.htm`/`.html`, `.docx`, `.pdf`): the extractor reads the numbers (200,
//! or 198 in the 2019 format) out of the published report, and they become the same cells a CSV file gives, so that merge,
//! validation and store treat both alike.
//!
//! A **row** of a report file is one extracted cell: a report that extracts gives 200 rows (198 in the 2019
//! format), each checked like a CSV value and stored or rejected on its own, and its record number is
//! its position in its format's table, which is also its record in the extracted CSV (`extracted/<path>.csv`). A report
//! the extractor refuses (no usable title, incomplete table, unreadable .docx) is a
//! rejected file with no rows, like a CSV file that is not text. A file that does not look like a
//! report at all (a stray `notes.txt`) is skipped with a warning.
//!
//! Findings point at the report file, at the text line the number was read from (plain text only;
//! HTML and .docx cells have no line, so the line is left empty) and, as their column, at the
//! cell's official label (`三、本年度办理结果/（一）予以公开｜自然人`).

use super::parse::{read_or_refuse, ParseOptions};
use crate::model::finding::{Finding, Rule, Severity};
use crate::model::{Cell, InputFile, ParsedFile, ReportExtract, ReportKey};
use crate::reference::catalog::catalog;
use crate::stages::extract::{self, ExtractError, Extracted, ReportOutcome};
use crate::stages::ingest::cell::{check_value, check_year, elide};
use crate::support::filekind::FileKind;
use sha2::{Digest, Sha256};
use std::path::Path;

/// Extensions read as reports (lower case).
pub const REPORT_EXTENSIONS: [&str; 5] = ["txt", "htm", "html", "docx", "pdf"];

pub fn is_report_name(p: &Path) -> bool {
    p.file_name().is_some_and(|n| is_report_file_name(&n.to_string_lossy()))
}

/// [`is_report_name`] of a file name.
pub fn is_report_file_name(name: &str) -> bool {
    crate::support::filekind::extension(name)
        .is_some_and(|e| REPORT_EXTENSIONS.iter().any(|r| e.eq_ignore_ascii_case(r)))
}

/// Read a report file from disk; a file that cannot be read is refused with `E001`, like a CSV.
pub fn parse_report(file: &InputFile, opts: &ParseOptions) -> ParsedFile {
    read_or_refuse(file, |bytes| parse_report_bytes(file, bytes, opts))
}

/// Extract a report from its bytes into cells. Never panics, whatever the bytes; every problem is a
/// finding on this file.
pub fn parse_report_bytes(file: &InputFile, bytes: &[u8], opts: &ParseOptions) -> ParsedFile {
    let mut out = ParsedFile::new(file);
    out.size = bytes.len() as u64;
    out.sha256 = format!("{:x}", Sha256::digest(bytes));
    let ext = file.path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let doc = match extract::read_report(bytes, &ext) {
        Ok(doc) => doc,
        Err(ExtractError::NotAReportForm { kind, ext }) => {
            skip_other_kind(&mut out, kind, &ext);
            return out;
        }
        Err(e) => {
            out.extracted = Some(ReportExtract { log: vec![format!("refused: {e}")], ..Default::default() });
            refuse(&mut out, &e, None);
            return out;
        }
    };
    out.encoding = doc.encoding.map(|e| e.as_str().to_string());
    out.layout = Some(format!("report ({})", doc.form.as_str()));
    let form_name = doc.form.as_str().to_string();
    match doc.outcome {
        ReportOutcome::NotAReport { first_text } => {
            let mut f = Finding::new(
                Severity::Warning,
                Rule::NotAReport,
                &file.display,
                format!(
                    "不是政府信息公开工作年度报告，已跳过；若是 CSV 数据请改名为 .csv（not a report: no title \
                     “…政府信息公开工作年度报告” and no table of the report format in this {form_name} file）"
                ),
            );
            f.expected = Some("标题含“政府信息公开工作年度报告”或年度报告的表格".into());
            f.actual = Some(if first_text.is_empty() {
                "（没有文字）".into()
            } else {
                elide(&first_text).into_owned()
            });
            out.findings.push(f);
            out.layout = Some("not a report (skipped)".into());
        }
        ReportOutcome::Extracted(extracted) => {
            let mut csv = Vec::new();
            // Writing into memory cannot fail for catalog text; if it ever did, no cell is taken.
            let csv = match extracted.write_csv(&mut csv) {
                Ok(()) => String::from_utf8(csv).unwrap_or_default(),
                Err(_) => String::new(),
            };
            let mut log = extracted.log.clone();
            log.push(format!("extracted: {} cells, one row each", catalog().form(extracted.format).len()));
            if !extracted.recovered.is_empty() {
                let mut f = Finding::new(
                    Severity::Warning,
                    Rule::CellsRecovered,
                    &file.display,
                    format!(
                        "数字连在一起的 {} 行按勾稽关系唯一拆分后读取，请核对原文（cells that ran together, split \
                         the one way the format's equations allow）：{}",
                        extracted.recovered.len(),
                        extracted.recovered.join("；")
                    ),
                );
                f.expected = Some("每个单元格之间有分隔".into());
                f.actual = Some(elide(&extracted.recovered.join("；")).into_owned());
                f.region_code = Some(format!("{:06}", extracted.region));
                f.year = Some(extracted.year);
                f.body = Some(extracted.body.clone());
                out.findings.push(f);
            }
            out.extracted = Some(ReportExtract { form: form_name, csv, log });
            take_cells(&mut out, &extracted, opts);
        }
        ReportOutcome::Refused(e) => {
            let mut log = e.log().to_vec();
            log.push(format!("refused: {e}"));
            out.extracted = Some(ReportExtract { form: form_name, csv: String::new(), log });
            refuse(&mut out, &e, first_incomplete_line(e.log()));
        }
    }
    out
}

/// A file of a kind xxgk does not read as a report (old Word, spreadsheet, picture, RTF):
/// skipped with a warning that says what it is and what to do, and listed in the run summary.
fn skip_other_kind(out: &mut ParsedFile, kind: FileKind, ext: &str) {
    let sentence = kind.sentence(ext);
    let mut f = Finding::new(
        Severity::Warning,
        Rule::NotAReportForm,
        &out.file.display,
        format!("{}：不作为年度报告读取，已跳过（skipped: {sentence}）", kind.label()),
    );
    f.expected = Some("年度报告的文本、网页（HTML）或 .docx 文件".into());
    f.actual = Some(kind.label().into());
    out.findings.push(f);
    out.layout = Some(format!("{} (skipped)", kind.label()));
    out.extracted = Some(ReportExtract { log: vec![format!("skipped: {sentence}")], ..Default::default() });
}

/// The text line of the first row the extractor found short (`…: only 3 of 7 cells found (line 96)`),
/// the place to start looking at a truncated table. The log is the extractor's only account of it.
fn first_incomplete_line(log: &[String]) -> Option<u64> {
    log.iter().filter(|l| l.contains(" cells found (line ")).find_map(|l| {
        let rest = &l[l.find(" cells found (line ")? + " cells found (line ".len()..];
        rest[..rest.find(')')?].parse().ok()
    })
}

/// `line 87` → 87; HTML and .docx cells are placed by table row, which is no line of the file.
fn origin_line(x: &Extracted, metric: usize) -> u64 {
    x.origins[metric]
        .as_ref()
        .and_then(|o| o.place.strip_prefix("line "))
        .and_then(|n| n.parse().ok())
        .unwrap_or(0)
}

fn refuse(out: &mut ParsedFile, e: &ExtractError, line: Option<u64>) {
    let (rule, expected, what) = match e {
        ExtractError::NoTitle
        | ExtractError::NoYear
        | ExtractError::NoRegion { .. }
        | ExtractError::AmbiguousRegion { .. }
        | ExtractError::UnknownRegion(_) => (
            Rule::ReportTitle,
            "标题“××人民政府YYYY年政府信息公开工作年度报告”，地名唯一".to_string(),
            "无法从标题确定地区、年度或报告主体",
        ),
        ExtractError::Incomplete { total, format, .. } => (
            Rule::ReportIncomplete,
            format!("{} 年格式三张表的全部 {total} 个数据项", format.as_str()),
            "表格不完整",
        ),
        ExtractError::RanTogether { .. } => (
            Rule::CellsRanTogether,
            "每个单元格之间有分隔，或数字只有一种符合勾稽关系的拆分".to_string(),
            "数字连在一起、无法唯一拆分",
        ),
        ExtractError::Docx(_)
        | ExtractError::NotText(_)
        | ExtractError::NotAReportForm { .. }
        | ExtractError::Io { .. }
        | ExtractError::Pdf(_) => {
            (Rule::ReportUnreadable, "可读取的 .docx、PDF、HTML 或文本文件".to_string(), "文件无法读取")
        }
        ExtractError::PdfScan { .. } => {
            (Rule::ReportScanned, "带文字层的 PDF（或 .docx、网页）".to_string(), "扫描件 PDF，没有文字层")
        }
    };
    let rule = if matches!(e, ExtractError::NotText(_)) { Rule::NotText } else { rule };
    let log_note = format!("；抽取日志见 extracted/{}.log.txt", out.file.display);
    let actual = match e {
        // The rows by name and place; the message has their digits and cuts.
        ExtractError::RanTogether { rows, .. } => {
            let names: Vec<&str> =
                rows.iter().map(|r| r.split_once(": ").map_or(r.as_str(), |(a, _)| a)).collect();
            format!("{} 行无法唯一拆分：{}", rows.len(), elide(&names.join("；")))
        }
        ExtractError::Incomplete { missing, .. } => {
            format!(
                "缺 {} 个：{}",
                missing.len(),
                missing.iter().take(3).cloned().collect::<Vec<_>>().join("；")
            )
        }
        other => elide(&other.to_string()).into_owned(),
    };
    let where_ = line.map(|l| format!("（第 {l} 行那一行起缺单元格）")).unwrap_or_default();
    let f = out.refuse_file(
        rule,
        line,
        format!("{what}{where_}，整份报告被拒收（report refused）：{e}{log_note}"),
    );
    f.expected = Some(expected);
    f.actual = Some(actual);
}

/// The extracted cells, each checked like a CSV value. The record number of a cell is its catalog
/// index (its record in the extracted CSV); the header holds the cells' labels, so that a finding's
/// column is the label.
fn take_cells(out: &mut ParsedFile, x: &Extracted, opts: &ParseOptions) {
    let c = catalog();
    let form = c.form(x.format);
    out.header = form.cells.iter().map(|cell| cell.label_zh()).collect();
    out.rows_read = form.len() as u64;
    let display = out.file.display.clone();
    let region = format!("{:06}", x.region);
    if let Err(p) = check_year(&x.year.to_string(), opts.max_year) {
        // One finding for the report, every cell rejected with it: the year is the title's, not a cell's.
        let reason = format!("{} [year]: {}", p.rule.id(), p.message);
        let mut f = Finding::error(p.rule, &display, p.message).expected(p.expected, p.actual);
        f.column = Some("year".into());
        f.region_code = Some(region);
        f.body = Some(x.body.clone());
        out.findings.push(f);
        for (record, cell) in form.cells.iter().enumerate() {
            out.reject(record as u32, origin_line(x, cell.metric), reason.clone());
        }
        return;
    }
    let raw_values = csv_values(out.extracted.as_ref().map(|e| e.csv.as_str()).unwrap_or(""));
    if raw_values.len() != form.len() {
        let source = std::io::Error::other("the extracted cells could not be written as CSV");
        let e = ExtractError::Io { path: out.file.path.clone(), source };
        out.rows_read = 0;
        refuse(out, &e, None);
        return;
    }
    out.reports.push(ReportKey { region: x.region, year: x.year, body: x.body.clone() });
    for (record, cell) in form.cells.iter().enumerate() {
        let m = c.metric(cell.metric);
        let line = origin_line(x, cell.metric);
        let raw = raw_values.get(record).map(String::as_str).unwrap_or("");
        match check_value(raw, m) {
            // The extractor read the report on its own table: that is the report's declared format.
            Ok(value) => out.cells.push(Cell {
                report: 0,
                metric: cell.metric as u16,
                col: record as u16,
                record: record as u32,
                line: line as u32,
                value,
                declared: Some(x.format),
                kind: None,
            }),
            Err(p) => {
                let label = cell.label_zh();
                let mut f = Finding::error(p.rule, &display, p.message)
                    .expected(p.expected, p.actual)
                    .at(line, Some(&label));
                f.region_code = Some(region.clone());
                f.year = Some(x.year);
                f.body = Some(x.body.clone());
                f.metric = Some(m.id.clone());
                out.reject(record as u32, line, format!("{} [{label}]: {}", f.rule.id(), f.message));
                out.findings.push(f);
            }
        }
    }
}

/// The `value` column of the extracted CSV, by record: exactly what `extracted/<path>.csv` shows is
/// what is checked and stored.
fn csv_values(csv: &str) -> Vec<String> {
    let mut rdr = csv::Reader::from_reader(csv.as_bytes());
    let col = rdr.headers().ok().and_then(|h| h.iter().position(|c| c == "value"));
    let Some(col) = col else { return Vec::new() };
    rdr.records().map(|r| r.ok().and_then(|r| r.get(col).map(str::to_string)).unwrap_or_default()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn incomplete_line_from_the_log() {
        let log = vec![
            "一、本年新收: read (line 87)".to_string(),
            "三、本年度办理结果/（三）不予公开/8.属于行政查询事项: only 3 of 7 cells found (line 131); the rest are missing".into(),
        ];
        assert_eq!(first_incomplete_line(&log), Some(131));
        assert_eq!(first_incomplete_line(&log[..1]), None);
    }

    #[test]
    fn report_names() {
        assert!(is_report_name(Path::new("a/b.TXT")));
        assert!(is_report_name(Path::new("b.docx")));
        assert!(!is_report_name(Path::new("b.csv")));
        assert!(!is_report_name(Path::new("docx")));
    }
}
