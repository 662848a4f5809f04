//! Workbooks and Chinese headers in: every workbook is built here with rust_xlsxwriter (or, for .xls
//! and .ods, converted by LibreOffice: `tests/fixtures/workbook/make_fixtures.sh`) and read through
//! ingest; the values read are checked against what was written, and every problem is checked to
//! name the file, the sheet and the cell.

mod common;

use rust_xlsxwriter::{ExcelDateTime, Format as Style, Formula, Workbook};
use std::collections::BTreeMap;
use xxgk::model::finding::{Finding, Rule, Severity};
use xxgk::model::{InputFile, ParsedFile};
use xxgk::reference::catalog::catalog;
use xxgk::stages::ingest::parse::{parse_bytes, ParseOptions};
use xxgk::stages::ingest::workbook::parse_workbook_bytes;

const OPTS: ParseOptions = ParseOptions { max_year: 2026 };

fn id(metric: u16) -> &'static str {
    &catalog().metric(metric as usize).id
}

/// (region, year, metric id) → value of the accepted cells.
fn values(p: &ParsedFile) -> BTreeMap<(u32, i32, String), Option<f64>> {
    p.cells
        .iter()
        .map(|c| {
            let k = &p.reports[c.report as usize];
            ((k.region, k.year, id(c.metric).to_string()), c.value)
        })
        .collect()
}

fn with_rule(p: &ParsedFile, rule: Rule) -> Vec<&Finding> {
    p.findings.iter().filter(|f| f.rule == rule).collect()
}

fn csv(text: &str) -> ParsedFile {
    parse_bytes(&InputFile::named("汇总表.csv"), text.as_bytes(), &OPTS)
}

#[test]
fn a_chinese_headed_summary_csv_is_read() {
    let p = csv("行政区划代码,地区,年份,行政许可,行政处罚,行政强制,行政事业性收费（万元）\n\
                 653128,岳普湖县,2024,12,\"34,754\",５,88.5万元\n");
    assert!(p.findings.is_empty(), "{:#?}", p.findings);
    let v = values(&p);
    assert_eq!(v[&(653128, 2024, "licensing.decisions".into())], Some(12.0));
    assert_eq!(v[&(653128, 2024, "penalty.decisions".into())], Some(34754.0));
    assert_eq!(v[&(653128, 2024, "coercion.decisions".into())], Some(5.0));
    assert_eq!(v[&(653128, 2024, "fees.amount".into())], Some(88.5));
}

#[test]
fn every_alias_form_names_its_metric() {
    let forms = [
        ("行政许可", "licensing.decisions"),
        ("行政许可本年处理决定数量", "licensing.decisions"),
        ("第二十条第（五）项/行政许可｜本年处理决定数量", "licensing.decisions"),
        ("收费金额", "fees.amount"),
        ("行政事业性收费(万元)", "fees.amount"),
        ("本年新收-自然人", "requests.received.natural_person"),
        ("本年新收 商业企业", "requests.received.commercial"),
        ("（七）总计/总计", "requests.closed_total.total"),
        ("(七)总计 总计", "requests.closed_total.total"),
        ("四、结转下年度继续办理｜总计", "requests.carried_forward.total"),
        ("行政复议结果维持", "review.upheld"),
        ("penalty_decisions", "penalty.decisions"),
    ];
    for (header, want) in forms {
        let p = csv(&format!("区划代码,年度,填报单位,\"{header}\"\n653128,2024年,岳普湖县人民政府,7\n"));
        assert!(p.findings.is_empty(), "{header}: {:#?}", p.findings);
        assert_eq!(values(&p).get(&(653128, 2024, want.to_string())), Some(&Some(7.0)), "{header}");
        assert_eq!(p.reports[0].body, "岳普湖县人民政府");
    }
    // Two names for one metric (or one key column) are one column given twice.
    let p = csv("region_code,year,年份,行政许可\n653128,2024,2024,1\n");
    assert_eq!(with_rule(&p, Rule::DuplicateColumn).len(), 1);
    let p = csv("region_code,year,行政许可,licensing.decisions\n653128,2024,1,1\n");
    assert_eq!(with_rule(&p, Rule::DuplicateColumn).len(), 1);
}

#[test]
fn an_ambiguous_header_is_refused_with_its_candidates() {
    let p = csv("行政区划代码,年份,规章\n653128,2024,3\n");
    let f = with_rule(&p, Rule::AmbiguousHeader);
    assert_eq!(f.len(), 1, "{:#?}", p.findings);
    for candidate in
        ["regulations.issued", "regulations.repealed", "regulations.in_force", "regulations.made"]
    {
        assert!(f[0].message.contains(candidate), "{}", f[0].message);
    }
    assert!(p.cells.is_empty());
    assert_eq!(p.rejected.len(), 1);
}

#[test]
fn a_unit_that_is_not_the_metrics_own_is_refused_naming_both() {
    let p = csv("region_code,year,fees.amount,licensing.decisions\n653128,2024,885000元,5件\n");
    let f = with_rule(&p, Rule::WrongUnit);
    assert_eq!(f.len(), 1, "{:#?}", p.findings);
    assert!(f[0].message.contains("元") && f[0].message.contains("万元"));
    assert_eq!(f[0].actual.as_deref(), Some("885000元"));
    assert!(p.cells.is_empty(), "the row is rejected whole, as for any bad field");
}

#[test]
fn the_templates_own_columns_are_no_unknown_columns() {
    let p = csv("region_code,region_name,year,body,format,metric,label,unit,value\n\
                 653128,岳普湖县,2024,,2021,fees.amount,收费金额,万元,88.5万元\n");
    assert!(with_rule(&p, Rule::IgnoredColumn).is_empty(), "{:#?}", p.findings);
    assert_eq!(values(&p)[&(653128, 2024, "fees.amount".into())], Some(88.5));
}

/// The test workbook: one sheet per case.
fn county_workbook() -> Vec<u8> {
    let mut wb = Workbook::new();
    let date = Style::new().set_num_format("yyyy-mm-dd");
    // A wide sheet with Chinese headers under a title row: numbers, text numbers, a formula with
    // its value, a date in the year cell.
    let ws = wb.add_worksheet();
    ws.set_name("各县汇总").unwrap();
    for c in 0..6 {
        ws.set_column_width(c, if c == 5 { 24 } else { 14 }).unwrap();
    }
    ws.set_landscape().set_print_fit_to_pages(1, 0);
    ws.write(0, 0, "喀什地区各县汇总表").unwrap();
    for (c, h) in
        ["行政区划代码", "地区", "年度", "行政许可", "行政处罚", "行政事业性收费（万元）"].iter().enumerate()
    {
        ws.write(1, c as u16, *h).unwrap();
    }
    ws.write(2, 0, "653128").unwrap();
    ws.write(2, 1, "岳普湖县").unwrap();
    ws.write(2, 2, 2024).unwrap();
    ws.write(2, 3, 34754).unwrap();
    ws.write(2, 4, "3,475").unwrap();
    ws.write(2, 5, 88.5).unwrap();
    ws.write(3, 0, 653129).unwrap();
    ws.write(3, 1, "伽师县").unwrap();
    ws.write_datetime_with_format(3, 2, ExcelDateTime::from_ymd(2024, 12, 31).unwrap(), &date).unwrap();
    ws.write(3, 3, "３４７５４").unwrap();
    ws.write_formula(3, 4, Formula::new("=10+2").set_result("12")).unwrap();
    ws.write(3, 5, "-").unwrap();
    // A bad value: rejected, naming D6.
    ws.write(5, 0, 653130).unwrap();
    ws.write(5, 2, 2024).unwrap();
    ws.write(5, 3, "十二").unwrap();
    // A long sheet.
    let ws = wb.add_worksheet();
    ws.set_name("长表").unwrap();
    for (c, h) in ["region_code", "year", "metric", "value"].iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    ws.write(1, 0, "653128").unwrap();
    ws.write(1, 1, 2024).unwrap();
    ws.write(1, 2, "coercion.decisions").unwrap();
    ws.write(1, 3, 7).unwrap();
    ws.write(2, 0, "653128").unwrap();
    ws.write(2, 1, 2024).unwrap();
    ws.write(2, 2, "本年新收-自然人").unwrap();
    ws.write(2, 3, "9件").unwrap();
    // A hidden sheet: not read.
    let ws = wb.add_worksheet();
    ws.set_name("隐藏").unwrap();
    ws.write(0, 0, "region_code").unwrap();
    ws.write(0, 1, "year").unwrap();
    ws.write(0, 2, "licensing.decisions").unwrap();
    ws.write(1, 0, "653131").unwrap();
    ws.write(1, 1, 2024).unwrap();
    ws.write(1, 2, 1).unwrap();
    ws.set_hidden(true);
    // Notes: skipped with a warning.
    let ws = wb.add_worksheet();
    ws.set_name("说明").unwrap();
    ws.write(0, 0, "本表由各县填报，请勿改动表头。").unwrap();
    // A duplicated header: the sheet is refused.
    let ws = wb.add_worksheet();
    ws.set_name("重复表头").unwrap();
    for (c, h) in ["行政区划代码", "年度", "行政许可", "年份"].iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    ws.write(1, 0, "653128").unwrap();
    // A merged cell across two values, and a formula saved without its value.
    let ws = wb.add_worksheet();
    ws.set_name("合并与公式").unwrap();
    for (c, h) in ["行政区划代码", "年度", "行政许可", "行政处罚"].iter().enumerate() {
        ws.write(0, c as u16, *h).unwrap();
    }
    ws.write(1, 0, "653125").unwrap();
    ws.write(1, 1, 2024).unwrap();
    ws.merge_range(1, 2, 1, 3, "8", &Style::new()).unwrap();
    ws.write(2, 0, "653126").unwrap();
    ws.write(2, 1, 2024).unwrap();
    // Saved as a program writes it, without a value (see `without_cached_values`).
    ws.write_formula(2, 2, Formula::new("=1+1").set_result("")).unwrap();
    ws.write(2, 3, 4).unwrap();
    ws.write(3, 0, "653127").unwrap();
    ws.write(3, 1, 2024).unwrap();
    ws.write(3, 2, 6).unwrap();
    ws.write(3, 3, 6).unwrap();
    without_cached_values(&wb.save_to_buffer().unwrap())
}

/// The workbook with the result of `=1+1` removed (rust_xlsxwriter always writes one), as a formula saved by a
/// program that does not calculate looks: `<f>` and no `<v>`.
fn without_cached_values(bytes: &[u8]) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut zout = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        if name.starts_with("xl/worksheets/") {
            data = String::from_utf8(data).unwrap().replace("<f>1+1</f><v>0</v>", "<f>1+1</f>").into_bytes();
        }
        zout.start_file(name, zip::write::SimpleFileOptions::default()).unwrap();
        zout.write_all(&data).unwrap();
    }
    zout.finish().unwrap().into_inner()
}

fn read_book(name: &str, bytes: &[u8]) -> ParsedFile {
    parse_workbook_bytes(&InputFile::named(name), bytes, &OPTS)
}

#[test]
fn workbook_sheets_are_read_as_their_layouts() {
    let p = read_book("县级报表.xlsx", &county_workbook());
    let v = values(&p);
    // 各县汇总: numbers, text numbers, full-width digits, a formula's value, a date's year, `-`.
    assert_eq!(v[&(653128, 2024, "licensing.decisions".into())], Some(34754.0));
    assert_eq!(v[&(653128, 2024, "penalty.decisions".into())], Some(3475.0));
    assert_eq!(v[&(653128, 2024, "fees.amount".into())], Some(88.5));
    assert_eq!(v[&(653129, 2024, "licensing.decisions".into())], Some(34754.0));
    assert_eq!(v[&(653129, 2024, "penalty.decisions".into())], Some(12.0));
    assert_eq!(v[&(653129, 2024, "fees.amount".into())], None);
    // 长表.
    assert_eq!(v[&(653128, 2024, "coercion.decisions".into())], Some(7.0));
    assert_eq!(v[&(653128, 2024, "requests.received.natural_person".into())], Some(9.0));
    // 合并与公式: only the row without problems.
    assert_eq!(v[&(653127, 2024, "licensing.decisions".into())], Some(6.0));
    assert!(!v.keys().any(|k| k.0 == 653125 || k.0 == 653126 || k.0 == 653131), "{v:?}");

    // The bad value names the workbook, the sheet and the cell.
    let bad = with_rule(&p, Rule::NotANumber);
    assert_eq!(bad.len(), 1, "{:#?}", p.findings);
    assert!(bad[0].message.starts_with("县级报表.xlsx!各县汇总!D6："), "{}", bad[0].message);
    assert_eq!(bad[0].line, Some(6));
    assert_eq!(bad[0].column.as_deref(), Some("各县汇总!D6（行政许可）"));
    let hidden = with_rule(&p, Rule::HiddenSheet);
    assert_eq!((hidden.len(), hidden[0].severity), (1, Severity::Warning));
    assert!(hidden[0].message.contains("隐藏"));
    let skipped = with_rule(&p, Rule::SheetSkipped);
    assert_eq!(skipped.len(), 1);
    assert!(skipped[0].message.starts_with("县级报表.xlsx!说明："), "{}", skipped[0].message);
    let dup = with_rule(&p, Rule::DuplicateColumn);
    assert_eq!(dup.len(), 1);
    assert!(
        dup[0].message.starts_with("县级报表.xlsx!重复表头!D1：") && dup[0].message.contains("B1"),
        "{}",
        dup[0].message
    );
    let merged = with_rule(&p, Rule::MergedValueCells);
    assert_eq!(merged.len(), 1);
    assert!(
        merged[0].message.contains("合并与公式!C2") && merged[0].message.contains("C2:D2"),
        "{}",
        merged[0].message
    );
    let formula = with_rule(&p, Rule::FormulaWithoutValue);
    assert_eq!(formula.len(), 1, "{:#?}", p.findings);
    assert!(
        formula[0].message.starts_with("县级报表.xlsx!合并与公式!C3：")
            && formula[0].message.contains("=1+1")
    );

    // Rejected cells are rows of the workbook's long CSV, with sheet and cell.
    let x = p.extracted.as_ref().unwrap();
    let rows: Vec<csv::StringRecord> =
        csv::Reader::from_reader(x.csv.as_bytes()).records().map(|r| r.unwrap()).collect();
    let rejected: Vec<(String, String)> = p
        .rejected
        .keys()
        .map(|&r| (rows[r as usize][0].to_string(), rows[r as usize][1].to_string()))
        .collect();
    for cell in [
        ("各县汇总", "D6"),
        ("合并与公式", "C2"),
        ("合并与公式", "D2"),
        ("合并与公式", "C3"),
        ("合并与公式", "D3"),
    ] {
        assert!(rejected.contains(&(cell.0.to_string(), cell.1.to_string())), "{cell:?} in {rejected:?}");
    }
    let header = csv::Reader::from_reader(x.csv.as_bytes()).headers().unwrap().clone();
    assert_eq!(header.iter().collect::<Vec<_>>(), xxgk::stages::ingest::workbook::COLUMNS.to_vec());
    assert_eq!(rows.len() as u64, p.rows_read);
}

#[test]
fn a_corrupt_or_encrypted_workbook_is_refused_by_name() {
    let mut bytes = county_workbook();
    bytes.truncate(bytes.len() / 2);
    let p = read_book("坏的.xlsx", &bytes);
    let f = with_rule(&p, Rule::UnreadableWorkbook);
    assert_eq!(f.len(), 1);
    assert!(f[0].message.starts_with("坏的.xlsx：") && f[0].message.contains("损坏"), "{}", f[0].message);
    assert!(p.file_error.is_some() && p.cells.is_empty());
    let encrypted =
        std::fs::read(common::project_root().join("tests/fixtures/workbook/encrypted.xlsx")).unwrap();
    let p = read_book("加密.xlsx", &encrypted);
    let f = with_rule(&p, Rule::UnreadableWorkbook);
    assert_eq!(f.len(), 1);
    assert!(f[0].message.contains("密码"), "{}", f[0].message);
}

/// The official table as a worksheet: the rows of the HTML fixture's tables, one cell per column.
fn report_sheet_workbook() -> Vec<u8> {
    let html =
        std::fs::read_to_string(common::project_root().join("tests/fixtures/extract/variant.html")).unwrap();
    let doc = xxgk::stages::extract::html::read(&html);
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("年报表格").unwrap();
    let mut row = 0u32;
    let mut last = None;
    let mut col = 0u16;
    for cell in &doc.cells {
        if last != Some(cell.row) {
            if last.is_some() {
                row += 1;
            }
            col = 0;
            last = Some(cell.row);
        }
        match cell.text.trim().parse::<f64>() {
            Ok(v) => ws.write(row, col, v).unwrap(),
            Err(_) => ws.write(row, col, cell.text.as_str()).unwrap(),
        };
        col += 1;
    }
    wb.save_to_buffer().unwrap()
}

#[test]
fn a_sheet_laid_out_as_the_report_table_is_read_by_its_labels() {
    let p = read_book("岳普湖县.xlsx", &report_sheet_workbook());
    let errors: Vec<_> = p.findings.iter().filter(|f| f.severity == Severity::Error).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let expected =
        std::fs::read_to_string(common::project_root().join("tests/fixtures/extract/variant-expected.csv"))
            .unwrap();
    let v = values(&p);
    assert_eq!(p.reports.len(), 1);
    let key = &p.reports[0];
    assert_eq!((key.region, key.year), (653128, 2023));
    let mut n = 0;
    for line in expected.lines().skip(1) {
        let (metric, value) = line.split_once(',').unwrap();
        let want = if value.is_empty() { None } else { Some(value.parse::<f64>().unwrap()) };
        assert_eq!(v[&(653128, 2023, metric.to_string())], want, "{metric}");
        n += 1;
    }
    assert_eq!(n, 200);
    // Each row names the cell it was read from.
    let x = p.extracted.as_ref().unwrap();
    assert!(x.csv.lines().nth(1).unwrap().starts_with("年报表格,"), "{}", x.csv.lines().nth(1).unwrap());
    assert!(x.log.iter().any(|l| l.contains("年报表格")));
}

#[test]
fn xls_and_ods_read_as_the_xlsx() {
    let dir = common::project_root().join("tests/fixtures/workbook");
    let mut want = values(&read_book("county.xlsx", &std::fs::read(dir.join("county.xlsx")).unwrap()));
    assert!(want.len() >= 8, "{want:?}");
    // LibreOffice calculated `=1+1` while converting: the .xls and .ods hold its value, so that
    // row is read there.
    want.insert((653126, 2024, "licensing.decisions".into()), Some(2.0));
    want.insert((653126, 2024, "penalty.decisions".into()), Some(4.0));
    for name in ["county.xls", "county.ods"] {
        let p = read_book(name, &std::fs::read(dir.join(name)).unwrap());
        assert_eq!(values(&p), want, "{name}");
        assert_eq!(with_rule(&p, Rule::HiddenSheet).len(), 1, "{name}");
    }
}

/// Writes tests/fixtures/workbook/county.xlsx, which make_fixtures.sh converts to .xls and .ods.
#[test]
#[ignore]
fn write_county_fixture() {
    let dir = common::project_root().join("tests/fixtures/workbook");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("county.xlsx"), county_workbook()).unwrap();
}

#[test]
fn a_folder_with_workbooks_runs_end_to_end_and_the_rest_is_still_read() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("县级报表.xlsx"), county_workbook()).unwrap();
    std::fs::write(data.join("坏的.xlsx"), b"PK\x03\x04 not really").unwrap();
    std::fs::write(data.join("other.csv"), "region_code,year,licensing.decisions\n653101,2024,3\n").unwrap();
    let o = common::xxgk(&["ingest", "data", "--out", "out", "-q"], dir.path());
    assert_eq!(common::code(&o), 1, "something was rejected: {}", common::stderr(&o));
    let out = dir.path().join("out");
    let codes: Vec<Option<String>> = common::parquet_files(&out.join("parquet/facts"))
        .iter()
        .flat_map(|f| common::strings(&common::read_parquet(f), "region_code"))
        .collect();
    for code in ["653128", "653129", "653127", "653101"] {
        assert!(codes.iter().any(|c| c.as_deref() == Some(code)), "{code} in {codes:?}");
    }
    let rejected = common::rejected_rows(&out.join("rejected/县级报表.xlsx.csv"));
    assert!(rejected.iter().any(|r| &r[0] == "各县汇总" && &r[1] == "D6"), "{rejected:?}");
    assert!(out.join("rejected/坏的.xlsx.error.txt").exists());
    let findings = common::findings(&out);
    assert!(findings.iter().any(|f| f["rule"] == "E090-unreadable-workbook" && f["file"] == "坏的.xlsx"));
    assert!(findings.iter().any(|f| f["rule"] == "W073-hidden-sheet"));
}

#[test]
fn a_columns_map_settles_unknown_and_ambiguous_headers() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("in")).unwrap();
    std::fs::write(dir.path().join("in/汇总.csv"), "区划代码,年度,许可决定,规章\n653128,2024,12,3\n")
        .unwrap();
    let o = common::xxgk(&["ingest", "in", "--out", "out", "-q"], dir.path());
    assert_eq!(common::code(&o), 1, "规章 is ambiguous without the map");
    let findings = common::findings(&dir.path().join("out"));
    assert!(findings
        .iter()
        .any(|f| f["rule"] == "E006-ambiguous-header" && f["message"].contains("regulations.issued")));
    std::fs::write(
        dir.path().join("map.csv"),
        "header,metric\n许可决定,licensing.decisions\n规章,regulations.issued\n",
    )
    .unwrap();
    let o = common::xxgk(&["ingest", "in", "--out", "out", "-q", "--columns", "map.csv"], dir.path());
    assert_eq!(common::code(&o), 0, "{}", common::stderr(&o));
    let mut got = BTreeMap::new();
    for f in common::parquet_files(&dir.path().join("out/parquet/facts")) {
        let b = common::read_parquet(&f);
        for (m, v) in common::strings(&b, "metric").into_iter().zip(common::floats(&b, "value")) {
            got.insert(m.unwrap(), v);
        }
    }
    assert_eq!(got.get("licensing.decisions"), Some(&Some(12.0)));
    assert_eq!(got.get("regulations.issued"), Some(&Some(3.0)));
    // A map naming no metric is refused before anything is read.
    std::fs::write(dir.path().join("bad.csv"), "header,metric\n许可决定,licensing.decision\n").unwrap();
    let o = common::xxgk(&["validate", "in", "--columns", "bad.csv"], dir.path());
    assert_eq!(common::code(&o), 2);
    assert!(
        common::stderr(&o).contains("line 2") && common::stderr(&o).contains("licensing.decision"),
        "{}",
        common::stderr(&o)
    );
}

#[test]
fn truncated_and_hostile_workbooks_never_panic() {
    let dir = common::project_root().join("tests/fixtures/workbook");
    for name in ["county.xlsx", "county.xls", "county.ods", "encrypted.xlsx"] {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        for cut in (0..bytes.len()).step_by(97) {
            let p = read_book(name, &bytes[..cut]);
            // Refused whole, or read as far as it goes: never a panic, never a cell without a report.
            assert!(p.file_error.is_some() || p.cells.iter().all(|c| (c.report as usize) < p.reports.len()));
        }
        let mut flipped = bytes.clone();
        for i in (0..flipped.len()).step_by(53) {
            flipped[i] ^= 0x5A;
        }
        let _ = read_book(name, &flipped);
    }
    let p = read_book("空.xlsx", b"");
    assert_eq!(with_rule(&p, Rule::UnreadableWorkbook).len(), 1);
}
