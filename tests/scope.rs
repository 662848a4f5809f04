//! Report scope and coverage end to end: `body_kind` read from the name or the column, stored in
//! `reports` and `facts`; a bad kind rejected with its file, line and value (E034); a body naming
//! another region (W075), conflicting kinds (W076) and a government office standing alone (W077)
//! warned about; a county without a government
//! report named in `parquet/coverage/` and `validation/missing.csv`, and the rollup rows carrying
//! the coverage of their total.

mod common;
use common::*;

/// Every Parquet file under `dir` (partitions included) as one batch.
fn read_tree(dir: &std::path::Path) -> arrow::record_batch::RecordBatch {
    let batches: Vec<_> = parquet_files(dir).iter().map(|f| read_parquet(f)).collect();
    assert!(!batches.is_empty(), "no Parquet file under {}", dir.display());
    arrow::compute::concat_batches(&batches[0].schema(), &batches).unwrap()
}

#[test]
fn body_kinds_are_stored_checked_and_covered() {
    let dir = tempfile::tempdir().unwrap();
    let r = consistent_report(1);
    let ids: Vec<String> = r.keys().cloned().collect();
    // 喀什地区 2023: every county's government but 653128 岳普湖县 (whose department and township
    // report), a department named after another county, and a report whose rows disagree on its kind.
    let kashgar = [
        "653101", "653121", "653122", "653123", "653124", "653125", "653126", "653127", "653129", "653130",
        "653131",
    ];
    let mut long = String::from("region_code,year,body,body_kind,metric,value\n");
    let mut add = |code: &str, body: &str, kind: &str| {
        for id in &ids {
            long.push_str(&format!("{code},2023,{body},{kind},{id},{}\n", fmt(r[id])));
        }
    };
    for code in kashgar {
        add(code, "", "");
    }
    add("653128", "岳普湖县教育局", "");
    add("653128", "岳普湖镇人民政府", "");
    add("653128", "伽师县教育局", "");
    write(&dir.path().join("in/long.csv"), &long);
    // Wide layout: the column overrides the name (the office publishing the government's report is
    // a department by name), and a kind that is none of the four is refused.
    let header = format!("region_code,year,body,body_kind,{}", ids.join(","));
    let row = |code: &str, body: &str, kind: &str| {
        let cells: Vec<String> = ids.iter().map(|id| fmt(r[id])).collect();
        format!("{code},2022,{body},{kind},{}", cells.join(","))
    };
    let wide = [
        header.clone(),
        row("653101", "喀什市人民政府办公室", "government"),
        row("653121", "疏附县人民政府办公室", ""),
        row("653122", "疏勒县人民政府", "county"),
    ]
    .join("\n");
    write(&dir.path().join("in/wide.csv"), wide + "\n");
    // One report's rows giving two kinds.
    let mut split = String::from("region_code,year,body,body_kind,metric,value\n");
    for (i, id) in ids.iter().enumerate() {
        let kind = if i == 0 { "department" } else { "township" };
        split.push_str(&format!("653123,2022,英吉沙县芒辛镇人民政府,{kind},{id},{}\n", fmt(r[id])));
    }
    write(&dir.path().join("in/split.csv"), &split);

    let o = xxgk(&["run", "in", "--out", "out"], dir.path());
    assert_eq!(code(&o), 1, "a row is rejected: exit 1; {}{}", stdout(&o), stderr(&o));
    let out = dir.path().join("out");

    // E034: file, line, column and the value.
    let f = findings(&out);
    let bad: Vec<_> = f.iter().filter(|x| x["rule"] == "E034-bad-body-kind").collect();
    assert_eq!(bad.len(), 1, "{f:?}");
    assert_eq!(
        (
            bad[0]["file"].as_str(),
            bad[0]["line"].as_str(),
            bad[0]["column"].as_str(),
            bad[0]["actual"].as_str()
        ),
        ("wide.csv", "4", "body_kind", "county")
    );
    assert!(
        bad[0]["message"].contains("county") && bad[0]["message"].contains("政府"),
        "{}",
        bad[0]["message"]
    );
    // W075 names both regions.
    let foreign: Vec<_> = f.iter().filter(|x| x["rule"] == "W075-body-names-another-region").collect();
    assert_eq!(foreign.len(), 1, "{f:?}");
    assert_eq!(foreign[0]["file"], "long.csv");
    for part in ["伽师县", "653129", "岳普湖县", "653128"] {
        assert!(foreign[0]["message"].contains(part), "{}", foreign[0]["message"]);
    }
    // W076 names both kinds.
    let conflict: Vec<_> = f.iter().filter(|x| x["rule"] == "W076-conflicting-body-kind").collect();
    assert_eq!(conflict.len(), 1, "{f:?}");
    assert_eq!(conflict[0]["actual"], "department / township");
    assert_eq!((conflict[0]["file"].as_str(), conflict[0]["line"].as_str()), ("split.csv", "2"));

    // W077: 疏附县's only 2022 report is its government office's, read as a department's.
    let office: Vec<_> = f.iter().filter(|x| x["rule"] == "W077-office-without-government").collect();
    assert_eq!(office.len(), 1, "{f:?}");
    assert_eq!((office[0]["file"].as_str(), office[0]["line"].as_str()), ("wide.csv", "3"));
    assert!(office[0]["message"].contains("疏附县") && office[0]["message"].contains("body_kind"));

    // Stored kinds, in reports and facts.
    let reports = read_tree(&out.join("parquet/reports"));
    let kind_of =
        |code: &str, body: &str| strings(&reports, "body_kind")[row_of(&reports, code, body)].clone();
    assert_eq!(kind_of("653101", "喀什市人民政府办公室").as_deref(), Some("government"));
    assert_eq!(kind_of("653121", "疏附县人民政府办公室").as_deref(), Some("department"));
    assert_eq!(kind_of("653128", "岳普湖县教育局").as_deref(), Some("department"));
    assert_eq!(kind_of("653128", "岳普湖镇人民政府").as_deref(), Some("township"));
    assert_eq!(kind_of("653101", "").as_deref(), Some("government"));
    // The conflict falls back to the name: 芒辛镇人民政府 is a township.
    assert_eq!(kind_of("653123", "英吉沙县芒辛镇人民政府").as_deref(), Some("township"));
    let facts = read_tree(&out.join("parquet/facts"));
    let (fc, fb, fk) =
        (strings(&facts, "region_code"), strings(&facts, "body"), strings(&facts, "body_kind"));
    for i in 0..facts.num_rows() {
        if fc[i].as_deref() == Some("653128") && fb[i].as_deref() == Some("岳普湖镇人民政府") {
            assert_eq!(fk[i].as_deref(), Some("township"));
        }
    }

    // Coverage: 11 of 喀什地区's 12 counties have a government report in 2023; 653128 is missing.
    let cov = read_parquet(&out.join("parquet/coverage/coverage.parquet"));
    let (codes, years, scopes) = (strings(&cov, "region_code"), floats(&cov, "year"), strings(&cov, "scope"));
    let at = |code: &str, year: f64, scope: &str| {
        (0..cov.num_rows())
            .find(|&i| {
                codes[i].as_deref() == Some(code)
                    && years[i] == Some(year)
                    && scopes[i].as_deref() == Some(scope)
            })
            .unwrap_or_else(|| panic!("no coverage row {code} {year} {scope}"))
    };
    let i = at("653100", 2023.0, "government");
    assert_eq!(floats(&cov, "expected")[i], Some(12.0));
    assert_eq!(floats(&cov, "reported")[i], Some(11.0));
    assert_eq!(floats(&cov, "coverage")[i], Some(11.0 / 12.0));
    assert_eq!(strings(&cov, "level")[i].as_deref(), Some("prefecture"));
    let missing = cov.column_by_name("missing").unwrap();
    let list = arrow::array::AsArray::as_list::<i32>(missing).value(i);
    let list: Vec<&str> =
        (0..list.len()).map(|k| arrow::array::AsArray::as_string::<i32>(&list).value(k)).collect();
    assert_eq!(list, ["653128"]);
    let d = at("653100", 2023.0, "department");
    assert_eq!((floats(&cov, "reported")[d], floats(&cov, "expected")[d]), (Some(1.0), Some(12.0)));
    let n = at("000000", 2023.0, "government");
    assert_eq!(floats(&cov, "reported")[n], Some(11.0));
    assert_eq!(floats(&cov, "expected")[n], Some(2846.0));

    // missing.csv: whom to chase, 2023: 653128; 2022: every county of 喀什地区 without a stored
    // government report (653101's office report counts as one; 653122's row was refused).
    let text = std::fs::read_to_string(out.join("validation/missing.csv")).unwrap();
    let text = text.trim_start_matches('\u{FEFF}');
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("region_code,region_name,parent_code,parent_name,year,scope"));
    let rows: Vec<&str> = lines.collect();
    assert!(rows.contains(&"653128,岳普湖县,653100,喀什地区,2023,government"), "{rows:?}");
    assert_eq!(rows.iter().filter(|l| l.ends_with(",2023,government")).count(), 1, "{rows:?}");
    assert!(rows.contains(&"653122,疏勒县,653100,喀什地区,2022,government"), "{rows:?}");
    assert!(!rows.iter().any(|l| l.starts_with("653101,") && l.contains(",2022,")), "{rows:?}");

    // The rollup's rows carry their coverage; the department's county total is its own.
    let wide = read_parquet_dir(&out.join("parquet/rollup_wide/level=prefecture"));
    let (wy, ws) = (floats(&wide, "year"), strings(&wide, "scope"));
    let g = (0..wide.num_rows())
        .find(|&i| wy[i] == Some(2023.0) && ws[i].as_deref() == Some("government"))
        .unwrap();
    assert_eq!(floats(&wide, "coverage")[g], Some(11.0 / 12.0));
    assert_eq!(floats(&wide, "licensing_decisions")[g], Some(11.0 * r["licensing.decisions"]));
    let d = (0..wide.num_rows())
        .find(|&i| wy[i] == Some(2023.0) && ws[i].as_deref() == Some("department"))
        .unwrap();
    // 岳普湖县教育局 and 伽师县教育局 (stored under 653128 as given).
    assert_eq!(floats(&wide, "licensing_decisions")[d], Some(2.0 * r["licensing.decisions"]));
    let long = read_parquet_dir(&out.join("parquet/rollup/level=county"));
    let (lc, ls, lcov) = (strings(&long, "region_code"), strings(&long, "scope"), floats(&long, "coverage"));
    let t = (0..long.num_rows())
        .find(|&i| lc[i].as_deref() == Some("653128") && ls[i].as_deref() == Some("township"))
        .unwrap();
    assert_eq!(lcov[t], Some(1.0));
    assert!(!(0..long.num_rows())
        .any(|i| lc[i].as_deref() == Some("653128") && ls[i].as_deref() == Some("government")));

    // The chart says the total is partial; the page lists whom to chase.
    let svg = std::fs::read_to_string(out.join("charts/653100-喀什地区/trend-licensing.svg")).unwrap();
    assert!(
        svg.contains("2023年 11/12 个县（市、区）已报送"),
        "the trend chart does not say the total is partial"
    );
    assert!(svg.lines().any(|l| l.trim() == "11/12"), "the partial year's point is not labelled");
    let page = std::fs::read_to_string(out.join("index.html")).unwrap();
    let missing = &page[page.find("id=\"missing\"").unwrap()..];
    let missing = &missing[..missing.find("</section>").unwrap()];
    assert!(
        missing.contains("<td>喀什地区（653100）</td><td>2023</td><td>1</td><td>岳普湖县（653128）</td>"),
        "{missing}"
    );
}
