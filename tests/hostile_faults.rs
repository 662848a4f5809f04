//! Faults around a run: a crash half-way through writing (abort, `kill -9`), a full disk, two runs
//! on the same output folder. In every case the previous output stays whole and readable, nothing
//! half-written is published, and the next run succeeds.
//!
//! They run on Linux and Windows alike (`kill` is SIGKILL on one, `TerminateProcess` on the other),
//! except the full disk, which needs a tmpfs: Linux only. The journaled publish Windows uses is
//! tested here on Linux too (`XXGK_TEST_PUBLISH_JOURNAL`), crash half-way through it included.

mod common;
use common::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn bin(args: &[&str], cwd: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_xxgk"));
    c.args(args).current_dir(cwd).env("CI", "1");
    c
}

const RUN: [&str; 6] = ["run", "in", "--out", "out", "--max-year", "2024"];

/// Every file under `dir` (staging folders excluded) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    for e in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let e = e.unwrap();
        let rel = e.path().strip_prefix(dir).unwrap().to_path_buf();
        if e.file_type().is_file() && !rel.to_string_lossy().starts_with(".xxgk-") {
            out.insert(rel, std::fs::read(e.path()).unwrap());
        }
    }
    out
}

fn staging_folders(out: &Path) -> Vec<String> {
    std::fs::read_dir(out)
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.starts_with(".xxgk-staging-"))
                .collect()
        })
        .unwrap_or_default()
}

/// (region, year, licensing_decisions, fees_amount) of every stored report, read back from Parquet.
fn stored_values(out: &Path) -> Vec<(String, String, Option<f64>, Option<f64>)> {
    let mut rows = Vec::new();
    for p in parquet_files(&out.join("parquet/reports")) {
        let year = p.parent().unwrap().file_name().unwrap().to_string_lossy().into_owned();
        let b = read_parquet(&p);
        for i in 0..b.num_rows() {
            rows.push((
                strings(&b, "region_code")[i].clone().unwrap(),
                year.clone(),
                floats(&b, "licensing_decisions")[i],
                floats(&b, "fees_amount")[i],
            ));
        }
    }
    rows
}

/// Input A (2022–2023) and input B (2023–2024, other values): a run on B replaces every product.
fn input(dir: &Path, which: char) {
    let _ = std::fs::remove_dir_all(dir.join("in"));
    let (years, seed) = if which == 'A' { ([2022, 2023], 1) } else { ([2023, 2024], 7) };
    let r = consistent_report(seed);
    let reports: Vec<Row> = years
        .iter()
        .flat_map(|&y| [("653101", "喀什市", y, "", &r), ("653121", "疏附县", y, "", &r)])
        .collect();
    write(&dir.join("in/a.csv"), long_csv(&reports));
}

/// A process that ended by `std::process::abort`: SIGABRT on Unix; on Windows the fast-fail status
/// (0xC0000409), or under wine whatever it makes of it, so only "not a normal exit" is asserted there.
fn aborted(status: std::process::ExitStatus) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.signal() == Some(6)
    }
    #[cfg(not(unix))]
    {
        !status.success() && status.code() != Some(2)
    }
}

/// A process ended by `Child::kill`: SIGKILL on Unix, `TerminateProcess` (exit code 1) on Windows.
fn killed(status: std::process::ExitStatus) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        status.signal() == Some(9)
    }
    #[cfg(not(unix))]
    {
        status.code() == Some(1)
    }
}

fn wait_for(what: &str, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn staged_parquet(out: &Path) -> usize {
    staging_folders(out).iter().map(|s| parquet_files(&out.join(s)).len()).sum()
}

#[test]
fn an_abort_half_way_leaves_the_previous_output_whole_and_the_next_run_succeeds() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    input(dir.path(), 'A');
    let o = xxgk(&RUN, dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    let before = snapshot(&out);
    let values_a = stored_values(&out);
    assert_eq!(values_a.len(), 4);

    input(dir.path(), 'B');
    let o = bin(&RUN, dir.path()).env("XXGK_TEST_ABORT_AFTER", "2").output().unwrap();
    assert!(aborted(o.status), "aborted: {:?} {}", o.status, stderr(&o));
    assert!(stderr(&o).contains("aborting after 2 Parquet files"), "{}", stderr(&o));
    // The crash left its staging folder (no destructor ran), with the 2 files it wrote...
    assert_eq!(staging_folders(&out).len(), 1);
    assert!(staged_parquet(&out) >= 2);
    // ...but nothing outside it changed: same bytes, same values read back.
    assert_eq!(snapshot(&out), before);
    assert_eq!(stored_values(&out), values_a);

    let o = xxgk(&RUN, dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(staging_folders(&out).is_empty(), "the next run that takes the lock cleans it");
    let years: Vec<String> = stored_values(&out).into_iter().map(|v| v.1).collect();
    assert_eq!(years, ["year=2023", "year=2023", "year=2024", "year=2024"]);
    assert_nothing_lost(&out);
}

#[test]
fn kill_9_during_the_writes_leaves_the_previous_output_whole() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    input(dir.path(), 'A');
    assert_eq!(code(&xxgk(&RUN, dir.path())), 0);
    let before = snapshot(&out);
    // A bigger input, written slowly enough to be caught half-way.
    std::fs::remove_dir_all(dir.path().join("in")).unwrap();
    let o = xxgk(&["synth", "--out", "in", "--regions", "653100", "--years", "2021..2024"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let mut child = bin(&RUN, dir.path())
        .env("XXGK_TEST_SLOW_PARTITION_MS", "200")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the first staged Parquet file", || staged_parquet(&out) >= 1);
    child.kill().unwrap(); // SIGKILL; TerminateProcess on Windows
    let status = child.wait().unwrap();
    assert!(killed(status), "{status:?}");
    assert_eq!(snapshot(&out), before, "nothing published by the killed run");
    let o = xxgk(&RUN, dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(staging_folders(&out).is_empty());
    let s = assert_nothing_lost(&out);
    assert_eq!(s["reports_stored"], 48, "12 counties × 4 years");
}

/// The journaled publish (Windows' way, forced here) killed after its first product moved in: the
/// output is then half old, half new, and the journal says so; the next command that takes the
/// lock finishes the publish before anything else, so the output is exactly what the killed run
/// would have published, and a run after it succeeds as usual.
#[test]
fn a_crash_half_way_through_a_journaled_publish_is_rolled_forward() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    input(dir.path(), 'B');
    let o = bin(&["run", "in", "--out", "want", "--max-year", "2024"], dir.path()).output().unwrap();
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let want = snapshot(&dir.path().join("want"));

    input(dir.path(), 'A');
    assert_eq!(code(&xxgk(&RUN, dir.path())), 0);
    input(dir.path(), 'B');
    let o = bin(&RUN, dir.path())
        .env("XXGK_TEST_PUBLISH_JOURNAL", "1")
        .env("XXGK_TEST_ABORT_AFTER_MOVES", "1")
        .output()
        .unwrap();
    assert!(aborted(o.status), "aborted: {:?} {}", o.status, stderr(&o));
    assert!(stderr(&o).contains("aborting after 1 products moved in"), "{}", stderr(&o));
    let journal = std::fs::read_to_string(out.join(".xxgk-publish")).unwrap();
    assert!(journal.starts_with("xxgk-publish 1\nstaging .xxgk-staging-"), "{journal}");
    assert_ne!(snapshot(&out), want, "half-way: not yet the new output");

    // `xxgk rollup` takes the lock too: it rolls the publish forward first, then rolls up again
    // from the (now new) facts, which gives the same bytes.
    let o = xxgk(&["rollup", "--out", "out"], dir.path());
    assert_eq!(code(&o), 0, "{}{}", stdout(&o), stderr(&o));
    assert!(!out.join(".xxgk-publish").exists());
    assert!(staging_folders(&out).is_empty());
    let got = snapshot(&out);
    let same = |m: &BTreeMap<PathBuf, Vec<u8>>| -> BTreeMap<PathBuf, Vec<u8>> {
        m.iter().filter(|(k, _)| k.starts_with("parquet")).map(|(k, v)| (k.clone(), v.clone())).collect()
    };
    assert_eq!(same(&got).keys().collect::<Vec<_>>(), same(&want).keys().collect::<Vec<_>>());
    assert_eq!(same(&got), same(&want), "the Parquet products are the new run's, byte for byte");
    let years: Vec<String> = stored_values(&out).into_iter().map(|v| v.1).collect();
    assert_eq!(years, ["year=2023", "year=2023", "year=2024", "year=2024"]);
    assert_nothing_lost(&out);
}

#[test]
fn two_runs_on_one_output_folder_one_fails_fast_and_nothing_interleaves() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let other = tempfile::tempdir().unwrap();
    input(dir.path(), 'A');
    input(other.path(), 'B');
    let mut first = bin(&RUN, dir.path())
        .env("XXGK_TEST_SLOW_PARTITION_MS", "300")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mine = format!(".xxgk-staging-{}", first.id());
    wait_for("the first run to hold the lock", || staging_folders(&out).contains(&mine));
    let second_in = other.path().join("in");
    let started = Instant::now();
    let o = xxgk(
        &["run", second_in.to_str().unwrap(), "--out", out.to_str().unwrap(), "--max-year", "2024"],
        dir.path(),
    );
    assert!(started.elapsed() < Duration::from_secs(5), "fails fast, does not wait for the lock");
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    assert_eq!(
        stderr(&o).trim(),
        format!(
            "error: another xxgk is writing to {} right now (lock file {} is held); wait for it to finish and run again",
            out.display(),
            out.join(".xxgk.lock").display()
        )
    );
    let status = first.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    // Only the first run's data, none of the second's.
    let years: Vec<String> = stored_values(&out).into_iter().map(|v| v.1).collect();
    assert_eq!(years, ["year=2022", "year=2022", "year=2023", "year=2023"]);
    let s = assert_nothing_lost(&out);
    assert_eq!(s["rows_read"], 800);
    assert!(staging_folders(&out).is_empty());
}

/// A tmpfs of `size` bytes at `path`, unmounted on drop; `None` where mounting is not allowed.
#[cfg(target_os = "linux")]
struct Tmpfs(PathBuf);

#[cfg(target_os = "linux")]
impl Tmpfs {
    fn mount(path: &Path, size: u64) -> Option<Tmpfs> {
        std::fs::create_dir_all(path).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs", path.to_str().unwrap()])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        ok.then(|| Tmpfs(path.to_path_buf()))
    }
}

#[cfg(target_os = "linux")]
impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
    }
}

/// Linux only: a small disk is a tmpfs mount. (Windows has no unprivileged small volume to fill;
/// the library's `/dev/full`-style unit test covers the error path's wording on Linux.)
#[cfg(target_os = "linux")]
#[test]
fn a_full_disk_fails_with_exit_2_naming_the_path_and_leaves_the_old_output() {
    let dir = tempfile::tempdir().unwrap();
    input(dir.path(), 'A');
    let o = xxgk(&["run", "in", "--out", "first", "--max-year", "2024"], dir.path());
    assert_eq!(code(&o), 0);
    let used: u64 =
        snapshot(&dir.path().join("first")).values().map(|b| (b.len() as u64).div_ceil(4096) * 4096).sum();
    // Room for the old output and a little more; the national-sized new one cannot fit.
    let out = dir.path().join("out");
    let Some(_fs) = Tmpfs::mount(&out, used + 64 * 1024) else {
        eprintln!(
            "skipped: cannot mount a tmpfs here (needs root with CAP_SYS_ADMIN); see the /dev/full unit test"
        );
        return;
    };
    for (rel, bytes) in snapshot(&dir.path().join("first")) {
        write(&out.join(rel), bytes);
    }
    let before = snapshot(&out);
    std::fs::remove_dir_all(dir.path().join("in")).unwrap();
    let o = xxgk(&["synth", "--out", "in", "--regions", "650000", "--years", "2021..2024"], dir.path());
    assert_eq!(code(&o), 0, "{}", stderr(&o));
    let o = xxgk(&RUN, dir.path());
    assert_eq!(code(&o), 2, "{}{}", stdout(&o), stderr(&o));
    let err = stderr(&o);
    assert!(err.starts_with("error: the run failed before publishing; out is left as it was: "), "{err}");
    // The first write that finds the disk full is named: the cells waiting for their year's merge
    // (`.spill/`) or a Parquet partition, both inside the staging folder.
    assert!(err.contains("out/.xxgk-staging-"), "names the file: {err}");
    assert!(err.trim_end().ends_with("No space left on device (os error 28)"), "{err}");
    assert_eq!(err.matches("No space left").count(), 1, "said once: {err}");
    assert_eq!(snapshot(&out), before, "the old output is intact");
    assert_eq!(stored_values(&out).len(), 4);
    assert!(staging_folders(&out).is_empty(), "the failed run removed its staging folder");
}
