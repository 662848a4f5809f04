//! Extract: the numbers of a report (200 cells in the 2021 format, 198 in the 2019 one) straight from
//! its published text.
//!
//! A report arrives as plain text (a .docx or page dumped to text), as an HTML page, as a .docx or
//! as a PDF with a text layer. Each form is turned into rows of cells (`cells`, `html`, `docx`, `pdf`); the format is told from the
//! labels (`version`), or from the year when no label tells; the three tables are found by their labels and read (`tables`); region,
//! year and body come from the title unless given (`meta`). The numbers then pass the format's own
//! 勾稽关系 as a guard: a broken rule is logged with what the text said at that cell. An incomplete
//! table is an error that names the missing cells; nothing is ever padded with zeros. Rows whose
//! cells ran together into one string of digits are cut only when the equations allow one cut
//! (`glued`). Files of kinds xxgk does not read (old Word, spreadsheets, pictures) are refused with
//! a sentence saying what to do (`support::filekind`).

pub mod cells;
pub mod docx;
pub mod glued;
pub mod html;
pub mod meta;
pub mod pdf;
pub mod tables;
pub mod text;
pub mod version;

/// The label normaliser, for ingest's Chinese column headers (`ingest::aliases`).
pub use cells::column_letters;
pub use text::{content_key, label_key};

use crate::model::Report;
use crate::model::ReportKey;
use crate::model::{check_report, Breach};
use crate::reference::catalog::{catalog, Format};
use crate::reference::regions::regions;
use crate::support::decode::{decode, TextEncoding};
use crate::support::filekind::{self, FileKind};
use std::path::{Path, PathBuf};
use tables::Origin;
use version::FormatVersion;

/// What the caller knows better than the title.
#[derive(Debug, Clone, Default)]
pub struct ExtractOptions {
    /// Region code; needed when the title's place name is shared by several regions.
    pub region: Option<u32>,
    pub year: Option<i32>,
    pub body: Option<String>,
}

/// The input form a report was read from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputForm {
    Text,
    Html,
    Docx,
    Pdf,
    /// A worksheet laid out as the official table (`read_report_rows`).
    Workbook,
}

impl InputForm {
    pub fn as_str(self) -> &'static str {
        match self {
            InputForm::Text => "plain text",
            InputForm::Html => "HTML",
            InputForm::Docx => "docx",
            InputForm::Pdf => "PDF",
            InputForm::Workbook => "workbook",
        }
    }
}

/// One report's numbers, complete (every cell of its format), with what the extraction noticed.
#[derive(Debug, Clone)]
pub struct Extracted {
    pub region: u32,
    pub region_name: String,
    pub year: i32,
    pub body: String,
    pub form: InputForm,
    /// The table format the report was read as.
    pub format: Format,
    /// By catalog index; every cell is `Some` in a successful extraction.
    pub values: Vec<Option<f64>>,
    /// By catalog index: the cell text each value was read from, and where.
    pub origins: Vec<Option<Origin>>,
    /// The 勾稽关系 the numbers break.
    pub breaches: Vec<Breach>,
    /// Rows whose cells ran together and were cut the one way the equations allow (`glued`).
    pub recovered: Vec<String>,
    /// The extraction log, one line per finding, in the order they were made.
    pub log: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExtractError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("not a readable .docx: {0}")]
    Docx(String),
    #[error("not a readable PDF: {0}")]
    Pdf(String),
    #[error("this PDF is a scan without a text layer ({pages} page(s), {images} image(s), no text): supply the .docx or web page, or run OCR first")]
    PdfScan { pages: usize, images: usize },
    #[error("not text (neither UTF-8 nor GBK): {0}")]
    NotText(String),
    /// A file of a kind xxgk recognises but does not read as a report (old Word, spreadsheet, picture,
    /// RTF); the sentence says what to do.
    #[error("not a report form xxgk reads: {}", kind.sentence(ext))]
    NotAReportForm { kind: FileKind, ext: String },
    /// Rows whose cells ran together into one string of digits, which the format's equations do not
    /// split in exactly one way.
    #[error("cells ran together and cannot be split in exactly one way: {}", rows.join("; "))]
    RanTogether {
        /// Each ambiguous row: its label, where, its digits and how many ways they split.
        rows: Vec<String>,
        log: Vec<String>,
    },
    #[error("no title of the form “…YYYY年政府信息公开工作年度报告” near the top; pass --region, --year and --body")]
    NoTitle,
    #[error("the title gives no year; pass --year")]
    NoYear,
    #[error("no region name found at the start of “{body}”; pass --region CODE")]
    NoRegion { body: String },
    #[error("several regions are called {name} ({}); pass --region CODE to say which", candidates.join(", "))]
    AmbiguousRegion { name: String, candidates: Vec<String> },
    #[error("region code {0} is not in the 民政部 2024 table")]
    UnknownRegion(u32),
    #[error("the tables are incomplete: {} of {total} cells of the {} format missing, e.g. {}", missing.len(), format.as_str(), missing.iter().take(5).cloned().collect::<Vec<_>>().join("; "))]
    Incomplete {
        format: Format,
        /// Cells the format has.
        total: usize,
        /// `metric.id (label)` of each missing cell.
        missing: Vec<String>,
        /// The extraction log up to the point of failure.
        log: Vec<String>,
    },
}

impl ExtractError {
    /// The extraction log, when the error happened after reading began.
    pub fn log(&self) -> &[String] {
        match self {
            ExtractError::Incomplete { log, .. } | ExtractError::RanTogether { log, .. } => log,
            _ => &[],
        }
    }
}

/// Read one report file, telling its form from the name and the bytes.
pub fn extract_file(path: &Path, opts: &ExtractOptions) -> Result<Extracted, ExtractError> {
    let bytes =
        std::fs::read(path).map_err(|source| ExtractError::Io { path: path.to_path_buf(), source })?;
    let ext = path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    extract_bytes(&bytes, &ext, opts)
}

/// Read one report from its bytes; `ext` (lower case, no dot) is a hint for the form.
pub fn extract_bytes(bytes: &[u8], ext: &str, opts: &ExtractOptions) -> Result<Extracted, ExtractError> {
    let (form, doc, _) = read_document(bytes, ext)?;
    extract_cells(&doc, form, opts)
}

/// A report's bytes as cells: a PDF by its name or its `%PDF-` signature; a file of a kind xxgk does not read
/// (old Word, spreadsheet, picture) is refused with its sentence; a .docx by its name or zip
/// signature; else text (UTF-8 or GBK, whose encoding is returned too) read as HTML when named or
/// shaped like a page, or as plain text.
pub fn read_document(
    bytes: &[u8],
    ext: &str,
) -> Result<(InputForm, cells::Cells, Option<TextEncoding>), ExtractError> {
    // A PDF is read whatever its name says: its signature settles what it is.
    if ext == "pdf" || bytes.starts_with(b"%PDF-") {
        return Ok((InputForm::Pdf, pdf::read(bytes)?, None));
    }
    if let Some(kind) = filekind::sniff(ext, bytes) {
        return Err(ExtractError::NotAReportForm { kind, ext: ext.to_string() });
    }
    if ext == "docx" || bytes.starts_with(b"PK\x03\x04") {
        return Ok((InputForm::Docx, docx::read(bytes)?, None));
    }
    let (text, enc) =
        decode(bytes).map_err(|p| ExtractError::NotText(format!("line {}: {}", p.line, p.what)))?;
    if matches!(ext, "html" | "htm" | "shtml" | "xhtml") || html::looks_like_html(&text) {
        Ok((InputForm::Html, html::read(&text), Some(enc)))
    } else {
        Ok((InputForm::Text, cells::from_text(&text), Some(enc)))
    }
}

/// What ingest gets of one report file: its form, its text encoding, and the extracted cells, the
/// refusal, or word that it is no report at all.
pub struct ReportDocument {
    pub form: InputForm,
    pub encoding: Option<TextEncoding>,
    pub outcome: ReportOutcome,
}

pub enum ReportOutcome {
    /// Neither the title phrase near the top nor a table of either format: a stray file, skipped.
    /// `first_text` is the start of the document, for the finding that says what it holds.
    NotAReport {
        first_text: String,
    },
    Extracted(Extracted),
    Refused(ExtractError),
}

/// The report-file path of ingest, in one call: read the document (an `Err` when it cannot be read
/// at all), tell whether it is a report, and extract its cells with the default options.
pub fn read_report(bytes: &[u8], ext: &str) -> Result<ReportDocument, ExtractError> {
    let (form, doc, encoding) = read_document(bytes, ext)?;
    let outcome = if !looks_like_report(&doc) {
        ReportOutcome::NotAReport { first_text: first_text(&doc) }
    } else {
        match extract_cells(&doc, form, &ExtractOptions::default()) {
            Ok(x) => ReportOutcome::Extracted(x),
            Err(e) => ReportOutcome::Refused(e),
        }
    };
    Ok(ReportDocument { form, encoding, outcome })
}

/// A worksheet laid out as the official table, as ingest reads a workbook: rows of (1-based column,
/// text) cells by 1-based row number. Region, year and body come from the sheet's title rows; when
/// they do not tell, `title_hint` (the file name, the sheet name) is read as a title before them.
/// Cells are placed in the log by their A1 name (`D7`).
pub fn read_report_rows(rows: &[(u32, Vec<(u32, String)>)], title_hint: &str) -> ReportOutcome {
    let build = |hint: Option<&str>| {
        let mut doc = cells::Cells::default();
        if let Some(h) = hint {
            doc.push_row([(h.to_string(), 0)]);
        }
        for (row, cells) in rows {
            doc.push_sheet_row(*row, cells.iter().cloned());
        }
        doc
    };
    let doc = build(None);
    if !looks_like_report(&doc) {
        return ReportOutcome::NotAReport { first_text: first_text(&doc) };
    }
    match extract_cells(&doc, InputForm::Workbook, &ExtractOptions::default()) {
        Ok(x) => ReportOutcome::Extracted(x),
        Err(ExtractError::NoTitle | ExtractError::NoYear | ExtractError::NoRegion { .. })
            if !title_hint.is_empty() =>
        {
            match extract_cells(&build(Some(title_hint)), InputForm::Workbook, &ExtractOptions::default()) {
                Ok(x) => ReportOutcome::Extracted(x),
                Err(e) => ReportOutcome::Refused(e),
            }
        }
        Err(e) => ReportOutcome::Refused(e),
    }
}

/// A report has the title phrase somewhere near the top, or the labels of one of the two table
/// formats. Anything else in a report folder (notes, a README, an index page) is not ours to read.
fn looks_like_report(doc: &cells::Cells) -> bool {
    let head: String = doc.cells.iter().take(200).map(|c| text::normalize(&c.text)).collect();
    head.contains("信息公开工作年度报告")
        || head.contains("信息公开年度报告")
        || version::detect(doc).version.is_some()
}

/// The start of the document: its first three non-empty texts.
fn first_text(doc: &cells::Cells) -> String {
    doc.cells.iter().map(|c| c.text.trim()).filter(|t| !t.is_empty()).take(3).collect::<Vec<_>>().join(" ")
}

/// Read a report already turned into cells.
pub fn extract_cells(
    doc: &cells::Cells,
    form: InputForm,
    opts: &ExtractOptions,
) -> Result<Extracted, ExtractError> {
    let mut log = vec![format!("input: {}, {} cells", form.as_str(), doc.cells.len())];
    let detection = version::detect(doc);

    let title = meta::title(doc);
    let body = match (&opts.body, &title) {
        (Some(b), _) => b.clone(),
        (None, Some(t)) if !t.body.is_empty() => t.body.clone(),
        _ if opts.region.is_some() && opts.year.is_some() => String::new(),
        _ => return Err(ExtractError::NoTitle),
    };
    let year = opts.year.or(title.as_ref().and_then(|t| t.year)).ok_or(ExtractError::NoYear)?;
    let region = match opts.region {
        Some(code) => regions().get(code).ok_or(ExtractError::UnknownRegion(code))?,
        None => meta::region_of_body(&body)?,
    };
    log.push(format!(
        "report: region {} {}, year {year}, body {body}{}",
        region.code_str(),
        region.name,
        if title.is_some() { " (title read)" } else { "" }
    ));
    let format = match detection.version {
        Some(v) => {
            log.push(format!("format: {} (labels seen: {})", v.as_str(), detection.markers.join("、")));
            match v {
                FormatVersion::V2019 => Format::F2019,
                FormatVersion::V2021 => Format::F2021,
            }
        }
        None => {
            let f = Format::for_year(year);
            log.push(format!(
                "format: no label tells the version; read as {}, the format of {year}",
                f.as_str()
            ));
            f
        }
    };

    let mut read = tables::read_tables(doc, format);
    let mut recovered = Vec::new();
    if !read.missing.is_empty() {
        let r = glued::recover(doc, format, &mut read);
        if !r.ambiguous.is_empty() {
            log.extend(read.log);
            return Err(ExtractError::RanTogether { rows: r.ambiguous, log });
        }
        recovered = r.recovered;
    }
    log.extend(read.log);
    let c = catalog();
    let total = c.form(format).len();
    if !read.missing.is_empty() {
        let missing: Vec<String> = read
            .missing
            .iter()
            .map(|&i| format!("{} ({})", c.metric(i).id, c.metric(i).label_zh()))
            .collect();
        log.push(format!("incomplete: {} of {total} cells missing", missing.len()));
        log.extend(missing.iter().map(|m| format!("  missing {m}")));
        return Err(ExtractError::Incomplete { format, total, missing, log });
    }
    log.push(format!("cells found: {total} of {total}"));

    let mut report = Report::new(ReportKey { region: region.code, year, body: body.clone() });
    report.values = read.values.clone();
    report.format = format;
    let breaches = check_report(&report);
    if breaches.is_empty() {
        log.push("勾稽关系 R1–R4: all hold".into());
    }
    for b in &breaches {
        let m = c.metric(b.metric);
        let said = read.origins[b.metric]
            .as_ref()
            .map(|o| format!("the text says {:?} at {}", o.raw, o.place))
            .unwrap_or_default();
        log.push(format!("breaks {} at {} ({}): {said}; {}", b.rule.id(), m.id, m.label_zh(), b.message));
    }
    Ok(Extracted {
        region: region.code,
        region_name: region.name.clone(),
        year,
        body,
        form,
        format,
        values: read.values,
        origins: read.origins,
        breaches,
        recovered,
        log,
    })
}

fn fmt_value(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

impl Extracted {
    /// A report of these numbers, as the validators take it.
    pub fn to_report(&self) -> Report {
        let mut r = Report::new(ReportKey { region: self.region, year: self.year, body: self.body.clone() });
        r.values = self.values.clone();
        r.format = self.format;
        r
    }

    /// File name without extension: `653128-岳普湖县-2023`, with the body added when it is not
    /// the region's own government, so that department reports of one county do not collide.
    pub fn file_stem(&self) -> String {
        let own = self.body.is_empty() || self.body == format!("{}人民政府", self.region_name);
        let body: String = self.body.chars().filter(|c| !"/\\:*?\"<>|".contains(*c)).collect();
        if own {
            format!("{:06}-{}-{}", self.region, self.region_name, self.year)
        } else {
            format!("{:06}-{}-{}-{}", self.region, self.region_name, self.year, body)
        }
    }

    /// The long-layout CSV that ingest reads: one row per cell of the report's format. A complete
    /// report has cells only its format prints, so ingest tells the format from the ids.
    pub fn write_csv<W: std::io::Write>(&self, w: W) -> Result<(), csv::Error> {
        let mut w = csv::Writer::from_writer(w);
        w.write_record(["region_code", "region_name", "year", "body", "metric", "label", "value"])?;
        let code = format!("{:06}", self.region);
        let year = self.year.to_string();
        let c = catalog();
        for cell in &c.form(self.format).cells {
            let m = c.metric(cell.metric);
            let value = self.values[cell.metric].map(fmt_value).unwrap_or_default();
            w.write_record([&code, &self.region_name, &year, &self.body, &m.id, &cell.label_zh(), &value])?;
        }
        w.flush()?;
        Ok(())
    }
}
