//! Workbooks in the input (`.xlsx`, `.xlsm`, `.xls`, `.ods`, as Excel and WPS save them), read with
//! calamine. Prefecture analysts keep their numbers in workbooks; asking them to save every sheet as
//! CSV first loses the sheet names, the cell positions and, in WPS, often the encoding.
//!
//! Every visible worksheet is looked at on its own:
//! - a sheet whose header row (the first non-empty row, or one of the few after a title) is the long
//!   or wide layout is read exactly as that CSV would be: its rows are turned into CSV text, line
//!   for row, and parsed by `parse`, so the rules are the CSV rules to the letter;
//! - a sheet laid out as the official report table is read by the report extractor's label matching
//!   (`extract::read_report_rows`), region and year from the sheet's title rows or the file name;
//! - a filled-in `xxgk template` workbook is read by its defined names (`template`), so that rows a
//!   user inserted do not move a number to the wrong metric;
//! - any other sheet is skipped with `W072`, a hidden one with `W073`.
//!
//! Cell values are read as the CSV rules read text: a number cell by its value (written back in
//! its shortest exact form), a text cell as typed (`34,754`, `３４７５４`, `-`); a formula cell by the
//! value Excel or WPS saved with it, and a formula saved without one is an error naming the cell
//! (`E091`); a date typed into the year cell gives its year. A merged cell that spans several value
//! cells cannot say whose number it holds: its rows are rejected (`E092`).
//!
//! A workbook becomes one [`ParsedFile`] whose rows are its value cells, one record each, in the
//! long layout with the sheet and the cell added (`sheet,cell,region_code,…,value`). That CSV is kept
//! as the file's "extracted" text: `extracted/<book>.xlsx.csv` shows what was read, and a rejected
//! cell goes to `rejected/<book>.xlsx.csv` as that row, which can be fixed and fed back as it is.
//! The header of the `ParsedFile` names each record's cell (`各县汇总!D7（行政许可）`), so that the
//! findings of merge and validation point at the cell too. A workbook that cannot be opened
//! (password-protected, corrupt) is refused whole with `E090`; the rest of the folder is read.

use super::layout::{detect, Header, HeaderProblem, Layout};
use super::parse::{parse_bytes, read_or_refuse, ParseOptions};
use crate::model::finding::{Finding, Rule, Severity};
use crate::model::{Cell, InputFile, ParsedFile, ReportExtract, ReportKey};
use crate::reference::catalog::catalog;
use crate::stages::extract::{self, ReportOutcome};
use crate::stages::ingest::cell::{check_value, elide};
use calamine::{Data, Dimensions, Range, Reader, SheetType, SheetVisible, Sheets};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::io::Cursor;
use std::path::Path;

/// Extensions read as workbooks (lower case).
pub const WORKBOOK_EXTENSIONS: [&str; 4] = ["xlsx", "xlsm", "xls", "ods"];

pub fn is_workbook_name(p: &Path) -> bool {
    p.file_name().is_some_and(|n| is_workbook_file_name(&n.to_string_lossy()))
}

/// [`is_workbook_name`] of a file name: not Excel's `~$` lock file.
pub fn is_workbook_file_name(name: &str) -> bool {
    !name.starts_with("~$")
        && crate::support::filekind::extension(name)
            .is_some_and(|e| WORKBOOK_EXTENSIONS.iter().any(|w| e.eq_ignore_ascii_case(w)))
}

/// The columns of the rows a workbook gives (its `extracted/` and `rejected/` CSV).
pub const COLUMNS: [&str; 10] =
    ["sheet", "cell", "region_code", "region_name", "year", "body", "format", "metric", "label", "value"];
const VALUE_COLUMN: usize = 9;

/// Read a workbook from disk; a file that cannot be read is refused with `E001`.
pub fn parse_workbook(file: &InputFile, opts: &ParseOptions) -> ParsedFile {
    read_or_refuse(file, |bytes| parse_workbook_bytes(file, bytes, opts))
}

/// A 1-based column number as a spreadsheet names it: 1 → `A`.
pub fn column_letters(col: u32) -> String {
    extract::column_letters(col)
}

/// `D7` for 0-based (row, col).
pub fn a1(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(col + 1), row + 1)
}

/// One value cell of the workbook: a row of the long CSV it becomes.
#[derive(Debug, Clone, Default)]
pub(super) struct Row {
    pub sheet: String,
    /// 0-based position of the value cell.
    pub at: (u32, u32),
    pub region_code: String,
    pub region_name: String,
    pub year: String,
    pub body: String,
    pub format: String,
    pub metric: String,
    pub label: String,
    pub value: String,
}

impl Row {
    fn cell(&self) -> String {
        a1(self.at.0, self.at.1)
    }

    /// The metric's label: as given, else the catalog's for a known id.
    fn label(&self) -> String {
        if !self.label.is_empty() {
            return self.label.clone();
        }
        catalog().index_of(&self.metric).map(|i| catalog().metric(i).label_zh()).unwrap_or_default()
    }

    fn fields(&self) -> [String; 10] {
        [
            self.sheet.clone(),
            self.cell(),
            self.region_code.clone(),
            self.region_name.clone(),
            self.year.clone(),
            self.body.clone(),
            self.format.clone(),
            self.metric.clone(),
            self.label(),
            self.value.clone(),
        ]
    }
}

/// What reading the workbook builds up.
pub(super) struct Book<'a> {
    pub out: ParsedFile,
    pub opts: &'a ParseOptions,
    rows: Vec<Row>,
    /// The name of each row's cell (`各县汇总!D7（行政许可）`), for the `ParsedFile` header; `None`:
    /// made from the row when needed.
    names: Vec<Option<String>>,
    log: Vec<String>,
    reports: HashMap<ReportKey, u32>,
    pub layouts: Vec<String>,
    /// A template's key cells as read: (sheet, cell) → text.
    pub key_values: HashMap<(String, (u32, u32)), String>,
    /// A template's named value cells by sheet: (metric, cell, text), and the sheet's formulas
    /// saved without a value; checked once every sheet (and so every key cell) has been read.
    #[allow(clippy::type_complexity)]
    pub pending_named: Vec<(String, Vec<(usize, (u32, u32), String)>, Vec<((u32, u32), String)>)>,
}

impl Book<'_> {
    fn display(&self) -> String {
        self.out.file.display.clone()
    }

    /// A finding on one sheet (and cell): the message starts with `book.xlsx!sheet!D7`.
    pub fn finding(
        &self,
        severity: Severity,
        rule: Rule,
        sheet: &str,
        at: Option<(u32, u32)>,
        message: String,
    ) -> Finding {
        let place = match at {
            Some((r, c)) => format!("{}!{sheet}!{}", self.display(), a1(r, c)),
            None => format!("{}!{sheet}", self.display()),
        };
        let mut f = Finding::new(severity, rule, &self.display(), format!("{place}：{message}"));
        if let Some((r, c)) = at {
            f.line = Some(r as u64 + 1);
            f.column = Some(format!("{sheet}!{}", a1(r, c)));
        } else {
            f.column = Some(sheet.to_string());
        }
        f
    }

    pub fn intern(&mut self, key: ReportKey) -> u32 {
        if let Some(&i) = self.reports.get(&key) {
            return i;
        }
        self.out.reports.push(key.clone());
        let i = (self.out.reports.len() - 1) as u32;
        self.reports.insert(key, i);
        i
    }

    pub fn push_row(&mut self, row: Row, name: Option<String>) -> u32 {
        self.rows.push(row);
        self.names.push(name);
        (self.rows.len() - 1) as u32
    }
}

fn open<'b>(bytes: &'b [u8], ext: &str) -> Result<Sheets<Cursor<&'b [u8]>>, String> {
    let rs = Cursor::new(bytes);
    match ext {
        "xls" => calamine::open_workbook_from_rs(rs).map(Sheets::Xls).map_err(|e| e.to_string()),
        "ods" => calamine::open_workbook_from_rs(rs).map(Sheets::Ods).map_err(|e| e.to_string()),
        _ => calamine::open_workbook_from_rs(rs).map(Sheets::Xlsx).map_err(|e| e.to_string()),
    }
}

/// Parse a workbook's bytes. Never panics, whatever the bytes; every problem is a finding. calamine
/// itself asserts on some malformed .xls records (found by `tests/workbook.rs` cutting and flipping
/// bytes): such a panic is caught here and the workbook refused with `E090` like any corrupt one.
pub fn parse_workbook_bytes(file: &InputFile, bytes: &[u8], opts: &ParseOptions) -> ParsedFile {
    let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_workbook(file, bytes, opts)));
    read.unwrap_or_else(|panic| {
        let what = panic
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        let why =
            format!("工作簿已损坏，读取器无法解析（corrupt workbook: the reader gave up: {}）", elide(&what));
        refuse_workbook(file, bytes, &why, "损坏的工作簿".into())
    })
}

/// What reading `file` produced, before anything is read: its size and SHA-256.
fn parsed_file(file: &InputFile, bytes: &[u8]) -> ParsedFile {
    let mut out = ParsedFile::new(file);
    out.size = bytes.len() as u64;
    out.sha256 = format!("{:x}", Sha256::digest(bytes));
    out
}

/// The whole workbook refused with `E090`: `why` in the finding and the extraction log, `actual` the
/// finding's "what was found".
fn refuse_workbook(file: &InputFile, bytes: &[u8], why: &str, actual: String) -> ParsedFile {
    let mut out = parsed_file(file, bytes);
    out.extracted = Some(ReportExtract {
        form: "workbook".into(),
        csv: String::new(),
        log: vec![format!("refused: {why}")],
    });
    let f = out.refuse_file(Rule::UnreadableWorkbook, None, format!("{}：{why}", file.display));
    f.expected = Some("可打开的 .xlsx/.xlsm/.xls/.ods 工作簿（无打开密码）".into());
    f.actual = Some(actual);
    out
}

fn read_workbook(file: &InputFile, bytes: &[u8], opts: &ParseOptions) -> ParsedFile {
    let ext = file.path.extension().and_then(|e| e.to_str()).unwrap_or("").to_ascii_lowercase();
    let mut book = match open(bytes, &ext) {
        Ok(b) => b,
        Err(e) => {
            // An .xlsx saved with a password is an OLE compound file holding `EncryptedPackage`.
            let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
            let encrypted = ole && ext != "xls" || contains(bytes, "EncryptedPackage");
            let why = if encrypted {
                "工作簿设置了打开密码（password-protected workbook）；请在 Excel/WPS 中取消密码后另存"
                    .to_string()
            } else {
                format!("工作簿已损坏或不是 {} 文件（corrupt workbook）：{e}", ext.to_uppercase())
            };
            let actual = if encrypted { "加密的工作簿".into() } else { elide(&e).into_owned() };
            return refuse_workbook(file, bytes, &why, actual);
        }
    };
    let mut out = parsed_file(file, bytes);
    out.layout = Some("workbook".into());
    let mut b = Book {
        out,
        opts,
        rows: Vec::new(),
        names: Vec::new(),
        log: Vec::new(),
        reports: HashMap::new(),
        layouts: Vec::new(),
        key_values: HashMap::new(),
        pending_named: Vec::new(),
    };
    let names: Vec<(String, String)> = book.defined_names().to_vec();
    let sheets = book.sheets_metadata().to_vec();
    let templated = super::template_names::sheets_with_names(&names);
    for sheet in sheets {
        let name = sheet.name.clone();
        if sheet.typ != SheetType::WorkSheet {
            b.log.push(format!("sheet {name}: not a worksheet ({:?}), not read", sheet.typ));
            continue;
        }
        if sheet.visible != SheetVisible::Visible {
            let f = b.finding(
                Severity::Warning,
                Rule::HiddenSheet,
                &name,
                None,
                "隐藏的工作表未读取（hidden sheet skipped）；如需读取请取消隐藏".into(),
            );
            b.out.findings.push(f);
            b.log.push(format!("sheet {name}: hidden, skipped"));
            continue;
        }
        let range = match book.worksheet_range(&name) {
            Ok(r) => r,
            Err(e) => {
                let f = b.finding(
                    Severity::Error,
                    Rule::UnreadableWorkbook,
                    &name,
                    None,
                    format!("工作表无法读取（cannot read the sheet）：{e}"),
                );
                b.out.findings.push(f);
                continue;
            }
        };
        if range.is_empty() || range.used_cells().all(|(_, _, d)| is_blank_data(d)) {
            b.log.push(format!("sheet {name}: empty"));
            continue;
        }
        let formulas = book.worksheet_formula(&name).unwrap_or_default();
        let merges = merges(&mut book, bytes, &name);
        let sheet = Sheet { name: name.clone(), range, formulas, merges };
        if templated.contains(&name) {
            super::template_names::read_named(&mut b, &sheet, &names);
            continue;
        }
        read_sheet(&mut b, &sheet, file);
    }
    super::template_names::finish_named(&mut b, &names);
    finish(b)
}

fn contains(hay: &[u8], needle: &str) -> bool {
    // `EncryptedPackage` is stored as UTF-16 in the OLE directory.
    let wide: Vec<u8> = needle.encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    hay.windows(wide.len()).any(|w| w == wide.as_slice())
}

fn merges(book: &mut Sheets<Cursor<&[u8]>>, bytes: &[u8], name: &str) -> Vec<Dimensions> {
    match book {
        Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        Sheets::Xls(x) => x.merge_cells_by_sheet_name(name).unwrap_or_default(),
        // calamine does not read merges from .ods: they are read off content.xml here.
        Sheets::Ods(_) => ods_merges(bytes, name),
        Sheets::Xlsb(_) => Vec::new(),
    }
}

/// The merged ranges of one sheet of an .ods: cells with `table:number-columns-spanned` or
/// `table:number-rows-spanned` above 1, placed by counting cells and rows (with their repeats).
fn ods_merges(bytes: &[u8], sheet: &str) -> Vec<Dimensions> {
    use quick_xml::events::Event;
    use std::io::Read;
    let Ok(mut zip) = zip::ZipArchive::new(Cursor::new(bytes)) else { return Vec::new() };
    let mut xml = String::new();
    match zip.by_name("content.xml") {
        Ok(mut f) => {
            if f.read_to_string(&mut xml).is_err() {
                return Vec::new();
            }
        }
        Err(_) => return Vec::new(),
    }
    let local = |n: &[u8]| n.rsplit(|&b| b == b':').next().unwrap_or(n).to_vec();
    let attr = |e: &quick_xml::events::BytesStart, want: &[u8]| -> Option<String> {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref().rsplit(|&b| b == b':').next() == Some(want))
            .map(|a| String::from_utf8_lossy(a.value.as_ref()).into_owned())
    };
    let num = |v: Option<String>| v.and_then(|s| s.parse::<u32>().ok()).unwrap_or(1).max(1);
    let mut reader = quick_xml::Reader::from_str(&xml);
    let (mut inside, mut row, mut col, mut row_repeat) = (false, 0u32, 0u32, 1u32);
    let mut out = Vec::new();
    loop {
        let (e, empty) = match reader.read_event() {
            Ok(Event::Start(e)) => (e, false),
            Ok(Event::Empty(e)) => (e, true),
            Ok(Event::End(e)) => {
                match local(e.name().as_ref()).as_slice() {
                    b"table" if inside => return out,
                    b"table-row" if inside => row = row.saturating_add(row_repeat),
                    _ => {}
                }
                continue;
            }
            Ok(Event::Eof) | Err(_) => return out,
            Ok(_) => continue,
        };
        match local(e.name().as_ref()).as_slice() {
            b"table" => inside = attr(&e, b"name").as_deref() == Some(sheet),
            b"table-row" if inside => {
                col = 0;
                row_repeat = num(attr(&e, b"number-rows-repeated"));
                if empty {
                    row = row.saturating_add(row_repeat);
                }
            }
            b"table-cell" | b"covered-table-cell" if inside => {
                let cols = num(attr(&e, b"number-columns-spanned"));
                let rows = num(attr(&e, b"number-rows-spanned"));
                if cols > 1 || rows > 1 {
                    out.push(Dimensions::new(
                        (row, col),
                        (row.saturating_add(rows - 1), col.saturating_add(cols - 1)),
                    ));
                }
                col = col.saturating_add(num(attr(&e, b"number-columns-repeated")));
            }
            _ => {}
        }
    }
}

/// One worksheet as read.
pub(super) struct Sheet {
    pub name: String,
    pub range: Range<Data>,
    pub formulas: Range<String>,
    pub merges: Vec<Dimensions>,
}

impl Sheet {
    pub fn data(&self, row: u32, col: u32) -> &Data {
        self.range.get_value((row, col)).unwrap_or(&Data::Empty)
    }

    pub fn text(&self, row: u32, col: u32) -> String {
        data_text(self.data(row, col))
    }

    pub fn formula(&self, row: u32, col: u32) -> Option<&str> {
        self.formulas.get_value((row, col)).map(String::as_str).filter(|f| !f.is_empty())
    }

    /// A formula cell saved without its value.
    pub fn formula_without_value(&self, row: u32, col: u32) -> Option<&str> {
        self.formula(row, col).filter(|_| is_blank_data(self.data(row, col)))
    }

    /// Every formula cell saved without its value.
    pub fn formula_cells_without_values(&self) -> Vec<((u32, u32), String)> {
        self.formulas
            .used_cells()
            .filter(|(_, _, f)| !f.is_empty())
            .filter_map(|(r, c, f)| {
                let (r0, c0) = self.formulas.start().unwrap_or((0, 0));
                let (r, c) = (r as u32 + r0, c as u32 + c0);
                is_blank_data(self.data(r, c)).then(|| ((r, c), f.clone()))
            })
            .collect()
    }

    fn end(&self) -> (u32, u32) {
        self.range.end().unwrap_or((0, 0))
    }

    fn start(&self) -> (u32, u32) {
        self.range.start().unwrap_or((0, 0))
    }
}

fn is_blank_data(d: &Data) -> bool {
    match d {
        Data::Empty => true,
        Data::String(s) => s.trim().is_empty(),
        _ => false,
    }
}

/// A cell's value as CSV text: numbers in their shortest exact form.
pub fn data_text(d: &Data) -> String {
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(dt) => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

/// The year a year cell holds: a date gives its year, anything else its text.
fn year_text(d: &Data) -> String {
    match d {
        Data::DateTime(dt) if dt.is_datetime() => dt.to_ymd_hms_milli().0.to_string(),
        Data::DateTimeIso(s) if s.len() >= 4 && s[..4].bytes().all(|b| b.is_ascii_digit()) => {
            s[..4].to_string()
        }
        other => data_text(other),
    }
}

pub fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Read one visible sheet: long or wide layout, else the report table, else skipped.
fn read_sheet(b: &mut Book, sheet: &Sheet, file: &InputFile) {
    let (start, end) = (sheet.start(), sheet.end());
    let width = end.1 + 1;
    let row_texts = |r: u32| -> Vec<String> { (0..width).map(|c| sheet.text(r, c)).collect() };
    // The header: the first non-empty row, or one of the next few after a title.
    let mut tried = 0;
    let mut header_problem = None;
    for r in start.0..=end.0 {
        let fields = row_texts(r);
        if fields.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        tried += 1;
        match detect(fields.iter().map(String::as_str)) {
            Ok(h) => return read_table(b, sheet, r, &h),
            Err(p @ (HeaderProblem::Duplicate { .. } | HeaderProblem::Ambiguous { .. })) => {
                header_problem = Some((r, p));
                break;
            }
            Err(HeaderProblem::Missing { .. }) => {}
        }
        if tried >= 5 {
            break;
        }
    }
    if let Some((r, p)) = header_problem {
        let f = match p {
            HeaderProblem::Duplicate { first_name, name, first, second } => {
                let mut f = b.finding(
                    Severity::Error,
                    Rule::DuplicateColumn,
                    &sheet.name,
                    Some((r, second as u32 - 1)),
                    format!(
                        "列名 “{name}” 与 {} 的 “{first_name}” 重复，无法判断用哪一列；整个工作表未读取（duplicated header）",
                        a1(r, first as u32 - 1)
                    ),
                );
                f.expected = Some("每个列名只出现一次".into());
                f.actual = Some(format!(
                    "{} {first_name} = {} {name}",
                    a1(r, first as u32 - 1),
                    a1(r, second as u32 - 1)
                ));
                f
            }
            HeaderProblem::Ambiguous { name, column, candidates } => {
                let listed: Vec<String> = candidates
                    .iter()
                    .map(|&i| format!("{}（{}）", catalog().metric(i).id, catalog().metric(i).label_zh()))
                    .collect();
                let mut f = b.finding(
                    Severity::Error,
                    Rule::AmbiguousHeader,
                    &sheet.name,
                    Some((r, column as u32 - 1)),
                    format!(
                        "列名 “{name}” 可对应 {} 个指标：{}；请写全标签或用 --columns 指定；整个工作表未读取（ambiguous header）",
                        listed.len(),
                        listed.join("；")
                    ),
                );
                f.expected = Some("只对应一个指标的列名".into());
                f.actual = Some(name);
                f
            }
            HeaderProblem::Missing { .. } => return,
        };
        b.out.findings.push(f);
        b.log.push(format!("sheet {}: refused (header)", sheet.name));
        return;
    }
    read_report_sheet(b, sheet, file);
}

/// The sheet as CSV text from the header's row on, blank rows left out, and the 0-based sheet row
/// of each line of it (line 1 is the header). Line breaks inside cells become spaces, so that a
/// line of the CSV is a row of the sheet.
fn sheet_csv(sheet: &Sheet, header_row: u32, year_col: Option<u32>) -> (String, Vec<u32>) {
    let end = sheet.end();
    let width = end.1 + 1;
    let mut text = String::new();
    let mut rows = Vec::new();
    for r in header_row..=end.0 {
        let fields: Vec<String> = (0..width)
            .map(|c| {
                if Some(c) == year_col && r > header_row {
                    year_text(sheet.data(r, c))
                } else {
                    sheet.text(r, c)
                }
            })
            .map(|t| if t.contains(['\n', '\r']) { t.replace(['\n', '\r'], " ") } else { t })
            .collect();
        let formulas = (0..width).any(|c| sheet.formula(r, c).is_some());
        if fields.iter().all(|f| f.trim().is_empty()) && !formulas {
            continue;
        }
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(&fields);
        let line = w.into_inner().unwrap_or_default();
        text.push_str(&String::from_utf8_lossy(&line));
        rows.push(r);
    }
    (text, rows)
}

/// A long- or wide-layout sheet, read by the CSV parser.
fn read_table(b: &mut Book, sheet: &Sheet, header_row: u32, h: &Header) {
    let year_col = Some(h.year as u32);
    let (text, csv_rows) = sheet_csv(sheet, header_row, year_col);
    // CSV line → 0-based sheet row.
    let row_of = |line: u64| csv_rows.get((line as usize).wrapping_sub(1)).copied();
    let sheet_file = InputFile { display: format!("{}!{}", b.display(), sheet.name), ..b.out.file.clone() };
    let p = parse_bytes(&sheet_file, text.as_bytes(), b.opts);
    b.layouts.push(format!("{}: {}", sheet.name, h.layout.name()));
    b.log.push(format!(
        "sheet {}: {} layout, header in row {}, {} rows",
        sheet.name,
        h.layout.name(),
        header_row + 1,
        p.rows_read
    ));
    let end = sheet.end();
    // The value cells of each data row (by 1-based line = sheet row), with their metric.
    let value_cols: Vec<(u32, String)> = match &h.layout {
        Layout::Long { value, .. } => vec![(*value as u32, String::new())],
        Layout::Wide { metrics } => metrics
            .iter()
            .map(|&(c, m)| (c as u32, catalog().metric(m).id.clone()))
            .chain(h.unknown_metrics.iter().map(|&c| (c as u32, h.names[c].clone())))
            .collect(),
    };
    // Rows a workbook-only problem rejects: formulas without values, merges across values.
    let mut bad: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for r in header_row + 1..=end.0 {
        for c in 0..=end.1 {
            if let Some(formula) = sheet.formula_without_value(r, c) {
                let mut f = b.finding(
                    Severity::Error,
                    Rule::FormulaWithoutValue,
                    &sheet.name,
                    Some((r, c)),
                    format!(
                        "公式 ={} 没有保存计算结果，无法读取数值（formula without a cached value）；请在 Excel/WPS 中打开并保存",
                        elide(formula)
                    ),
                );
                f.expected = Some("保存了计算结果的公式，或数值".into());
                f.actual = Some(format!("={}", elide(formula)));
                bad.entry(r).or_default().push(format!("{}: {}", f.rule.id(), f.message));
                b.out.findings.push(f);
            }
        }
    }
    for m in &sheet.merges {
        let (r0, c0) = m.start;
        let (r1, c1) = m.end;
        if r1 < r0 || c1 < c0 || r1 <= header_row || (r0 == r1 && c0 == c1) {
            continue;
        }
        let covers_value = value_cols.iter().any(|(c, _)| (c0..=c1).contains(c));
        let spans_cells = (r1 as u64 - r0 as u64 + 1) * (c1 as u64 - c0 as u64 + 1) > 1;
        if !(covers_value && spans_cells) {
            continue;
        }
        let range = format!("{}:{}", a1(r0, c0), a1(r1, c1));
        let mut f = b.finding(
            Severity::Error,
            Rule::MergedValueCells,
            &sheet.name,
            Some((r0.max(header_row + 1), c0)),
            format!("合并单元格 {range} 跨越多个数值单元格，无法判断数值属于哪一格（merged cell across values）；请取消合并并逐格填写"),
        );
        f.expected = Some("每个数值单元格单独填写".into());
        f.actual = Some(format!("合并单元格 {range}"));
        for r in r0.max(header_row + 1)..=r1 {
            bad.entry(r).or_default().push(format!("{}: {}", f.rule.id(), f.message));
        }
        b.out.findings.push(f);
    }
    // The rows parse read, by line: every value cell becomes a workbook row.
    let field = |r: u32, c: Option<usize>| c.map(|c| sheet.text(r, c as u32)).unwrap_or_default();
    let mut at: HashMap<(u32, u32), u32> = HashMap::new();
    let mut rows_of_line: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    for r in header_row + 1..=end.0 {
        if (0..=end.1).all(|c| is_blank_data(sheet.data(r, c)) && sheet.formula(r, c).is_none()) {
            continue;
        }
        for (c, metric) in &value_cols {
            let metric = match &h.layout {
                Layout::Long { metric, .. } => sheet.text(r, *metric as u32),
                Layout::Wide { .. } => metric.clone(),
            };
            let row = Row {
                sheet: sheet.name.clone(),
                at: (r, *c),
                region_code: field(r, Some(h.region_code)),
                region_name: field(r, h.region_name),
                year: year_text(sheet.data(r, h.year as u32)),
                body: field(r, h.body),
                format: field(r, h.format),
                // The label and the row's name are worked out when written (`finish`): a national
                // wide sheet has half a million value cells.
                label: String::new(),
                metric,
                value: sheet.text(r, *c),
            };
            let g = b.push_row(row, None);
            at.insert((r + 1, *c), g);
            rows_of_line.entry(r + 1).or_default().push(g);
        }
    }
    // Findings of the CSV rules, placed at their cell.
    let col_of = |name: &str| h.names.iter().position(|n| n == name);
    for mut f in p.findings {
        let row = f.line.and_then(row_of);
        f.line = row.map(|r| r as u64 + 1);
        let line = f.line.unwrap_or(0);
        let cell = match (&f.column, row) {
            (Some(col), Some(r)) => col_of(col).map(|c| a1(r, c as u32)),
            _ => None,
        };
        let place = match &cell {
            Some(c) => format!("{}!{}!{c}", b.display(), sheet.name),
            None if line > 0 => format!("{}!{}!第{line}行", b.display(), sheet.name),
            None => format!("{}!{}", b.display(), sheet.name),
        };
        f.message = format!("{place}：{}", f.message);
        f.column = Some(match (&cell, &f.column) {
            (Some(c), Some(name)) => format!("{}!{c}（{name}）", sheet.name),
            (_, Some(name)) => format!("{}!{name}", sheet.name),
            _ => sheet.name.clone(),
        });
        f.file = b.display();
        b.out.findings.push(f);
    }
    for rej in p.rejected.values() {
        let Some(r) = row_of(rej.line) else { continue };
        for &g in rows_of_line.get(&(r + 1)).map(Vec::as_slice).unwrap_or(&[]) {
            for reason in &rej.reasons {
                b.out.reject(
                    g,
                    r as u64 + 1,
                    format!("{}!{}: {reason}", sheet.name, b.rows[g as usize].cell()),
                );
            }
        }
    }
    for (&r, reasons) in &bad {
        for &g in rows_of_line.get(&(r + 1)).map(Vec::as_slice).unwrap_or(&[]) {
            for reason in reasons {
                b.out.reject(g, r as u64 + 1, reason.clone());
            }
        }
    }
    for c in p.cells {
        let Some(r) = row_of(c.line as u64) else { continue };
        let Some(&g) = at.get(&(r + 1, c.col as u32)) else { continue };
        if b.out.rejected.contains_key(&g) {
            continue;
        }
        let key = p.reports[c.report as usize].clone();
        let report = b.intern(key);
        b.out.cells.push(Cell { report, record: g, col: 0, line: r + 1, ..c });
    }
}

/// A sheet laid out as the official table, read by the report extractor.
fn read_report_sheet(b: &mut Book, sheet: &Sheet, file: &InputFile) {
    let (start, end) = (sheet.start(), sheet.end());
    let mut rows = Vec::new();
    let mut missing_values = Vec::new();
    for r in start.0..=end.0 {
        let mut cells = Vec::new();
        for c in start.1..=end.1 {
            if let Some(formula) = sheet.formula_without_value(r, c) {
                missing_values.push((r, c, formula.to_string()));
            }
            cells.push((c + 1, sheet.text(r, c)));
        }
        if cells.iter().any(|(_, t)| !t.trim().is_empty()) {
            rows.push((r + 1, cells));
        }
    }
    let stem = file.path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let hint = format!("{stem}政府信息公开工作年度报告");
    match extract::read_report_rows(&rows, &hint) {
        ReportOutcome::NotAReport { first_text } => {
            let mut f = b.finding(
                Severity::Warning,
                Rule::SheetSkipped,
                &sheet.name,
                None,
                "工作表既不是长表、宽表，也不是年度报告表格，已跳过（sheet skipped: no header with region_code/行政区划代码 and year/年度, and no report table）".into(),
            );
            f.expected = Some("表头含 行政区划代码、年度 及指标列，或年度报告的三张表".into());
            f.actual = Some(elide(&first_text).into_owned());
            b.out.findings.push(f);
            b.log.push(format!("sheet {}: skipped (neither layout nor report table)", sheet.name));
        }
        ReportOutcome::Refused(e) => {
            let rule = match e {
                extract::ExtractError::Incomplete { .. } => Rule::ReportIncomplete,
                _ => Rule::ReportTitle,
            };
            let mut f = b.finding(
                Severity::Error,
                rule,
                &sheet.name,
                None,
                format!("按年度报告表格读取失败，工作表未读取（report table refused）：{e}；可在表格上方写标题“××人民政府YYYY年政府信息公开工作年度报告”"),
            );
            f.actual = Some(elide(&e.to_string()).into_owned());
            b.out.findings.push(f);
            b.log.extend(e.log().iter().map(|l| format!("sheet {}: {l}", sheet.name)));
            b.log.push(format!("sheet {}: report table refused: {e}", sheet.name));
        }
        ReportOutcome::Extracted(x) => {
            b.layouts.push(format!("{}: report", sheet.name));
            b.log.extend(x.log.iter().map(|l| format!("sheet {}: {l}", sheet.name)));
            if !missing_values.is_empty() {
                for (r, c, formula) in &missing_values {
                    let f = b.finding(
                        Severity::Error,
                        Rule::FormulaWithoutValue,
                        &sheet.name,
                        Some((*r, *c)),
                        format!(
                            "公式 ={} 没有保存计算结果；整张表未读取（formula without a cached value）",
                            elide(formula)
                        ),
                    );
                    b.out.findings.push(f);
                }
                return;
            }
            take_report(b, sheet, &x);
        }
    }
}

/// `D7` → 0-based (row, col).
pub fn parse_a1(s: &str) -> Option<(u32, u32)> {
    let letters: String = s.chars().take_while(|c| c.is_ascii_alphabetic()).collect();
    let digits = &s[letters.len()..];
    if letters.is_empty() || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Checked: a defined name in a user's workbook may point anywhere, or nowhere sensible.
    let col = letters
        .to_ascii_uppercase()
        .bytes()
        .try_fold(0u32, |acc, b| acc.checked_mul(26)?.checked_add((b - b'A' + 1) as u32))?;
    let row: u32 = digits.parse().ok()?;
    (row > 0 && col > 0).then(|| (row - 1, col - 1))
}

fn take_report(b: &mut Book, sheet: &Sheet, x: &extract::Extracted) {
    let c = catalog();
    let region = format!("{:06}", x.region);
    let key = ReportKey { region: x.region, year: x.year, body: x.body.clone() };
    let year_ok = super::cell::check_year(&x.year.to_string(), b.opts.max_year);
    let report = b.intern(key);
    for cell in &c.form(x.format).cells {
        let m = c.metric(cell.metric);
        let at = x.origins[cell.metric].as_ref().and_then(|o| parse_a1(&o.place)).unwrap_or((0, 0));
        let value = x.values[cell.metric].map(number_text).unwrap_or_default();
        let row = Row {
            sheet: sheet.name.clone(),
            at,
            region_code: region.clone(),
            region_name: x.region_name.clone(),
            year: x.year.to_string(),
            body: x.body.clone(),
            format: x.format.as_str().to_string(),
            metric: m.id.clone(),
            label: cell.label_zh(),
            value: value.clone(),
        };
        let name = format!("{}!{}（{}）", sheet.name, a1(at.0, at.1), cell.label_zh());
        let g = b.push_row(row, Some(name));
        let line = at.0 as u64 + 1;
        if let Err(p) = &year_ok {
            b.out.reject(g, line, format!("{}: {}", p.rule.id(), p.message));
            continue;
        }
        match check_value(&value, m) {
            Ok(v) => b.out.cells.push(Cell {
                report,
                metric: cell.metric as u16,
                col: 0,
                record: g,
                line: line as u32,
                value: v,
                declared: Some(x.format),
                kind: None,
            }),
            Err(p) => {
                let mut f = b.finding(Severity::Error, p.rule, &sheet.name, Some(at), p.message);
                f.expected = Some(p.expected);
                f.actual = Some(p.actual);
                f.metric = Some(m.id.clone());
                f.region_code = Some(region.clone());
                f.year = Some(x.year);
                b.out.reject(g, line, format!("{}: {}", f.rule.id(), f.message));
                b.out.findings.push(f);
            }
        }
    }
    if let Err(p) = year_ok {
        let f = b.finding(Severity::Error, p.rule, &sheet.name, None, p.message);
        b.out.findings.push(f);
    }
}

/// The workbook's rows as the long CSV, the header naming each row's cell, the cells pointing at it.
fn finish(mut b: Book) -> ParsedFile {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record(COLUMNS);
    for row in &b.rows {
        let _ = w.write_record(row.fields());
    }
    let csv = w.into_inner().map(|v| String::from_utf8_lossy(&v).into_owned()).unwrap_or_default();
    b.out.rows_read = b.rows.len() as u64;
    // The header names each row's cell while the rows fit a column number; past that, `value`.
    let by_cell = b.rows.len() <= u16::MAX as usize;
    if by_cell {
        let names: Vec<String> = b
            .rows
            .iter()
            .zip(&b.names)
            .map(|(row, name)| match name {
                Some(n) => n.clone(),
                None => format!("{}!{}（{}）", row.sheet, row.cell(), row.label()),
            })
            .collect();
        b.out.header = names.into();
        for c in &mut b.out.cells {
            c.col = c.record as u16;
        }
    } else {
        b.out.header = COLUMNS.iter().map(|s| s.to_string()).collect::<Vec<_>>().into();
        for c in &mut b.out.cells {
            c.col = VALUE_COLUMN as u16;
        }
    }
    b.out.cells.sort_by_key(|c| c.record);
    b.log.push(format!("read: {} value cells from {} sheet(s)", b.rows.len(), b.layouts.len()));
    b.out.layout = Some(if b.layouts.is_empty() {
        "workbook (no sheet read)".into()
    } else {
        format!("workbook ({})", b.layouts.join("; "))
    });
    b.out.extracted = Some(ReportExtract { form: "workbook".into(), csv, log: b.log });
    b.out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_names() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 3), "D7");
        assert_eq!(a1(9, 26), "AA10");
        assert_eq!(parse_a1("D7"), Some((6, 3)));
        assert_eq!(parse_a1("AA10"), Some((9, 26)));
        assert_eq!(parse_a1("line 7"), None);
        assert_eq!(parse_a1("AAAAAAAAAAAAAAAAAAAA1"), None);
        assert_eq!(parse_a1("A99999999999"), None);
    }

    #[test]
    fn numbers_in_shortest_exact_form() {
        assert_eq!(number_text(34754.0), "34754");
        assert_eq!(number_text(88.5), "88.5");
        assert_eq!(number_text(0.1 + 0.2), "0.30000000000000004");
    }

    #[test]
    fn workbook_names() {
        assert!(is_workbook_name(Path::new("a/汇总.XLSX")));
        assert!(is_workbook_name(Path::new("b.ods")));
        assert!(!is_workbook_name(Path::new("~$汇总.xlsx")));
        assert!(!is_workbook_name(Path::new("b.csv")));
    }
}
