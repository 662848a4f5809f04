//! `xxgk run` on folders that hold report files (.txt, .html, .docx) next to CSVs: the reports are
//! extracted on the way in and stored like CSV rows, read back here from the Parquet, the summary,
//! `extracted/`, `rejected/` and the findings.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const DATA: &str = "data/653100-喀什地区";
const SAMPLE: &str = "tests/fixtures/extract/yuepuhu-2023-report.txt";
const LICENSING_LABEL: &str = "第二十条第（五）项/行政许可｜本年处理决定数量";

fn root(rel: &str) -> PathBuf {
    project_root().join(rel)
}

fn sample() -> String {
    std::fs::read_to_string(root(SAMPLE)).unwrap()
}

fn transcription() -> BTreeMap<String, f64> {
    metric_values(&root(&format!("{DATA}/653128-岳普湖县-2023.csv")))
}

/// Every facts row of one region: metric → (value, source_file, source_line).
fn facts_of(out: &Path, year: i32, region: &str) -> BTreeMap<String, (Option<f64>, String, i64)> {
    let b = read_parquet_dir(&out.join(format!("parquet/facts/year={year}")));
    let (codes, metrics, files, lines) = (
        strings(&b, "region_code"),
        strings(&b, "metric"),
        strings(&b, "source_file"),
        floats(&b, "source_line"),
    );
    let values = floats(&b, "value");
    let mut m = BTreeMap::new();
    for i in 0..b.num_rows() {
        if codes[i].as_deref() == Some(region) {
            let old = m.insert(
                metrics[i].clone().unwrap(),
                (values[i], files[i].clone().unwrap(), lines[i].unwrap() as i64),
            );
            assert!(old.is_none(), "{region}: {} stored twice", metrics[i].as_deref().unwrap());
        }
    }
    m
}

fn assert_all_200(facts: &BTreeMap<String, (Option<f64>, String, i64)>, want: &BTreeMap<String, f64>) {
    assert_eq!(want.len(), 200);
    assert_eq!(facts.len(), 200, "cells stored");
    for (metric, v) in want {
        assert_eq!(facts[metric].0, Some(*v), "{metric}");
    }
}

/// The 1-based line of `needle` (a whole line) in `text`.
fn line_of(text: &str, needle: &str) -> usize {
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.iter().filter(|l| **l == needle).count(), 1, "{needle:?} once");
    lines.iter().position(|l| *l == needle).unwrap() + 1
}

fn finding<'a>(all: &'a [BTreeMap<String, String>], rule: &str, file: &str) -> &'a BTreeMap<String, String> {
    all.iter()
        .find(|f| f["rule"] == rule && f["file"] == file)
        .unwrap_or_else(|| panic!("no {rule} on {file}: {all:#?}"))
}

fn run(dir: &Path) -> std::process::Output {
    xxgk(&["run", "in", "--out", "out", "--no-charts", "--max-year", "2024"], dir)
}

#[test]
fn reports_in_three_forms_are_stored_next_to_csvs() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in");
    for name in ["653101-喀什市-2023.synthetic.csv", "653122-疏勒县-2023.synthetic.csv"] {
        std::fs::create_dir_all(&input).unwrap();
        std::fs::copy(root(&format!("{DATA}/{name}")), input.join(name)).unwrap();
    }
    write(&input.join("reports/岳普湖县-2023.txt"), sample());
    // The hand-made variant report, retitled so that each form is a report of its own.
    let html = std::fs::read_to_string(root("tests/fixtures/extract/variant.html")).unwrap();
    write(&input.join("reports/伽师县-2023.html"), html.replace("岳普湖县", "伽师县"));
    let xml = std::fs::read_to_string(root("tests/fixtures/extract/variant-document.xml")).unwrap();
    assert_eq!(xml.matches("岳普湖县人民政府2023年").count(), 1);
    write(
        &input.join("reports/疏附县-2023.docx"),
        docx_bytes(&xml.replace("岳普湖县人民政府2023年", "疏附县人民政府2023年")),
    );
    write(&input.join("notes.txt"), "待办：催收各县 2024 年度报告\n");

    let o = run(dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");

    // The sample report's 200 cells are the transcription's, each pointing at its line of the text.
    let yph = facts_of(&out, 2023, "653128");
    assert_all_200(&yph, &transcription());
    assert!(yph.values().all(|(_, f, _)| f == "reports/岳普湖县-2023.txt"));
    let text = sample();
    assert_eq!(yph["licensing.decisions"].2 as usize, line_of(&text, "\t行政许可") + 1);
    assert!(yph.values().all(|(_, _, l)| *l > 0));
    // HTML and .docx have no lines: the cells are there, with line 0.
    let variant = metric_values(&root("tests/fixtures/extract/variant-expected.csv"));
    for (code_, file) in [("653129", "reports/伽师县-2023.html"), ("653121", "reports/疏附县-2023.docx")]
    {
        let facts = facts_of(&out, 2023, code_);
        assert_all_200(&facts, &variant);
        assert!(facts.values().all(|(_, f, l)| f == file && *l == 0), "{file}");
    }
    let reports = read_parquet_dir(&out.join("parquet/reports/year=2023"));
    assert_eq!(reports.num_rows(), 5);
    let i = row_of(&reports, "653128", "岳普湖县人民政府");
    assert_eq!(floats(&reports, "licensing_decisions")[i], Some(34754.0));

    // A row of a report file is one extracted cell.
    let s = summary(&out);
    for (file, layout) in [
        ("reports/岳普湖县-2023.txt", "report (plain text)"),
        ("reports/伽师县-2023.html", "report (HTML)"),
        ("reports/疏附县-2023.docx", "report (docx)"),
    ] {
        let f = file_summary(&s, file);
        assert_eq!((f["rows_read"].as_u64(), f["rows_stored"].as_u64()), (Some(200), Some(200)), "{file}");
        assert_eq!(f["layout"], layout);
    }
    assert_eq!(s["rows_read"], 1000);
    assert_eq!(s["rows_stored"], 1000);
    assert_eq!(s["files_rejected"], 0);

    // The stray note is skipped with a warning that names it, and changes nothing else.
    let notes = file_summary(&s, "notes.txt");
    assert_eq!((notes["rows_read"].as_u64(), notes["error"].is_null()), (Some(0), true));
    let all = findings(&out);
    let w = finding(&all, "W071-not-a-report", "notes.txt");
    assert_eq!(w["severity"], "warning");
    assert!(w["actual"].contains("催收"), "{w:?}");
    assert_eq!(all.iter().filter(|f| f["severity"] == "error").count(), 0, "{all:#?}");

    // What was extracted is published for the analyst: the CSV ingests as the same 200 numbers.
    let extracted = out.join("extracted/reports/岳普湖县-2023.txt.csv");
    assert_eq!(metric_values(&extracted), transcription());
    let log = std::fs::read_to_string(out.join("extracted/reports/疏附县-2023.docx.log.txt")).unwrap();
    assert!(log.starts_with("source: reports/疏附县-2023.docx\n") && log.contains("format: 2021"), "{log}");
    assert!(!out.join("extracted/notes.txt.csv").exists());

    // A second run reads every report from the cache and writes the same bytes.
    let before = std::fs::read(out.join("parquet/facts/year=2023/part-63.parquet")).unwrap();
    let o = run(dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    assert_eq!(summary(&out)["files_from_cache"], 6);
    assert_eq!(std::fs::read(out.join("parquet/facts/year=2023/part-63.parquet")).unwrap(), before);
    assert!(extracted.exists(), "extracted/ is published again from the cache");
}

#[test]
fn a_truncated_report_is_rejected_naming_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = sample();
    let label = "\t8.属于行政查询事项";
    let cut = text.find(&format!("{label}\n")).unwrap() + format!("{label}\n\t0\n\t0\n\t0\n").len();
    write(&dir.path().join("in/cut/岳普湖县-2023.txt"), &text[..cut]);
    std::fs::copy(
        root(&format!("{DATA}/653101-喀什市-2023.synthetic.csv")),
        dir.path().join("in/653101-喀什市-2023.synthetic.csv"),
    )
    .unwrap();

    let o = run(dir.path());
    assert_eq!(code(&o), 1, "{}", stdout(&o));
    let out = dir.path().join("out");
    let file = "cut/岳普湖县-2023.txt";
    let all = findings(&out);
    let f = finding(&all, "E082-report-incomplete", file);
    // The line of the first short row: its first number, right below its label.
    assert_eq!(f["line"], (line_of(&text, label) + 1).to_string());
    assert_eq!(f["expected"], "2021 年格式三张表的全部 200 个数据项");
    assert!(f["actual"].starts_with("缺 110 个：requests.withheld.inquiry_matter.social_welfare"), "{f:?}");
    assert!(f["message"].contains("extracted/cut/岳普湖县-2023.txt.log.txt"), "{f:?}");
    assert!(stdout(&o).contains("file rejected: E082-report-incomplete"), "{}", stdout(&o));

    let s = summary(&out);
    assert_eq!(s["files_rejected"], 1);
    let fs = file_summary(&s, file);
    assert_eq!((fs["rows_read"].as_u64(), fs["rows_rejected"].as_u64()), (Some(0), Some(0)));
    assert!(fs["error"].as_str().unwrap().starts_with("E082-report-incomplete"));
    // Nothing is padded: no cell of the report is stored, the good CSV is.
    assert!(facts_of(&out, 2023, "653128").is_empty());
    assert_eq!(facts_of(&out, 2023, "653101").len(), 200);
    // The report is kept as it was with the reason beside it, and the log names every missing cell.
    assert_eq!(std::fs::read_to_string(out.join("rejected").join(file)).unwrap(), &text[..cut]);
    let note = std::fs::read_to_string(out.join("rejected/cut/岳普湖县-2023.txt.error.txt")).unwrap();
    assert!(note.contains("E082-report-incomplete"), "{note}");
    let log = std::fs::read_to_string(out.join("extracted/cut/岳普湖县-2023.txt.log.txt")).unwrap();
    assert!(log.contains("missing review.total") && log.contains("refused:"), "{log}");
    assert!(!out.join("extracted/cut/岳普湖县-2023.txt.csv").exists());
}

#[test]
fn refused_reports_say_why() {
    let dir = tempfile::tempdir().unwrap();
    let chaoyang = sample().replacen("岳普湖县人民政府2023年", "朝阳区人民政府2023年", 1);
    write(&dir.path().join("in/chaoyang.htm"), chaoyang);
    write(&dir.path().join("in/broken.docx"), b"PK\x03\x04 nonsense");

    let o = run(dir.path());
    assert_eq!(code(&o), 1);
    let out = dir.path().join("out");
    let all = findings(&out);
    let amb = finding(&all, "E081-report-title", "chaoyang.htm");
    assert!(amb["message"].contains("110105") && amb["message"].contains("220104"), "{amb:?}");
    finding(&all, "E083-report-unreadable", "broken.docx");
    let s = summary(&out);
    assert_eq!(s["files_rejected"], 2);
    assert_eq!(s["rows_read"], 0);
    for name in ["chaoyang.htm", "broken.docx"] {
        assert!(out.join("rejected").join(format!("{name}.error.txt")).exists(), "{name}");
        assert!(out.join("extracted").join(format!("{name}.log.txt")).exists(), "{name}");
    }
}

/// A 2019-format report in the input folder is read on its own table and stored as such: 198 rows,
/// the `format` column, the signed 本年增/减, and the line each number was read from.
#[test]
fn a_2019_format_report_in_the_input_is_stored_on_its_table() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root("tests/fixtures/extract/format-2019-report.txt")).unwrap();
    write(&dir.path().join("in/伽师县-2019.txt"), &text);
    let o = run(dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");
    let s = summary(&out);
    assert_eq!((s["rows_read"].as_u64(), s["rows_stored"].as_u64()), (Some(198), Some(198)));
    let facts = facts_of(&out, 2019, "653129");
    assert_eq!(facts.len(), 198);
    let (v, file, line) = &facts["licensing.items_change"];
    assert_eq!(*v, Some(-8.0));
    assert_eq!(file, "伽师县-2019.txt");
    assert!(text.lines().nth(*line as usize - 1).is_some_and(|l| l.contains('8')), "line {line}");
    assert_eq!(facts["procurement.amount"].0, Some(621007.6));
    assert!(!facts.contains_key("fees.amount"), "a 2021-only cell was invented");
    let b = read_parquet_dir(&out.join("parquet/reports/year=2019"));
    assert_eq!(strings(&b, "format"), [Some("2019".to_string())]);
    let log = std::fs::read_to_string(out.join("extracted/伽师县-2019.txt.log.txt")).unwrap();
    assert!(log.contains("extracted: 198 cells, one row each"), "{log}");
}

#[test]
fn a_report_and_its_csv_merge_and_a_conflict_names_both_files() {
    let dir = tempfile::tempdir().unwrap();
    let csv_name = "653128-岳普湖县-2023.csv";
    std::fs::create_dir_all(dir.path().join("in")).unwrap();
    std::fs::copy(root(&format!("{DATA}/{csv_name}")), dir.path().join("in").join(csv_name)).unwrap();
    let report = "岳普湖县-2023.txt";
    write(&dir.path().join("in").join(report), sample());

    // Same numbers twice: one report, every cell kept once, no error.
    let o = run(dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");
    assert_all_200(&facts_of(&out, 2023, "653128"), &transcription());
    let all = findings(&out);
    assert_eq!(all.iter().filter(|f| f["rule"] == "I061-duplicate-cell").count(), 200);
    let s = summary(&out);
    assert_eq!((s["reports_stored"].as_u64(), s["rows_rejected"].as_u64()), (Some(1), Some(0)));

    // One number differs: both cells are rejected and each finding names both files.
    let text = sample().replacen("\t行政许可\n\t34754\n", "\t行政许可\n\t34755\n", 1);
    write(&dir.path().join("in").join(report), text);
    let o = run(dir.path());
    assert_eq!(code(&o), 1);
    let all = findings(&out);
    let conflicts: Vec<_> = all.iter().filter(|f| f["rule"] == "E060-conflicting-cell").collect();
    assert_eq!(conflicts.len(), 2, "{conflicts:#?}");
    for f in &conflicts {
        assert!(f["message"].contains(csv_name) && f["message"].contains(report), "{f:?}");
        assert_eq!(f["metric"], "licensing.decisions");
        assert_eq!(f["actual"], "34754 / 34755");
    }
    let on_report = finding(&all, "E060-conflicting-cell", report);
    assert_eq!(on_report["line"], line_of(&sample(), "\t34754").to_string());
    assert_eq!(on_report["column"], LICENSING_LABEL);
    let facts = facts_of(&out, 2023, "653128");
    assert_eq!(facts.len(), 199);
    assert!(!facts.contains_key("licensing.decisions"));
    let s = summary(&out);
    let f = file_summary(&s, report);
    assert_eq!(
        (f["rows_read"].as_u64(), f["rows_stored"].as_u64(), f["rows_rejected"].as_u64()),
        (Some(200), Some(199), Some(1))
    );
    // The rejected cell is a row of the extracted CSV, with the reason, ready to fix and feed back.
    let rows = rejected_rows(&out.join("rejected/岳普湖县-2023.txt.csv"));
    assert_eq!(rows.len(), 1);
    assert_eq!((&rows[0][4], &rows[0][6]), ("licensing.decisions", "34755"));
    assert!(rows[0][7].starts_with("E060-conflicting-cell"), "{:?}", rows[0]);
}

#[test]
fn gbk_reports_are_read_and_pages_that_are_no_reports_are_skipped() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/岳普湖县-2023.txt"), gbk(&sample()));
    write(&dir.path().join("in/empty.txt"), b"");
    write(
        &dir.path().join("in/index.html"),
        "<html><body><h1>喀什地区政务公开</h1><p>年度报告目录</p></body></html>",
    );
    // What xxgk itself writes beside extracted and rejected files is never taken as input.
    write(&dir.path().join("in/old/x.txt.log.txt"), "source: x.txt\n");
    write(&dir.path().join("in/old/y.csv.error.txt"), "y.csv\nE002-not-text\n");

    let o = run(dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");
    assert_all_200(&facts_of(&out, 2023, "653128"), &transcription());
    let s = summary(&out);
    assert_eq!(file_summary(&s, "岳普湖县-2023.txt")["encoding"], "GBK/GB18030");
    assert_eq!(s["files"].as_array().unwrap().len(), 3, "{s:#}");
    let all = findings(&out);
    assert_eq!(finding(&all, "W071-not-a-report", "empty.txt")["actual"], "（没有文字）");
    assert!(finding(&all, "W071-not-a-report", "index.html")["actual"].contains("喀什地区政务公开"));
}
