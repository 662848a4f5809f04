//! Hostile input, one test per class: each asserts the exact finding (rule, file, line, column,
//! expected), that every other row still lands in the Parquet, and that nothing is lost (rows read =
//! rows stored + rows rejected, from the summary and from the files on disk).

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;

fn ingest(dir: &Path) -> std::process::Output {
    xxgk(&["ingest", "in", "--out", "out", "--max-year", "2024"], dir)
}

/// The one finding with this rule, file and line.
fn one<'a>(
    f: &'a [BTreeMap<String, String>],
    rule: &str,
    file: &str,
    line: &str,
) -> &'a BTreeMap<String, String> {
    let hits: Vec<_> =
        f.iter().filter(|r| r["rule"] == rule && r["file"] == file && r["line"] == line).collect();
    assert_eq!(hits.len(), 1, "{rule} {file}:{line} in {f:#?}");
    hits[0]
}

fn fields<'a>(r: &'a BTreeMap<String, String>, keys: &[&str]) -> Vec<&'a str> {
    keys.iter().map(|k| r[*k].as_str()).collect()
}

/// A good long-layout file for 喀什市 2023: the data every test expects to find stored.
const GOOD: &str =
    "region_code,year,metric,value\n653101,2023,licensing.decisions,100\n653101,2023,penalty.decisions,7\n";

fn good_is_stored(dir: &Path) {
    let b = read_parquet_dir(&dir.join("out/parquet/reports/year=2023"));
    let i = row_of(&b, "653101", "");
    assert_eq!(
        (floats(&b, "licensing_decisions")[i], floats(&b, "penalty_decisions")[i]),
        (Some(100.0), Some(7.0))
    );
}

/// Cells of one report in the facts Parquet: metric → value.
fn facts_of(dir: &Path, year: i32, region: &str) -> BTreeMap<String, Option<f64>> {
    let b = read_parquet_dir(&dir.join(format!("out/parquet/facts/year={year}")));
    let (codes, metrics, values) = (strings(&b, "region_code"), strings(&b, "metric"), floats(&b, "value"));
    (0..b.num_rows())
        .filter(|&i| codes[i].as_deref() == Some(region))
        .map(|i| (metrics[i].clone().unwrap(), values[i]))
        .collect()
}

#[test]
fn an_empty_file_is_e003_copied_to_rejected_and_the_rest_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/empty.csv"), "");
    write(&dir.path().join("in/blank-lines.csv"), "\r\n\n\n");
    write(&dir.path().join("in/good.csv"), GOOD);
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let f = findings(&dir.path().join("out"));
    for file in ["empty.csv", "blank-lines.csv"] {
        let e = one(&f, "E003-empty-file", file, "1");
        assert_eq!(e["severity"], "error");
        assert!(e["message"].contains("empty file"), "{}", e["message"]);
    }
    assert_eq!(f.len(), 2, "{f:#?}");
    assert_eq!(std::fs::read(dir.path().join("out/rejected/empty.csv")).unwrap(), b"");
    let note = std::fs::read_to_string(dir.path().join("out/rejected/empty.csv.error.txt")).unwrap();
    assert!(note.contains("E003-empty-file"), "{note}");
    good_is_stored(dir.path());
    let s = assert_nothing_lost(&dir.path().join("out"));
    assert_eq!(file_summary(&s, "empty.csv")["rows_read"], 0);
    assert_eq!(s["files_rejected"], 2);
}

#[test]
fn a_header_only_file_reads_zero_rows_and_is_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/header.csv"), "region_code,year,metric,value\r\n");
    write(&dir.path().join("in/good.csv"), GOOD);
    let o = ingest(dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(findings(&dir.path().join("out")).is_empty());
    good_is_stored(dir.path());
    let s = assert_nothing_lost(&dir.path().join("out"));
    let h = file_summary(&s, "header.csv");
    assert_eq!((h["rows_read"].as_u64(), h["layout"].as_str()), (Some(0), Some("long")));
    assert!(!dir.path().join("out/rejected/header.csv").exists());
}

#[test]
fn a_bom_in_the_middle_of_the_header_or_a_value_is_invisible() {
    let dir = tempfile::tempdir().unwrap();
    // As `cat a.csv b.csv` or a careless export leaves it: BOMs before a header name and inside fields.
    let text = "region_code,\u{FEFF}year,metric,value,body\n\
                \u{FEFF}653101,2023,licensing.decisions,\u{FEFF}100,\n\
                653101,\u{FEFF}2023,\u{FEFF}penalty.decisions,7\u{FEFF},\n\
                653101,2023,coercion.decisions,3,\u{FEFF}\n\
                653101,2023,fees.amount,\u{FEFF}x,\n";
    write(&dir.path().join("in/bom.csv"), text);
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let f = findings(&dir.path().join("out"));
    assert_eq!(f.len(), 1, "only the row whose value is not a number: {f:#?}");
    let e = one(&f, "E050-not-a-number", "bom.csv", "5");
    assert_eq!(
        fields(e, &["column", "metric", "expected"]),
        ["value", "fees.amount", "数字（万元，可带小数）或空白"]
    );
    let cells = facts_of(dir.path(), 2023, "653101");
    assert_eq!(cells["licensing.decisions"], Some(100.0));
    assert_eq!(cells["penalty.decisions"], Some(7.0));
    assert_eq!(cells["coercion.decisions"], Some(3.0), "a body that is only a BOM is the empty body");
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2023"));
    assert_eq!(strings(&b, "body"), [Some(String::new())]);
    assert_nothing_lost(&dir.path().join("out"));
}

fn utf16le(text: &str) -> Vec<u8> {
    let mut b = vec![0xFF, 0xFE];
    b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    b
}

fn utf16be(text: &str) -> Vec<u8> {
    let mut b = vec![0xFE, 0xFF];
    b.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    b
}

#[test]
fn mixed_encodings_in_one_folder_are_each_detected_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let row = |code: &str, name: &str, n: u32| {
        format!("region_code,region_name,year,body,metric,value\r\n{code},{name},2023,{name}人民政府,licensing.decisions,{n}\r\n")
    };
    write(&dir.path().join("in/a-utf8.csv"), row("653101", "喀什市", 1));
    write(&dir.path().join("in/b-utf8-bom.csv"), format!("\u{FEFF}{}", row("653121", "疏附县", 2)));
    write(&dir.path().join("in/c-gbk.csv"), gbk(&row("653122", "疏勒县", 3)));
    write(&dir.path().join("in/d-utf16le.csv"), utf16le(&row("653123", "英吉沙县", 4)));
    write(&dir.path().join("in/e-utf16be.csv"), utf16be(&row("653124", "泽普县", 5)));
    let o = ingest(dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let s = assert_nothing_lost(&dir.path().join("out"));
    let enc: Vec<&str> =
        s["files"].as_array().unwrap().iter().map(|f| f["encoding"].as_str().unwrap()).collect();
    assert_eq!(enc, ["UTF-8", "UTF-8 (BOM)", "GBK/GB18030", "UTF-16", "UTF-16"]);
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2023"));
    let got: Vec<(String, String, f64)> = (0..b.num_rows())
        .map(|i| {
            (
                strings(&b, "region_name")[i].clone().unwrap(),
                strings(&b, "body")[i].clone().unwrap(),
                floats(&b, "licensing_decisions")[i].unwrap(),
            )
        })
        .collect();
    let want: Vec<(String, String, f64)> =
        [("喀什市", 1.0), ("疏附县", 2.0), ("疏勒县", 3.0), ("英吉沙县", 4.0), ("泽普县", 5.0)]
            .iter()
            .map(|(n, v)| (n.to_string(), format!("{n}人民政府"), *v))
            .collect();
    assert_eq!(got, want);
}

#[test]
fn a_gbk_file_with_an_invalid_byte_is_e002_at_its_line_and_kept_as_is() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes =
        gbk("region_code,region_name,year,metric,value\n653122,疏勒县,2023,licensing.decisions,1\n");
    bytes.extend_from_slice(b"653122,\x81\x20,2023,penalty.decisions,2\n");
    write(&dir.path().join("in/broken-gbk.csv"), &bytes);
    write(&dir.path().join("in/good.csv"), GOOD);
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    let e = one(&f, "E002-not-text", "broken-gbk.csv", "3");
    let offset = bytes.windows(2).position(|w| w == b"\x81\x20").unwrap();
    assert_eq!(
        fields(e, &["expected", "actual"]),
        ["UTF-8 或 GBK/GB18030 文本", &format!("字节 0x81（偏移 {offset}）")]
    );
    assert!(e["message"].contains("第 3 行"), "{}", e["message"]);
    assert_eq!(std::fs::read(dir.path().join("out/rejected/broken-gbk.csv")).unwrap(), bytes);
    good_is_stored(dir.path());
    assert_nothing_lost(&dir.path().join("out"));
}

#[test]
fn a_truncated_last_line_is_e010_and_the_rows_before_it_are_stored() {
    let dir = tempfile::tempdir().unwrap();
    // The download stopped mid-row: no value field, no newline.
    write(
        &dir.path().join("in/cut.csv"),
        "region_code,year,metric,value\n653101,2023,licensing.decisions,100\n653101,2023,penalty.decisions,7\n653101,2023,coercion.deci",
    );
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    assert_eq!(f.len(), 1, "{f:#?}");
    let e = one(&f, "E010-field-count", "cut.csv", "4");
    assert_eq!(fields(e, &["column", "expected", "actual", "region_code"]), ["", "4", "3", "653101"]);
    good_is_stored(dir.path());
    let rows = rejected_rows(&dir.path().join("out/rejected/cut.csv"));
    assert_eq!(
        rows[0].iter().collect::<Vec<_>>()[..4],
        ["653101", "2023", "coercion.deci", ""],
        "padded to the header"
    );
    assert_nothing_lost(&dir.path().join("out"));
}

#[test]
fn a_quoted_field_with_a_newline_is_one_record_located_at_its_first_line() {
    let dir = tempfile::tempdir().unwrap();
    let text = "region_code,year,body,metric,value\n\
                653101,2023,\"喀什市\n人民政府\",licensing.decisions,100\n\
                653101,2023,\"喀什市\r\n人民政府\",penalty.decisions,\"x\n\"\n\
                653101,2023,,penalty.decisions,-1\n\
                653101,2023,,licensing.decisions,5\n";
    write(&dir.path().join("in/multiline.csv"), text);
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    assert_eq!(f.len(), 2, "{f:#?}");
    let nan = one(&f, "E050-not-a-number", "multiline.csv", "4");
    assert_eq!(fields(nan, &["column", "body", "actual"]), ["value", "喀什市\r\n人民政府", "x\n"]);
    one(&f, "E051-negative-value", "multiline.csv", "7");
    let b = read_parquet_dir(&dir.path().join("out/parquet/facts/year=2023"));
    let got: Vec<(Option<String>, Option<String>, Option<f64>)> = (0..b.num_rows())
        .map(|i| {
            (strings(&b, "body")[i].clone(), strings(&b, "source_line")[i].clone(), floats(&b, "value")[i])
        })
        .collect();
    assert_eq!(
        got,
        [
            (Some(String::new()), Some("8".into()), Some(5.0)),
            (Some("喀什市\n人民政府".into()), Some("2".into()), Some(100.0)),
        ]
    );
    let rows = rejected_rows(&dir.path().join("out/rejected/multiline.csv"));
    assert_eq!(&rows[0][2], "喀什市\r\n人民政府", "the rejected record keeps its embedded newline");
    assert_nothing_lost(&dir.path().join("out"));
}

#[test]
fn ten_megabytes_on_one_line_is_rejected_with_a_short_message_and_kept_whole() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "9".repeat(10 << 20);
    write(
        &dir.path().join("in/huge.csv"),
        format!("{GOOD}653101,2023,coercion.decisions,{huge}\n653101,2023,fees.amount,1.5\n"),
    );
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    assert_eq!(f.len(), 1);
    let e = one(&f, "E053-number-too-large", "huge.csv", "4");
    assert_eq!(
        fields(e, &["column", "metric", "expected"]),
        ["value", "coercion.decisions", "不超过 15 位的数字"]
    );
    assert_eq!(e["actual"], format!("{}…（共 10485760 个字符）", "9".repeat(32)));
    assert!(e["message"].len() < 300, "{}", e["message"]);
    let findings_csv = std::fs::metadata(dir.path().join("out/validation/findings.csv")).unwrap().len();
    assert!(findings_csv < 4096, "findings.csv is {findings_csv} bytes");
    let rows = rejected_rows(&dir.path().join("out/rejected/huge.csv"));
    assert_eq!(rows[0][3].len(), 10 << 20, "the rejected row keeps the value whole");
    assert!(rows[0][4].len() < 400, "but its reason is short");
    good_is_stored(dir.path());
    assert_eq!(facts_of(dir.path(), 2023, "653101")["fees.amount"], Some(1.5));
    assert_nothing_lost(&dir.path().join("out"));
}

#[test]
fn binary_garbage_named_csv_is_e002_copied_with_an_error_note() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = 0x2545_F491_4F6C_DD1Du64;
    let garbage: Vec<u8> = (0..4096)
        .map(|_| {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            (rng >> 24) as u8
        })
        .collect();
    let png: &[u8] = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR";
    write(&dir.path().join("in/garbage.csv"), &garbage);
    write(&dir.path().join("in/sub/image.csv"), png);
    write(&dir.path().join("in/good.csv"), GOOD);
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    let g = f.iter().find(|r| r["file"] == "garbage.csv").unwrap();
    assert_eq!((g["rule"].as_str(), g["expected"].as_str()), ("E002-not-text", "UTF-8 或 GBK/GB18030 文本"));
    let img = one(&f, "E002-not-text", "sub/image.csv", "3");
    assert_eq!(img["actual"], "字节 0x00（偏移 8）");
    assert!(img["message"].contains("binary"), "{}", img["message"]);
    assert_eq!(std::fs::read(dir.path().join("out/rejected/garbage.csv")).unwrap(), garbage);
    assert_eq!(std::fs::read(dir.path().join("out/rejected/sub/image.csv")).unwrap(), png);
    let note = std::fs::read_to_string(dir.path().join("out/rejected/sub/image.csv.error.txt")).unwrap();
    assert!(note.starts_with("sub/image.csv\nE002-not-text"), "{note}");
    good_is_stored(dir.path());
    assert_nothing_lost(&dir.path().join("out"));
}

#[test]
fn a_duplicate_header_column_is_e005_naming_it_and_every_row_goes_to_rejected() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("in/dup.csv"),
        "region_code,year,metric,value,value\n653101,2023,licensing.decisions,1,2\n653101,2023,penalty.decisions,3,3\n",
    );
    write(
        &dir.path().join("in/case.csv"),
        "Region_Code,year,metric,value,REGION_CODE\n653121,2023,licensing.decisions,1,653122\n",
    );
    write(&dir.path().join("in/good.csv"), GOOD);
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    let d = one(&f, "E005-duplicate-column", "dup.csv", "1");
    assert_eq!(
        fields(d, &["column", "expected", "actual"]),
        ["value", "每个列名只出现一次", "第 4 列 value = 第 5 列 value"]
    );
    let c = one(&f, "E005-duplicate-column", "case.csv", "1");
    assert_eq!(
        fields(c, &["column", "actual"]),
        ["REGION_CODE", "第 1 列 Region_Code = 第 5 列 REGION_CODE"]
    );
    assert!(c["message"].contains("不区分大小写"), "{}", c["message"]);
    let rows = rejected_rows(&dir.path().join("out/rejected/dup.csv"));
    assert_eq!(rows.len(), 2);
    assert!(rows[1][5].starts_with("E005-duplicate-column"), "{:?}", rows[1]);
    good_is_stored(dir.path());
    assert_nothing_lost(&dir.path().join("out"));
}

#[test]
fn numbers_people_should_not_type_are_each_rejected_with_what_was_expected() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("licensing.decisions", "1e3", "E050-not-a-number", "非负整数或空白"),
        ("penalty.decisions", "0x10", "E050-not-a-number", "非负整数或空白"),
        ("coercion.decisions", "١٢", "E050-not-a-number", "非负整数或空白"),
        ("regulations.issued", "99999999999999999999", "E053-number-too-large", "不超过 15 位的数字"),
        ("regulations.repealed", "12.5", "E052-non-integer-count", "整数件数"),
        ("fees.amount", "1e3", "E050-not-a-number", "数字（万元，可带小数）或空白"),
    ];
    let mut text = String::from("region_code,year,metric,value\n");
    for (metric, value, _, _) in cases {
        text.push_str(&format!("653101,2023,{metric},{value}\n"));
    }
    text.push_str("653101,2023,regulations.in_force,-0\n653101,2023,normative_docs.issued,０\n");
    write(&dir.path().join("in/numbers.csv"), text);
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    assert_eq!(f.len(), cases.len(), "{f:#?}");
    for (i, (metric, value, rule, expected)) in cases.iter().enumerate() {
        let e = one(&f, rule, "numbers.csv", &(i + 2).to_string());
        assert_eq!(
            fields(e, &["column", "metric", "expected", "actual"]),
            ["value", metric, expected, value]
        );
        assert!(e["message"].contains(value), "the message names the value: {}", e["message"]);
    }
    let cells = facts_of(dir.path(), 2023, "653101");
    assert_eq!(cells.len(), 2);
    assert_eq!(cells["regulations.in_force"], Some(0.0), "-0 is zero");
    assert_eq!(cells["normative_docs.issued"], Some(0.0));
    let b = read_parquet_dir(&dir.path().join("out/parquet/facts/year=2023"));
    let v = floats(&b, "value");
    assert!(v.iter().all(|x| x.unwrap().is_sign_positive()), "no negative zero is stored");
    assert_nothing_lost(&dir.path().join("out"));
}

#[test]
fn region_codes_with_spaces_are_trimmed_five_digits_are_e020() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("in/codes.csv"),
        "region_code,year,metric,value\n 653101 ,2023,licensing.decisions,100\n\"\u{3000}653101\t\",2023,penalty.decisions,7\n65310,2023,coercion.decisions,1\n6531011,2023,coercion.decisions,1\n",
    );
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    assert_eq!(f.len(), 2, "{f:#?}");
    for (line, raw) in [("4", "65310"), ("5", "6531011")] {
        let e = one(&f, "E020-malformed-region-code", "codes.csv", line);
        assert_eq!(
            fields(e, &["column", "expected", "actual"]),
            ["region_code", "6 位数字的行政区划代码，如 653128", raw]
        );
    }
    good_is_stored(dir.path());
    assert_nothing_lost(&dir.path().join("out"));
}

#[test]
fn full_width_and_suffixed_years_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    write(
        &dir.path().join("in/years.csv"),
        "region_code,year,metric,value\n653101,２０２３,licensing.decisions,100\n653101,2023年,penalty.decisions,7\n653101,二〇二三,coercion.decisions,1\n",
    );
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    let e = one(&f, "E030-bad-year", "years.csv", "4");
    assert_eq!(fields(e, &["column", "expected", "actual"]), ["year", "四位年份 2019–2024", "二〇二三"]);
    assert_eq!(f.len(), 1);
    good_is_stored(dir.path());
    assert_nothing_lost(&dir.path().join("out"));
}

/// Unix only: making a symlink on Windows needs a privilege (or developer mode) a test cannot count on.
#[cfg(unix)]
#[test]
fn a_symlink_loop_is_reported_not_fatal_and_the_rest_is_ingested() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/sub/good.csv"), GOOD);
    std::os::unix::fs::symlink("..", dir.path().join("in/sub/loop")).unwrap();
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let f = findings(&dir.path().join("out"));
    assert_eq!(f.len(), 1, "{f:#?}");
    let e = &f[0];
    assert_eq!(fields(e, &["rule", "file", "line"]), ["E001-unreadable-file", "sub/loop", ""]);
    assert!(e["message"].contains("symlink loop"), "{}", e["message"]);
    good_is_stored(dir.path());
    let s = assert_nothing_lost(&dir.path().join("out"));
    assert_eq!(s["files"].as_array().unwrap().len(), 1, "the loop is walked once");
}

/// Unix: chmod 000 (or a dangling symlink as root). The Windows counterpart is below.
#[cfg(unix)]
#[test]
fn an_unreadable_file_is_e001_and_the_rest_is_ingested() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/good.csv"), GOOD);
    // chmod 000 only bites without root; as root (as in CI containers) `read` still succeeds, so the
    // unreadable path is a dangling symlink there, which no user can read either.
    let locked = dir.path().join("in/locked.csv");
    write(&locked, GOOD.replace("653101", "653121"));
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    let root = std::fs::read(&locked).is_ok();
    if root {
        std::fs::remove_file(&locked).unwrap();
        std::os::unix::fs::symlink("no-such-target.csv", &locked).unwrap();
    }
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let f = findings(&dir.path().join("out"));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(fields(&f[0], &["rule", "file", "line"]), ["E001-unreadable-file", "locked.csv", ""]);
    let why = if root { "No such file or directory" } else { "Permission denied" };
    assert!(f[0]["message"].contains(why), "{}", f[0]["message"]);
    good_is_stored(dir.path());
    assert_nothing_lost(&dir.path().join("out"));
}

/// Windows: a file another program holds open without sharing (as Excel holds a workbook open) is
/// unreadable; it is E001 and the rest is ingested.
#[cfg(windows)]
#[test]
fn a_file_locked_by_another_program_is_e001_and_the_rest_is_ingested() {
    use std::os::windows::fs::OpenOptionsExt;
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/good.csv"), GOOD);
    let locked = dir.path().join("in/locked.csv");
    write(&locked, GOOD.replace("653101", "653121"));
    let _held = std::fs::OpenOptions::new().read(true).share_mode(0).open(&locked).unwrap();
    let o = ingest(dir.path());
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let f = findings(&dir.path().join("out"));
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(fields(&f[0], &["rule", "file", "line"]), ["E001-unreadable-file", "locked.csv", ""]);
    good_is_stored(dir.path());
    assert_nothing_lost(&dir.path().join("out"));
}

#[test]
fn a_folder_named_like_a_csv_file_is_walked_into_not_read() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/x.csv/good.csv"), GOOD);
    let o = ingest(dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    good_is_stored(dir.path());
    let s = assert_nothing_lost(&dir.path().join("out"));
    assert_eq!(file_summary(&s, "x.csv/good.csv")["rows_stored"], 2);
}

#[test]
fn a_directory_that_cannot_be_read_as_a_file_is_e001() {
    // The library path behind E001, for when no permission can be taken away (root): `parse_file`
    // on something that exists but cannot be read as a file.
    let dir = tempfile::tempdir().unwrap();
    let mut file = xxgk::model::InputFile::named("dir.csv");
    file.path = dir.path().to_path_buf();
    let parsed = xxgk::stages::ingest::parse::parse_file(
        &file,
        &xxgk::stages::ingest::parse::ParseOptions { max_year: 2024 },
    );
    assert_eq!(parsed.findings.len(), 1);
    let f = &parsed.findings[0];
    assert_eq!((f.rule.id(), f.file.as_str(), f.line), ("E001-unreadable-file", "dir.csv", None));
    assert!(
        // Windows refuses to open a folder as a file with "access denied" (os error 5).
        f.message.contains(if cfg!(windows) { "(os error 5)" } else { "Is a directory" })
            && f.message.contains(&dir.path().display().to_string()),
        "{}",
        f.message
    );
    assert_eq!((parsed.rows_read, parsed.rows_rejected()), (0, 0));
}

#[test]
fn three_thousand_one_row_files_are_all_stored_and_counted() {
    let dir = tempfile::tempdir().unwrap();
    let counties: Vec<String> = xxgk::reference::regions::regions()
        .iter()
        .filter(|r| r.level == xxgk::reference::regions::Level::County)
        .take(15)
        .map(|r| r.code_str())
        .collect();
    let ids = metric_ids();
    for (k, code) in counties.iter().enumerate() {
        let r = consistent_report(k as u64);
        for (i, id) in ids.iter().enumerate() {
            let text = format!("region_code,year,metric,value\n{code},2023,{id},{}\n", fmt(r[id]));
            write(&dir.path().join(format!("in/{code}/{i:03}.csv")), text);
        }
    }
    let o = ingest(dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(findings(&dir.path().join("out")).is_empty());
    let s = assert_nothing_lost(&dir.path().join("out"));
    assert_eq!(s["files"].as_array().unwrap().len(), 3000);
    assert_eq!(
        (s["rows_read"].as_u64(), s["rows_stored"].as_u64(), s["rows_rejected"].as_u64()),
        (Some(3000), Some(3000), Some(0))
    );
    assert_eq!((s["reports_stored"].as_u64(), s["cells_stored"].as_u64()), (Some(15), Some(3000)));
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2023"));
    assert_eq!(b.num_rows(), 15);
    let got = floats(&b, "licensing_decisions");
    let want: Vec<Option<f64>> = (0..15).map(|k| Some(consistent_report(k)["licensing.decisions"])).collect();
    assert_eq!(got, want);
    assert!(stdout(&o).contains("… 3000 files, none with a rejection, not listed"), "{}", stdout(&o));
}
