//! Rollup: sums over every county, prefecture, province and the nation, every year, with
//! year-over-year change, share of the parent region, rank among siblings and derived ratios.
//! Reads `parquet/facts` (Hive-partitioned) and sums it with polars (`compute`); writes
//! `parquet/rollup` and `parquet/rollup_wide`.
//! The rollup is harmonized across the 2019 and 2021 formats (`catalog::harmonized`): a comparable
//! metric sums every report that has it under either table, a not-comparable one only the reports
//! whose table prints it.

pub mod compute;
pub mod coverage;
pub mod dim;
pub mod finish;
pub mod indicators;
pub mod published;
pub mod rank;
pub mod tables;
pub mod totals;
pub mod write;

pub use compute::{RollupOptions, LEVELS};

use crate::store::reuse::Previous;
use crate::support::error::{IoContext, Result};
use finish::{Row, Sums};
use published::FactsDigests;
use write::{by_group, long_rel, wide_rel};

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

pub const PRODUCTS: [&str; 3] = ["parquet/rollup", "parquet/rollup_wide", "parquet/dim"];

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RollupSummary {
    /// Rows written per level, long layout.
    pub rows: Vec<(String, usize)>,
    pub years: Vec<i32>,
}

/// A facts file written before reports had a scope (no `body_kind` column): the rollup cannot tell
/// a government's numbers from a department's in it, and says so rather than failing in a query.
fn written_before_scopes(facts_dir: &Path) -> Option<std::path::PathBuf> {
    let first = walkdir::WalkDir::new(facts_dir)
        .sort_by_file_name()
        .into_iter()
        .flatten()
        .find(|e| e.path().extension().is_some_and(|x| x == "parquet"))?;
    let builder = crate::store::dict_read::open(first.path()).ok()?;
    builder.schema().field_with_name("body_kind").is_err().then(|| first.path().to_path_buf())
}

fn has_parquet(dir: &Path) -> bool {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .any(|e| e.path().extension().is_some_and(|x| x == "parquet"))
}

/// Up to this many facts in a year, its region groups are summed in parallel; past it one after
/// another. Summing holds some 100 bytes a fact of its group: two of the nation's every-body groups
/// at once (3 to 5 million facts each) took the run's peak from 1.4 to 2.2 GB.
const PARALLEL_SUM_ROWS: u64 = 4_000_000;

/// Which region groups' county and prefecture rows a year's [`Sums`] hold (the province and
/// national rows are always all there).
#[derive(Debug, Clone)]
enum Cover {
    All,
    Only(BTreeSet<String>),
}

impl Cover {
    fn covers(&self, groups: &BTreeSet<String>) -> bool {
        match self {
            Cover::All => true,
            Cover::Only(have) => groups.is_subset(have),
        }
    }
}

/// Where a year's sums come from: summed from its facts, or read back from what was published.
struct SumsSource<'a> {
    facts_dir: &'a Path,
    opts: &'a RollupOptions,
    previous: Option<&'a Previous>,
    facts: &'a FactsDigests,
    levels: &'a [&'static str],
}

impl SumsSource<'_> {
    fn has(&self, level: &str) -> bool {
        self.levels.contains(&level)
    }

    /// Summed from the facts: the year's, or one region group's.
    fn summed(&self, year: i32, group: Option<&str>) -> Result<Vec<Row>> {
        compute::year_sums(self.facts_dir, year, group, self.opts)
    }

    /// [`Self::year`] for `year` and for the year before. When only some region groups are
    /// rolled up again (a re-run), the two are read at once: summing the changed group of one year
    /// and reading the other's back from what was published each keep one core busy. Every group
    /// of a year is summed on every core already, and two years' at once would hold both.
    /// A one-file re-run of the national set: from the facts' digests to the rollup's end 149 → 133
    /// and 137 → 128 ms (medians of 16 alternating runs, each order once, 2026-12-07).
    fn year_and_before(&self, year: i32, groups: &BTreeSet<String>) -> Result<((Sums, Cover), Sums)> {
        if self.facts.groups(year).is_subset(groups) {
            let cur = self.year(year, groups)?;
            return Ok((cur, self.year(year - 1, groups)?.0));
        }
        let (cur, last) = rayon::join(|| self.year(year, groups), || self.year(year - 1, groups));
        Ok((cur?, last?.0))
    }

    /// The sums of `year` with the county and prefecture rows of `groups` (every province's row
    /// and the nation's are always there). Everything is summed at once when that is every group;
    /// otherwise each group's rows are read back when they were published from
    /// the same facts, and summed from its partition when not.
    fn year(&self, year: i32, groups: &BTreeSet<String>) -> Result<(Sums, Cover)> {
        let all = self.facts.groups(year);
        let national = self.has("national");
        if all.is_subset(groups) {
            // Group by group: the groups share no province, so their rows are the year's, and
            // memory holds a group's facts per thread instead of the year's (every body of the
            // nation is 18 million facts a year). The rows are sorted afterwards and the sums are
            // integers, so the result is the same to the bit. Groups are summed in parallel when the
            // year is small enough: reading a group's facts is one thread's work, and summing a
            // year's groups one after another left the other core idle.
            let rows = if all.is_empty() {
                self.summed(year, None)?
            } else if compute::year_rows(self.facts_dir, year)? <= PARALLEL_SUM_ROWS {
                let parts: Vec<Vec<Row>> =
                    all.par_iter().map(|p| self.summed(year, Some(p))).collect::<Result<_>>()?;
                parts.concat()
            } else {
                let mut rows = Vec::new();
                for p in &all {
                    rows.extend(self.summed(year, Some(p))?);
                }
                rows
            };
            return Ok((totals::complete(rows, national), Cover::All));
        }
        let keys: BTreeMap<String, String> = all
            .iter()
            .filter_map(|p| Some((p.clone(), self.facts.part_sums_key(year, p, self.opts)?)))
            .collect();
        let with_provinces = self.has("province");
        let mut province_rows = match self.previous {
            Some(prev) if with_provinces => published::read_provinces(prev, year, &keys),
            _ => BTreeMap::new(),
        };
        let mut rows = Vec::new();
        let parts: BTreeSet<String> = groups.intersection(&all).cloned().collect();
        for p in &parts {
            let read = self.previous.zip(keys.get(p)).and_then(|(prev, k)| {
                let part = published::read_part(prev, self.levels, year, p, k)?;
                let own = if with_provinces { province_rows.remove(p)? } else { Vec::new() };
                Some((part, own))
            });
            match read {
                Some((part, own)) => {
                    rows.extend(part);
                    rows.extend(own);
                }
                None => {
                    province_rows.remove(p);
                    rows.extend(self.summed(year, Some(p))?);
                }
            }
        }
        if with_provinces {
            for q in all.difference(&parts) {
                match province_rows.remove(q) {
                    Some(own) => rows.extend(own),
                    None => rows.extend(
                        self.summed(year, Some(q))?.into_iter().filter(|r| finish::split(r.0).0 == 2),
                    ),
                }
            }
        }
        Ok((totals::complete(rows, national), Cover::Only(parts)))
    }
}

/// The keys of what one year's files are made of, for their footers.
#[derive(Debug, Default)]
struct YearKeys {
    /// Each region group's county and prefecture files: content and sums keys.
    parts: BTreeMap<String, (Option<String>, Option<String>)>,
    /// The province and national files.
    top: Option<String>,
    /// The province file's list of each group's sums key.
    sums_by_group: Option<String>,
}

/// Rows of one level of a year (of one region group, for a level cut by group) as a file to write.
struct LevelFile<'a> {
    level: usize,
    group: Option<String>,
    rows: finish::LevelRows<'a>,
}

/// Rows counted per level, and which levels have a file at all.
struct LevelCounts {
    rows: Vec<usize>,
    written: Vec<bool>,
}

impl LevelCounts {
    fn add(&mut self, level: usize, rows: usize) {
        self.rows[level] += rows;
        self.written[level] = true;
    }
}

/// What the rollup does with one year that cannot keep every published file: the region groups
/// rolled up again, and the keys of what the year's files are made of.
struct YearPlan {
    year: i32,
    changed: BTreeSet<String>,
    keys: YearKeys,
}

/// The run's settings and what it reads, shared by planning and summing every year.
struct Rollup<'a> {
    out_parquet: &'a Path,
    opts: &'a RollupOptions,
    previous: Option<&'a Previous>,
    facts: &'a FactsDigests,
    group_levels: Vec<&'static str>,
    top_levels: Vec<&'static str>,
}

impl Rollup<'_> {
    /// Link the published long and wide files of `levels` for `year` (and `group`) instead of
    /// writing them, counting their rows by level: all of them, or none (`false`).
    fn link(
        &self,
        levels: &[&str],
        at: (i32, Option<&str>),
        key: Option<&str>,
        counts: &mut LevelCounts,
    ) -> Result<bool> {
        let (year, group) = at;
        let (Some(prev_root), Some(key)) = (self.previous, key) else { return Ok(false) };
        // Each file with its level's number, the long one first; only those published.
        let files: Vec<(usize, String)> = levels
            .iter()
            .flat_map(|l| {
                let n = LEVELS.iter().position(|x| x == l).unwrap_or(0);
                [(n, long_rel(l, year, group)), (n, wide_rel(l, year, group))]
            })
            .filter(|(_, rel)| prev_root.has(rel))
            .collect();
        let rels: Vec<String> = files.iter().map(|(_, rel)| rel.clone()).collect();
        if !prev_root.link_if_unchanged(self.out_parquet, &rels, key)? {
            return Ok(false);
        }
        for (n, rel) in files.iter().filter(|(_, rel)| rel.starts_with("rollup/")) {
            if let Some(rows) = prev_root.rows(rel) {
                counts.add(*n, rows);
            }
        }
        Ok(true)
    }

    /// Link what `year` can keep of the published files; `None` when that is all of them.
    fn plan(&self, year: i32, counts: &mut LevelCounts) -> Result<Option<YearPlan>> {
        let (facts, opts) = (self.facts, self.opts);
        let groups = facts.groups(year);
        let mut changed = BTreeSet::new();
        for p in &groups {
            let key = facts.part_key(year, p, opts);
            if !self.link(&self.group_levels, (year, Some(p)), key.as_deref(), counts)? {
                changed.insert(p.clone());
            }
        }
        let top = facts.top_key(year, opts);
        if changed.is_empty()
            && (self.top_levels.is_empty()
                || self.link(&self.top_levels, (year, None), top.as_deref(), counts)?)
        {
            return Ok(None);
        }
        let sums_keys: BTreeMap<String, String> =
            groups.iter().filter_map(|p| Some((p.clone(), facts.part_sums_key(year, p, opts)?))).collect();
        let keys = YearKeys {
            parts: changed
                .iter()
                .map(|p| (p.clone(), (facts.part_key(year, p, opts), sums_keys.get(p).cloned())))
                .collect(),
            top,
            sums_by_group: (sums_keys.len() == groups.len()).then(|| published::sums_by_group(&sums_keys)),
        };
        Ok(Some(YearPlan { year, changed, keys }))
    }
}

/// Write one year's rows: one file per level, the county and prefecture levels one per region
/// group, in parallel. Returns the rows written per level.
fn write_year(
    out_parquet: &Path,
    strings: &tables::RegionStrings,
    coverage: &coverage::Coverage,
    year: i32,
    out: finish::YearRows,
    keys: YearKeys,
) -> Result<Vec<(usize, usize)>> {
    let mut jobs = Vec::new();
    for (level, level_rows) in out.levels() {
        if by_group(LEVELS[level]) {
            for (p, rows) in level_rows.by_group() {
                jobs.push(LevelFile { level, group: Some(p), rows });
            }
        } else {
            jobs.push(LevelFile { level, group: None, rows: level_rows });
        }
    }
    let counts = jobs
        .par_iter()
        .map(|job| {
            let name = LEVELS[job.level];
            let part = job.group.as_ref().and_then(|p| keys.parts.get(p));
            let digests = match part {
                Some((content, sums)) => {
                    write::Digests { content: content.as_deref(), sums: sums.as_deref(), sums_by_group: None }
                }
                None => write::Digests {
                    content: keys.top.as_deref(),
                    sums: None,
                    sums_by_group: if name == "province" { keys.sums_by_group.as_deref() } else { None },
                },
            };
            let at = (year, job.group.as_deref());
            write::write_level(out_parquet, name, at, digests, &job.rows, strings, coverage)
                .map(|n| (job.level, n))
        })
        .collect::<Result<Vec<_>>>()?;
    crate::support::timing::mark(|| format!("rollup: {year} written"));
    Ok(counts)
}

/// Roll `facts_dir` up into `out_parquet/rollup` and `out_parquet/rollup_wide`, one year at a time,
/// one file per level and year, the county and prefecture levels one per region group too
/// (`level=<level>/part-<year>[-<group>].parquet`). With `previous` (the published `parquet/`
/// folder), a file whose inputs did not change keeps its published copy, and only the groups
/// whose facts changed (that year or the year before) are rolled up again. A year is summed
/// while the one before is written (`support::overlap`); in such a re-run, the next year's sums
/// of the same groups are read back while a year is finished (a one-file re-run of the national
/// set: 242 → 234 ms inside the process, medians of 12 alternating runs, 2026-12-07).
/// `coverage`, when the caller has it or is reading it (the ingest of the same run,
/// [`coverage::Given`]), saves reading every year's reports again; it is waited for when the first
/// year is written. The dimension tables are written on a thread of their own meanwhile (0.018 s,
/// a twentieth of a one-file re-run).
pub fn rollup(
    facts_dir: &Path,
    out_parquet: &Path,
    opts: &RollupOptions,
    previous: Option<&Previous>,
    coverage: Option<coverage::Given<'_>>,
    facts: Option<FactsDigests>,
) -> Result<RollupSummary> {
    let long_dir = out_parquet.join("rollup");
    let wide_dir = out_parquet.join("rollup_wide");
    std::fs::create_dir_all(&long_dir).at(&long_dir)?;
    std::fs::create_dir_all(&wide_dir).at(&wide_dir)?;
    std::thread::scope(|scope| {
        let dims =
            scope.spawn(|| dim::write(&out_parquet.join("dim"), previous.map(|p| p.path("dim")).as_deref()));
        let summary = roll_years(facts_dir, out_parquet, opts, previous, coverage, facts);
        dims.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        summary
    })
}

/// [`rollup`]'s years.
fn roll_years(
    facts_dir: &Path,
    out_parquet: &Path,
    opts: &RollupOptions,
    previous: Option<&Previous>,
    coverage: Option<coverage::Given<'_>>,
    facts: Option<FactsDigests>,
) -> Result<RollupSummary> {
    if !has_parquet(facts_dir) {
        return Ok(RollupSummary::default());
    }
    let (from, to) = opts.years.unwrap_or((i32::MIN, i32::MAX));
    if let Some(old) = written_before_scopes(facts_dir) {
        return Err(crate::support::error::Error::Usage(format!(
            "{} was written by an older xxgk, before reports had a body_kind (scope): run `xxgk run` (or `xxgk ingest`) again to rewrite the facts, then the rollup",
            old.display()
        )));
    }
    let strings = tables::RegionStrings::new();
    // The reports published beside the facts say who reported: each row's `coverage`.
    let reports_dir = facts_dir.with_file_name("reports");
    let read;
    let coverage = match coverage {
        Some(given) => given,
        None => {
            read = if has_parquet(&reports_dir) {
                coverage::Coverage::of_reports(&reports_dir)?
            } else {
                coverage::Coverage::default()
            };
            coverage::Given::Known(&read)
        }
    };
    let levels = compute::levels_for(opts);
    let mut counts = LevelCounts { rows: vec![0; LEVELS.len()], written: vec![false; LEVELS.len()] };
    let mut years = Vec::new();
    let present = compute::years_present(facts_dir);
    // Each facts file's digest, read once: a year's keys need it, and so do the next year's.
    let wanted: Vec<i32> =
        present.iter().copied().filter(|y| (from.saturating_sub(1)..=to).contains(y)).collect();
    let facts = facts.unwrap_or_else(|| FactsDigests::read(facts_dir, &wanted));
    crate::support::timing::mark(|| "rollup: facts digests read".into());
    let source = SumsSource { facts_dir, opts, previous, facts: &facts, levels: &levels };
    let run = Rollup {
        out_parquet,
        opts,
        previous,
        facts: &facts,
        group_levels: levels.iter().copied().filter(|l| by_group(l)).collect(),
        top_levels: levels.iter().copied().filter(|l| !by_group(l)).collect(),
    };
    let written = crate::support::overlap::compute_while_writing(
        |writer| -> Result<()> {
            // What each year keeps of the published files, and what it rolls up again.
            let mut plans = Vec::new();
            for &year in present.iter().filter(|y| (from..=to).contains(*y)) {
                years.push(year);
                plans.extend(run.plan(year, &mut counts)?);
            }
            // The sums of the year before, when this run has them.
            let mut prev: Option<(i32, Sums, Cover)> = None;
            // The next plan's sums, read back while this year was finished (then `prev` covers it).
            let mut ahead: Option<Result<(Sums, Cover)>> = None;
            // The year before the range is read too, so that the range's first year has a yoy change.
            for i in 0..plans.len() {
                let (year, changed) = (plans[i].year, &plans[i].changed);
                let kept = match prev.take() {
                    Some((y, s, c)) if y == year - 1 && c.covers(changed) => Some(s),
                    _ => None,
                };
                let ((cur, cover), last) = match (kept, ahead.take()) {
                    (Some(s), Some(sums)) => (sums?, Some(s)),
                    (Some(s), None) => (source.year(year, changed)?, Some(s)),
                    (None, _) if present.contains(&(year - 1)) => {
                        let (cur, last) = source.year_and_before(year, changed)?;
                        (cur, Some(last))
                    }
                    (None, _) => (source.year(year, changed)?, None),
                };
                crate::support::timing::mark(|| {
                    format!("rollup: {year} summed ({} region groups again)", changed.len())
                });
                // In a re-run that rolls up some region groups again, the next year's sums of the
                // same groups are read back from what was published while this year is finished:
                // they do not depend on this year, and finishing keeps one core busy. (In a full
                // run, summing a year keeps every core busy already.)
                let next = plans.get(i + 1).filter(|n| {
                    n.year == year + 1 && matches!(cover, Cover::Only(_)) && cover.covers(&n.changed)
                });
                let out = match next {
                    Some(n) => {
                        let (out, sums) = rayon::join(
                            || finish::finish_year(&cur, last.as_ref()),
                            || source.year(n.year, &n.changed),
                        );
                        ahead = Some(sums);
                        out
                    }
                    None => finish::finish_year(&cur, last.as_ref()),
                };
                crate::support::timing::mark(|| format!("rollup: {year} finished"));
                if !writer.send((year, out, std::mem::take(&mut plans[i].keys))) {
                    break;
                }
                prev = Some((year, cur, cover));
                // A year's frames are freed here; without handing the pages back, glibc's per-thread
                // arenas keep them and the peak creeps up with the number of years.
                crate::support::memory::release_freed();
            }
            Ok(())
        },
        |(year, out, keys)| write_year(out_parquet, &strings, coverage.get(), year, out, keys),
    )?;
    for (l, n) in written.into_iter().flatten() {
        counts.add(l, n);
    }
    let rows = LEVELS
        .iter()
        .enumerate()
        .filter(|(l, _)| counts.written[*l])
        .map(|(l, name)| (name.to_string(), counts.rows[l]))
        .collect();
    Ok(RollupSummary { rows, years })
}
