//! The 2019 format (国办公开办函〔2019〕60号) end to end: one county's 2019 and 2020 reports on the
//! 2019 table, its 2021 report on the 2021 table and its 2022 report still on the 2019 table, run
//! through `xxgk run` and read back from the Parquet it writes; the format column and its errors;
//! the 2019 catalog and template.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::Path;

const APPS: [&str; 6] =
    ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org"];

/// A consistent request matrix: per applicant received r, carried in c, carried forward f, and
/// `other` cases in （六）; the rest disclosed. `other_rows` are the （六） row ids the format has:
/// `["requests.other_total"]` in 2019, the three sub-rows in 2021 (the cases go to the first).
fn requests(
    v: &mut BTreeMap<String, f64>,
    r: [f64; 6],
    c: [f64; 6],
    f: [f64; 6],
    other: [f64; 6],
    other_rows: &[&str],
) {
    let mut put = |row: &str, a: &str, x: f64| {
        v.insert(format!("{row}.{a}"), x);
        *v.entry(format!("{row}.total")).or_insert(0.0) += x;
    };
    for (i, a) in APPS.iter().enumerate() {
        put("requests.received", a, r[i]);
        put("requests.carried_in", a, c[i]);
        put("requests.carried_forward", a, f[i]);
        put("requests.disclosed", a, r[i] + c[i] - f[i] - other[i]);
        put(other_rows[0], a, other[i]);
        for row in &other_rows[1..] {
            put(row, a, 0.0);
        }
        put("requests.closed_total", a, r[i] + c[i] - f[i]);
    }
}

fn zeros(ids: Vec<String>) -> BTreeMap<String, f64> {
    ids.into_iter().map(|id| (id, 0.0)).collect()
}

fn report_2019(licensing: f64, r: [f64; 6], c: [f64; 6], f: [f64; 6]) -> BTreeMap<String, f64> {
    let mut v = zeros(metric_ids_2019());
    v.insert("licensing.items_prev_year".into(), 120.0);
    v.insert("licensing.items_change".into(), -8.0);
    v.insert("licensing.decisions".into(), licensing);
    v.insert("fees.items_prev_year".into(), 31.0);
    v.insert("fees.items_change".into(), -3.0);
    v.insert("normative_docs.made".into(), 6.0);
    v.insert("procurement.amount".into(), 621007.6);
    requests(&mut v, r, c, f, [1.0, 0.0, 0.0, 0.0, 0.0, 1.0], &["requests.other_total"]);
    v
}

fn report_2021(licensing: f64, r: [f64; 6], c: [f64; 6], f: [f64; 6]) -> BTreeMap<String, f64> {
    let mut v = zeros(metric_ids());
    v.insert("licensing.decisions".into(), licensing);
    v.insert("fees.amount".into(), 519.0);
    v.insert("normative_docs.issued".into(), 4.0);
    v.insert("normative_docs.in_force".into(), 30.0);
    let sub = ["requests.other.overdue_correction", "requests.other.unpaid_fee", "requests.other.other"];
    requests(&mut v, r, c, f, [2.0, 1.0, 0.0, 0.0, 0.0, 0.0], &sub);
    // One more case in the third sub-row, so the harmonized （六） is a sum of two sub-rows.
    for a in ["natural_person", "total"] {
        *v.get_mut(&format!("requests.disclosed.{a}")).unwrap() -= 1.0;
        *v.get_mut(&format!("requests.other.other.{a}")).unwrap() += 1.0;
    }
    v
}

/// `region_code,year,body,format,<ids>`: one wide row per report with an explicit format.
fn wide_with_format(code: &str, year: i32, format: &str, v: &BTreeMap<String, f64>) -> String {
    let ids: Vec<&String> = v.keys().collect();
    let head = ids.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(",");
    let row = ids.iter().map(|id| fmt(v[*id])).collect::<Vec<_>>().join(",");
    format!("region_code,year,body,format,{head}\n{code},{year},县政府,{format},{row}\n")
}

/// (year, metric) → (value, yoy_change) of one region's rows at one rollup level.
fn rollup_of(out: &Path, level: &str, code: &str) -> BTreeMap<(i32, String), (Option<f64>, Option<f64>)> {
    let b = read_parquet_dir(&out.join(format!("parquet/rollup/level={level}")));
    let (codes, years, metrics) = (strings(&b, "region_code"), floats(&b, "year"), strings(&b, "metric"));
    let (values, yoy) = (floats(&b, "value"), floats(&b, "yoy_change"));
    (0..b.num_rows())
        .filter(|&i| codes[i].as_deref() == Some(code))
        .map(|i| ((years[i].unwrap() as i32, metrics[i].clone().unwrap()), (values[i], yoy[i])))
        .collect()
}

const R19: [f64; 6] = [10.0, 2.0, 0.0, 0.0, 1.0, 1.0];
const R20: [f64; 6] = [14.0, 3.0, 1.0, 0.0, 0.0, 1.0];
const R21: [f64; 6] = [18.0, 4.0, 0.0, 1.0, 0.0, 2.0];
const R22: [f64; 6] = [21.0, 2.0, 0.0, 0.0, 1.0, 2.0];
const NONE: [f64; 6] = [0.0; 6];
const F19: [f64; 6] = [1.0, 0.0, 0.0, 0.0, 0.0, 0.0];
const F20: [f64; 6] = [2.0, 1.0, 0.0, 0.0, 0.0, 0.0];
const F21: [f64; 6] = [0.0, 1.0, 0.0, 0.0, 0.0, 0.0];

/// 岳普湖县 2019–2022: 2019 long layout (format told from its ids), 2020 wide with `format=2019`,
/// 2021 on the 2021 table, 2022 on the 2019 table again. Carried-over cases agree across years.
fn county_series(dir: &Path) {
    let y19 = report_2019(9000.0, R19, NONE, F19);
    let y20 = report_2019(9500.0, R20, F19, F20);
    let y21 = report_2021(10100.0, R21, F20, F21);
    let y22 = report_2019(10400.0, R22, F21, NONE);
    write(&dir.join("in/2019.csv"), long_csv(&[("653128", "岳普湖县", 2019, "县政府", &y19)]));
    write(&dir.join("in/2020.csv"), wide_with_format("653128", 2020, "2019", &y20));
    write(&dir.join("in/2021.csv"), long_csv(&[("653128", "岳普湖县", 2021, "县政府", &y21)]));
    write(&dir.join("in/2022.csv"), long_csv(&[("653128", "岳普湖县", 2022, "县政府", &y22)]));
}

#[test]
fn trends_run_from_2019_across_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    county_series(dir.path());
    let o = xxgk(&["run", "in", "--out", "out", "--no-charts"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");
    // Consistent inside each report and across years, the 2020→2021 carry-over included.
    assert!(findings(&out).is_empty(), "{:#?}", findings(&out));
    let s = assert_nothing_lost(&out);
    assert_eq!(s["reports_by_format"], serde_json::json!({"2019": 3, "2021": 1}));
    assert!(stdout(&o).contains("reports: 3 on the 2019 format, 1 on the 2021 format"), "{}", stdout(&o));

    // The format of each report is stored.
    for (year, format) in [(2019, "2019"), (2020, "2019"), (2021, "2021"), (2022, "2019")] {
        let b = read_parquet_dir(&out.join(format!("parquet/reports/year={year}")));
        assert_eq!(strings(&b, "format"), vec![Some(format.to_string())], "{year}");
        let facts = read_parquet_dir(&out.join(format!("parquet/facts/year={year}")));
        assert!(strings(&facts, "format").iter().all(|f| f.as_deref() == Some(format)), "{year}");
        let n = if format == "2019" { 198 } else { 200 };
        assert_eq!(facts.num_rows(), n, "{year}: every cell of its own table, nothing else");
    }
    // The 2022 report on the 2019 table is read as one: its own cells, signed, and no fee amount.
    let b = read_parquet_dir(&out.join("parquet/reports/year=2022"));
    assert_eq!(floats(&b, "licensing_items_change"), vec![Some(-8.0)]);
    assert_eq!(floats(&b, "licensing_decisions"), vec![Some(10400.0)]);
    assert_eq!(floats(&b, "requests_other_total_total"), vec![Some(2.0)]);
    assert_eq!(floats(&b, "fees_amount"), vec![None]);
    assert_eq!(floats(&b, "requests_other_unpaid_fee_total"), vec![None]);
    assert_eq!(floats(&b, "procurement_amount"), vec![Some(621007.6)]);

    let county = rollup_of(&out, "county", "653128");
    let get = |year: i32, m: &str| county.get(&(year, m.to_string())).copied();
    // 行政许可 runs across all four years, with a year-over-year change at the 2020→2021 boundary.
    for (year, v) in [(2019, 9000.0), (2020, 9500.0), (2021, 10100.0), (2022, 10400.0)] {
        assert_eq!(get(year, "licensing.decisions").map(|p| p.0), Some(Some(v)), "{year}");
    }
    assert_eq!(get(2021, "licensing.decisions").unwrap().1, Some(600.0));
    assert_eq!(get(2022, "licensing.decisions").unwrap().1, Some(300.0));
    // Requests run across too: 本年新收 total, and （六） as requests.other_total in both formats
    // (2021: the sum of its three sub-rows, 2 + 1 in the first and 1 in the third).
    let total = |r: [f64; 6]| r.iter().sum::<f64>();
    for (year, r) in [(2019, R19), (2020, R20), (2021, R21), (2022, R22)] {
        assert_eq!(get(year, "requests.received.total").unwrap().0, Some(total(r)), "{year}");
    }
    assert_eq!(get(2020, "requests.other_total.total").unwrap().0, Some(2.0));
    assert_eq!(get(2021, "requests.other_total.total").unwrap().0, Some(4.0));
    assert_eq!(get(2021, "requests.other_total.natural_person").unwrap().0, Some(3.0));
    assert_eq!(get(2021, "requests.other_total.total").unwrap().1, Some(2.0));
    assert!(get(2020, "requests.disclosure_rate").unwrap().0.is_some());
    // The fee amount is not comparable: no value before 2021, nor in 2022 on the old table, rather
    // than a count of fee items passed off as money.
    assert_eq!(get(2021, "fees.amount").map(|p| p.0), Some(Some(519.0)));
    for year in [2019, 2020, 2022] {
        assert_eq!(get(year, "fees.amount"), None, "{year}");
    }
    assert_eq!(get(2021, "fees.amount").unwrap().1, None, "no yoy against a year without the fee");
    // The 2019 item counts are their own metrics, never joined to the 2021 amount.
    assert_eq!(get(2020, "fees.items_prev_year").unwrap().0, Some(31.0));
    assert_eq!(get(2021, "fees.items_prev_year"), None);
    assert_eq!(get(2020, "licensing.items_change").unwrap().0, Some(-8.0));
    // 规范性文件: 2019 本年新制作数量 counts as 本年制发件数 in the harmonized metric.
    assert_eq!(get(2020, "normative_docs.issued").unwrap().0, Some(6.0));
    assert_eq!(get(2021, "normative_docs.issued").unwrap().0, Some(4.0));
    assert_eq!(get(2020, "normative_docs.in_force"), None, "对外公开总数量 is not 现行有效件数");
    // 采购总金额 states no unit: not summed.
    assert_eq!(get(2020, "procurement.amount"), None);

    // The wide rollup: one row a year, the fee column null where it is not comparable.
    let w = read_parquet_dir(&out.join("parquet/rollup_wide/level=prefecture"));
    let years: Vec<i32> = floats(&w, "year").iter().map(|y| y.unwrap() as i32).collect();
    assert_eq!(years, vec![2019, 2020, 2021, 2022]);
    assert_eq!(floats(&w, "fees_amount"), vec![None, None, Some(519.0), None]);
    assert_eq!(
        floats(&w, "licensing_decisions"),
        vec![Some(9000.0), Some(9500.0), Some(10100.0), Some(10400.0)]
    );

    // What the trend charts read: comparable lines from 2019, the fee line from 2021 only.
    let charts = xxgk::charts::data::ChartData::read(&out.join("parquet/rollup")).unwrap();
    let county = charts.get(653128).unwrap();
    assert_eq!(county.years("licensing.decisions"), vec![2019, 2020, 2021, 2022]);
    assert_eq!(county.years("requests.received.total"), vec![2019, 2020, 2021, 2022]);
    assert_eq!(county.years("requests.other_total.total"), vec![2019, 2020, 2021, 2022]);
    assert_eq!(county.years("requests.disclosure_rate"), vec![2019, 2020, 2021, 2022]);
    assert_eq!(county.years("fees.amount"), vec![2021]);
}

#[test]
fn carry_over_is_checked_across_the_2020_to_2021_boundary() {
    let dir = tempfile::tempdir().unwrap();
    county_series(dir.path());
    // 2021 says it carried in 1 case from a natural person; the 2020 report carried 2 forward.
    let y21 = report_2021(10100.0, [19.0, 4.0, 0.0, 1.0, 0.0, 2.0], [1.0, 1.0, 0.0, 0.0, 0.0, 0.0], F21);
    write(&dir.path().join("in/2021.csv"), long_csv(&[("653128", "岳普湖县", 2021, "县政府", &y21)]));
    let o = xxgk(&["run", "in", "--out", "out", "--no-charts"], dir.path());
    assert_eq!(code(&o), 0, "warnings only: {}{}", stdout(&o), stderr(&o));
    let f = findings(&dir.path().join("out"));
    let r5: Vec<_> = f.iter().filter(|f| f["rule"] == "R5a-carry-over-across-years").collect();
    assert_eq!(r5.len(), 2, "the natural-person column and its 总计: {f:#?}");
    let np = r5.iter().find(|f| f["metric"] == "requests.carried_in.natural_person").unwrap();
    assert_eq!(np["file"], "2021.csv");
    assert_eq!((np["expected"].as_str(), np["actual"].as_str(), np["year"].as_str()), ("2", "1", "2021"));
    assert!(np["message"].contains("2020 年报告的 四、结转下年度继续办理"), "{}", np["message"]);
    assert!(np["line"].parse::<u64>().unwrap() > 1 && np["column"] == "value");
}

#[test]
fn format_errors_name_the_offending_ids() {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::from("region_code,year,body,format,metric,value\n");
    // 伽师县 2020: 2019 and 2021 ids in one report, no format column value.
    text.push_str("653129,2020,,,licensing.decisions,5\n"); // 2: shared
    text.push_str("653129,2020,,,licensing.items_change,-2\n"); // 3: 2019 only
    text.push_str("653129,2020,,,fees.items_change,-1\n"); // 4: 2019 only
    text.push_str("653129,2020,,,fees.amount,12.5\n"); // 5: 2021 only
                                                       // 英吉沙县 2023 declared 2021 but gives a 2019 cell.
    text.push_str("653123,2023,,2021,licensing.decisions,7\n"); // 6
    text.push_str("653123,2023,,2021,procurement.projects,3\n"); // 7
                                                                 // 莎车县: a format that does not exist.
    text.push_str("653125,2023,,2020,licensing.decisions,7\n"); // 8
                                                                // 泽普县 2020 on the 2021 table: told from its ids, and before that table existed.
    text.push_str("653124,2020,,,fees.amount,3\n"); // 9
                                                    // 叶城县 2020 with only shared ids: read as 2019 from the year, accepted; a negative count is not.
    text.push_str("653126,2020,,,licensing.decisions,9\n"); // 10
    text.push_str("653126,2020,,,penalty.decisions,-1\n"); // 11
                                                           // 麦盖提县 2023 on the 2019 table, declared: accepted, 本年增/减 negative.
    text.push_str("653127,2023,,2019,licensing.items_change,减少3\n"); // 12
    write(&dir.path().join("in/f.csv"), &text);
    let o = xxgk(&["ingest", "in", "--out", "out"], dir.path());
    assert_eq!(code(&o), 1, "{}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");
    let f = findings(&out);
    let at = |rule: &str, line: &str| {
        f.iter()
            .find(|r| r["rule"] == rule && r["line"] == line)
            .unwrap_or_else(|| panic!("no {rule} at line {line}: {f:#?}"))
    };
    // Mixed ids: the minority (one 2021-only id) is pointed at; both lists are named.
    let m = at("E041-mixed-format", "5");
    assert_eq!(
        (m["file"].as_str(), m["column"].as_str(), m["metric"].as_str()),
        ("f.csv", "value", "fees.amount")
    );
    assert_eq!(m["actual"], "2019：licensing.items_change, fees.items_change；2021：fees.amount");
    assert!(
        m["message"].contains("混用两种格式") && m["message"].contains("fees.items_change"),
        "{}",
        m["message"]
    );
    // The cell pointed at is named with its Chinese label.
    assert!(
        m["message"].contains("fees.amount（第二十条第（八）项/行政事业性收费｜本年收费金额"),
        "{}",
        m["message"]
    );
    // Declared 2021, given a 2019 cell.
    let m = at("E041-mixed-format", "7");
    assert_eq!(m["metric"], "procurement.projects");
    assert!(m["message"].contains("format 列写的是 2021") && m["message"].contains("procurement.projects"));
    let m = at("E032-bad-format", "8");
    assert_eq!((m["column"].as_str(), m["actual"].as_str()), ("format", "2020"));
    let m = at("E033-format-before-its-years", "9");
    assert_eq!((m["metric"].as_str(), m["year"].as_str()), ("fees.amount", "2020"));
    assert!(
        m["message"].contains("2021 年格式") && m["message"].contains("行政事业性收费"),
        "{}",
        m["message"]
    );
    let m = at("E051-negative-value", "11");
    assert_eq!(m["metric"], "penalty.decisions");
    assert_eq!(f.len(), 5, "{f:#?}");

    // Rejected whole: every row of the mixed and misdated reports is in rejected/ with its reason.
    let rejected = rejected_rows(&out.join("rejected/f.csv"));
    let lines: Vec<&str> = rejected.iter().map(|r| &r[1]).collect();
    assert_eq!(lines, vec!["2020", "2020", "2020", "2020", "2023", "2023", "2023", "2020", "2020"]);
    assert!(rejected[0][6].contains("E041-mixed-format") && rejected[0][6].contains("整份报告被拒收"));
    let s = assert_nothing_lost(&out);
    assert_eq!(s["rows_rejected"].as_u64(), Some(9));
    // What is stored: 叶城县 2020 (format from the year) and 麦盖提县 2023 (declared 2019).
    let b = read_parquet_dir(&out.join("parquet/reports/year=2020"));
    assert_eq!(strings(&b, "region_code"), vec![Some("653126".to_string())]);
    assert_eq!(strings(&b, "format"), vec![Some("2019".to_string())]);
    let b = read_parquet_dir(&out.join("parquet/reports/year=2023"));
    assert_eq!(strings(&b, "region_code"), vec![Some("653127".to_string())]);
    assert_eq!(strings(&b, "format"), vec![Some("2019".to_string())]);
    assert_eq!(floats(&b, "licensing_items_change"), vec![Some(-3.0)]);
}

#[test]
fn one_wide_sheet_with_the_columns_of_both_formats() {
    let dir = tempfile::tempdir().unwrap();
    let y20 = report_2019(9500.0, R20, F19, F20);
    let y21 = report_2021(10100.0, R21, F20, F21);
    // The union of both tables' ids as columns; each report leaves the other table's cells blank.
    let mut ids: Vec<String> = metric_ids();
    ids.extend(metric_ids_2019().into_iter().filter(|id| !y21.contains_key(id)));
    let row = |year: i32, v: &BTreeMap<String, f64>| {
        let cells: Vec<String> =
            ids.iter().map(|id| v.get(id).map(|x| fmt(*x)).unwrap_or_default()).collect();
        format!("653128,{year},县政府,{}\n", cells.join(","))
    };
    let text = format!("region_code,year,body,{}\n{}{}", ids.join(","), row(2020, &y20), row(2021, &y21));
    write(&dir.path().join("in/sheet.csv"), text);
    let o = xxgk(&["ingest", "in", "--out", "out"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");
    assert!(findings(&out).is_empty(), "{:#?}", findings(&out));
    for (year, format, cells) in [(2020, "2019", 198), (2021, "2021", 200)] {
        let facts = read_parquet_dir(&out.join(format!("parquet/facts/year={year}")));
        assert_eq!(facts.num_rows(), cells, "{year}: the other table's blanks are not stored");
        assert!(strings(&facts, "format").iter().all(|f| f.as_deref() == Some(format)));
    }
    // A value (not a blank) in the other table's column is still a mixed report.
    let mut y21_bad = y21.clone();
    y21_bad.insert("fees.items_change".into(), -1.0);
    let text = format!("region_code,year,body,{}\n{}", ids.join(","), row(2021, &y21_bad));
    write(&dir.path().join("in/sheet.csv"), text);
    let o = xxgk(&["ingest", "in", "--out", "out"], dir.path());
    assert_eq!(code(&o), 1);
    let f = findings(&out);
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!((f[0]["rule"].as_str(), f[0]["metric"].as_str()), ("E041-mixed-format", "fees.items_change"));
    assert_eq!(f[0]["column"], "fees.items_change");
}

#[test]
fn metrics_and_template_of_the_2019_format() {
    let dir = tempfile::tempdir().unwrap();
    let o = xxgk(&["metrics", "--format", "2019", "--csv"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let s = stdout(&o);
    assert_eq!(s.lines().count(), 1 + 22 + 23 * 7 + 15);
    assert!(s.contains(
        "licensing.items_change,licensing_items_change,change,项,第二十条第（五）项/行政许可,本年增/减"
    ));
    assert!(s.contains(
        "licensing.decisions,licensing_decisions,count,件,第二十条第（五）项/行政许可,处理决定数量"
    ));
    assert!(s.contains("procurement.amount,procurement_amount,amount,未注明"));
    assert!(s.contains("requests.other_total.total,requests_other_total_total,count,件,三、本年度办理结果/（六）其他处理,总计"));
    assert!(!s.contains("fees.amount") && !s.contains("requests.other.unpaid_fee"));
    let o = xxgk(&["metrics", "--harmonized"], dir.path());
    let h = stdout(&o);
    assert!(h.contains("normative_docs.issued,normative_docs.made,normative_docs.issued"), "{h}");
    assert!(h.contains(
        "requests.other_total.total,requests.other_total.total,requests.other.overdue_correction.total + requests.other.unpaid_fee.total + requests.other.other.total"
    ));
    assert!(!h.contains("fees.amount"));

    // The template of a 2020 report is the 2019 table; filled, it ingests as a 2019 report.
    let o = xxgk(&["template", "--region", "653128", "--year", "2020"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let text: String = stdout(&o)
        .lines()
        .map(|l| match l {
            l if l.contains("items_change") => format!("{l}-1\n"),
            l if l.ends_with(",件,") || l.ends_with(",项,") => format!("{l}1\n"),
            l => format!("{l}\n"),
        })
        .collect();
    let rows = text.lines().count() - 1;
    assert_eq!(rows, 198);
    assert!(text.lines().skip(1).all(|l| l.contains(",2019,")));
    write(&dir.path().join("in/t.csv"), &text);
    let o = xxgk(&["ingest", "in", "--out", "out"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let b = read_parquet_dir(&dir.path().join("out/parquet/reports/year=2020"));
    assert_eq!(strings(&b, "format"), vec![Some("2019".to_string())]);
    assert_eq!(floats(&b, "fees_items_change"), vec![Some(-1.0)]);
    // A 2021 template cannot be dated 2020.
    let o = xxgk(&["template", "--region", "653128", "--year", "2020", "--format", "2021"], dir.path());
    assert_eq!(code(&o), 2);
}
