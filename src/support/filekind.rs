//! What a file is, from its first bytes and its name, for the files users drop into a report folder
//! that xxgk does not read as a report: old Word and WPS documents, spreadsheets, pictures, RTF.
//! Each gets one sentence that names what it is and what to do, instead of
//! "not text (a NUL byte)" or silence: an analyst who sees "old Word .doc: save it as .docx" knows
//! the next step, one who sees a byte offset does not.
//!
//! The check is a pure function of (extension, bytes); the report dispatcher runs it after the PDF
//! reader (a PDF is read whatever its name says: its `%PDF-` signature settles it) and before it
//! tries the bytes as .docx or text.

/// A file kind xxgk recognises but does not read as a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// An OLE compound file (`D0 CF 11 E0`): old Word `.doc`, WPS `.wps`, and any other name.
    OldWord,
    /// An OLE compound file named as a spreadsheet (`.xls`, WPS `.et`).
    OldExcel,
    /// A zip-based spreadsheet (`.xlsx`, `.xlsm`, `.ods`).
    Spreadsheet,
    /// A picture (`.jpg`, `.png`, `.gif`, `.bmp`, `.tif`), told by its bytes.
    Image,
    /// Rich Text Format (`{\rtf`), which Word and WPS save and sites publish as `.doc` or `.rtf`:
    /// its Chinese text is escaped, so it cannot be read as text.
    Rtf,
}

/// Extensions of the kinds above, for a folder walk: such files are listed with their sentence
/// rather than skipped without a word. `.pdf` is not here: PDF is a report form of its own.
pub const KNOWN_OTHER_EXTENSIONS: [&str; 15] = [
    "doc", "wps", "xls", "et", "xlsx", "xlsm", "ods", "jpg", "jpeg", "png", "gif", "bmp", "tif", "tiff",
    "webp",
];

/// The extension of a file name, as `Path::extension` gives it (`a.tar.gz`: `gz`; `.csv` and `csv`:
/// none), without parsing a path: a folder walk classifies every file by name, and `Path`'s
/// component parsing, called a few times a file, was a tenth of the CPU of a one-file re-run's
/// first 50 ms (`perf`, 11,384 files).
pub fn extension(name: &str) -> Option<&str> {
    match name.rfind('.') {
        _ if name == ".." => None,
        Some(i) if i > 0 => Some(&name[i + 1..]),
        _ => None,
    }
}

/// Whether a folder walk should list the file (by its extension) as a known non-report kind.
pub fn is_known_other_name(ext: &str) -> bool {
    KNOWN_OTHER_EXTENSIONS.iter().any(|k| ext.eq_ignore_ascii_case(k))
}

const OLE: &[u8] = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1";

fn is_image(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\xFF\xD8\xFF")
        || bytes.starts_with(b"\x89PNG\r\n\x1A\n")
        || bytes.starts_with(b"GIF87a")
        || bytes.starts_with(b"GIF89a")
        || (bytes.starts_with(b"BM") && bmp_reserved_zero(bytes))
        || bytes.starts_with(b"II*\0")
        || bytes.starts_with(b"MM\0*")
        || (bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP")
}

/// `BM` starts many text files too (`BMI …`); a bitmap's header has its reserved bytes zero.
fn bmp_reserved_zero(bytes: &[u8]) -> bool {
    bytes.len() > 10 && bytes[6..10] == [0, 0, 0, 0]
}

/// The kind of a file xxgk does not read as a report, from `ext` (lower case, no dot) and its bytes;
/// `None` for anything else (text, HTML, .docx, a `.pdf` named as one, unknown binary).
pub fn sniff(ext: &str, bytes: &[u8]) -> Option<FileKind> {
    let ext = ext.to_ascii_lowercase();
    if bytes.starts_with(OLE) {
        return Some(if matches!(ext.as_str(), "xls" | "et") {
            FileKind::OldExcel
        } else {
            FileKind::OldWord
        });
    }
    if is_image(bytes) {
        return Some(FileKind::Image);
    }
    if bytes.starts_with(b"{\\rtf") {
        return Some(FileKind::Rtf);
    }
    if bytes.starts_with(b"PK\x03\x04") && matches!(ext.as_str(), "xlsx" | "xlsm" | "ods") {
        return Some(FileKind::Spreadsheet);
    }
    None
}

/// What to do with a spreadsheet. One function, so that the sentence changes in one place when
/// spreadsheets are read.
pub fn spreadsheet_advice() -> &'static str {
    "workbooks are read as data, not extracted as a report: put it in the input folder of `xxgk run` or \
     `xxgk ingest`, which read every visible sheet (docs/workbooks.md)"
}

impl FileKind {
    /// Short name, Chinese first, for summaries and the layout column.
    pub fn label(self) -> &'static str {
        match self {
            FileKind::OldWord => "旧版 Word/WPS 文档 (OLE .doc/.wps)",
            FileKind::OldExcel => "旧版 Excel/WPS 表格 (OLE .xls/.et)",
            FileKind::Spreadsheet => "电子表格 (.xlsx/.ods)",
            FileKind::Image => "图片 (picture)",
            FileKind::Rtf => "RTF 文档 (rich text)",
        }
    }

    /// The sentence: what the file is and what to do.
    pub fn sentence(self, ext: &str) -> String {
        let named = if ext.is_empty() { "with no extension".to_string() } else { format!("named .{ext}") };
        match self {
            FileKind::OldWord => format!(
                "an old Word or WPS document (OLE compound file, {named}), which xxgk does not read; \
                 open it in Word or WPS and save it as .docx (或另存为 .docx)"
            ),
            FileKind::OldExcel => format!(
                "an old Excel or WPS spreadsheet (OLE compound file, {named}); {}; a WPS .et is read once saved as \
                 .xlsx (工作簿请用 run/ingest 读取；WPS 的 .et 请另存为 .xlsx)",
                spreadsheet_advice()
            ),
            FileKind::Spreadsheet => {
                format!("a spreadsheet (zip-based, {named}); {} (工作簿请用 run/ingest 读取)", spreadsheet_advice())
            }
            FileKind::Image => format!(
                "a picture of a report ({named}), no text to read; supply the report's web page, .docx or \
                 text instead (图片没有文字，请提供网页、.docx 或文本)"
            ),
            FileKind::Rtf => format!(
                "a Rich Text Format document ({named}), whose text xxgk does not read; open it in Word or WPS \
                 and save it as .docx (或另存为 .docx)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_has_the_extension_its_path_has() {
        for name in [
            "a.csv",
            "A.CSV",
            "a.tar.gz",
            ".csv",
            "..csv",
            "csv",
            "a.",
            "..",
            ".",
            "",
            "报告.docx",
            "东城区-2021.synthetic.csv",
            "~$汇总.xlsx",
            "a..b",
            ".a.b",
        ] {
            let by_path = std::path::Path::new(name).extension().and_then(|e| e.to_str());
            assert_eq!(extension(name), by_path, "{name:?}");
        }
        assert_eq!(extension("a.tar.gz"), Some("gz"));
    }

    #[test]
    fn kinds_by_bytes_and_name() {
        let ole = b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1\0\0\0\0";
        assert_eq!(sniff("doc", ole), Some(FileKind::OldWord));
        assert_eq!(sniff("wps", ole), Some(FileKind::OldWord));
        assert_eq!(sniff("txt", ole), Some(FileKind::OldWord));
        assert_eq!(sniff("XLS", ole), Some(FileKind::OldExcel));
        // PDFs are the PDF reader's, whatever their name.
        assert_eq!(sniff("txt", b"%PDF-1.7\n"), None);
        assert_eq!(sniff("png", b"\x89PNG\r\n\x1A\n\0\0"), Some(FileKind::Image));
        assert_eq!(sniff("txt", b"\xFF\xD8\xFF\xE0"), Some(FileKind::Image));
        assert_eq!(sniff("xlsx", b"PK\x03\x04"), Some(FileKind::Spreadsheet));
        assert_eq!(sniff("docx", b"PK\x03\x04"), None);
        assert_eq!(sniff("doc", b"{\\rtf1\\ansi"), Some(FileKind::Rtf));
        assert_eq!(sniff("doc", b"<html><body>"), None);
        assert_eq!(sniff("txt", "BMI 指数".as_bytes()), None);
        assert_eq!(sniff("txt", "上海市人民政府".as_bytes()), None);
    }
}
