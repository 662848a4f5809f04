//! What merging and checking one part (a report year's region group, `store::region_group`)
//! produced (its findings, the rows it rejected, its report tally and the digest of its
//! partition), kept under `.xxgk-cache/years/` so that a re-run whose inputs for that part are
//! unchanged takes it from here instead of loading, merging and checking its cells again.
//!
//! A part's outcome depends on the files with reports in it and, through R5 (across years), on
//! those of the same region group the year before (a report is compared with its own body's of the
//! year before, whose region is the same): the key is both lists of (path, the file's digest for
//! that year) in file order, with the reading context, `--strict` and the tables compiled in. R5
//! gives warnings only, so everything but its findings depends on the part's own files: an outcome
//! is also kept under the key of those alone, and a part whose own files are unchanged but whose
//! year before changed is checked against it again (`across_years::recheck`) instead of being
//! merged again.
//!
//! Why parts and not years: a one-file re-run of the national set merged and checked the changed
//! file's whole year (2,846 reports) and R5 of the year after; by region group it is a sixth of
//! that. The re-run went from 0.251 to 0.196 s inside the process (`XXGK_TIMINGS`, 2-core EPYC,
//! 2026-12-07), its ingest from 0.123 to 0.079 s.

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
    /// Who the part's stored reports are: each one's (region code, scope index), ascending. The
    /// run's coverage (who reported) is made from every part's, kept or merged, instead of being
    /// read back from the `reports` partitions ([`reported_of`]).
    pub reported: Vec<(u32, u32)>,
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

/// Who the stored reports of one part are ([`Report::stored_in`] its year): each one's (region
/// code, scope index), ascending, as the coverage reads them.
pub fn reported_of(reports: &[Report], year: i32) -> Vec<(u32, u32)> {
    let mut out: Vec<(u32, u32)> =
        reports.iter().filter(|r| r.stored_in(year)).map(|r| (r.key.region, r.body_kind.index())).collect();
    out.sort_unstable();
    out.dedup();
    out
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
        let mut r = Report::for_checks(self.key.clone(), self.format);
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

/// A report year's region group (`store::region_group_number`): what a re-run merges again or
/// keeps. A county's report is checked against its own year before only (R5), which is in the
/// same group, so a group of a year depends on its files and on the same group's of the year
/// before, and nothing else.
pub type Part = (i32, u32);

/// A part's keys in the year cache: of its files and those of the same group the year before
/// (`full`), and of its own files alone (`own`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YearKey {
    pub full: String,
    pub own: String,
}

/// The parts a file has reports in (of the years it has cells in), ascending.
pub fn parts_of(f: &ParsedFile) -> Vec<Part> {
    let mut parts: Vec<Part> = f
        .reports
        .iter()
        .filter(|k| f.years.contains(&k.year))
        .map(|k| (k.year, crate::store::region_group_number(k.region)))
        .collect();
    parts.sort_unstable();
    parts.dedup();
    parts
}

/// The keys of each part the files have reports in. A part's list names each file with reports
/// in it by its digest for the year: a file with reports in two groups (a prefecture's CSV of
/// every county is one group, a national one is several) is in both lists, and an edit to it
/// merges both again.
pub fn year_keys(context: &str, strict: bool, files: &[ParsedFile]) -> BTreeMap<Part, YearKey> {
    let mut by_part: BTreeMap<Part, Sha256> = BTreeMap::new();
    for f in files {
        for part in parts_of(f) {
            let h = by_part.entry(part).or_default();
            h.update((f.file.display.len() as u64).to_le_bytes());
            h.update(f.file.display.as_bytes());
            h.update(f.year_digest(part.0).as_bytes());
        }
    }
    let lists: BTreeMap<Part, [u8; 32]> =
        by_part.into_iter().map(|(p, h)| (p, h.finalize().into())).collect();
    lists
        .iter()
        .map(|(&(y, g), list)| {
            let mut h = Sha256::new();
            h.update(crate::store::digest::build_digest());
            h.update(context);
            h.update([u8::from(strict)]);
            h.update(y.to_le_bytes());
            h.update(g.to_le_bytes());
            h.update(list);
            let mut own = h.clone();
            own.update(b"own");
            match lists.get(&(y - 1, g)) {
                Some(before) => h.update(before),
                None => h.update(b"-"),
            }
            let hex = |h: Sha256| crate::store::digest::hex(&h.finalize());
            ((y, g), YearKey { full: hex(h), own: hex(own) })
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
    use crate::model::{InputFile, ReportKey};

    #[test]
    fn reported_are_the_stored_reports_of_the_year_with_their_scope() {
        use crate::model::scope::BodyKind;
        let report = |region: u32, year: i32, kind: BodyKind, rejected: bool| {
            let key = ReportKey { region, year, body: format!("{region}-{kind:?}") };
            let mut r = Report::for_checks(key, Format::F2021);
            r.body_kind = kind;
            r.rejected = rejected;
            r
        };
        let reports = [
            report(653128, 2023, BodyKind::Department, false),
            report(653101, 2023, BodyKind::Government, false),
            report(653128, 2023, BodyKind::Government, false),
            // Not stored: rejected, or of another year (a multi-year file's).
            report(653129, 2023, BodyKind::Government, true),
            report(653130, 2022, BodyKind::Government, false),
            // A second department of the same county: one (region, scope).
            report(653128, 2023, BodyKind::Department, false),
        ];
        let dept = BodyKind::Department.index();
        assert_eq!(reported_of(&reports, 2023), [(653101, 0), (653128, 0), (653128, dept)]);
        assert_eq!(reported_of(&reports, 2022), [(653130, 0)]);
    }

    /// A file with a report of 岳普湖县 (region group 63) in each of `years`.
    fn file(name: &str, sha: &str, years: &[i32]) -> ParsedFile {
        let mut f = ParsedFile::new(&InputFile::named(name));
        f.sha256 = sha.into();
        f.years = years.to_vec();
        f.reports =
            years.iter().map(|&year| ReportKey { region: 653128, year, body: String::new() }).collect();
        f
    }

    #[test]
    fn a_part_is_a_year_and_region_group_and_depends_on_that_group_alone() {
        // One file of 岳普湖县 (group 63), one of 仙桃市 (group 42), a national one of both.
        let mut a = vec![file("x.csv", "1", &[2022, 2023]), file("y.csv", "2", &[2022, 2023])];
        for f in &mut a[1].reports {
            f.region = 429004;
        }
        let mut both = file("n.csv", "3", &[2023]);
        both.reports.push(ReportKey { region: 429004, year: 2023, body: String::new() });
        a.push(both);
        assert_eq!(parts_of(&a[2]), [(2023, 42), (2023, 63)]);
        let ka = year_keys("ctx", false, &a);
        assert_eq!(ka.keys().copied().collect::<Vec<_>>(), [(2022, 42), (2022, 63), (2023, 42), (2023, 63)]);
        let national = year_keys("ctx", false, &a[2..]);
        assert_ne!(
            national[&(2023, 42)],
            national[&(2023, 63)],
            "the same files, but the group is in the key"
        );
        let mut b: Vec<ParsedFile> = a.iter().map(ParsedFile::without_cells).collect();
        b[0].sha256 = "1'".into();
        let kb = year_keys("ctx", false, &b);
        assert_ne!(ka[&(2022, 63)], kb[&(2022, 63)]);
        assert_ne!(ka[&(2023, 63)], kb[&(2023, 63)]);
        assert_eq!(ka[&(2022, 42)], kb[&(2022, 42)], "another group's files did not change");
        assert_eq!(ka[&(2023, 42)], kb[&(2023, 42)]);
        // The national file is in both groups' lists: an edit to it merges both again.
        let mut c: Vec<ParsedFile> = a.iter().map(ParsedFile::without_cells).collect();
        c[2].sha256 = "3'".into();
        let kc = year_keys("ctx", false, &c);
        assert_ne!(ka[&(2023, 42)].own, kc[&(2023, 42)].own);
        assert_ne!(ka[&(2023, 63)].own, kc[&(2023, 63)].own);
        assert_eq!(ka[&(2022, 63)], kc[&(2022, 63)]);
    }

    #[test]
    fn a_changed_file_changes_its_years_and_the_year_after() {
        let a = vec![file("a.csv", "1", &[2021]), file("b.csv", "2", &[2022]), file("c.csv", "3", &[2023])];
        let mut b = a.iter().map(ParsedFile::without_cells).collect::<Vec<_>>();
        b[1].sha256 = "2'".into();
        let (ka, kb) = (year_keys("ctx", false, &a), year_keys("ctx", false, &b));
        assert_eq!(ka[&(2021, 63)], kb[&(2021, 63)]);
        assert_ne!(ka[&(2022, 63)], kb[&(2022, 63)]);
        assert_ne!(ka[&(2023, 63)], kb[&(2023, 63)], "R5 of 2023 compares against 2022");
        assert_eq!(ka[&(2023, 63)].own, kb[&(2023, 63)].own, "2023's own files did not change");
        assert_ne!(ka[&(2022, 63)].own, kb[&(2022, 63)].own);
        assert_ne!(ka[&(2021, 63)], year_keys("ctx", true, &a)[&(2021, 63)], "--strict");
    }

    #[test]
    fn an_edit_to_one_year_of_a_file_changes_that_year_and_the_next() {
        use crate::model::Cell;
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
        assert_eq!(kf[&(2021, 63)], kg[&(2021, 63)], "the file's SHA-256 changed, its 2021 rows did not");
        assert_ne!(kf[&(2022, 63)], kg[&(2022, 63)]);
        assert_ne!(kf[&(2023, 63)], kg[&(2023, 63)], "R5 of 2023 compares against 2022");
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
