//! PDF reports: made here from HTML by headless Chromium's print-to-PDF (page headers and footers
//! on, tables that run over pages, a header written one character per line, right-aligned numbers,
//! blank cells, a group label on a row of its own), plus committed PDFs that other writers made
//! (LibreOffice from a .docx; predefined Adobe-GB1 CMaps written by scripts/make_pdf_fixtures.py).
//! Every cell is compared with the value it was printed from. A scan and broken files are refused.
//!
//! Chromium is /usr/bin/chromium (.ci/run installs it with fonts-wqy-microhei). Without it the
//! Chromium tests skip, saying so, except under CI, where they fail.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use xxgk::reference::catalog::{catalog, Format, Kind, Section};
use xxgk::stages::extract::{extract_bytes, ExtractError, ExtractOptions, Extracted, InputForm};

/// Print `html` to PDF with headless Chromium, its page header and footer (date, title, link,
/// page numbers) left on unless `bare`.
fn print_pdf(chromium: &Path, html: &str, bare: bool) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let page = dir.path().join("report.html");
    write(&page, html);
    let pdf = dir.path().join("report.pdf");
    let mut args = chromium_args(&dir.path().join("profile"));
    args.push(format!("--print-to-pdf={}", pdf.display()));
    if bare {
        args.push("--no-pdf-header-footer".into());
    }
    args.push(format!("file://{}", page.display()));
    let o = std::process::Command::new(chromium).args(&args).output().unwrap();
    assert!(pdf.is_file(), "chromium wrote no PDF: {}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(&pdf).unwrap()
}

fn pages(pdf: &[u8]) -> usize {
    lopdf::Document::load_mem(pdf).unwrap().get_pages().len()
}

/// How a test page lays the report out.
#[derive(Clone, Copy, Default)]
struct Style {
    /// Large type and padding: the request table runs over two or more pages.
    big: bool,
    /// Each group label (`（三）不予公开`) on a row of its own, its number cells left empty.
    group_rows: bool,
    /// No ruling lines: cells are placed by their text alone.
    borderless: bool,
}

/// Distinct values for every cell of `format` (a few zeros among them, printed as blank cells).
fn distinct_values(format: Format, seed: u64) -> BTreeMap<String, f64> {
    let c = catalog();
    let mut v = BTreeMap::new();
    for (i, cell) in c.form(format).cells.iter().enumerate() {
        let m = c.metric(cell.metric);
        let i = i as u64;
        let x = match m.kind {
            Kind::Amount => 12.5 + seed as f64 + i as f64 / 100.0,
            Kind::Change => -((i % 9) as f64 + 1.0),
            Kind::Count => ((i * 37 + seed * 11) % 900 + 1) as f64,
        };
        v.insert(m.id.clone(), x);
    }
    for id in ["requests.withheld.prohibited_by_law.research", "review.other"] {
        if v.contains_key(id) {
            v.insert(id.into(), 0.0);
        }
    }
    v
}

/// Blank cells: these zeros print as nothing.
fn printed(id: &str, v: f64) -> String {
    if v == 0.0 && (id == "requests.withheld.prohibited_by_law.research" || id == "review.other") {
        String::new()
    } else {
        fmt(v)
    }
}

fn td(text: &str, attrs: &str) -> String {
    format!("<td{attrs}>{text}</td>")
}

/// A report page in the shape published reports have: the 主动公开 sub-tables, the request matrix
/// with merged group labels, the 复议/诉讼 table under a vertical `行政复议` header.
fn report_html(title: &str, format: Format, values: &BTreeMap<String, f64>, style: Style) -> String {
    let c = catalog();
    let form = c.form(format);
    let css = if style.borderless {
        "td{padding:2px;font-size:10px} td.n{text-align:right}"
    } else if style.big {
        "td{border:1px solid #000;padding:9px;font-size:15px} td.n{text-align:right}"
    } else {
        "td{border:1px solid #000;padding:2px;font-size:10px} td.n{text-align:right}"
    };
    let mut h = format!(
        "<html><head><meta charset=utf-8><title>{title}</title><style>body{{font-family:'WenQuanYi Micro Hei',sans-serif}} \
         table{{border-collapse:collapse}} {css}</style></head><body><h1>{title}</h1>\
         <p>一、总体情况</p><p>本年度依法公开政府信息。</p><p>二、主动公开政府信息情况</p>"
    );
    let val = |m: usize| {
        let id = &c.metric(m).id;
        printed(id, values[id])
    };
    // 主动公开: one table per 第二十条 item, a header row of its columns, a row per item.
    let active: Vec<_> =
        form.cells.iter().filter(|x| c.metric(x.metric).section == Section::Active).collect();
    let mut k = 0;
    while k < active.len() {
        let table = active[k].item_zh.split('/').next().unwrap_or("").to_string();
        let first_item = &active[k].item_zh;
        let cols: Vec<&str> = active[k..]
            .iter()
            .take_while(|x| &x.item_zh == first_item)
            .map(|x| x.column_zh.as_str())
            .collect();
        h += &format!(
            "<table><tr>{}</tr><tr>{}",
            td(&table, &format!(" colspan={}", cols.len() + 1)),
            td("信息内容", "")
        );
        for col in &cols {
            h += &td(col, "");
        }
        h += "</tr>";
        while k < active.len() && active[k].item_zh.starts_with(&format!("{table}/")) {
            let item = active[k].item_zh.clone();
            h += &format!("<tr>{}", td(item.rsplit('/').next().unwrap_or(""), ""));
            while k < active.len() && active[k].item_zh == item {
                h += &td(&val(active[k].metric), " class=n");
                k += 1;
            }
            h += "</tr>";
        }
        h += "</table>";
    }
    // The request matrix.
    h += "<p>三、收到和处理政府信息公开申请情况</p><table><thead>\
          <tr><td colspan=3 rowspan=3>（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）</td><td colspan=7>申请人情况</td></tr>\
          <tr><td rowspan=2>自<br>然<br>人</td><td colspan=5>法人或其他组织</td><td rowspan=2>总计</td></tr>\
          <tr><td>商业企业</td><td>科研机构</td><td>社会公益组织</td><td>法律服务机构</td><td>其他</td></tr></thead><tbody>";
    let parts: Vec<Vec<&str>> = form.matrix.iter().map(|r| r.item_zh.split('/').collect()).collect();
    let count = |depth: usize, name: &str| {
        let rows = parts.iter().filter(|p| p.len() > depth + 1 && p[depth] == name).count();
        let groups = if style.group_rows && depth == 0 {
            let mut g: Vec<&str> =
                parts.iter().filter(|p| p.len() == 3 && p[0] == name).map(|p| p[1]).collect();
            g.dedup();
            g.len()
        } else {
            0
        };
        rows + groups
    };
    let mut seen: Vec<&str> = Vec::new();
    for (row, p) in form.matrix.iter().zip(&parts) {
        let mut cells = String::new();
        let mut extra = String::new();
        if p.len() == 1 {
            cells += &td(p[0], " colspan=3");
        } else {
            if !seen.contains(&p[0]) {
                seen.push(p[0]);
                cells += &td(p[0], &format!(" rowspan={}", count(0, p[0])));
            }
            if p.len() == 2 {
                cells += &td(p[1], " colspan=2");
            } else if style.group_rows {
                if !seen.contains(&p[1]) {
                    seen.push(p[1]);
                    // The group's own row: its label over the label columns, no numbers.
                    extra = format!("{}{}</tr><tr>", td(p[1], " colspan=2"), td("", " class=n").repeat(7));
                }
                cells += &td(p[2], " colspan=2");
            } else {
                if !seen.contains(&p[1]) {
                    seen.push(p[1]);
                    cells += &td(p[1], &format!(" rowspan={}", count(1, p[1])));
                }
                cells += &td(p[2], "");
            }
        }
        // With group rows the depth-0 cell opens the group row, the leaf the next row.
        let open = if extra.is_empty() {
            cells
        } else {
            let (first, rest) = match cells.find("<td>") {
                Some(i) if cells.starts_with("<td rowspan") => {
                    (cells[..i].to_string(), cells[i..].to_string())
                }
                _ => (String::new(), cells),
            };
            format!("{first}{extra}{rest}")
        };
        h += &format!("<tr>{open}");
        for &m in &row.cells {
            h += &td(&val(m), " class=n");
        }
        h += "</tr>";
    }
    h += "</tbody></table>";
    // 复议/诉讼.
    let heads = "<td>结果维持</td><td>结果纠正</td><td>其他结果</td><td>尚未审结</td><td>总计</td>";
    h += &format!(
        "<p>四、政府信息公开行政复议、行政诉讼情况</p><table>\
         <tr><td colspan=5>行<br>政<br>复<br>议</td><td colspan=10>行政诉讼</td></tr>\
         <tr>{}<td colspan=5>未经复议直接起诉</td><td colspan=5>复议后起诉</td></tr><tr>{heads}{heads}</tr><tr>",
        heads.replace("<td>", "<td rowspan=2>")
    );
    for g in &form.appeal_groups {
        for &m in g.parts.iter().chain([&g.total]) {
            h += &td(&val(m), " class=n");
        }
    }
    h += "</tr></table><p>五、存在的主要问题及改进情况</p><p>无。</p></body></html>";
    h
}

/// Every cell of the format equals `want`.
fn assert_cells(x: &Extracted, format: Format, want: &BTreeMap<String, f64>) {
    assert_eq!(x.format, format, "{:#?}", x.log);
    let n = catalog().form(format).len();
    assert_eq!(want.len(), n);
    let mut checked = 0;
    for m in catalog().metrics() {
        let v = if m.in_format(format) { Some(want[&m.id]) } else { None };
        assert_eq!(x.values[m.index], v, "{} ({})\n{:#?}", m.id, m.label_zh(), x.log);
        checked += v.is_some() as usize;
    }
    assert_eq!(checked, n);
}

const TITLE: &str = "岳普湖县人民政府2023年政府信息公开工作年度报告";

fn extract_pdf(pdf: &[u8]) -> Result<Extracted, ExtractError> {
    extract_bytes(pdf, "pdf", &ExtractOptions::default())
}

#[test]
fn chromium_pdf_over_pages_every_cell() {
    let Some(chromium) = chromium() else { return };
    let want = distinct_values(Format::F2021, 3);
    let pdf = print_pdf(
        &chromium,
        &report_html(TITLE, Format::F2021, &want, Style { big: true, ..Default::default() }),
        false,
    );
    assert!(pages(&pdf) >= 3, "the tables should run over pages: {} page(s)", pages(&pdf));
    let x = extract_pdf(&pdf).unwrap();
    assert_eq!(x.form, InputForm::Pdf);
    assert_eq!((x.region, x.year, x.body.as_str()), (653128, 2023, "岳普湖县人民政府"));
    assert_cells(&x, Format::F2021, &want);
    assert!(x.log.iter().any(|l| l.contains("blank or placeholder cell(s)")), "{:#?}", x.log);
}

#[test]
fn chromium_pdf_group_label_rows() {
    let Some(chromium) = chromium() else { return };
    let want = distinct_values(Format::F2021, 5);
    let html = report_html(TITLE, Format::F2021, &want, Style { group_rows: true, ..Default::default() });
    assert!(html.contains("<td colspan=2>（三）不予公开</td><td class=n></td>"));
    let x = extract_pdf(&print_pdf(&chromium, &html, true)).unwrap();
    assert_cells(&x, Format::F2021, &want);
}

#[test]
fn chromium_pdf_2019_format() {
    let Some(chromium) = chromium() else { return };
    let want = distinct_values(Format::F2019, 7);
    let title = "岳普湖县人民政府2020年政府信息公开工作年度报告";
    let x = extract_pdf(&print_pdf(
        &chromium,
        &report_html(title, Format::F2019, &want, Style::default()),
        false,
    ))
    .unwrap();
    assert_eq!(x.year, 2020);
    assert_cells(&x, Format::F2019, &want);
}

/// Without ruling lines a blank cell leaves no trace to place the numbers after it by: such rows
/// come out short, and the report is refused naming the cells, never read with shifted numbers.
#[test]
fn chromium_pdf_without_rules_is_refused_not_shifted() {
    let Some(chromium) = chromium() else { return };
    let want = distinct_values(Format::F2021, 3);
    let html = report_html(TITLE, Format::F2021, &want, Style { borderless: true, ..Default::default() });
    match extract_pdf(&print_pdf(&chromium, &html, true)) {
        Err(ExtractError::Incomplete { missing, .. }) => assert!(!missing.is_empty()),
        Err(e) => panic!("refused for another reason: {e}"),
        Ok(x) => assert_cells(&x, Format::F2021, &want),
    }
}

/// A tiny grey PNG, base64 for a data URI.
fn png_base64() -> String {
    let mut png = Vec::new();
    {
        let mut e = png::Encoder::new(&mut png, 64, 64);
        e.set_color(png::ColorType::Grayscale);
        let mut w = e.write_header().unwrap();
        let data: Vec<u8> = (0..64 * 64).map(|i| (i % 251) as u8).collect();
        w.write_image_data(&data).unwrap();
    }
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut s = String::new();
    for chunk in png.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (b[0] as u32) << 16 | (b[1] as u32) << 8 | b[2] as u32;
        for k in 0..4 {
            if k <= chunk.len() {
                s.push(A[(n >> (18 - 6 * k) & 63) as usize] as char);
            } else {
                s.push('=');
            }
        }
    }
    s
}

#[test]
fn scan_without_text_is_refused_with_what_to_do() {
    let Some(chromium) = chromium() else { return };
    let html = format!(
        "<html><body><img src=\"data:image/png;base64,{}\" width=500 height=700></body></html>",
        png_base64()
    );
    let pdf = print_pdf(&chromium, &html, true);
    let e = extract_pdf(&pdf).unwrap_err();
    assert!(matches!(e, ExtractError::PdfScan { pages: 1, images } if images >= 1), "{e}");
    let msg = e.to_string();
    assert!(msg.contains("scan without a text layer") && msg.contains("run OCR first"), "{msg}");
    assert!(msg.contains(".docx or web page"), "{msg}");

    // In a run folder: the file is refused with E087, named.
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/扫描件.pdf"), &pdf);
    let o = xxgk(&["ingest", "in", "--out", "out"], dir.path());
    let all = findings(&dir.path().join("out"));
    let f = all
        .iter()
        .find(|f| f["rule"] == "E087-report-scanned")
        .unwrap_or_else(|| panic!("{all:#?}\n{}", stderr(&o)));
    assert!(f["file"].ends_with("扫描件.pdf"), "{f:?}");
}

#[test]
fn broken_pdfs_are_refused_without_panic() {
    let Some(chromium) = chromium() else { return };
    let want = distinct_values(Format::F2021, 1);
    let pdf = print_pdf(&chromium, &report_html(TITLE, Format::F2021, &want, Style::default()), true);
    assert_cells(&extract_pdf(&pdf).unwrap(), Format::F2021, &want);
    for cut in [pdf.len() / 2, pdf.len() / 3, 400, 9] {
        let r = extract_pdf(&pdf[..cut]);
        assert!(r.is_err(), "a PDF cut at {cut} of {} bytes was read", pdf.len());
    }
    let mut garbled = pdf.clone();
    for i in (200..garbled.len()).step_by(97) {
        garbled[i] ^= 0x5A;
    }
    // Whatever it reads, it must not panic, and it must not come out complete and wrong.
    if let Ok(x) = extract_pdf(&garbled) {
        assert_cells(&x, Format::F2021, &want);
    }
    let e = extract_pdf(b"%PDF-1.7\nnot really\n").unwrap_err();
    assert!(matches!(e, ExtractError::Pdf(_)), "{e}");
    assert!(e.to_string().starts_with("not a readable PDF"), "{e}");
}

#[test]
fn pdf_through_extract_and_ingest_commands() {
    let Some(chromium) = chromium() else { return };
    let want = consistent_report(4);
    let html = report_html(TITLE, Format::F2021, &want, Style::default());
    let pdf = print_pdf(&chromium, &html, false);
    let dir = tempfile::tempdir().unwrap();
    // Named without .pdf: told by its `%PDF-` signature.
    write(&dir.path().join("report.bin"), &pdf);
    write(&dir.path().join("in/reports/岳普湖县-2023.pdf"), &pdf);
    let o = xxgk(&["extract", "report.bin", "--out", "ex"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("ex/653128-岳普湖县-2023.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let got: BTreeMap<String, f64> =
        rdr.records().map(|r| r.unwrap()).map(|r| (r[4].to_string(), r[6].parse().unwrap())).collect();
    assert_eq!(got, want);
    let o = xxgk(&["run", "in", "--out", "out", "--no-charts", "--max-year", "2024"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let s = summary(&dir.path().join("out"));
    let f = file_summary(&s, "reports/岳普湖县-2023.pdf");
    assert_eq!(f["layout"], "report (PDF)", "{f}");
    assert_eq!((f["rows_read"].as_u64(), f["rows_stored"].as_u64()), (Some(200), Some(200)), "{f}");
}

fn fixture(name: &str) -> PathBuf {
    project_root().join("tests/fixtures/pdf").join(name)
}

/// metric id → value from the hand-made report's expected CSV.
fn variant_expected() -> BTreeMap<String, f64> {
    metric_values(&project_root().join("tests/fixtures/extract/variant-expected.csv"))
}

/// Fonts on predefined CMaps without /ToUnicode: UniGB-UCS2-H (Unicode codes) and GBK-EUC-H (GBK
/// bytes, its strings stored in reverse order), as scripts/make_pdf_fixtures.py wrote them.
#[test]
fn predefined_cmap_fixtures_every_cell() {
    for (name, cmap) in [("variant-unigb-ucs2.pdf", "UniGB-UCS2-H"), ("variant-gbk-euc.pdf", "GBK-EUC-H")] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let raw = String::from_utf8_lossy(&bytes);
        assert!(raw.contains(&format!("/Encoding /{cmap}")) && !raw.contains("ToUnicode"), "{name}");
        let x = xxgk::stages::extract::extract_file(&fixture(name), &ExtractOptions::default()).unwrap();
        assert_eq!((x.region, x.year, x.body.as_str()), (653128, 2023, "岳普湖县人民政府"), "{name}");
        assert_cells(&x, Format::F2021, &variant_expected());
    }
}

/// LibreOffice Writer's export of a .docx: Identity-H fonts with /ToUnicode, a table row cut by a
/// page break with rules closing both halves.
#[test]
fn libreoffice_export_every_cell() {
    let bytes = std::fs::read(fixture("variant-libreoffice.pdf")).unwrap();
    assert!(pages(&bytes) >= 2);
    let x = extract_pdf(&bytes).unwrap();
    assert_cells(&x, Format::F2021, &variant_expected());
}
