//! Incremental runs: unchanged files come from `.xxgk-cache/`, a changed file is read again, only
//! the partitions it touches are written again, and the result is byte-identical to a full run.

mod common;
use common::*;
use std::path::Path;

fn files_under(dir: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name().into_iter().flatten() {
        if e.file_type().is_file() {
            // With `/` on Windows too, as the names are written in the assertions.
            out.push(e.path().strip_prefix(dir).unwrap().to_string_lossy().replace('\\', "/"));
        }
    }
    out
}

/// Which file is at `path`: its inode on Unix. Windows' file index is not in stable std; there
/// the modification time in nanoseconds (NTFS keeps 100 ns) tells a file kept (hard-linked, the
/// same time) from one written again.
#[cfg(unix)]
fn inode(path: &Path) -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())).ino()
}

#[cfg(not(unix))]
fn inode(path: &Path) -> u64 {
    let m = std::fs::metadata(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    m.modified().unwrap().duration_since(std::time::UNIX_EPOCH).unwrap().as_nanos() as u64
}

/// Rewrite the value (the last field) of every line of `path` that `pick` selects with `value` of
/// the old one; a file with no such line is a broken test.
fn set_values(path: &Path, pick: impl Fn(&str) -> bool, value: impl Fn(&str) -> String) {
    let text = std::fs::read_to_string(path).unwrap();
    let changed: String = text
        .lines()
        .map(|l| match l.rsplit_once(',') {
            Some((head, v)) if pick(l) => format!("{head},{}", value(v.trim())),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_ne!(changed, text, "nothing to change in {}", path.display());
    std::fs::write(path, changed).unwrap();
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(out.join("validation/summary.json")).unwrap()).unwrap()
}

#[test]
fn a_rerun_rereads_only_the_changed_file_and_matches_a_full_run() {
    let dir = tempfile::tempdir().unwrap();
    // Two provinces: 喀什地区 (新疆) and 仙桃市 (湖北, a county-level city under the province).
    let o =
        xxgk(&["synth", "--out", "in", "--regions", "653100", "429004", "--years", "2021..2024"], dir.path());
    assert_eq!(code(&o), 0);
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc"], dir.path())), 0);
    assert_eq!(summary(&dir.path().join("inc"))["files_from_cache"], 0);
    let parquet = dir.path().join("inc/parquet");
    let partitions = files_under(&parquet);
    assert!(partitions.contains(&"facts/year=2023/part-42.parquet".to_string()), "{partitions:?}");
    assert!(partitions.contains(&"rollup/level=county/part-2023-63.parquet".to_string()), "{partitions:?}");
    assert!(partitions.contains(&"rollup/level=national/part-2023.parquet".to_string()), "{partitions:?}");
    let before: Vec<u64> = partitions.iter().map(|p| inode(&parquet.join(p))).collect();

    // Change one county's 2023 licensing count.
    let f = dir.path().join("in/653100-喀什地区/653101-喀什市-2023.synthetic.csv");
    set_values(&f, |l| l.contains(",licensing.decisions,"), |_| "99999".into());

    let o = xxgk(&["run", "in", "--out", "inc"], dir.path());
    assert_eq!(code(&o), 0);
    let s = summary(&dir.path().join("inc"));
    assert_eq!(s["files_from_cache"], 51, "all but the changed file came from the cache");
    // Written again: the changed province's partitions of the changed year, its county and
    // prefecture rollup of that year and the next (yoy), and the small province and national
    // files of both. Everything else, all of 湖北 included, is the file published by the first
    // run (the same inode).
    assert_eq!(files_under(&parquet), partitions);
    for (p, ino) in partitions.iter().zip(&before) {
        let rewritten = p.ends_with("year=2023/part-63.parquet")
            || ["-2023-63.parquet", "-2024-63.parquet", "-2023.parquet", "-2024.parquet"]
                .iter()
                .any(|f| p.ends_with(f));
        assert_eq!(inode(&parquet.join(p)) != *ino, rewritten, "{p}: rewritten should be {rewritten}");
    }
    assert_eq!(code(&xxgk(&["run", "in", "--out", "full", "--no-cache"], dir.path())), 0);

    let (inc, full) = (dir.path().join("inc"), dir.path().join("full"));
    let products = ["parquet", "validation", "rejected"];
    for p in products {
        let names = files_under(&inc.join(p));
        assert_eq!(names, files_under(&full.join(p)));
        for n in names.iter().filter(|n| n.as_str() != "summary.json") {
            let same =
                std::fs::read(inc.join(p).join(n)).unwrap() == std::fs::read(full.join(p).join(n)).unwrap();
            assert!(same, "{p}/{n} differs between the incremental and the full run");
        }
    }
    // Merged again: 2023 alone. 2024's R5, which compares it with 2023, was checked again from what
    // the cache kept of 2024; 2021 and 2022 came from the cache.
    assert_eq!(s["years_from_cache"], serde_json::json!([2021, 2022, 2024]));
    // The summaries differ only in what came from the cache.
    let (mut a, mut b) = (summary(&inc), summary(&full));
    for key in ["files_from_cache", "years_from_cache"] {
        a[key] = 0.into();
        b[key] = 0.into();
    }
    assert_eq!(a, b);
    let b = read_parquet_dir(&inc.join("parquet/reports/year=2023"));
    assert_eq!(floats(&b, "licensing_decisions")[row_of(&b, "653101", "喀什市人民政府")], Some(99999.0));
    // The cells are kept in packs, not a file per input: the first run's pack (the other 51
    // contents) and the re-run's (the changed file's), and no file per content.
    let cache = inc.join(".xxgk-cache");
    let packs = std::fs::read_dir(cache.join("packs")).unwrap().flatten().count();
    assert_eq!(packs, 2);
    let mut loose: Vec<String> = std::fs::read_dir(&cache)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    loose.sort();
    // The manifest of the first run and the journal of what the re-run changed over it.
    assert_eq!(loose, ["journal.bincode", "manifest.bincode"]);
    // What merging found is kept per part, a year's region group (4 years × 湖北 and 新疆), each
    // under two keys (with the year before, and its own files alone), each with R5's side file: a
    // re-run merges the changed county's group of its year, not the year.
    let outcomes = std::fs::read_dir(cache.join("years")).unwrap().flatten().count();
    assert_eq!(outcomes, 4 * 2 * 2 * 2);
}

#[test]
fn rollup_keeps_unchanged_years_and_no_cache_rolls_every_year_again() {
    let dir = tempfile::tempdir().unwrap();
    let o = xxgk(&["synth", "--out", "in", "--regions", "653100", "--years", "2021..2023"], dir.path());
    assert_eq!(code(&o), 0);
    assert_eq!(code(&xxgk(&["run", "in", "--out", "out", "--no-charts"], dir.path())), 0);
    let level = dir.path().join("out/parquet/rollup/level=prefecture");
    let files = ["part-2021-63.parquet", "part-2022-63.parquet", "part-2023-63.parquet"];
    let bytes = |f: &str| std::fs::read(level.join(f)).unwrap();
    let first: Vec<(u64, Vec<u8>)> = files.iter().map(|f| (inode(&level.join(f)), bytes(f))).collect();
    // The facts did not change: every year is the published file.
    assert_eq!(code(&xxgk(&["rollup", "--out", "out"], dir.path())), 0);
    for (f, (ino, _)) in files.iter().zip(&first) {
        assert_eq!(inode(&level.join(f)), *ino, "{f} kept");
    }
    // --no-cache writes every year again, to the same bytes.
    assert_eq!(code(&xxgk(&["rollup", "--out", "out", "--no-cache"], dir.path())), 0);
    for (f, (ino, b)) in files.iter().zip(&first) {
        assert_ne!(inode(&level.join(f)), *ino, "{f} written again");
        assert_eq!(&bytes(f), b, "{f}: same bytes");
    }
    let kv = kv_metadata(&level.join("part-2023-63.parquet"));
    assert_eq!(kv.get("xxgk.content_sha256").map(String::len), Some(64), "{kv:?}");
}

/// A changed 2023 file: 2024's own files are unchanged, so 2024 is not merged again; R5, which
/// compares it with 2023, is checked again from what the cache kept of 2024, and finds what a full
/// run finds.
#[test]
fn the_year_after_a_changed_year_is_checked_again_not_merged_again() {
    let dir = tempfile::tempdir().unwrap();
    let o = xxgk(&["synth", "--out", "in", "--regions", "653100", "--years", "2021..2024"], dir.path());
    assert_eq!(code(&o), 0);
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc", "--no-charts"], dir.path())), 0);
    let f = dir.path().join("in/653100-喀什地区/653101-喀什市-2023.synthetic.csv");
    set_values(
        &f,
        |l| l.contains(",regulations.in_force,"),
        |v| (v.parse::<f64>().unwrap() + 5.0).to_string(),
    );
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc", "--no-charts"], dir.path())), 0);
    let s = summary(&dir.path().join("inc"));
    assert_eq!(s["years_from_cache"], serde_json::json!([2021, 2022, 2024]));
    let findings = std::fs::read_to_string(dir.path().join("inc/validation/findings.csv")).unwrap();
    let r5: Vec<&str> = findings.lines().filter(|l| l.contains("R5b-in-force-across-years")).collect();
    assert!(r5.iter().any(|l| l.contains(",2024,")), "{findings}");
    assert!(r5.iter().any(|l| l.contains(",2023,")), "{findings}");
    assert_eq!(code(&xxgk(&["run", "in", "--out", "full", "--no-charts", "--no-cache"], dir.path())), 0);
    let full = std::fs::read_to_string(dir.path().join("full/validation/findings.csv")).unwrap();
    assert_eq!(findings, full);
    // Checked again, 2024 is kept under its new key: a second re-run takes every year as it is.
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc", "--no-charts"], dir.path())), 0);
    let s = summary(&dir.path().join("inc"));
    assert_eq!(s["years_from_cache"], serde_json::json!([2021, 2022, 2023, 2024]));
    let again = std::fs::read_to_string(dir.path().join("inc/validation/findings.csv")).unwrap();
    assert_eq!(again, full);
}

/// One file holding every year (a prefecture's, as `synth --files per-prefecture` writes it): an
/// edit to its 2023 rows merges 2023 again (and checks R5 of 2024 again), not the years the edit
/// left alone, whose partitions stay the published files, and the result is a full run's.
#[test]
fn an_edit_to_one_year_of_a_multi_year_file_merges_that_year_and_the_next() {
    let dir = tempfile::tempdir().unwrap();
    let o = xxgk(
        &[
            "synth",
            "--out",
            "in",
            "--regions",
            "653100",
            "--years",
            "2021..2024",
            "--files",
            "per-prefecture",
        ],
        dir.path(),
    );
    assert_eq!(code(&o), 0);
    let f = dir.path().join("in/653100-喀什地区.synthetic.csv");
    assert!(f.is_file(), "{:?}", files_under(&dir.path().join("in")));
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc", "--no-charts"], dir.path())), 0);
    let parquet = dir.path().join("inc/parquet");
    let kept = ["facts/year=2021/part-63.parquet", "reports/year=2022/part-63.parquet"];
    let before: Vec<u64> = kept.iter().map(|p| inode(&parquet.join(p))).collect();
    set_values(&f, |l| l.contains(",2023,") && l.contains(",licensing.decisions,"), |_| "99999".into());
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc", "--no-charts"], dir.path())), 0);
    let s = summary(&dir.path().join("inc"));
    assert_eq!(
        s["years_from_cache"],
        serde_json::json!([2021, 2022, 2024]),
        "2023 merged, 2024 checked again"
    );
    for (p, ino) in kept.iter().zip(&before) {
        assert_eq!(inode(&parquet.join(p)), *ino, "{p} kept");
    }
    assert_eq!(code(&xxgk(&["run", "in", "--out", "full", "--no-cache", "--no-charts"], dir.path())), 0);
    let full = dir.path().join("full/parquet");
    let names = files_under(&parquet);
    assert_eq!(names, files_under(&full));
    for n in &names {
        // A kept partition's footer lists the input file's SHA-256 as it was when the partition
        // was written, before the edit: its rows are a full run's, its footer is not. The
        // edited year's partitions and the whole rollup are a full run's to the byte.
        let (a, b) = (parquet.join(n), full.join(n));
        if !n.starts_with("rollup") && !n.contains("year=2023/") {
            assert_eq!(read_parquet(&a), read_parquet(&b), "{n}");
        } else {
            assert_eq!(std::fs::read(a).unwrap(), std::fs::read(b).unwrap(), "{n}");
        }
    }
    let b = read_parquet_dir(&parquet.join("reports/year=2023"));
    assert!(floats(&b, "licensing_decisions").iter().all(|v| *v == Some(99999.0)));
}

/// A year taken from the cache brings back its findings and the rows its merge rejected (here a
/// conflicting cell in 2022), as a full run finds them.
#[test]
fn a_year_from_the_cache_keeps_its_findings_and_rejected_rows() {
    let dir = tempfile::tempdir().unwrap();
    let synth = ["synth", "--out", "in", "--regions", "653100", "--years", "2021..2024"];
    let o = xxgk(&[&synth[..], &["--errors", "0.1", "--seed", "7"]].concat(), dir.path());
    assert_eq!(code(&o), 0);
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc", "--no-charts"], dir.path())), 1);
    let f = dir.path().join("in/653100-喀什地区/653101-喀什市-2024.synthetic.csv");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, text.replacen(",licensing.decisions,", ",licensing.decisions,1", 1)).unwrap();
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc", "--no-charts"], dir.path())), 1);
    assert_eq!(code(&xxgk(&["run", "in", "--out", "full", "--no-charts", "--no-cache"], dir.path())), 1);
    let (inc, full) = (dir.path().join("inc"), dir.path().join("full"));
    assert_eq!(summary(&inc)["years_from_cache"], serde_json::json!([2021, 2022, 2023]));
    let findings = std::fs::read_to_string(inc.join("validation/findings.csv")).unwrap();
    assert!(findings.contains("E060-conflicting-cell,653100-喀什地区/653129-伽师县-2022"), "{findings}");
    assert_eq!(findings, std::fs::read_to_string(full.join("validation/findings.csv")).unwrap());
    for n in files_under(&full.join("rejected")) {
        assert_eq!(
            std::fs::read(inc.join("rejected").join(&n)).unwrap(),
            std::fs::read(full.join("rejected").join(&n)).unwrap(),
            "rejected/{n}"
        );
    }
    assert_eq!(files_under(&inc.join("rejected")), files_under(&full.join("rejected")));
    let rejected_2022 = files_under(&inc.join("rejected"));
    assert!(rejected_2022.iter().any(|n| n.contains("伽师县-2022")), "{rejected_2022:?}");
    let (mut a, mut b) = (summary(&inc), summary(&full));
    for key in ["files_from_cache", "years_from_cache"] {
        a[key] = 0.into();
        b[key] = 0.into();
    }
    assert_eq!(a, b);
}

/// A re-run draws only the charts whose data changed: one county's licensing count moves the
/// licensing charts of its prefecture and province; every other chart is the published file.
#[cfg(unix)]
#[test]
fn a_rerun_draws_only_the_charts_whose_data_changed() {
    let dir = tempfile::tempdir().unwrap();
    let o = xxgk(&["synth", "--out", "in", "--regions", "653100", "--years", "2021..2024"], dir.path());
    assert_eq!(code(&o), 0);
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc", "--chart-format", "svg"], dir.path())), 0);
    let charts = dir.path().join("inc/charts");
    let names: Vec<String> = files_under(&charts).into_iter().filter(|n| n.ends_with(".svg")).collect();
    assert!(names.len() > 30, "{names:?}");
    let before: Vec<u64> = names.iter().map(|n| inode(&charts.join(n))).collect();

    let f = dir.path().join("in/653100-喀什地区/653101-喀什市-2024.synthetic.csv");
    set_values(&f, |l| l.contains(",licensing.decisions,"), |v| (v.parse::<u64>().unwrap() + 7).to_string());
    assert_eq!(code(&xxgk(&["run", "in", "--out", "inc", "--chart-format", "svg"], dir.path())), 0);
    for (n, ino) in names.iter().zip(&before) {
        let drawn = inode(&charts.join(n)) != *ino;
        assert_eq!(drawn, n.contains("licensing"), "{n}: drawn again should be {}", n.contains("licensing"));
    }
    assert_eq!(
        code(&xxgk(&["run", "in", "--out", "full", "--chart-format", "svg", "--no-cache"], dir.path())),
        0
    );
    let full = dir.path().join("full/charts");
    assert_eq!(files_under(&charts), files_under(&full));
    for n in files_under(&full) {
        assert_eq!(std::fs::read(charts.join(&n)).unwrap(), std::fs::read(full.join(&n)).unwrap(), "{n}");
    }
}

/// The rows of every Parquet file under `dir`, by file, and the bytes of the rollup's: what a
/// re-run must give exactly as a full run does (a kept partition's footer may name an input file
/// as it was when the partition was written, so facts and reports are compared by their rows).
fn products(dir: &Path) -> Vec<(String, Vec<u8>)> {
    files_under(dir)
        .into_iter()
        .filter(|n| n.ends_with(".parquet"))
        .map(|n| {
            let path = dir.join(&n);
            let bytes = if n.starts_with("rollup") {
                std::fs::read(&path).unwrap()
            } else {
                format!("{:?}", read_parquet(&path)).into_bytes()
            };
            (n, bytes)
        })
        .collect()
}

/// A sequence of edits across years and region groups, a file removed and put back: after each,
/// a re-run gives what a full run gives (rows, rollup bytes, findings, rejected rows).
#[test]
fn every_rerun_of_a_sequence_of_edits_is_a_full_run() {
    let dir = tempfile::tempdir().unwrap();
    let o = xxgk(
        &[
            "synth",
            "--out",
            "in",
            "--regions",
            "653100",
            "429004",
            "--years",
            "2021..2024",
            "--errors",
            "0.05",
        ],
        dir.path(),
    );
    assert_eq!(code(&o), 0);
    let input = dir.path().join("in");
    let kashgar = |name: &str| input.join("653100-喀什地区").join(name);
    let xiantao = input.join("420000-湖北省/429004-仙桃市-2024.synthetic.csv");
    let moved = dir.path().join("moved.csv");
    // Each edit, and the years the re-run takes from the cache (a year after an edited one has R5
    // checked again, not its cells merged).
    type Step<'a> = (&'a str, Vec<i32>, Box<dyn Fn() + 'a>);
    let steps: Vec<Step> = vec![
        ("first run", vec![], Box::new(|| {})),
        (
            "喀什市 2022 licensing",
            vec![2021, 2023, 2024],
            Box::new(|| {
                let f = kashgar("653101-喀什市-2022.synthetic.csv");
                set_values(&f, |l| l.contains(",licensing.decisions,"), |_| "4321".into());
            }),
        ),
        (
            "仙桃市 2024 carried in",
            vec![2021, 2022, 2023],
            Box::new(|| set_values(&xiantao, |l| l.contains(",requests.carried_in.total,"), |_| "77".into())),
        ),
        (
            "伽师县 2023 removed",
            vec![2021, 2022, 2024],
            Box::new(|| std::fs::rename(kashgar("653129-伽师县-2023.synthetic.csv"), &moved).unwrap()),
        ),
        (
            "伽师县 2023 back",
            vec![2021, 2022, 2024],
            Box::new(|| std::fs::rename(&moved, kashgar("653129-伽师县-2023.synthetic.csv")).unwrap()),
        ),
    ];
    for (what, kept, edit) in steps {
        edit();
        let inc = xxgk(&["run", "in", "--out", "inc", "--no-charts"], dir.path());
        assert_eq!(summary(&dir.path().join("inc"))["years_from_cache"], serde_json::json!(kept), "{what}");
        let full = xxgk(&["run", "in", "--out", "full", "--no-charts", "--no-cache"], dir.path());
        assert_eq!(code(&inc), code(&full), "{what}");
        let (a, b) = (dir.path().join("inc"), dir.path().join("full"));
        let (pa, pb) = (products(&a.join("parquet")), products(&b.join("parquet")));
        assert_eq!(
            pa.iter().map(|p| &p.0).collect::<Vec<_>>(),
            pb.iter().map(|p| &p.0).collect::<Vec<_>>(),
            "{what}"
        );
        for ((n, x), (_, y)) in pa.iter().zip(&pb) {
            assert!(x == y, "{what}: {n} differs from a full run");
        }
        let findings = |d: &Path| std::fs::read(d.join("validation/findings.csv")).unwrap();
        assert_eq!(findings(&a), findings(&b), "{what}: findings.csv");
        assert_eq!(files_under(&a.join("rejected")), files_under(&b.join("rejected")), "{what}");
        for n in files_under(&b.join("rejected")) {
            let same = std::fs::read(a.join("rejected").join(&n)).unwrap()
                == std::fs::read(b.join("rejected").join(&n)).unwrap();
            assert!(same, "{what}: rejected/{n}");
        }
    }
}

/// A cache written by an older xxgk (bincode, before the caches moved to postcard with a format
/// header) is not misread: the run says it discarded it, reads every file again, gives the same
/// output as a first run, and the cache it leaves is used by the next run.
#[test]
fn a_cache_of_an_older_format_is_discarded_with_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let o = xxgk(&["synth", "--out", "in", "--regions", "653100", "--years", "2022..2023"], dir.path());
    assert_eq!(code(&o), 0);
    assert_eq!(code(&xxgk(&["run", "in", "--out", "out", "--no-charts"], dir.path())), 0);
    let facts = dir.path().join("out/parquet/facts");
    let want: Vec<(String, Vec<u8>)> = files_under(&facts)
        .into_iter()
        .map(|f| (f.clone(), std::fs::read(facts.join(&f)).unwrap()))
        .collect();
    assert!(!want.is_empty());
    let manifest = dir.path().join("out/.xxgk-cache/manifest.bincode");
    assert!(manifest.is_file());
    // What bincode 1.x wrote first for the manifest: the context string, u64 length then bytes.
    let mut old = 9u64.to_le_bytes().to_vec();
    old.extend_from_slice(b"v4-0.1.0-");
    write(&manifest, old);
    let o = xxgk(&["run", "in", "--out", "out", "--no-charts"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("note: cache discarded, every input is read again: "), "{err}");
    assert!(err.contains("manifest.bincode: written by another version of xxgk (bincode"), "{err}");
    assert_eq!(summary(&dir.path().join("out"))["files_from_cache"], 0);
    for (f, bytes) in &want {
        assert_eq!(&std::fs::read(facts.join(f)).unwrap(), bytes, "{f}");
    }
    let o = xxgk(&["run", "in", "--out", "out", "--no-charts"], dir.path());
    assert!(!stderr(&o).contains("cache discarded"), "{}", stderr(&o));
    assert!(summary(&dir.path().join("out"))["files_from_cache"].as_u64().unwrap() > 0);
}
