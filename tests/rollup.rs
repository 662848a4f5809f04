//! The rollup against sums computed here, independently, in plain Rust over the input rows: every
//! row of every level is compared (value, n_reports, yoy, share, rank), on a multi-county,
//! multi-year fixture with a prefecture's own report, a county directly under a province, a missing
//! year, a zero denominator, and 2019-format reports (2019, 2020, and a 2022 one on the old table),
//! whose harmonized cells are computed here from the rules, not from the code's table.
//! Governments, departments and townships of one county are summed each in their own `scope` up to
//! the nation: the kinds are written down here by hand for each body, not asked of xxgk.

mod common;
use common::*;
use std::collections::{BTreeMap, HashMap};

type Key = (String, String, i32, String, String); // level, region code, year, scope, metric

struct Expected {
    value: Option<f64>,
    n: i64,
}

fn hierarchy() -> HashMap<String, (String, Option<String>)> {
    // code -> (level, parent) straight from the shipped division table.
    let text =
        std::fs::read_to_string(project_root().join("src/reference/regions/cn-admin-divisions.csv")).unwrap();
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[0].to_string(), (f[2].to_string(), (!f[3].is_empty()).then(|| f[3].to_string())))
        })
        .collect()
}

/// (level, code) of every unit a report of `code` counts in.
fn units(code: &str, h: &HashMap<String, (String, Option<String>)>) -> Vec<(String, String)> {
    let mut out = vec![("national".to_string(), "000000".to_string())];
    let mut cur = Some(code.to_string());
    while let Some(c) = cur {
        let (level, parent) = h[&c].clone();
        out.push((level, c));
        cur = parent;
    }
    out
}

fn parent_of(level: &str, code: &str, h: &HashMap<String, (String, Option<String>)>) -> Option<String> {
    match level {
        "national" => None,
        "province" => Some("000000".into()),
        _ => h[code].1.clone(),
    }
}

#[test]
fn rollup_matches_sums_computed_independently() {
    let dir = tempfile::tempdir().unwrap();
    let h = hierarchy();
    // (code, year, body, seed); 653121 has no 2022 report; 653100 is the prefecture's own report;
    // 429004 仙桃市 hangs directly under 湖北省; 653128 has its government, a department and a
    // township (named after the county) in 2023; 653101's 2022 report is published by the
    // government's office, which the `body_kind` column says is the government's report.
    // (code, year, body, seed, body_kind column, the scope it belongs to)
    let plan: Vec<(&str, i32, &str, u64, &str, &str)> = vec![
        ("653101", 2021, "", 1, "", "government"),
        ("653101", 2022, "喀什市人民政府办公室", 2, "government", "government"),
        ("653101", 2023, "", 3, "", "government"),
        ("653121", 2021, "", 4, "", "government"),
        ("653121", 2023, "", 5, "", "government"),
        ("653128", 2021, "岳普湖县人民政府", 6, "", "government"),
        ("653128", 2022, "岳普湖县人民政府", 7, "", "government"),
        ("653128", 2023, "岳普湖县人民政府", 8, "", "government"),
        ("653128", 2023, "岳普湖县公安局", 9, "", "department"),
        ("653100", 2022, "喀什地区行政公署", 10, "", "government"),
        ("653100", 2023, "喀什地区行政公署", 11, "", "government"),
        ("429004", 2022, "", 12, "", "government"),
        ("429004", 2023, "", 13, "", "government"),
        ("420102", 2023, "", 14, "", "government"),
        // The 2019 format: 653101 from 2019, and 653121 still on it in 2022.
        ("653101", 2019, "", 15, "", "government"),
        ("653101", 2020, "", 16, "", "government"),
        ("653121", 2022, "", 17, "", "government"),
        ("653128", 2023, "岳普湖镇人民政府", 18, "", "township"),
        ("653101", 2023, "喀什市教育局", 19, "", "department"),
        ("653128", 2022, "岳普湖县卫生健康委员会", 20, "", "department"),
    ];
    // (code, year, body, body_kind column, scope, cells)
    type Report = (String, i32, String, String, String, BTreeMap<String, Option<f64>>);
    let mut reports: Vec<Report> = Vec::new();
    for (code, year, body, seed, kind, scope) in &plan {
        let values =
            if (15..=17).contains(seed) { consistent_report_2019(*seed) } else { consistent_report(*seed) };
        let mut v: BTreeMap<String, Option<f64>> = values.into_iter().map(|(k, x)| (k, Some(x))).collect();
        if *seed == 5 {
            // Not reported: stored as null, counted as 0 in sums.
            v.insert("fees.amount".into(), None);
        }
        if *seed == 14 {
            // No requests at all: every request cell 0, so the disclosure rate's denominator is 0.
            for (k, x) in v.iter_mut() {
                if k.starts_with("requests.") {
                    *x = Some(0.0);
                }
            }
        }
        reports.push((code.to_string(), *year, body.to_string(), kind.to_string(), scope.to_string(), v));
    }
    let mut csv_text = String::from("region_code,year,body,body_kind,metric,value\n");
    for (code, year, body, kind, _, v) in &reports {
        for (m, x) in v {
            csv_text.push_str(&format!(
                "{code},{year},{body},{kind},{m},{}\n",
                x.map(fmt).unwrap_or_else(|| "-".into())
            ));
        }
    }
    write(&dir.path().join("in/all.csv"), csv_text);
    let o = xxgk(&["run", "in", "--out", "out"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));

    // Expected sums, over each report's own cells and its harmonized ones: a 2021 report's three
    // （六） sub-rows summed as requests.other_total.*, a 2019 report's 规范性文件 本年新制作数量 as
    // normative_docs.issued. 采购总金额 states no unit and is not summed.
    let mut sums: BTreeMap<Key, Expected> = BTreeMap::new();
    for (code, year, _, _, scope, v) in &reports {
        let mut cells: BTreeMap<String, Option<f64>> = v.clone();
        cells.remove("procurement.amount");
        if let Some(made) = v.get("normative_docs.made") {
            cells.insert("normative_docs.issued".into(), *made);
        }
        for a in APPLICANTS.iter().chain(&["total"]) {
            let subs = ["overdue_correction", "unpaid_fee", "other"]
                .map(|r| v.get(&format!("requests.other.{r}.{a}")).copied());
            if subs.iter().all(Option::is_some) {
                let total = subs.iter().map(|x| x.flatten().unwrap_or(0.0)).sum();
                cells.insert(format!("requests.other_total.{a}"), Some(total));
            }
        }
        for (level, unit) in units(code, &h) {
            for (m, x) in &cells {
                let e = sums
                    .entry((level.clone(), unit.clone(), *year, scope.clone(), m.clone()))
                    .or_insert(Expected { value: Some(0.0), n: 0 });
                e.value = Some(e.value.unwrap() + x.unwrap_or(0.0));
                e.n += 1;
            }
        }
    }
    let ratios: [(&str, Vec<&str>, &str); 5] = [
        (
            "requests.disclosure_rate",
            vec!["requests.disclosed.total", "requests.partially_disclosed.total"],
            "requests.closed_total.total",
        ),
        (
            "requests.org_share",
            APPLICANTS[1..]
                .iter()
                .map(|a| match *a {
                    "commercial" => "requests.received.commercial",
                    "research" => "requests.received.research",
                    "social_welfare" => "requests.received.social_welfare",
                    "legal_services" => "requests.received.legal_services",
                    _ => "requests.received.other_org",
                })
                .collect(),
            "requests.received.total",
        ),
        ("review.correction_rate", vec!["review.corrected"], "review.total"),
        ("litigation_direct.correction_rate", vec!["litigation_direct.corrected"], "litigation_direct.total"),
        (
            "litigation_after_review.correction_rate",
            vec!["litigation_after_review.corrected"],
            "litigation_after_review.total",
        ),
    ];
    let units_years: Vec<(String, String, i32, String)> = {
        let mut s: Vec<_> =
            sums.keys().map(|(l, c, y, s, _)| (l.clone(), c.clone(), *y, s.clone())).collect();
        s.dedup();
        s
    };
    for (l, c, y, s) in &units_years {
        for (id, num, den) in &ratios {
            let get = |m: &str| sums[&(l.clone(), c.clone(), *y, s.clone(), m.to_string())].value.unwrap();
            let d = get(den);
            let n = num.iter().map(|m| get(m)).sum::<f64>();
            let nrep = sums[&(l.clone(), c.clone(), *y, s.clone(), den.to_string())].n;
            sums.insert(
                (l.clone(), c.clone(), *y, s.clone(), id.to_string()),
                Expected { value: (d != 0.0).then(|| n / d), n: nrep },
            );
        }
    }

    // Read every rollup row back.
    let mut seen = 0;
    for level in ["county", "prefecture", "province", "national"] {
        let b = read_parquet_dir(&dir.path().join(format!("out/parquet/rollup/level={level}")));
        let (codes, parents, years, metrics, scopes) = (
            strings(&b, "region_code"),
            strings(&b, "parent_code"),
            floats(&b, "year"),
            strings(&b, "metric"),
            strings(&b, "scope"),
        );
        let (values, ns, yoy, yoyp, share, rank) = (
            floats(&b, "value"),
            floats(&b, "n_reports"),
            floats(&b, "yoy_change"),
            floats(&b, "yoy_pct"),
            floats(&b, "share_of_parent"),
            floats(&b, "rank_in_parent"),
        );
        for i in 0..b.num_rows() {
            seen += 1;
            let code = codes[i].clone().unwrap();
            let year = years[i].unwrap() as i32;
            let metric = metrics[i].clone().unwrap();
            let scope = scopes[i].clone().unwrap();
            let key = (level.to_string(), code.clone(), year, scope.clone(), metric.clone());
            let e = sums.get(&key).unwrap_or_else(|| panic!("unexpected row {key:?}"));
            let ctx = format!("{key:?}");
            assert_eq!(values[i], e.value, "value {ctx}");
            assert_eq!(ns[i], Some(e.n as f64), "n_reports {ctx}");
            assert_eq!(parents[i], parent_of(level, &code, &h), "parent {ctx}");
            // Year over year.
            let prev = sums
                .get(&(level.to_string(), code.clone(), year - 1, scope.clone(), metric.clone()))
                .and_then(|p| p.value);
            let want_yoy = match (e.value, prev) {
                (Some(v), Some(p)) => Some(v - p),
                _ => None,
            };
            assert_eq!(yoy[i], want_yoy, "yoy_change {ctx}");
            let want_pct = match (e.value, prev) {
                (Some(v), Some(p)) if p != 0.0 => Some((v - p) / p * 100.0),
                _ => None,
            };
            match (yoyp[i], want_pct) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-9, "yoy_pct {ctx}: {a} vs {b}"),
                (a, b) => assert_eq!(a, b, "yoy_pct {ctx}"),
            }
            // Share of parent and rank among the parent's children.
            let is_ratio = ratios.iter().any(|r| r.0 == metric);
            let parent = parent_of(level, &code, &h);
            let parent_value = parent.as_ref().and_then(|p| {
                sums.iter()
                    .find(|((_, c, y, s, m), _)| c == p && *y == year && *s == scope && *m == metric)
                    .and_then(|(_, e)| e.value)
            });
            let want_share = match (e.value, parent_value) {
                (Some(v), Some(p)) if p != 0.0 && !is_ratio => Some(v / p),
                _ => None,
            };
            match (share[i], want_share) {
                (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "share {ctx}"),
                (a, b) => assert_eq!(a, b, "share {ctx}"),
            }
            let want_rank = parent.as_ref().filter(|_| e.value.is_some()).map(|p| {
                let siblings: Vec<f64> = sums
                    .iter()
                    .filter(|((l, c, y, s, m), _)| {
                        *y == year && *s == scope && *m == metric && parent_of(l, c, &h).as_ref() == Some(p)
                    })
                    .filter_map(|(_, s)| s.value)
                    .collect();
                1.0 + siblings.iter().filter(|&&s| s > e.value.unwrap()).count() as f64
            });
            assert_eq!(rank[i], want_rank, "rank {ctx}");
        }
    }
    assert_eq!(seen, sums.len(), "every expected row is present");

    // The cases the fixture is built for, spelled out.
    let g = |s: &str| s.to_string();
    let key = |l: &str, c: &str, y: i32, s: &str, m: &str| (g(l), g(c), y, g(s), g(m));
    let val = |l: &str, c: &str, y: i32, m: &str| sums[&key(l, c, y, "government", m)].value;
    // The government's sum is the government reports' alone; departments and townships apart.
    assert_eq!(
        val("prefecture", "653100", 2023, "licensing.decisions"),
        Some(1000.0 * 4.0 + 37.0 * (3 + 5 + 8 + 11) as f64)
    );
    let dept = |l: &str, c: &str, y: i32| sums[&key(l, c, y, "department", "licensing.decisions")].value;
    assert_eq!(dept("county", "653128", 2023), Some(1000.0 + 37.0 * 9.0));
    assert_eq!(dept("national", "000000", 2023), Some(2.0 * 1000.0 + 37.0 * (9 + 19) as f64));
    assert_eq!(
        sums[&key("national", "000000", 2023, "township", "licensing.decisions")].value,
        Some(1000.0 + 37.0 * 18.0)
    );
    assert_eq!(val("province", "420000", 2022, "penalty.decisions"), Some(200.0 + 11.0 * 12.0));
    assert!(!sums.contains_key(&key("prefecture", "429000", 2022, "government", "penalty.decisions")));
    assert_eq!(val("county", "420102", 2023, "requests.disclosure_rate"), None);
    assert_eq!(sums[&key("county", "653128", 2023, "government", "fees.amount")].n, 1);
    // 2019-format years: licensing runs on, fees (a money amount from 2021) have no row before 2021,
    // and the 2019 item counts have none after, except where a body kept the old table.
    assert_eq!(val("county", "653101", 2019, "licensing.decisions"), Some(1000.0 + 37.0 * 15.0));
    assert!(!sums.contains_key(&key("county", "653101", 2020, "government", "fees.amount")));
    assert_eq!(val("county", "653101", 2020, "licensing.items_change"), Some(-17.0));
    assert_eq!(val("prefecture", "653100", 2022, "licensing.items_change"), Some(-18.0));
    // 喀什地区 2022: 653101, 653128 and the prefecture's own report on the 2021 table, 653121 on the
    // 2019 one. Fees come from the three; the harmonized （六） from all four.
    assert_eq!(sums[&key("prefecture", "653100", 2022, "government", "fees.amount")].n, 3);
    assert_eq!(sums[&key("prefecture", "653100", 2022, "government", "requests.other_total.total")].n, 4);
}

#[test]
fn region_and_years_scope_the_rollup() {
    let dir = tempfile::tempdir().unwrap();
    let r = consistent_report(1);
    let r2 = consistent_report(2);
    write(
        &dir.path().join("in/a.csv"),
        long_csv(&[
            ("653101", "", 2021, "", &r),
            ("653101", "", 2022, "", &r2),
            ("653121", "", 2022, "", &r),
            ("420102", "", 2022, "", &r),
        ]),
    );
    let o = xxgk(&["run", "in", "--out", "out", "--region", "653100", "--years", "2022..2022"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let out = dir.path().join("out/parquet/rollup");
    assert!(!out.join("level=province").exists() && !out.join("level=national").exists());
    // One file per year: only the year in scope is written.
    let names: Vec<_> =
        std::fs::read_dir(out.join("level=county")).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, ["part-2022-63.parquet"]);
    let b = read_parquet(&out.join("level=county/part-2022-63.parquet"));
    let codes = strings(&b, "region_code");
    assert!(codes.iter().all(|c| matches!(c.as_deref(), Some("653101") | Some("653121"))));
    assert!(floats(&b, "year").iter().all(|y| *y == Some(2022.0)));
    // 2021 was read to give 2022 its year-over-year change.
    let metrics = strings(&b, "metric");
    let i = (0..b.num_rows())
        .find(|&i| {
            codes[i].as_deref() == Some("653101") && metrics[i].as_deref() == Some("licensing.decisions")
        })
        .unwrap();
    assert_eq!(floats(&b, "yoy_change")[i], Some(37.0));
    let p = read_parquet(&out.join("level=prefecture/part-2022-63.parquet"));
    assert_eq!(floats(&p, "share_of_parent")[0], None, "the parent is outside the scope");
    assert_eq!(floats(&p, "rank_in_parent")[0], None);
    let w = read_parquet(&dir.path().join("out/parquet/rollup_wide/level=prefecture/part-2022-63.parquet"));
    assert_eq!(w.num_rows(), 1);
    assert_eq!(floats(&w, "licensing_decisions")[0], Some(2.0 * 1000.0 + 37.0 * 3.0));
    assert_eq!(floats(&w, "n_reports")[0], Some(2.0));
    let o = xxgk(&["rollup", "--out", "out", "--years", "2023..2021"], dir.path());
    assert_eq!(code(&o), 2);
}
