//! `xxgk extract` and `xxgk::stages::extract`: the 岳普湖县 sample against its transcription, hand-made
//! variants of it for each quirk real reports have, the other input forms (HTML, pipe rows, one
//! cell per line, .docx built here), a hand-made 2019-format report, and the guards: incomplete
//! tables, the rules.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use xxgk::reference::catalog::{catalog, Format};
use xxgk::stages::extract::{extract_bytes, extract_file, ExtractError, ExtractOptions, Extracted};

fn fixture(name: &str) -> PathBuf {
    project_root().join("tests/fixtures/extract").join(name)
}

fn sample() -> String {
    std::fs::read_to_string(fixture("yuepuhu-2023-report.txt")).unwrap()
}

fn transcribed() -> BTreeMap<String, f64> {
    metric_values(&project_root().join("data/653100-喀什地区/653128-岳普湖县-2023.csv"))
}

fn extract_text(text: &str) -> Result<Extracted, ExtractError> {
    extract_bytes(text.as_bytes(), "txt", &ExtractOptions::default())
}

/// Every one of the 200 cells equals the expected value.
fn assert_values(x: &Extracted, want: &BTreeMap<String, f64>) {
    assert_eq!(want.len(), 200);
    assert_eq!(x.format, Format::F2021);
    for m in catalog().metrics() {
        let v = if m.in_format(Format::F2021) { Some(want[&m.id]) } else { None };
        assert_eq!(x.values[m.index], v, "{} ({})", m.id, m.label_zh());
    }
}

fn log_has(x: &Extracted, needle: &str) -> bool {
    x.log.iter().any(|l| l.contains(needle))
}

/// Replace exactly one occurrence, so a variant cannot silently miss its target.
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(text.matches(from).count(), 1, "{from:?} should occur once");
    text.replacen(from, to, 1)
}

#[test]
fn sample_extracts_to_the_200_transcribed_values() {
    let x = extract_file(&fixture("yuepuhu-2023-report.txt"), &ExtractOptions::default()).unwrap();
    assert_values(&x, &transcribed());
    assert_eq!((x.region, x.region_name.as_str(), x.year), (653128, "岳普湖县", 2023));
    assert_eq!(x.body, "岳普湖县人民政府");
    assert!(x.breaches.is_empty(), "{:?}", x.breaches);
    assert!(log_has(&x, "format: 2021"), "{:?}", x.log);
}

#[test]
fn extracted_csv_ingests_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("yuepuhu-2023-report.txt");
    let o = xxgk(&["extract", input.to_str().unwrap(), "--out", "ex"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let csv = dir.path().join("ex/653128-岳普湖县-2023.csv");
    assert_eq!(
        std::fs::read_to_string(&csv).unwrap(),
        std::fs::read_to_string(project_root().join("data/653100-喀什地区/653128-岳普湖县-2023.csv"))
            .unwrap(),
        "the extracted CSV is the transcription, byte for byte"
    );
    let log = std::fs::read_to_string(dir.path().join("ex/653128-岳普湖县-2023.log.txt")).unwrap();
    assert!(log.contains("format: 2021") && log.contains("all hold"), "{log}");

    let o = xxgk(&["ingest", "ex", "--out", "out"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2023"));
    let i = row_of(&b, "653128", "岳普湖县人民政府");
    for (id, v) in transcribed() {
        assert_eq!(floats(&b, &id.replace('.', "_"))[i], Some(v), "{id}");
    }
    assert!(findings(&dir.path().join("out")).is_empty());
}

#[test]
fn half_width_punctuation() {
    let text = sample().replace('（', "(").replace('）', ")").replace('：', ":").replace('，', ",");
    assert_values(&extract_text(&text).unwrap(), &transcribed());
}

#[test]
fn traditional_characters_in_labels() {
    let mut text = sample();
    for (s, t) in [
        ("行政规范性文件", "行政規範性文件"),
        ("1.属于国家秘密", "1.屬於國家秘密"),
        ("4.保护第三方合法权益", "4.保護第三方合法權益"),
        ("四、结转下年度继续办理", "四、結轉下年度繼續辦理"),
        ("\t行政复议", "\t行政復議"),
        ("本年制发件数", "本年製發件數"),
    ] {
        text = replace_once(&text, s, t);
    }
    let x = extract_text(&text).unwrap();
    assert_values(&x, &transcribed());
    assert!(x.breaches.is_empty());
}

#[test]
fn labels_split_over_lines_and_cells() {
    let mut text = sample();
    // Inside one cell (a continuation line) and over two cells.
    text = replace_once(&text, "\t4.保护第三方合法权益\n", "\t4.保护第三方\n合法权益\n");
    text = replace_once(&text, "\t2.其他法律行政法规禁止公开\n", "\t2.其他法律行政法规\n\t禁止公开\n");
    text = replace_once(&text, "\t四、结转下年度继续办理\n", "\t四、结转下年度\n\t继续办理\n");
    assert_values(&extract_text(&text).unwrap(), &transcribed());
}

#[test]
fn blank_dash_and_slash_are_zero_in_a_complete_row() {
    let mut text = sample();
    text = replace_once(&text, "\t规章\n\t0\n\t0\n\t0\n", "\t规章\n\t/\n\t-\n\t\n");
    text = replace_once(&text, "\t（一）予以公开\n\t0\n\t0\n\t0\n", "\t（一）予以公开\n\t\n\t—\n\t/\n");
    let x = extract_text(&text).unwrap();
    assert_values(&x, &transcribed());
    assert!(log_has(&x, "第二十条第（一）项/规章: 3 blank or placeholder cell(s)"), "{:#?}", x.log);
    assert!(log_has(&x, "（一）予以公开: 3 blank"), "{:#?}", x.log);
}

#[test]
fn numbers_with_units() {
    let mut text = sample();
    text = replace_once(&text, "\t519\n", "\t519万元\n");
    text = replace_once(&text, "\t34754\n", "\t34754件\n");
    let x = extract_text(&text).unwrap();
    assert_values(&x, &transcribed());

    let yuan = replace_once(&sample(), "\t519\n", "\t251000元\n");
    let x = extract_text(&yuan).unwrap();
    assert_eq!(x.values[catalog().known("fees.amount")], Some(25.1));
}

#[test]
fn rows_without_their_label_are_read_by_position() {
    let mut text = sample();
    // A leaf label lost: the row continues the one above.
    text = replace_once(&text, "\t3.危及“三安全一稳定”\n", "\t\n");
    // A group's first leaf lost: the row is the group's first row.
    text = replace_once(&text, "\t1.本机关不掌握相关政府信息\n", "");
    let x = extract_text(&text).unwrap();
    assert_values(&x, &transcribed());
    assert!(log_has(&x, "3.危及“三安全一稳定”: row without a label; read by position"), "{:#?}", x.log);
    assert!(log_has(&x, "1.本机关不掌握相关政府信息: its own label is missing"), "{:#?}", x.log);
}

#[test]
fn positional_rows_land_in_the_right_place() {
    // Same, on the variant with distinct numbers, where a wrong placement would show.
    let text = std::fs::read_to_string(fixture("variant-pipes.txt")).unwrap();
    let text = replace_once(&text, "4.保护第三方合法权益 |", "|");
    let x = extract_text(&text).unwrap();
    assert_values(&x, &metric_values(&fixture("variant-expected.csv")));
}

#[test]
fn truncated_table_is_incomplete_not_zero() {
    let text = sample();
    let cut = text.find("\t8.属于行政查询事项\n").unwrap() + "\t8.属于行政查询事项\n\t0\n\t0\n\t0\n".len();
    match extract_text(&text[..cut]) {
        Err(ExtractError::Incomplete { missing, log, .. }) => {
            assert!(missing[0].starts_with("requests.withheld.inquiry_matter.social_welfare"), "{missing:?}");
            assert_eq!(missing.len(), 4 + 13 * 7 + 15);
            assert!(log.iter().any(|l| l.contains("only 3 of 7 cells")), "{log:#?}");
        }
        other => panic!("{other:?}"),
    }
    // The command refuses it too, writes no CSV and keeps the log.
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("cut.txt"), &text[..cut]);
    let o = xxgk(&["extract", "cut.txt", "--out", "ex"], dir.path());
    assert_eq!(code(&o), 1, "{}", stderr(&o));
    assert!(stderr(&o).contains("incomplete"), "{}", stderr(&o));
    assert!(!dir.path().join("ex/653128-岳普湖县-2023.csv").exists());
    assert!(std::fs::read_to_string(dir.path().join("ex/cut.log.txt"))
        .unwrap()
        .contains("missing review.total"));
}

#[test]
fn a_2019_format_report_is_read_on_the_2019_table() {
    let x = extract_file(&fixture("format-2019-report.txt"), &ExtractOptions::default()).unwrap();
    assert_eq!((x.region, x.year, x.format), (653129, 2019, Format::F2019));
    assert!(log_has(&x, "format: 2019"), "{:?}", x.log);
    assert!(x.breaches.is_empty(), "{:?}", x.breaches);
    let c = catalog();
    let v = |id: &str| x.values[c.known(id)];
    // Every cell of the 2019 table is read; no 2021-only cell is invented.
    for m in c.metrics() {
        assert_eq!(x.values[m.index].is_some(), m.in_format(Format::F2019), "{}", m.id);
    }
    assert_eq!(v("normative_docs.made"), Some(4.0));
    assert_eq!(v("normative_docs.published_total"), Some(37.0));
    assert_eq!(v("licensing.items_prev_year"), Some(212.0));
    // 本年增/减 as printed: 减少8, +3, -12.
    assert_eq!(v("licensing.items_change"), Some(-8.0));
    assert_eq!(v("other_services.items_change"), Some(3.0));
    assert_eq!(v("penalty.items_change"), Some(-12.0));
    assert_eq!(v("licensing.decisions"), Some(12407.0));
    assert_eq!(v("fees.items_change"), Some(-4.0));
    // 采购总金额 has no unit in the format: the number as printed, not converted from 元.
    assert_eq!(v("procurement.amount"), Some(621007.6));
    // The single （六）其他处理 row.
    assert_eq!(v("requests.other_total.natural_person"), Some(1.0));
    assert_eq!(v("requests.other_total.total"), Some(2.0));
    assert_eq!(v("review.total"), Some(2.0));
    assert_eq!(v("litigation_direct.pending"), Some(1.0));

    // The CSV it writes ingests as a 2019-format report with nothing rejected.
    let dir = tempfile::tempdir().unwrap();
    let input = fixture("format-2019-report.txt");
    let o = xxgk(&["extract", input.to_str().unwrap(), "--out", "ex"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(stdout(&o).contains("2019 format, 198 cells"), "{}", stdout(&o));
    let o = xxgk(&["ingest", "ex", "--out", "out"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2019"));
    assert_eq!(strings(&b, "format"), vec![Some("2019".to_string())]);
    assert_eq!(floats(&b, "licensing_items_change"), vec![Some(-8.0)]);
    assert_eq!(floats(&b, "fees_amount"), vec![None]);
}

#[test]
fn a_2022_report_on_the_2019_table_is_read_by_its_labels_not_its_year() {
    let text = std::fs::read_to_string(fixture("format-2019-report.txt")).unwrap();
    let text = replace_once(
        &text,
        "伽师县人民政府2019年政府信息公开工作年度报告",
        "伽师县人民政府2022年政府信息公开工作年度报告",
    );
    let x = extract_text(&text).unwrap();
    assert_eq!((x.year, x.format), (2022, Format::F2019));
    assert_eq!(x.values[catalog().known("licensing.items_change")], Some(-8.0));
    assert_eq!(x.values[catalog().known("fees.amount")], None);
    // Without any label that tells, the year decides: the 2019 table for 2019 and 2020.
    let mut bare = String::new();
    for line in sample().lines() {
        let line = line
            .replace("2023年", "2020年")
            .replace("本年制发件数", "")
            .replace("本年废止件数", "")
            .replace("本年收费金额（单位：万元）", "");
        bare.push_str(&line);
        bare.push('\n');
    }
    match extract_text(&bare) {
        Err(ExtractError::Incomplete { format, .. }) => assert_eq!(format, Format::F2019),
        other => panic!("a 2021 table read as 2019 lacks the 2019 cells: {other:?}"),
    }
}

#[test]
fn a_misread_cell_is_flagged_by_its_rules() {
    let text = replace_once(
        &sample(),
        "\t一、本年新收政府信息公开申请数量\n\t0\n",
        "\t一、本年新收政府信息公开申请数量\n\t8\n",
    );
    let x = extract_text(&text).unwrap();
    let rules: Vec<&str> = x.breaches.iter().map(|b| b.rule.id()).collect();
    assert_eq!(rules, vec!["R1-request-balance", "R3-row-total"]);
    assert!(log_has(&x, "breaks R1-request-balance at requests.closed_total.natural_person"), "{:#?}", x.log);
    assert!(log_has(&x, "breaks R3-row-total at requests.received.total"), "{:#?}", x.log);
    assert!(log_has(&x, "the text says \"0\" at line 87"), "{:#?}", x.log);
}

#[test]
fn ambiguous_region_asks_for_region() {
    let text = replace_once(
        &sample(),
        "岳普湖县人民政府2023年政府信息公开工作\n",
        "朝阳区人民政府2023年政府信息公开工作\n",
    );
    match extract_text(&text) {
        Err(e @ ExtractError::AmbiguousRegion { .. }) => {
            let msg = e.to_string();
            assert!(msg.contains("110105") && msg.contains("220104") && msg.contains("--region"), "{msg}");
        }
        other => panic!("{other:?}"),
    }
    let opts = ExtractOptions { region: Some(110105), ..Default::default() };
    let x = extract_bytes(text.as_bytes(), "txt", &opts).unwrap();
    assert_eq!((x.region, x.body.as_str()), (110105, "朝阳区人民政府"));
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("cy.txt"), &text);
    assert_eq!(code(&xxgk(&["extract", "cy.txt"], dir.path())), 1);
    let o = xxgk(&["extract", "cy.txt", "--region", "110105"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert!(dir.path().join("extracted/110105-朝阳区-2023.csv").exists());
}

#[test]
fn html_with_rowspan_and_colspan() {
    let x = extract_file(&fixture("variant.html"), &ExtractOptions::default()).unwrap();
    assert_values(&x, &metric_values(&fixture("variant-expected.csv")));
    assert_eq!(x.form, xxgk::stages::extract::InputForm::Html);
    assert!(x.breaches.is_empty());
}

#[test]
fn pipe_rows_with_half_width_labels() {
    let x = extract_file(&fixture("variant-pipes.txt"), &ExtractOptions::default()).unwrap();
    assert_values(&x, &metric_values(&fixture("variant-expected.csv")));
    assert_eq!((x.region, x.year), (653128, 2023));
}

#[test]
fn one_cell_per_line() {
    let x = extract_file(&fixture("variant-one-per-line.txt"), &ExtractOptions::default()).unwrap();
    assert_values(&x, &metric_values(&fixture("variant-expected.csv")));
    assert!(log_has(&x, "one per line"));
}

#[test]
fn docx_with_grid_span_and_vertical_merges() {
    let xml = std::fs::read_to_string(fixture("variant-document.xml")).unwrap();
    assert!(xml.contains("<w:vMerge/>") && xml.contains("w:gridSpan"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("report.docx");
    write(&path, docx_bytes(&xml));
    let x = extract_file(&path, &ExtractOptions::default()).unwrap();
    assert_values(&x, &metric_values(&fixture("variant-expected.csv")));
    assert_eq!(x.form, xxgk::stages::extract::InputForm::Docx);
    let o = xxgk(&["extract", "report.docx", "--out", "ex"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));

    // Not a zip at all.
    write(&dir.path().join("broken.docx"), b"PK\x03\x04 nonsense");
    assert!(matches!(
        extract_file(&dir.path().join("broken.docx"), &ExtractOptions::default()),
        Err(ExtractError::Docx(_))
    ));
}

#[test]
fn extraction_takes_milliseconds() {
    // Debug build, in process, all four forms; the bound is loose so a busy machine cannot fail it.
    let dir = tempfile::tempdir().unwrap();
    let docx = dir.path().join("v.docx");
    write(&docx, docx_bytes(&std::fs::read_to_string(fixture("variant-document.xml")).unwrap()));
    let files =
        [fixture("yuepuhu-2023-report.txt"), fixture("variant.html"), fixture("variant-pipes.txt"), docx];
    let rounds = 20;
    let start = std::time::Instant::now();
    for _ in 0..rounds {
        for f in &files {
            extract_file(f, &ExtractOptions::default()).unwrap();
        }
    }
    let per = start.elapsed() / (rounds * files.len() as u32);
    eprintln!("extract_file: {per:?} per report (debug build)");
    assert!(per < std::time::Duration::from_millis(500), "{per:?}");
}
