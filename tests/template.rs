//! `xxgk template -o FILE.xlsx`: the official table as a workbook. Every cell of both formats is
//! filled, written, and read back twice: with calamine alone (the defined names point at the
//! numbers, the key cells hold the keys) and through ingest (the report and its every value).

mod common;

use calamine::{Data, DataType, Reader, Xlsx};
use common::{consistent_report, consistent_report_2019};
use std::collections::BTreeMap;
use std::io::Cursor;
use xxgk::model::{InputFile, ReportKey};
use xxgk::reference::catalog::{catalog, Format};
use xxgk::reference::regions::regions;
use xxgk::stages::ingest::parse::ParseOptions;
use xxgk::stages::ingest::workbook::parse_workbook_bytes;
use xxgk::workbooks::template::{filled_template_bytes, TemplateKeys, SHEET};

/// A consistent report of the format, by catalog index; the fee gets a fraction.
fn values(format: Format) -> BTreeMap<usize, f64> {
    let report = match format {
        Format::F2019 => consistent_report_2019(3),
        Format::F2021 => consistent_report(3),
    };
    let mut v: BTreeMap<usize, f64> =
        report.iter().map(|(id, x)| (catalog().index_of(id).expect("catalog id"), *x)).collect();
    if let Some(fee) = catalog().index_of("fees.amount").filter(|i| v.contains_key(i)) {
        v.insert(fee, 88.5);
    }
    v
}

fn a1(row: u32, col: u32) -> String {
    format!("{}{}", xxgk::stages::ingest::workbook::column_letters(col + 1), row + 1)
}

fn round_trip(format: Format, year: i32) {
    let region = regions().get(653128).unwrap();
    let keys = TemplateKeys { region, year, body: "岳普湖县人民政府".into(), format };
    let values = values(format);
    let form = catalog().form(format);
    assert_eq!(values.len(), form.len());
    let (bytes, placed) = filled_template_bytes(&keys, &values).unwrap();
    assert_eq!(placed.len(), form.len(), "every cell of the {} format placed", format.as_str());

    // calamine alone: each metric's defined name points at its number.
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    let names: BTreeMap<String, String> = book.defined_names().iter().cloned().collect();
    assert_eq!(names.len(), form.len() + 4, "one name per value cell and the four key cells");
    let range = book.worksheet_range(SHEET).unwrap();
    for cell in &form.cells {
        let m = catalog().metric(cell.metric);
        let formula = names.get(&m.column).unwrap_or_else(|| panic!("no defined name {}", m.column));
        let (sheet, at) = xxgk::stages::ingest::template_names::parse_ref(formula).unwrap();
        assert_eq!(sheet, SHEET);
        let got = match range.get_value(at) {
            Some(Data::Float(f)) => *f,
            Some(Data::Int(i)) => *i as f64,
            other => panic!("{} at {}: {other:?}", m.id, a1(at.0, at.1)),
        };
        assert_eq!(got, values[&cell.metric], "{} at {}", m.id, a1(at.0, at.1));
    }
    let key = |name: &str| {
        let (_, at) = xxgk::stages::ingest::template_names::parse_ref(&names[name]).unwrap();
        range.get_value(at).cloned()
    };
    assert_eq!(key("region_code"), Some(Data::String("653128".into())));
    assert_eq!(key("year"), Some(Data::String(year.to_string())));
    assert_eq!(key("format"), Some(Data::String(format.as_str().into())));
    // Merged header cells and the labels as the official table prints them.
    let merges = book.merge_cells_by_sheet_name(SHEET).unwrap();
    assert!(merges.len() > 20, "{} merged ranges", merges.len());
    let texts: Vec<String> = range.used_cells().filter_map(|(_, _, d)| d.as_string()).collect();
    for label in ["申请人情况", "法人或其他组织", "三、本年度办理结果", "行政复议", "结果维持", "自然人"]
    {
        assert!(texts.iter().any(|t| t == label), "label {label} in the template");
    }
    // Protection without a password, unlocked and validated value cells, red check formulas.
    let sheet_xml = zip_entry(&bytes, "xl/worksheets/sheet1.xml");
    assert!(
        sheet_xml.contains("<sheetProtection") && !sheet_xml.contains("password"),
        "protected, no password"
    );
    assert!(sheet_xml.contains("<dataValidation type=\"whole\""), "whole-number validation");
    assert!(sheet_xml.contains("<conditionalFormatting"), "check formulas turn red");
    let formulas = book.worksheet_formula(SHEET).unwrap();
    assert!(formulas.used_cells().filter(|(_, _, f)| f.contains("✗")).count() >= 20);

    // Through ingest: one report, every cell its number, the format declared.
    let file = InputFile::named("县级报表.xlsx");
    let p = parse_workbook_bytes(&file, &bytes, &ParseOptions { max_year: 2026 });
    let errors: Vec<_> =
        p.findings.iter().filter(|f| f.severity == xxgk::model::finding::Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    assert_eq!(p.reports, vec![ReportKey { region: 653128, year, body: "岳普湖县人民政府".into() }]);
    assert_eq!(p.cells.len(), form.len());
    assert!(p.rejected.is_empty());
    for c in &p.cells {
        assert_eq!(c.value, Some(values[&(c.metric as usize)]), "{}", catalog().metric(c.metric as usize).id);
        assert_eq!(c.declared, Some(format));
    }
}

fn zip_entry(bytes: &[u8], name: &str) -> String {
    use std::io::Read;
    let mut z = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    let mut s = String::new();
    z.by_name(name).unwrap().read_to_string(&mut s).unwrap();
    s
}

#[test]
fn the_2021_template_round_trips_every_cell() {
    round_trip(Format::F2021, 2024);
}

#[test]
fn the_2019_template_round_trips_every_cell() {
    round_trip(Format::F2019, 2020);
}

#[test]
fn the_command_writes_xlsx_by_extension_and_csv_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let o = common::xxgk(&["template", "--region", "653128", "--year", "2024", "-o", "t.xlsx"], dir.path());
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let bytes = std::fs::read(dir.path().join("t.xlsx")).unwrap();
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip (xlsx), not CSV text");
    let book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), vec![SHEET.to_string()]);
    let o = common::xxgk(&["template", "--region", "653128", "--year", "2024"], dir.path());
    assert!(common::stdout(&o).contains("region_code,region_name,year"));
}

#[test]
fn a_template_nobody_filled_in_is_skipped_with_a_warning() {
    let region = regions().get(653128).unwrap();
    let keys = TemplateKeys { region, year: 2024, body: String::new(), format: Format::F2021 };
    let (bytes, _) = xxgk::workbooks::template::template_bytes(&keys).unwrap();
    let p = parse_workbook_bytes(&InputFile::named("空模板.xlsx"), &bytes, &ParseOptions { max_year: 2026 });
    assert!(p.reports.is_empty() && p.cells.is_empty() && p.rejected.is_empty());
    let w: Vec<_> =
        p.findings.iter().filter(|f| f.rule == xxgk::model::finding::Rule::TemplateNotFilled).collect();
    assert_eq!(w.len(), 1, "{:#?}", p.findings);
    assert!(w[0].message.starts_with("空模板.xlsx!年度报告："), "{}", w[0].message);
}
