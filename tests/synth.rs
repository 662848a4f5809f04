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
