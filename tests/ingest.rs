//! End-to-end tests of `xxgk ingest` / `validate` / `template`: the binary on fixture folders, the
//! Parquet read back with the plain `parquet` crate, findings, rejected files and exit codes.

mod common;
use common::*;
use std::path::Path;

fn ingest(dir: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec!["ingest", "in", "--out", "out"];
    args.extend_from_slice(extra);
    xxgk(&args, dir)
}

#[test]
fn real_yuepuhu_2023_lands_in_parquet_with_its_published_numbers() {
    let dir = tempfile::tempdir().unwrap();
    let data = project_root().join("data");
    let out = dir.path().join("out");
    let o = xxgk(&["ingest", data.to_str().unwrap(), "--out", out.to_str().unwrap()], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let path = out.join("parquet/reports/year=2023/part-63.parquet");
    let b = read_parquet(&path);
    let i = row_of(&b, "653128", "岳普湖县人民政府");
    let get = |c: &str| floats(&b, c)[i];
    assert_eq!(get("licensing_decisions"), Some(34754.0));
    assert_eq!(get("penalty_decisions"), Some(5614.0));
    assert_eq!(get("coercion_decisions"), Some(5667.0));
    assert_eq!(get("fees_amount"), Some(519.0));
    assert_eq!(get("normative_docs_issued"), Some(1.0));
    assert_eq!(get("normative_docs_repealed"), Some(15.0));
    assert_eq!(get("normative_docs_in_force"), Some(22.0));
    assert_eq!(get("requests_received_total"), Some(0.0));
    assert_eq!(strings(&b, "region_name")[i].as_deref(), Some("岳普湖县"));
    assert_eq!(strings(&b, "prefecture_code")[i].as_deref(), Some("653100"));
    assert_eq!(strings(&b, "prefecture_name")[i].as_deref(), Some("喀什地区"));
    assert_eq!(strings(&b, "province_code")[i].as_deref(), Some("650000"));
    assert_eq!(strings(&b, "region_level")[i].as_deref(), Some("county"));
    // Counts are Int64, the fee Float64, each column labelled in Chinese with its unit.
    let schema = b.schema();
    let lic = schema.field_with_name("licensing_decisions").unwrap();
    assert_eq!(lic.data_type(), &arrow::datatypes::DataType::Int64);
    assert_eq!(lic.metadata()["xxgk.label_zh"], "第二十条第（五）项/行政许可｜本年处理决定数量");
    assert_eq!(schema.field_with_name("fees_amount").unwrap().metadata()["xxgk.unit"], "万元");
    let kv = kv_metadata(&path);
    assert_eq!(kv["xxgk.format_version"], "2019+2021");
    assert_eq!(strings(&b, "format")[i].as_deref(), Some("2021"), "told from the year and the ids");
    let input = std::fs::read(data.join("653100-喀什地区/653128-岳普湖县-2023.csv")).unwrap();
    let sha = format!("{:x}", <sha2::Sha256 as sha2::Digest>::digest(&input));
    assert!(kv["xxgk.inputs"].contains(&sha), "{}", kv["xxgk.inputs"]);

    let facts = read_parquet_dir(&out.join("parquet/facts/year=2023"));
    let regions = strings(&facts, "region_code");
    let mine: Vec<usize> =
        (0..facts.num_rows()).filter(|&i| regions[i].as_deref() == Some("653128")).collect();
    assert_eq!(mine.len(), 200);
    assert_eq!(facts.num_rows(), 12 * 200, "the 12 counties of 喀什地区 in data/");
    let facts = facts.slice(mine[0], 200);
    let metrics = strings(&facts, "metric");
    let values = floats(&facts, "value");
    let k = metrics.iter().position(|m| m.as_deref() == Some("penalty.decisions")).unwrap();
    assert_eq!(values[k], Some(5614.0));
    let k = metrics.iter().position(|m| m.as_deref() == Some("requests.carried_in.research")).unwrap();
    assert_eq!(strings(&facts, "item")[k].as_deref(), Some("requests.carried_in"));
    assert_eq!(strings(&facts, "applicant")[k].as_deref(), Some("research"));
    assert_eq!(strings(&facts, "applicant")[0], None);
    // The sample is consistent, and so is the synthetic demo around it, across years too.
    assert!(findings(&out).is_empty(), "{:?}", findings(&out));
}

#[test]
fn identical_input_gives_byte_identical_parquet() {
    let dir = tempfile::tempdir().unwrap();
    let r = consistent_report(3);
    write(
        &dir.path().join("in/a.csv"),
        long_csv(&[("653101", "喀什市", 2023, "", &r), ("653121", "", 2022, "", &r)]),
    );
    assert_eq!(code(&ingest(dir.path(), &[])), 0);
    let first = std::fs::read(dir.path().join("out/parquet/facts/year=2023/part-63.parquet")).unwrap();
    let first_r = std::fs::read(dir.path().join("out/parquet/reports/year=2022/part-63.parquet")).unwrap();
    assert_eq!(code(&ingest(dir.path(), &["-j", "1"])), 0);
    assert_eq!(first, std::fs::read(dir.path().join("out/parquet/facts/year=2023/part-63.parquet")).unwrap());
    assert_eq!(
        first_r,
        std::fs::read(dir.path().join("out/parquet/reports/year=2022/part-63.parquet")).unwrap()
    );
}

#[test]
fn gbk_wide_and_bom_long_halves_of_one_report_are_merged() {
    let dir = tempfile::tempdir().unwrap();
    let r = consistent_report(5);
    let ids = metric_ids();
    let (first, second) = ids.split_at(100);
    // Wide, GBK, CRLF: the first 100 cells, with a thousands separator and full-width digits.
    let mut wide = format!("region_code,region_name,year,body,{}\r\n", first.join(","));
    let cells: Vec<String> = first
        .iter()
        .map(|id| match id.as_str() {
            "licensing.decisions" => "\"1,234\"".to_string(),
            "penalty.decisions" => "２１５".to_string(),
            "regulations.issued" => "—".to_string(),
            "regulations.repealed" => "/".to_string(),
            _ => fmt(r[id]),
        })
        .collect();
    wide.push_str(&format!("653128,岳普湖县,2023,岳普湖县人民政府,{}\r\n", cells.join(",")));
    write(&dir.path().join("in/gbk/wide.csv"), gbk(&wide));
    // Long, UTF-8 with BOM: the other 100 cells.
    let mut long = String::from("\u{FEFF}region_code,year,body,metric,label,value\n");
    for id in second {
        long.push_str(&format!("653128,2023,岳普湖县人民政府,{id},标签,{}\n", fmt(r[id])));
    }
    write(&dir.path().join("in/utf8/long.csv"), long);
    let o = ingest(dir.path(), &[]);
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2023"));
    assert_eq!(b.num_rows(), 1);
    assert_eq!(floats(&b, "licensing_decisions")[0], Some(1234.0));
    assert_eq!(floats(&b, "penalty_decisions")[0], Some(215.0));
    // Not reported stays null, never 0.
    assert_eq!(floats(&b, "regulations_issued")[0], None);
    assert_eq!(floats(&b, "regulations_repealed")[0], None);
    assert_eq!(floats(&b, "regulations_in_force")[0], Some(0.0));
    assert_eq!(floats(&b, "review_total")[0], Some(2.0));
    assert_eq!(floats(&b, "fees_amount")[0], Some(17.5));
    assert_eq!(
        strings(&b, "source_files")[0]
            .as_deref()
            .map(|s| s.contains("gbk/wide.csv") && s.contains("utf8/long.csv")),
        Some(true),
        "{:?}",
        strings(&b, "source_files")
    );
    let s = stdout(&o);
    assert!(s.contains("GBK/GB18030") && s.contains("UTF-8 (BOM)"), "{s}");
    let facts = read_parquet_dir(&dir.path().join("out/parquet/facts/year=2023"));
    assert_eq!(facts.num_rows(), 200, "every given cell is a fact, nulls included");
}

#[test]
fn bad_rows_are_rejected_located_and_kept_the_rest_is_stored() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("region_code,region_name,year,body,metric,value\n");
    text.push_str("653128,岳普湖县,2023,,licensing.decisions,100\n"); // line 2 ok
    text.push_str("65312,岳普湖县,2023,,penalty.decisions,5\n"); // 3 malformed code
    text.push_str("653199,,2023,,penalty.decisions,5\n"); // 4 unknown region
    text.push_str("653128,伽师县,2023,,penalty.decisions,5\n"); // 5 name mismatch
    text.push_str("653128,,2018,,penalty.decisions,5\n"); // 6 year out of range
    text.push_str("653128,,2023,,penalty.decision,5\n"); // 7 unknown metric
    text.push_str("653128,,2023,,penalty.decisions,五\n"); // 8 not a number
    text.push_str("653128,,2023,,coercion.decisions,-4\n"); // 9 negative
    text.push_str("653128,,2023,,coercion.decisions,12.5\n"); // 10 non-integer count
    text.push_str("653128,,2023,,fees.amount,12.35\n"); // 11 ok: fees may be decimal
    text.push_str("653128,,2023,,review.total,3\n"); // 12 conflicts with 13
    text.push_str("653128,,2023,,review.total,4\n"); // 13
    text.push_str("653128,,2023,,review.upheld,3\n"); // 14 ok
    text.push_str("653128,,2023,,review.upheld,3\n"); // 15 identical duplicate: kept once
    write(&dir.path().join("in/sub/county.csv"), &text);
    write(&dir.path().join("in/nometric.csv"), "region_code,year,value\n653128,2023,1\n653101,2023,2\n");
    let o = ingest(dir.path(), &[]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));

    let f = findings(&dir.path().join("out"));
    let at = |rule: &str, line: &str| {
        f.iter()
            .find(|r| r["rule"] == rule && r["line"] == line)
            .unwrap_or_else(|| panic!("no {rule} at line {line}: {f:#?}"))
    };
    assert_eq!(at("E020-malformed-region-code", "3")["column"], "region_code");
    assert_eq!(at("E021-unknown-region", "4")["actual"], "653199");
    let m = at("E022-region-name-mismatch", "5");
    assert_eq!(
        (m["expected"].as_str(), m["actual"].as_str(), m["column"].as_str()),
        ("岳普湖县", "伽师县", "region_name")
    );
    assert_eq!(at("E031-year-out-of-range", "6")["column"], "year");
    assert_eq!(at("E040-unknown-metric", "7")["actual"], "penalty.decision");
    let nan = at("E050-not-a-number", "8");
    assert_eq!(
        (nan["column"].as_str(), nan["actual"].as_str(), nan["metric"].as_str()),
        ("value", "五", "penalty.decisions")
    );
    assert!(nan["message"].contains("行政处罚"), "{}", nan["message"]);
    assert_eq!(at("E051-negative-value", "9")["actual"], "-4");
    assert_eq!(at("E052-non-integer-count", "10")["actual"], "12.5");
    assert_eq!(at("E060-conflicting-cell", "12")["actual"], "3 / 4");
    assert_eq!(at("E060-conflicting-cell", "13")["file"], "sub/county.csv");
    assert_eq!(at("I061-duplicate-cell", "15")["severity"], "info");
    let missing = f.iter().find(|r| r["rule"] == "E004-missing-column").unwrap();
    assert_eq!(missing["file"], "nometric.csv");
    assert!(missing["message"].contains("metric"), "{}", missing["message"]);

    // The good rows are stored.
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2023"));
    assert_eq!(b.num_rows(), 1);
    assert_eq!(floats(&b, "licensing_decisions")[0], Some(100.0));
    assert_eq!(floats(&b, "fees_amount")[0], Some(12.35));
    assert_eq!(floats(&b, "review_upheld")[0], Some(3.0));
    assert_eq!(floats(&b, "review_total")[0], None, "both conflicting values are rejected");
    assert_eq!(floats(&b, "penalty_decisions")[0], None);

    // Every rejected row is written back with its original columns and the reason.
    let rej = std::fs::read_to_string(dir.path().join("out/rejected/sub/county.csv")).unwrap();
    let mut rdr = csv::Reader::from_reader(rej.trim_start_matches('\u{FEFF}').as_bytes());
    assert_eq!(
        rdr.headers().unwrap().iter().collect::<Vec<_>>(),
        ["region_code", "region_name", "year", "body", "metric", "value", "error"]
    );
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 10);
    assert_eq!(&rows[0][0], "65312");
    assert!(rows[0][6].contains("E020"), "{:?}", rows[0]);
    assert_eq!(&rows[7][5], "12.5");
    let rej2 = std::fs::read_to_string(dir.path().join("out/rejected/nometric.csv")).unwrap();
    assert_eq!(rej2.lines().count(), 3, "{rej2}");

    // rows read = rows stored + rows rejected, per file and in total.
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/validation/summary.json")).unwrap(),
    )
    .unwrap();
    let files = summary["files"].as_array().unwrap();
    let county = files.iter().find(|f| f["file"] == "sub/county.csv").unwrap();
    assert_eq!(
        (county["rows_read"].as_u64(), county["rows_stored"].as_u64(), county["rows_rejected"].as_u64()),
        (Some(14), Some(4), Some(10))
    );
    let nom = files.iter().find(|f| f["file"] == "nometric.csv").unwrap();
    assert_eq!((nom["rows_read"].as_u64(), nom["rows_rejected"].as_u64()), (Some(2), Some(2)));
    assert_eq!(summary["rows_read"].as_u64(), Some(16));
    assert_eq!(summary["rows_stored"].as_u64().unwrap() + summary["rows_rejected"].as_u64().unwrap(), 16);
    assert!(stdout(&o).contains("rows read = rows stored + rows rejected"));
}

/// Excel and WPS on Windows save CSV with CRLF, and hand-edited files gain blank lines: every
/// finding, and every stored cell's `source_line`, names the line the row is on in an editor.
/// (The `csv` crate's own line numbers are one short per CRLF and per blank line: rust-csv #395.)
#[test]
fn findings_and_facts_name_the_lines_of_a_crlf_file_with_blank_lines() {
    let dir = tempfile::tempdir().unwrap();
    let rows = [
        "region_code,region_name,year,body,metric,value", // line 1
        "653128,岳普湖县,2023,,licensing.decisions,100",  // 2
        "",                                               // 3 blank
        "653128,岳普湖县,2023,,penalty.decisions,五",     // 4 not a number
        "",                                               // 5 blank
        "",                                               // 6 blank
        "653128,岳普湖县,2023,,coercion.decisions,7",     // 7
        "653128,岳普湖县,2023,,fees.amount,-1",           // 8 negative
    ];
    write(&dir.path().join("in/plain.csv"), format!("{}\r\n", rows.join("\r\n")));
    // The same with a quoted field, which the `csv` reader reads (not the plain split).
    // Another county, so that the two files are two reports.
    let quoted: Vec<String> =
        rows.iter().map(|r| r.replace("653128,岳普湖县,", "653101,\"喀什市\",")).collect();
    write(&dir.path().join("in/quoted.csv"), format!("{}\r\n", quoted.join("\r\n")));
    let o = ingest(dir.path(), &[]);
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let f = findings(&dir.path().join("out"));
    for file in ["plain.csv", "quoted.csv"] {
        let line_of = |rule: &str| {
            f.iter()
                .find(|r| r["rule"] == rule && r["file"] == file)
                .unwrap_or_else(|| panic!("no {rule} in {file}: {f:#?}"))["line"]
                .clone()
        };
        assert_eq!(line_of("E050-not-a-number"), "4", "{file}");
        assert_eq!(line_of("E051-negative-value"), "8", "{file}");
    }
    // The stored cells say where they came from.
    let facts = read_parquet_dir(&dir.path().join("out/parquet/facts/year=2023"));
    let lines: std::collections::BTreeMap<(String, String), i64> = strings(&facts, "source_file")
        .into_iter()
        .zip(strings(&facts, "metric"))
        .zip(floats(&facts, "source_line"))
        .map(|((file, metric), line)| {
            ((file.unwrap_or_default(), metric.unwrap_or_default()), line.unwrap_or(0.0) as i64)
        })
        .collect();
    for file in ["plain.csv", "quoted.csv"] {
        assert_eq!(lines.get(&(file.to_string(), "licensing.decisions".to_string())), Some(&2), "{lines:?}");
        assert_eq!(lines.get(&(file.to_string(), "coercion.decisions".to_string())), Some(&7), "{lines:?}");
    }
}

#[test]
fn a_fixed_rejected_file_can_be_fed_back() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/a.csv"), "region_code,year,metric,value\n653128,2023,penalty.decisions,x5\n");
    assert_eq!(code(&ingest(dir.path(), &[])), 1);
    let rej = std::fs::read_to_string(dir.path().join("out/rejected/a.csv")).unwrap();
    let fixed = rej.replace("x5", "5");
    std::fs::remove_file(dir.path().join("in/a.csv")).unwrap();
    write(&dir.path().join("in/a.csv"), fixed);
    let o = ingest(dir.path(), &[]);
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2023"));
    assert_eq!(floats(&b, "penalty_decisions")[0], Some(5.0));
    assert!(findings(&dir.path().join("out")).is_empty(), "the error column is not reported as unknown");
}

fn broken_report() -> std::collections::BTreeMap<String, f64> {
    let mut r = consistent_report(2);
    // R1 on 自然人 (and R3 on row 四), R4 on 复议.
    *r.get_mut("requests.carried_forward.natural_person").unwrap() += 1.0;
    *r.get_mut("review.total").unwrap() += 1.0;
    r
}

#[test]
fn consistency_rules_warn_by_default_and_reject_with_strict() {
    let dir = tempfile::tempdir().unwrap();
    let good = consistent_report(1);
    let bad = broken_report();
    write(
        &dir.path().join("in/w.csv"),
        wide_csv(&[("653101", "喀什市", 2023, "", &good), ("653121", "疏附县", 2023, "", &bad)]),
    );
    let o = ingest(dir.path(), &[]);
    assert_eq!(code(&o), 0, "warnings only: {}", stdout(&o));
    let f = findings(&dir.path().join("out"));
    let rules: Vec<&str> = f.iter().map(|r| r["rule"].as_str()).collect();
    // Sorted by file, line, then column.
    assert_eq!(rules, ["R3-row-total", "R1-request-balance", "R4-appeal-total"], "{f:#?}");
    assert!(f.iter().all(|r| r["severity"] == "warning" && r["line"] == "3" && r["region_code"] == "653121"));
    assert_eq!(f[0]["metric"], "requests.carried_forward.total");
    assert_eq!(f[1]["metric"], "requests.closed_total.natural_person");
    assert_eq!(f[1]["column"], "requests.closed_total.natural_person");
    assert_eq!((f[1]["expected"].as_str(), f[1]["actual"].as_str()), ("12", "13"));
    assert!(f[1]["message"].contains("自然人"), "{}", f[1]["message"]);
    assert_eq!(f[2]["metric"], "review.total");
    assert_eq!((f[2]["expected"].as_str(), f[2]["actual"].as_str()), ("2", "3"));
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2023"));
    assert_eq!(b.num_rows(), 2);

    let o = ingest(dir.path(), &["--strict"]);
    assert_eq!(code(&o), 1);
    let f = findings(&dir.path().join("out"));
    assert!(f.iter().all(|r| r["severity"] == "error"));
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2023"));
    assert_eq!(strings(&b, "region_code"), [Some("653101".to_string())]);
    let rej = std::fs::read_to_string(dir.path().join("out/rejected/w.csv")).unwrap();
    assert_eq!(rej.lines().count(), 2);
    assert!(rej.contains("653121") && rej.contains("R1-request-balance") && rej.contains("--strict"));
}

#[test]
fn across_years_carry_over_and_documents_in_force_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    let y2022 = consistent_report(4);
    let mut y2023 = consistent_report(4);
    // This year's 上年结转 = last year's 结转下年度, and the year itself stays consistent, except that
    // 科研机构 carries one request in that last year never carried forward.
    for a in APPLICANTS.iter().chain(["total"].iter()) {
        let want = y2022[&format!("requests.carried_forward.{a}")];
        let delta = want - y2023[&format!("requests.carried_in.{a}")]
            + if *a == "research" || *a == "total" { 1.0 } else { 0.0 };
        for row in ["carried_in", "disclosed", "closed_total"] {
            *y2023.get_mut(&format!("requests.{row}.{a}")).unwrap() += delta;
        }
    }
    // in force: 24 (2022) + 2 issued − 1 repealed = 25, but 2023 says 24.
    write(
        &dir.path().join("in/a.csv"),
        long_csv(&[("653128", "", 2022, "县政府", &y2022), ("653128", "", 2023, "县政府", &y2023)]),
    );
    let o = ingest(dir.path(), &[]);
    assert_eq!(code(&o), 0);
    let f = findings(&dir.path().join("out"));
    let rules: Vec<(&str, &str)> = f.iter().map(|r| (r["rule"].as_str(), r["metric"].as_str())).collect();
    assert!(rules.contains(&("R5a-carry-over-across-years", "requests.carried_in.research")), "{rules:?}");
    assert!(rules.contains(&("R5a-carry-over-across-years", "requests.carried_in.total")), "{rules:?}");
    assert!(rules.contains(&("R5b-in-force-across-years", "normative_docs.in_force")), "{rules:?}");
    let inf = f.iter().find(|r| r["rule"] == "R5b-in-force-across-years").unwrap();
    assert_eq!(
        (inf["expected"].as_str(), inf["actual"].as_str(), inf["year"].as_str()),
        ("25", "24", "2023")
    );
    assert_eq!(f.len(), 3, "{f:#?}");
}

#[test]
fn a_rerun_leaves_no_stale_partitions() {
    let dir = tempfile::tempdir().unwrap();
    let r = consistent_report(1);
    write(
        &dir.path().join("in/a.csv"),
        long_csv(&[("653128", "", 2022, "", &r), ("653128", "", 2023, "", &r)]),
    );
    assert_eq!(code(&ingest(dir.path(), &[])), 0);
    assert!(dir.path().join("out/parquet/facts/year=2022/part-63.parquet").exists());
    write(&dir.path().join("in/a.csv"), long_csv(&[("653128", "", 2023, "", &r)]));
    assert_eq!(code(&ingest(dir.path(), &[])), 0);
    assert!(!dir.path().join("out/parquet/facts/year=2022").exists());
    assert!(!dir.path().join("out/parquet/reports/year=2022").exists());
    let names: Vec<String> = std::fs::read_dir(dir.path().join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(names.iter().all(|n| !n.starts_with(".xxgk-staging")), "{names:?}");
}

#[test]
fn a_held_lock_fails_fast_with_exit_2_and_leaves_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let r = consistent_report(1);
    write(&dir.path().join("in/a.csv"), long_csv(&[("653128", "", 2023, "", &r)]));
    assert_eq!(code(&ingest(dir.path(), &[])), 0);
    let before = std::fs::read(dir.path().join("out/parquet/facts/year=2023/part-63.parquet")).unwrap();
    let _held = xxgk::store::atomic::lock(&dir.path().join("out")).unwrap();
    let o = ingest(dir.path(), &[]);
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("another xxgk is writing"), "{}", stderr(&o));
    assert_eq!(
        before,
        std::fs::read(dir.path().join("out/parquet/facts/year=2023/part-63.parquet")).unwrap()
    );
}

#[test]
fn validate_prints_findings_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("in/a.csv"), "region_code,year,metric,value\n653128,2023,penalty.decisions,-1\n");
    let o = xxgk(&["validate", "in"], dir.path());
    assert_eq!(code(&o), 1);
    let s = stdout(&o);
    assert!(s.contains("E051-negative-value") && s.contains("a.csv:2"), "{s}");
    assert!(!dir.path().join("outputs").exists());
    let o = xxgk(&["validate", "no/such/folder"], dir.path());
    assert_eq!(code(&o), 2);
    assert!(stderr(&o).contains("no/such/folder"), "{}", stderr(&o));
}

#[test]
fn template_lists_every_metric_and_round_trips_once_filled() {
    let dir = tempfile::tempdir().unwrap();
    let o =
        xxgk(&["template", "--region", "653128", "--year", "2024", "--body", "岳普湖县人民政府"], dir.path());
    assert_eq!(code(&o), 0);
    let text = stdout(&o);
    let mut rdr = csv::Reader::from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(rows.len(), 200);
    assert!(rows.iter().all(|r| &r[4] == "2021"), "the format column says which table");
    assert_eq!(&rows[9][5], "fees.amount");
    assert!(rows[9][6].contains("行政事业性收费"));
    assert!(rows.iter().all(|r| r[8].is_empty()));
    // An unfilled template is 200 "not reported" cells: stored as nulls, nothing rejected.
    write(&dir.path().join("in/t.csv"), &text);
    assert_eq!(code(&ingest(dir.path(), &[])), 0);
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2024"));
    assert_eq!(floats(&b, "licensing_decisions")[0], None);
    assert_eq!(code(&xxgk(&["template", "--region", "12345", "--year", "2024"], dir.path())), 2);
}

#[test]
fn metrics_prints_the_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let o = xxgk(&["metrics", "--csv"], dir.path());
    assert_eq!(code(&o), 0);
    assert_eq!(stdout(&o).lines().count(), 201);
    assert!(stdout(&o).contains("fees.amount,fees_amount,amount,万元"));
}
