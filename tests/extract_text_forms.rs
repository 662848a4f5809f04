//! Text forms the extractor used to refuse or misname: pipe rows that end in a blank cell, rows whose
//! cells ran together into one string of digits (cut only when the format's equations allow one
//! cut, refused naming the rows otherwise), and files of kinds xxgk does not read (an OLE compound
//! file named .doc, a zipped .xlsx, a PNG; a PDF under any name is the PDF reader's, tests/extract_pdf.rs), each with a sentence in a folder walk
//! and from `xxgk extract`.
//!
//! The base text is a variant of the 岳普湖县 2023 report as pipe rows (`variant-pipes.txt`), whose
//! 200 values are written out by hand in `variant-expected.csv`; every case here is that text with
//! one thing changed.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use xxgk::reference::catalog::{catalog, Format};
use xxgk::stages::extract::{extract_bytes, ExtractError, ExtractOptions, Extracted};

fn pipes() -> String {
    std::fs::read_to_string(project_root().join("tests/fixtures/extract/variant-pipes.txt")).unwrap()
}

fn transcription() -> BTreeMap<String, f64> {
    metric_values(&project_root().join("tests/fixtures/extract/variant-expected.csv"))
}

fn extract(text: &str) -> Result<Extracted, ExtractError> {
    extract_bytes(text.as_bytes(), "txt", &ExtractOptions::default())
}

/// Every one of the 200 cells equals `want`.
fn assert_values(x: &Extracted, want: &BTreeMap<String, f64>) {
    assert_eq!(want.len(), 200);
    assert_eq!(x.format, Format::F2021);
    for m in catalog().metrics().iter().filter(|m| m.in_format(Format::F2021)) {
        assert_eq!(x.values[m.index], Some(want[&m.id]), "{} ({})", m.id, m.label_zh());
    }
}

fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once");
    text.replacen(from, to, 1)
}

/// `label | 1 | 2 | 3 |` → `label123`: the row's cell boundaries lost.
fn glue(text: &str, label: &str) -> String {
    let line = text.lines().find(|l| l.starts_with(label)).unwrap_or_else(|| panic!("{label}"));
    let glued: String = line.split('|').map(str::trim).collect();
    replace_once(text, line, &glued)
}

fn log_has(x: &Extracted, needle: &str) -> bool {
    x.log.iter().any(|l| l.contains(needle))
}

// ---- Trailing blank cells ----

#[test]
fn a_blank_last_cell_after_the_last_separator_is_the_reports_blank() {
    // 2.其他法律行政法规禁止公开 is all zeros in the report: printed with blanks in the middle and
    // a blank 总计 after the last `|`, as 上海市人民政府办公厅 2019 prints its detail rows.
    let text = replace_once(
        &pipes(),
        "2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "2.其他法律行政法规禁止公开 |  | 0 |  | 0 | 0 | 0 | ",
    );
    let x = extract(&text).unwrap_or_else(|e| panic!("{e}\n{:#?}", e.log()));
    assert_values(&x, &transcription());
    assert!(
        log_has(&x, "2.其他法律行政法规禁止公开: 3 blank or placeholder cell(s)"),
        "the log says which blanks were read as 0: {:#?}",
        x.log
    );
    assert!(x.breaches.is_empty(), "{:?}", x.breaches);
}

#[test]
fn a_framed_row_one_cell_short_is_still_refused() {
    // With a frame on both sides the last `|` is the frame: six values are six, and the 总计 is missing.
    let text = replace_once(
        &pipes(),
        "2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 | 0 |",
        "| 2.其他法律行政法规禁止公开 | 0 | 0 | 0 | 0 | 0 | 0 |",
    );
    match extract(&text) {
        Err(ExtractError::Incomplete { missing, .. }) => {
            assert_eq!(missing.len(), 1, "{missing:?}");
            assert!(missing[0].contains("2.其他法律行政法规禁止公开｜总计"), "{missing:?}");
        }
        other => panic!("expected a refusal naming the cell, got {:?}", other.map(|x| x.log)),
    }
}

// ---- Cells that ran together ----

#[test]
fn rows_that_ran_together_are_cut_the_one_way_the_equations_allow() {
    let mut text = pipes();
    for label in [
        "一、本年新收政府信息公开申请数量",
        "二、上年结转政府信息公开申请数量",
        "(二)部分公开",
        "4.保护第三方合法权益",
        "8.属于行政查询事项",
        "(七)总计",
        "行政许可",
    ] {
        text = glue(&text, label);
    }
    // The 复议/诉讼 row of fifteen numbers as one string.
    text =
        replace_once(&text, "1 | 0 | 0 | 1 | 2 | 0 | 1 | 0 | 0 | 1 | 0 | 0 | 1 | 0 | 1 |", "100120100100101");
    assert!(text.contains("一、本年新收政府信息公开申请数量5201019\n"), "the row really lost its cells");
    let x = extract(&text).unwrap_or_else(|e| panic!("{e}\n{:#?}", e.log()));
    assert_values(&x, &transcription());
    assert_eq!(x.recovered.len(), 8, "{:#?}", x.recovered);
    assert!(
        log_has(&x, "一、本年新收政府信息公开申请数量: cells ran together as \"5201019\" (line 24); the format's equations allow one cut only: 5 | 2 | 0 | 1 | 0 | 1 | 9"),
        "{:#?}",
        x.log
    );
    assert!(log_has(&x, "行政复议/行政诉讼: cells ran together as \"100120100100101\""), "{:#?}", x.log);
}

#[test]
fn a_row_of_digits_under_its_label_in_one_cell_per_line_text_is_cut_too() {
    // One cell per line: the label, then the row's seven numbers as one line.
    let path = project_root().join("tests/fixtures/extract/variant-one-per-line.txt");
    let text = replace_once(
        &std::fs::read_to_string(path).unwrap(),
        "一、本年新收政府信息公开申请数量\n\n5\n\n2\n\n0\n\n1\n\n0\n\n1\n\n9\n",
        "一、本年新收政府信息公开申请数量\n\n5201019\n",
    );
    let x = extract(&text).unwrap_or_else(|e| panic!("{e}\n{:#?}", e.log()));
    assert_values(&x, &transcription());
    assert_eq!(
        x.recovered,
        ["一、本年新收政府信息公开申请数量 (line 91): \"5201019\" cut as 5 | 2 | 0 | 1 | 0 | 1 | 9"]
    );
}

#[test]
fn a_row_only_the_other_rows_can_cut_is_recovered_with_them() {
    // 3.其他 becomes 1|10|0|0|0|0|11: its own total allows 11|0|0|0|0|0|11 too, but then the
    // 自然人 column's results would add up to 15, not the （七）总计 of 5.
    let mut text = pipes();
    let mut want = transcription();
    text = replace_once(&text, "3.其他 | 1 | 0 | 0 | 0 | 0 | 0 | 1 |", "3.其他110000011");
    text = replace_once(
        &text,
        "(七)总计 | 5 | 2 | 0 | 1 | 0 | 1 | 9 |",
        "(七)总计 | 5 | 12 | 0 | 1 | 0 | 1 | 19 |",
    );
    text = replace_once(
        &text,
        "一、本年新收政府信息公开申请数量 | 5 | 2 | 0 | 1 | 0 | 1 | 9 |",
        "一、本年新收政府信息公开申请数量 | 5 | 12 | 0 | 1 | 0 | 1 | 19 |",
    );
    for (id, v) in [
        ("requests.other.other.commercial", 10.0),
        ("requests.other.other.total", 11.0),
        ("requests.closed_total.commercial", 12.0),
        ("requests.closed_total.total", 19.0),
        ("requests.received.commercial", 12.0),
        ("requests.received.total", 19.0),
    ] {
        *want.get_mut(id).unwrap_or_else(|| panic!("{id}")) = v;
    }
    let x = extract(&text).unwrap_or_else(|e| panic!("{e}\n{:#?}", e.log()));
    assert_values(&x, &want);
    assert!(log_has(&x, "cut only: 1 | 10 | 0 | 0 | 0 | 0 | 11"), "{:#?}", x.log);
    assert!(x.breaches.is_empty(), "{:?}", x.breaches);
}

#[test]
fn rows_the_equations_cannot_cut_are_refused_by_name() {
    // 行政规范性文件 1 | 15 | 22 has no equation: 11522 cuts many ways.
    let text = glue(&pipes(), "行政规范性文件");
    match extract(&text) {
        Err(ExtractError::RanTogether { rows, log }) => {
            assert_eq!(rows.len(), 1, "{rows:?}");
            assert!(
                rows[0].starts_with("第二十条第（一）项/行政规范性文件 (line 9): \"11522\" cuts"),
                "{rows:?}"
            );
            assert!(log.iter().any(|l| l.contains("ambiguous")), "{log:#?}");
        }
        other => panic!("expected RanTogether, got {:?}", other.map(|x| x.values)),
    }
    // (一) is 1|10|0|0|0|0|11 and (二) 11|0|0|0|0|0|11; glued, each could be the other's cut, and
    // the columns add up the same either way: two joint cuts, so both rows are named.
    let mut text =
        replace_once(&pipes(), "(一)予以公开 | 2 | 1 | 0 | 0 | 0 | 0 | 3 |", "(一)予以公开110000011");
    text = replace_once(&text, "| 1 | 0 | 0 | 0 | 0 | 0 | 1 |\n(三)不予公开", "110000011\n(三)不予公开");
    text = replace_once(
        &text,
        "(七)总计 | 5 | 2 | 0 | 1 | 0 | 1 | 9 |",
        "(七)总计 | 14 | 11 | 0 | 1 | 0 | 1 | 27 |",
    );
    text = replace_once(
        &text,
        "一、本年新收政府信息公开申请数量 | 5 | 2 | 0 | 1 | 0 | 1 | 9 |",
        "一、本年新收政府信息公开申请数量 | 14 | 11 | 0 | 1 | 0 | 1 | 27 |",
    );
    match extract(&text) {
        Err(ExtractError::RanTogether { rows, .. }) => {
            assert_eq!(rows.len(), 2, "{rows:#?}");
            assert!(
                rows[0].starts_with(
                    "三、本年度办理结果/（一）予以公开 (line 26): \"110000011\" cuts at least 2"
                ),
                "{rows:#?}"
            );
            assert!(rows[1].starts_with("三、本年度办理结果/（二）部分公开"), "{rows:#?}");
        }
        other => panic!("expected RanTogether, got {:?}", other.map(|x| x.log)),
    }
    // A row whose digits cannot make its total: the issue's own example.
    let text = replace_once(
        &pipes(),
        "一、本年新收政府信息公开申请数量 | 5 | 2 | 0 | 1 | 0 | 1 | 9 |",
        "一、本年新收政府信息公开申请数量6210000063",
    );
    match extract(&text) {
        Err(ExtractError::RanTogether { rows, .. }) => {
            assert_eq!(rows.len(), 1);
            assert!(rows[0].contains("\"6210000063\" cannot be cut into 7 numbers"), "{rows:?}");
        }
        other => panic!("expected RanTogether, got {:?}", other.map(|x| x.log)),
    }
}

#[test]
fn a_run_together_refusal_names_the_rows_in_a_folder_run() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/岳普湖县-2023.txt"), glue(&pipes(), "行政规范性文件"));
    let o = xxgk(&["run", "in", "--out", "out", "--no-charts", "--max-year", "2024"], dir.path());
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let all = findings(&dir.path().join("out"));
    let f = all.iter().find(|f| f["rule"] == "E084-cells-ran-together").unwrap_or_else(|| panic!("{all:#?}"));
    assert_eq!(f["file"], "岳普湖县-2023.txt");
    assert_eq!(f["actual"], "1 行无法唯一拆分：第二十条第（一）项/行政规范性文件 (line 9)", "{f:?}");
    assert!(f["message"].contains("\"11522\" cuts 6 ways, e.g. 1|1|522 or 1|15|22"), "{f:?}");
}

// ---- File kinds xxgk does not read ----

/// An OLE compound file as Word 97–2003 writes it: a 512-byte header (signature, version 3, 512-byte
/// sectors), one FAT sector and a directory sector with the root entry.
fn ole_doc() -> Vec<u8> {
    let mut b = vec![0u8; 512 * 3];
    b[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
    b[24..26].copy_from_slice(&0x3Eu16.to_le_bytes()); // minor version
    b[26..28].copy_from_slice(&3u16.to_le_bytes()); // major version 3
    b[28..30].copy_from_slice(&0xFFFEu16.to_le_bytes()); // byte order
    b[30..32].copy_from_slice(&9u16.to_le_bytes()); // 512-byte sectors
    b[32..34].copy_from_slice(&6u16.to_le_bytes()); // 64-byte mini sectors
    b[44..48].copy_from_slice(&1u32.to_le_bytes()); // one FAT sector
    b[48..52].copy_from_slice(&1u32.to_le_bytes()); // directory at sector 1
    b[56..60].copy_from_slice(&4096u32.to_le_bytes()); // mini stream cutoff
    b[60..64].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // no mini FAT
    b[68..72].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes()); // no DIFAT sectors
    for i in 0..109 {
        let v: u32 = if i == 0 { 0 } else { 0xFFFF_FFFF };
        b[76 + i * 4..80 + i * 4].copy_from_slice(&v.to_le_bytes());
    }
    // FAT (sector 0): itself FATSECT, the directory ENDOFCHAIN, the rest free.
    let fat = 512;
    b[fat..fat + 4].copy_from_slice(&0xFFFF_FFFDu32.to_le_bytes());
    b[fat + 4..fat + 8].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    for i in 2..128 {
        b[fat + i * 4..fat + i * 4 + 4].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
    }
    // Directory (sector 1): "Root Entry".
    let dir = 1024;
    for (i, u) in "Root Entry".encode_utf16().enumerate() {
        b[dir + i * 2..dir + i * 2 + 2].copy_from_slice(&u.to_le_bytes());
    }
    b[dir + 64..dir + 66].copy_from_slice(&22u16.to_le_bytes());
    b[dir + 66] = 5; // root storage
    for off in [68, 72, 76] {
        b[dir + off..dir + off + 4].copy_from_slice(&0xFFFF_FFFFu32.to_le_bytes());
    }
    b[dir + 116..dir + 120].copy_from_slice(&0xFFFF_FFFEu32.to_le_bytes());
    b
}

/// A workbook zipped as Excel writes one (the parts a reader opens first).
fn xlsx() -> Vec<u8> {
    use std::io::Write;
    let mut buf = std::io::Cursor::new(Vec::new());
    {
        let mut z = zip::ZipWriter::new(&mut buf);
        let opts =
            zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, body) in [
            (
                "[Content_Types].xml",
                r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
            ),
            (
                "xl/workbook.xml",
                r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheets><sheet name="Sheet1" sheetId="1"/></sheets></workbook>"#,
            ),
            (
                "xl/worksheets/sheet1.xml",
                r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>行政许可</t></is></c><c r="B1"><v>34754</v></c></row></sheetData></worksheet>"#,
            ),
        ] {
            z.start_file(name, opts).unwrap();
            z.write_all(body.as_bytes()).unwrap();
        }
        z.finish().unwrap();
    }
    buf.into_inner()
}

/// A 1×1 grey PNG (signature, IHDR, IDAT, IEND with their CRCs).
fn png() -> Vec<u8> {
    let hex = "89504e470d0a1a0a0000000d49484452000000010000000108000000003a7e9b550000000a49444154789c63f80f0001010100b138f6140000000049454e44ae426082";
    (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
}

/// File name, bytes, the layout the summary shows, words the sentence must hold.
fn other_kinds() -> Vec<(&'static str, Vec<u8>, &'static str, &'static str)> {
    vec![
        ("年度报告.doc", ole_doc(), "旧版 Word/WPS 文档 (OLE .doc/.wps) (skipped)", "save it as .docx"),
        ("年度报告.wps", ole_doc(), "旧版 Word/WPS 文档 (OLE .doc/.wps) (skipped)", "save it as .docx"),
        (
            "统计表.xls",
            ole_doc(),
            "旧版 Excel/WPS 表格 (OLE .xls/.et) (skipped)",
            "read as data, not extracted",
        ),
        ("统计表.xlsx", xlsx(), "电子表格 (.xlsx/.ods) (skipped)", "read as data, not extracted"),
        ("扫描件.png", png(), "图片 (picture) (skipped)", "a picture of a report (named .png), no text"),
    ]
}

#[test]
fn a_web_page_saved_by_word_as_doc_is_read_as_the_report_it_is() {
    // Sites publish Word's "save as web page" under a .doc name: its bytes are HTML, not OLE.
    let html = std::fs::read(project_root().join("tests/fixtures/extract/variant.html")).unwrap();
    let x = extract_bytes(&html, "doc", &ExtractOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    assert_values(&x, &transcription());
}

#[test]
fn each_file_kind_gets_its_sentence_from_xxgk_extract() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, _, words) in other_kinds() {
        write(&dir.path().join(name), &bytes);
        let o = xxgk(&["extract", name, "--out", "ex"], dir.path());
        assert_eq!(code(&o), 1, "{name}: {}{}", stdout(&o), stderr(&o));
        let err = stderr(&o);
        assert!(err.contains(name) && err.contains(words), "{name}: {err}");
        assert!(!err.contains("NUL") && !err.contains("neither UTF-8"), "{name}: {err}");
    }
}

#[test]
fn a_folder_walk_lists_each_file_kind_with_its_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    write(&input.join("岳普湖县-2023.txt"), pipes());
    // Workbooks are read as data in a folder walk (tests/workbook.rs); the other kinds get a sentence.
    let kinds: Vec<_> =
        other_kinds().into_iter().filter(|(n, ..)| !n.ends_with(".xls") && !n.ends_with(".xlsx")).collect();
    for (name, bytes, _, _) in &kinds {
        write(&input.join("附件").join(name), bytes);
    }
    let o = xxgk(&["run", "in", "--out", "out", "--no-charts", "--max-year", "2024"], dir.path());
    // Skipped files are warnings: the report is stored and the run succeeds.
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");
    let s = summary(&out);
    let all = findings(&out);
    let printed = stdout(&o);
    for (name, _, layout, words) in kinds {
        let file = format!("附件/{name}");
        let f = file_summary(&s, &file);
        assert_eq!(f["layout"], layout, "{file}");
        assert_eq!((f["rows_read"].as_u64(), f["error"].is_null()), (Some(0), true), "{file}");
        assert!(printed.contains(&file), "the printed summary lists {file}:\n{printed}");
        let w = all
            .iter()
            .find(|x| x["rule"] == "W080-not-a-report-form" && x["file"] == file)
            .unwrap_or_else(|| panic!("no W080 on {file}: {all:#?}"));
        assert_eq!(w["severity"], "warning");
        assert!(w["message"].contains(words), "{file}: {w:?}");
    }
    assert_eq!(s["rows_stored"], 200, "{s:#}");
    assert_eq!(all.iter().filter(|f| f["severity"] == "error").count(), 0, "{all:#?}");
}

#[test]
fn recovered_rows_are_a_warning_in_a_folder_run() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/岳普湖县-2023.txt"), glue(&pipes(), "(七)总计"));
    let o = xxgk(&["run", "in", "--out", "out", "--no-charts", "--max-year", "2024"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");
    let all = findings(&out);
    let w = all.iter().find(|f| f["rule"] == "W081-cells-recovered").unwrap_or_else(|| panic!("{all:#?}"));
    assert!(w["message"].contains("(七)总计") || w["message"].contains("（七）总计"), "{w:?}");
    assert!(w["message"].contains("5 | 2 | 0 | 1 | 0 | 1 | 9"), "{w:?}");
    let extracted: PathBuf = out.join("extracted/岳普湖县-2023.txt.csv");
    assert_eq!(metric_values(&extracted), transcription());
}
