//! What merging and checking one report year produced (its findings, the rows it rejected, its
//! report tally and the digest of its partitions), kept under `.xxgk-cache/years/` so that a
//! re-run whose inputs for that year are unchanged takes it from here instead of loading, merging
//! and checking the year's cells again.
//!
//! A year's outcome depends on the files with cells in that year and, through R5 (across years),
//! on those of the year before: the key is both lists of (path, the file's digest for that year) in
//! file order, with the reading context, `--strict` and the tables compiled in. R5 gives warnings
//! only, so everything but its findings depends on the year's own files: an outcome is also kept
//! under the key of those alone, and a year whose own files are unchanged but whose year before
//! changed is checked against it again (`across_years::recheck`) instead of being merged again.

use crate::model::finding::Finding;
use crate::model::Report;
use crate::model::{ParsedFile, Rejection, ReportKey};
use crate::reference::catalog::Format;
use crate::stages::validate::across_years::{is_across_years, read_of_year_before, recheck, KeptCurrent};
use crate::store::summary::ReportTally;
use crate::support::codec;
use crate::support::hash::{HashMap, HashSet};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct YearOutcome {
    pub findings: Vec<Finding>,
    pub rejections: Vec<Rejection>,
    pub tally: ReportTally,
    /// The year's `reports`/`facts` partitions, each region group's with its digest; empty when
    /// the year stored nothing.
    pub content: crate::store::Partitions,
    /// What R5 needs of the year: kept in a file of its own, read only when a neighbour is
    /// checked again (most years of a re-run need none of it). Set for a year merged this run.
    #[serde(skip)]
    pub across: Option<AcrossYears>,
    /// Where `across` is kept, for an outcome loaded from the cache.
    #[serde(skip)]
    pub(crate) side: Option<PathBuf>,
}

/// What R5 reads of a year's stored reports, in report order.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct AcrossYears {
    /// As the year before: enough to check the year after against this one without loading this
    /// one's cells.
    pub for_next_year: Vec<KeptReport>,
    /// As the later year: enough to check this year again against a changed year before.
    pub for_recheck: KeptCurrent,
}

impl YearOutcome {
    /// What R5 needs of the year: the merged year's, or read from the cache (empty if unreadable,
    /// which checks nothing against it: the next run merges again what it cannot find).
    pub fn across_years(&self) -> AcrossYears {
        if let Some(a) = &self.across {
            return a.clone();
        }
        self.side
            .as_ref()
            .and_then(|p| std::fs::read(p).ok())
            .and_then(|b| codec::decode(&b).ok())
            .unwrap_or_default()
    }

    /// This outcome with R5's findings found again against `last_year` (the year before's
    /// reports, sorted). They come last in a year's findings, as `check_year` adds them.
    pub fn rechecked(&self, last_year: &[Report], across: AcrossYears) -> YearOutcome {
        let mut o = self.clone();
        o.findings.retain(|f| !is_across_years(f.rule));
        o.findings.extend(recheck(&across.for_recheck, last_year));
        o.across = Some(across);
        o
    }
}

/// A stored report as R5 sees it from the year after (`across_years::read_of_year_before`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptReport {
    key: ReportKey,
    format: Format,
    cells: Vec<(u16, Option<f64>)>,
}

impl KeptReport {
    /// What the year after needs of `reports` (one year's, sorted): the stored ones.
    pub fn of(reports: &[Report]) -> Vec<KeptReport> {
        reports
            .iter()
            .filter(|r| !r.rejected)
            .map(|r| KeptReport {
                key: r.key.clone(),
                format: r.format,
                cells: read_of_year_before(r).into_iter().map(|m| (m as u16, r.values[m])).collect(),
            })
            .collect()
    }

    pub fn to_report(&self) -> Report {
        let mut r = Report::new(self.key.clone());
        r.format = self.format;
        for &(m, v) in &self.cells {
            if let Some(slot) = r.values.get_mut(usize::from(m)) {
                *slot = v;
            }
        }
        r
    }
}

pub struct YearCache {
    dir: PathBuf,
}

impl YearCache {
    pub fn new(cache_dir: &Path) -> YearCache {
        YearCache { dir: cache_dir.join("years") }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.bin"))
    }

    fn side(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.r5.bin"))
    }

    fn load_at(&self, key: &str) -> Option<YearOutcome> {
        let mut o: YearOutcome = codec::decode(&std::fs::read(self.path(key)).ok()?).ok()?;
        o.side = Some(self.side(key));
        Some(o)
    }

    pub fn load(&self, key: &YearKey) -> Option<YearOutcome> {
        self.load_at(&key.full)
    }

    /// The outcome kept under the year's own files alone, whatever the year before was.
    pub fn load_own(&self, key: &YearKey) -> Option<YearOutcome> {
        self.load_at(&key.own)
    }

    /// Best effort, like the rest of the cache: a year not kept is merged again next time. Kept
    /// under both of its keys (hard links), what R5 needs beside it.
    pub fn store(&self, key: &YearKey, outcome: &YearOutcome) {
        let across = outcome.across_years();
        let (Ok(main), Ok(side)) = (codec::encode(outcome), codec::encode(&across)) else { return };
        if std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        for (path, bytes) in [(self.side(&key.full), side), (self.path(&key.full), main)] {
            if crate::stages::ingest::cache::write_by_rename(&path, &bytes).is_err() {
                return;
            }
        }
        for (from, to) in
            [(self.side(&key.full), self.side(&key.own)), (self.path(&key.full), self.path(&key.own))]
        {
            let _ = std::fs::remove_file(&to);
            if std::fs::hard_link(&from, &to).is_err() {
                let _ = std::fs::copy(&from, &to);
            }
        }
    }

    /// Remove every kept year but those under `keys` (this run's).
    pub fn retain(&self, keys: &[YearKey]) {
        let keep: HashSet<PathBuf> =
            keys.iter().flat_map(|k| [&k.full, &k.own]).flat_map(|k| [self.path(k), self.side(k)]).collect();
        for e in std::fs::read_dir(&self.dir).into_iter().flatten().flatten() {
            if !keep.contains(&e.path()) {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
}

/// A year's keys in the year cache: of its files and the year before's (`full`), and of its own
/// files alone (`own`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearKey {
    pub full: String,
    pub own: String,
}

/// The keys of each year the files have cells in.
pub fn year_keys(context: &str, strict: bool, files: &[ParsedFile]) -> BTreeMap<i32, YearKey> {
    let mut by_year: BTreeMap<i32, Sha256> = BTreeMap::new();
    for f in files {
        for &y in &f.years {
            let h = by_year.entry(y).or_default();
            h.update((f.file.display.len() as u64).to_le_bytes());
            h.update(f.file.display.as_bytes());
            h.update(f.year_digest(y).as_bytes());
        }
    }
    let lists: BTreeMap<i32, [u8; 32]> = by_year.into_iter().map(|(y, h)| (y, h.finalize().into())).collect();
    lists
        .iter()
        .map(|(&y, list)| {
            let mut h = Sha256::new();
            h.update(crate::store::digest::build_digest());
            h.update(context);
            h.update([u8::from(strict)]);
            h.update(y.to_le_bytes());
            h.update(list);
            let mut own = h.clone();
            own.update(b"own");
            match lists.get(&(y - 1)) {
                Some(before) => h.update(before),
                None => h.update(b"-"),
            }
            let hex = |h: Sha256| crate::store::digest::hex(&h.finalize());
            (y, YearKey { full: hex(h), own: hex(own) })
        })
        .collect()
}

/// Apply a year's rejections (merged now, or taken from the cache) to the files they name.
pub fn replay(files: &mut [ParsedFile], by_name: &HashMap<String, usize>, rejections: &[Rejection]) {
    for r in rejections {
        let at = r.file_no.map(|n| n as usize).or_else(|| by_name.get(&r.file).copied());
        if let Some(f) = at.and_then(|i| files.get_mut(i)) {
            f.reject(r.record, r.line, r.reason.clone());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::InputFile;

    fn file(name: &str, sha: &str, years: &[i32]) -> ParsedFile {
        let mut f = ParsedFile::new(&InputFile::named(name));
        f.sha256 = sha.into();
        f.years = years.to_vec();
        f
    }

    #[test]
    fn a_changed_file_changes_its_years_and_the_year_after() {
        let a = vec![file("a.csv", "1", &[2021]), file("b.csv", "2", &[2022]), file("c.csv", "3", &[2023])];
        let mut b = a.iter().map(ParsedFile::without_cells).collect::<Vec<_>>();
        b[1].sha256 = "2'".into();
        let (ka, kb) = (year_keys("ctx", false, &a), year_keys("ctx", false, &b));
        assert_eq!(ka[&2021], kb[&2021]);
        assert_ne!(ka[&2022], kb[&2022]);
        assert_ne!(ka[&2023], kb[&2023], "R5 of 2023 compares against 2022");
        assert_eq!(ka[&2023].own, kb[&2023].own, "2023's own files did not change");
        assert_ne!(ka[&2022].own, kb[&2022].own);
        assert_ne!(ka[&2021], year_keys("ctx", true, &a)[&2021], "--strict");
    }

    #[test]
    fn an_edit_to_one_year_of_a_file_changes_that_year_and_the_next() {
        use crate::model::{Cell, ReportKey};
        // One file, one report a year; `value` is 2022's cell and `shift` moves 2021's line.
        let make = |sha: &str, value: f64, shift: u32| {
            let mut f = file("p.csv", sha, &[]);
            for year in [2021, 2022, 2023] {
                f.reports.push(ReportKey { region: 653128, year, body: "岳普湖县人民政府".into() });
            }
            f.cells = (0..3u32)
                .map(|r| {
                    let value = Some(if r == 1 { value } else { 1.0 });
                    let line = r + 2 + if r == 0 { shift } else { 0 };
                    Cell { report: r, metric: 0, col: 4, record: r, line, value, declared: None, kind: None }
                })
                .collect();
            f.note_years();
            f
        };
        let (f, g, h) = (make("1", 1.0, 0), make("2", 2.0, 0), make("3", 1.0, 1));
        assert_eq!(f.years, [2021, 2022, 2023]);
        assert_eq!(f.year_digest(2021), g.year_digest(2021));
        assert_ne!(f.year_digest(2022), g.year_digest(2022));
        assert_eq!(f.year_digest(2023), g.year_digest(2023));
        let (kf, kg) = (year_keys("ctx", false, std::slice::from_ref(&f)), year_keys("ctx", false, &[g]));
        assert_eq!(kf[&2021], kg[&2021], "the file's SHA-256 changed, its 2021 rows did not");
        assert_ne!(kf[&2022], kg[&2022]);
        assert_ne!(kf[&2023], kg[&2023], "R5 of 2023 compares against 2022");
        // A row moved to another line gives its findings another line: that year changes too.
        assert_ne!(f.year_digest(2021), h.year_digest(2021));
        assert_eq!(f.year_digest(2022), h.year_digest(2022));
    }

    #[test]
    fn rejections_are_applied_by_number_now_and_by_name_from_the_cache() {
        let rejection = |file: &str, file_no, record, reason: &str| Rejection {
            file: file.into(),
            file_no,
            record,
            line: 5,
            reason: reason.into(),
        };
        // Two inputs can share a name; a rejection made in this run goes to its own file.
        let mut files = vec![file("a.csv", "1", &[2021]), file("a.csv", "2", &[2021])];
        files[1].reject(3, 5, "read".into());
        let by_name = HashMap::from_iter([("a.csv".to_string(), 0)]);
        replay(&mut files, &by_name, &[rejection("a.csv", Some(1), 3, "merge")]);
        assert!(files[0].rejected.is_empty());
        assert_eq!(files[1].rejected[&3].reasons, ["read", "merge"]);
        // From the cache (no number), by name, after what reading the file rejected.
        let mut cached = vec![file("a.csv", "1", &[2021])];
        cached[0].reject(3, 5, "read".into());
        let mut kept = rejection("a.csv", Some(7), 3, "merge");
        kept = codec::decode(&codec::encode(&kept).unwrap()).unwrap();
        assert_eq!(kept.file_no, None, "the number is not kept in the cache");
        replay(&mut cached, &by_name, &[kept]);
        assert_eq!(cached[0].rejected[&3].reasons, ["read", "merge"]);
    }
}
