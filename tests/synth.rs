//! `xxgk synth`: reports that satisfy every rule, and injected faults that are each found.

mod common;
use common::*;

fn manifest(path: &std::path::Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect()
}

#[test]
fn clean_synthetic_reports_break_no_rule_in_either_layout() {
    let dir = tempfile::tempdir().unwrap();
    for (layout, files, enc) in [("long", "per-report", "utf8"), ("wide", "per-prefecture", "gbk")] {
        let out = format!("in-{layout}");
        let o = xxgk(
            &[
                "synth",
                "--out",
                &out,
                "--regions",
                "653100",
                "429004",
                "--years",
                "2019..2024",
                "--layout",
                layout,
                "--files",
                files,
                "--encoding",
                enc,
            ],
            dir.path(),
        );
        assert_eq!(code(&o), 0, "{}", stderr(&o));
        let o = xxgk(&["run", &out, "--out", &format!("out-{layout}")], dir.path());
        assert_eq!(code(&o), 0, "{}", stdout(&o));
        let f = findings(&dir.path().join(format!("out-{layout}")));
        assert!(f.is_empty(), "{layout}: {f:#?}");
        let b = read_parquet_dir(&dir.path().join(format!("out-{layout}/parquet/reports/year=2024")));
        assert_eq!(b.num_rows(), 13, "12 counties of 喀什地区 and 仙桃市");
        // 2019 and 2020 on the 2019 table, later years on the 2021 one.
        for (year, format) in [(2019, "2019"), (2020, "2019"), (2021, "2021"), (2024, "2021")] {
            let path = format!("out-{layout}/parquet/reports/year={year}");
            let b = read_parquet_dir(&dir.path().join(path));
            assert!(strings(&b, "format").iter().all(|f| f.as_deref() == Some(format)), "{layout} {year}");
            let change = floats(&b, "licensing_items_change");
            assert_eq!(change.iter().all(Option::is_some), format == "2019", "{layout} {year}");
        }
    }
    // With `/` on Windows too.
    let names: Vec<String> = walk(&dir.path().join("in-long")).iter().map(|n| n.replace('\\', "/")).collect();
    assert!(names.iter().all(|n| n.ends_with(".synthetic.csv")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with("420000-湖北省/429004-仙桃市-2023.synthetic.csv")), "{names:?}");
}

fn walk(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out.extend(walk(&e.path()));
        } else {
            out.push(e.path().to_string_lossy().into_owned());
        }
    }
    out.sort();
    out
}

#[test]
fn every_injected_fault_is_found_where_the_manifest_says() {
    let dir = tempfile::tempdir().unwrap();
    for layout in ["long", "wide"] {
        let input = format!("in-{layout}");
        let o = xxgk(
            &[
                "synth",
                "--out",
                &input,
                "--regions",
                "653100",
                "--years",
                "2019..2024",
                "--layout",
                layout,
                "--files",
                "per-prefecture",
                "--errors",
                "0.5",
                "--seed",
                "7",
            ],
            dir.path(),
        );
        assert_eq!(code(&o), 0);
        let m = manifest(&dir.path().join(format!("{input}/synth-manifest.tsv")));
        assert!(m.len() >= 10, "{layout}: only {} faults", m.len());
        let o = xxgk(&["ingest", &input, "--out", &format!("out-{layout}")], dir.path());
        assert_eq!(code(&o), 1, "faults were rejected");
        let f = findings(&dir.path().join(format!("out-{layout}")));
        let mut kinds = std::collections::BTreeSet::new();
        for entry in &m {
            let (file, line, metric, fault, rule) = (&entry[0], &entry[1], &entry[4], &entry[5], &entry[6]);
            kinds.insert(fault.clone());
            let hit = f.iter().any(|x| {
                &x["file"] == file
                    && &x["line"] == line
                    && &x["rule"] == rule
                    && (x["metric"] == *metric
                        || x["actual"].contains(metric.as_str())
                        || fault == "unknown_metric")
            });
            assert!(
                hit,
                "{layout}: fault {entry:?} not found in {:#?}",
                f.iter().filter(|x| &x["line"] == line).collect::<Vec<_>>()
            );
        }
        assert_eq!(kinds.len(), 4, "{layout}: every kind of fault drawn: {kinds:?}");
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    for out in ["a", "b"] {
        let o = xxgk(
            &["synth", "--out", out, "--regions", "653128", "--years", "2021..2022", "--errors", "0.5"],
            dir.path(),
        );
        assert_eq!(code(&o), 0);
    }
    for rel in ["653100-喀什地区/653128-岳普湖县-2021.synthetic.csv", "synth-manifest.tsv"] {
        assert_eq!(
            std::fs::read(dir.path().join("a").join(rel)).unwrap(),
            std::fs::read(dir.path().join("b").join(rel)).unwrap()
        );
    }
}

fn synth_in(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = vec!["synth"];
    all.extend_from_slice(args);
    xxgk(&all, dir)
}

/// Each file's `body` column, which must hold one value.
fn body_of(path: &std::path::Path) -> String {
    let mut r = csv::Reader::from_path(path).unwrap();
    let col = r.headers().unwrap().iter().position(|h| h == "body").unwrap();
    let bodies: std::collections::BTreeSet<String> =
        r.records().map(|x| x.unwrap()[col].to_string()).collect();
    assert_eq!(bodies.len(), 1, "{}: {bodies:?}", path.display());
    bodies.into_iter().next().unwrap()
}

#[test]
fn departments_and_townships_report_in_files_of_their_own_smaller_than_the_government() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["--regions", "653128", "--years", "2020..2022", "--seed", "5"];
    let o = synth_in(dir.path(), &[&["--out", "gov"][..], &base].concat());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = synth_in(
        dir.path(),
        &[
            &[
                "--out",
                "all",
                "--bodies",
                "government,department,township",
                "--departments",
                "3",
                "--townships",
                "2",
            ][..],
            &base,
        ]
        .concat(),
    );
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let folder = dir.path().join("all/653100-喀什地区");
    // The government's reports are the same bytes with or without the other bodies.
    for year in 2020..=2022 {
        let rel = format!("653100-喀什地区/653128-岳普湖县-{year}.synthetic.csv");
        let same = std::fs::read(dir.path().join("gov").join(&rel)).unwrap()
            == std::fs::read(dir.path().join("all").join(&rel)).unwrap();
        assert!(same, "{rel} changed when departments and townships were added");
    }
    let names = walk(&folder);
    assert_eq!(names.len(), 6 * 3, "{names:#?}");
    let bodies: std::collections::BTreeSet<String> =
        names.iter().map(|n| body_of(std::path::Path::new(n))).collect();
    let expected_first = [
        "岳普湖县人民政府",
        "岳普湖县教育局",
        "岳普湖县财政局",
        "岳普湖县自然资源局",
        "岳普湖县城关镇人民政府",
    ];
    for b in expected_first {
        assert!(bodies.contains(b), "{b} in {bodies:?}");
    }
    assert_eq!(bodies.len(), 6, "{bodies:?}");
    let other_township: Vec<&String> =
        bodies.iter().filter(|b| !expected_first.contains(&b.as_str())).collect();
    assert!(
        other_township[0].starts_with("岳普湖县")
            && (other_township[0].ends_with("镇人民政府") || other_township[0].ends_with("乡人民政府")),
        "{other_township:?}"
    );
    // Each body's file is named after it and holds its body alone.
    for n in &names {
        let body = body_of(std::path::Path::new(n));
        let own = if body == "岳普湖县人民政府" {
            "653128-岳普湖县-".to_string()
        } else {
            format!("653128-{body}-")
        };
        assert!(n.contains(&own), "{n} is {body}'s");
    }

    let o = xxgk(&["run", "all", "--out", "out", "--no-charts"], dir.path());
    assert_eq!(code(&o), 0, "{}", stdout(&o));
    let f = findings(&dir.path().join("out"));
    assert!(f.is_empty(), "every rule holds for every body, 2020 on the 2019 table included: {f:#?}");
    for year in 2020..=2022 {
        let b = read_parquet_dir(&dir.path().join(format!("out/parquet/reports/year={year}")));
        assert_eq!(b.num_rows(), 6, "{year}");
        let licensing = floats(&b, "licensing_decisions");
        let gov = licensing[row_of(&b, "653128", "岳普湖县人民政府")].unwrap();
        assert!(gov > 100.0, "{year}: {gov}");
        for body in bodies.iter().filter(|b| b.as_str() != "岳普湖县人民政府") {
            let x = licensing[row_of(&b, "653128", body)].unwrap();
            // Departments 2–30 % of the government's profile, townships 1–8 %, with the yearly
            // noise and their own trend on top.
            assert!(x < gov * 0.5, "{year} {body}: {x} against the government's {gov}");
        }
    }
}

#[test]
fn provinces_pick_every_county_of_a_province_and_other_codes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let o = synth_in(dir.path(), &["--out", "tj", "--provinces", "120000", "--years", "2024"]);
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    // Counted from the division table itself: 天津市's county-level units.
    let table =
        std::fs::read_to_string(project_root().join("src/reference/regions/cn-admin-divisions.csv")).unwrap();
    let expected: Vec<String> = table
        .lines()
        .filter(|l| l.starts_with("12") && l.split(',').nth(2) == Some("county"))
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{}-{}-2024.synthetic.csv", f[0], f[1])
        })
        .collect();
    assert_eq!(expected.len(), 16);
    let got: Vec<String> =
        // The file name, whichever separator the platform's paths use.
        walk(&dir.path().join("tj")).iter().map(|p| p.rsplit(['/', '\\']).next().unwrap().to_string()).collect();
    assert_eq!(got, expected);

    let o = synth_in(dir.path(), &["--out", "x", "--provinces", "653100"]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("653100 (喀什地区) is not a province"), "{}", stderr(&o));
    let o = synth_in(
        dir.path(),
        &["--out", "x", "--regions", "653128", "--bodies", "government", "--departments", "4"],
    );
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("--bodies does not name department"), "{}", stderr(&o));
    let o = synth_in(dir.path(), &["--out", "x", "--regions", "653128", "--departments", "99"]);
    assert_ne!(code(&o), 0);
    assert!(stderr(&o).contains("--departments 99"), "{}", stderr(&o));
    assert!(!dir.path().join("x").exists(), "nothing written for a refused request");
}
