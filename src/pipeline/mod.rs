//! The data flow ingest → validate → store, shared by the `ingest`, `validate` and `run` commands.

pub mod chain;
pub mod year_cache;

use crate::model::finding::{Finding, Rule};
use crate::model::Cell;
use crate::model::ParsedFile;
use crate::model::{Dataset, FileNames, Report};
use crate::model::{InputFile, InputKind};
use crate::pipeline::year_cache::{
    parts_of, replay, year_keys, AcrossYears, KeptReport, Part, YearCache, YearKey, YearOutcome,
};
use crate::rollup::coverage::{Coverage, Given};
use crate::stages::ingest::cache::ParseCache;
use crate::stages::ingest::discover::discover;
use crate::stages::ingest::headers::HeaderPool;
use crate::stages::ingest::merge::merge;
use crate::stages::ingest::parse::{parse_file, ParseOptions};
use crate::stages::ingest::report::parse_report;
use crate::stages::ingest::spill::{Spill, HELD_CELLS};
use crate::store::atomic::Staging;
use crate::store::reuse::Previous;
use crate::store::summary::{ReportTally, Summary};
use crate::store::{Partitions, YearOutput};
use crate::support::error::{Error, Result};
use crate::support::hash::HashMap;
use chrono::Datelike;
use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub struct IngestOptions {
    pub inputs: Vec<PathBuf>,
    pub strict: bool,
    pub quiet: bool,
    /// Latest report year accepted; defaults to the current year.
    pub max_year: Option<i32>,
    /// Output folder whose `.xxgk-cache/` lets unchanged files skip reading (incremental runs).
    pub cache_in: Option<PathBuf>,
}

impl IngestOptions {
    /// Read `inputs` with the defaults: warnings for broken 勾稽关系, progress shown, years up to
    /// the current one, no cache.
    pub fn new(inputs: Vec<PathBuf>) -> IngestOptions {
        IngestOptions { inputs, strict: false, quiet: false, max_year: None, cache_in: None }
    }
}

pub struct Ingested {
    /// The files as read and the findings: empty once [`ingest_then`] has written them (it frees
    /// them while the rollup runs).
    pub dataset: Dataset,
    pub findings: Vec<Finding>,
    pub summary: Summary,
    /// Who reported and who did not, once `ingest_into` has written the reports.
    pub coverage: Option<crate::rollup::coverage::Coverage>,
    /// Each year's partitions as written (or kept) in this run, with their digests: what the
    /// facts files' footers say, without reading them back.
    pub partitions: BTreeMap<i32, Partitions>,
    /// Who the stored reports are, each year's (region code, scope index): every part's, merged or
    /// kept ([`YearOutcome::reported`]).
    pub reported: BTreeMap<i32, BTreeSet<(u32, u32)>>,
    /// The caches being written (the year cache, the parse cache's manifest or journal), while the
    /// caller goes on; waited for when this is dropped.
    pub caching: Background,
}

/// Threads writing what the next run reads, joined when dropped: nothing the run publishes
/// waits for them, and a run that ends before they are done leaves the caches as they were.
#[derive(Default)]
pub struct Background(Vec<std::thread::JoinHandle<()>>);

impl Background {
    fn spawn(&mut self, work: impl FnOnce() + Send + 'static) {
        self.0.push(std::thread::spawn(work));
    }
}

impl Drop for Background {
    fn drop(&mut self) {
        let waited = !self.0.is_empty();
        for handle in self.0.drain(..) {
            if let Err(panic) = handle.join() {
                if !std::thread::panicking() {
                    std::panic::resume_unwind(panic);
                }
            }
        }
        if waited {
            crate::support::timing::mark(|| "caches written".into());
        }
    }
}

pub fn current_year() -> i32 {
    chrono::Local::now().year()
}

/// What becomes of each year (the ingest writes it out), returning the partitions written.
/// Called on a thread of its own, one year after another, while the next year is merged.
pub type YearSink<'a> = dyn Fn(&FileNames, YearOutput<'_>, i32) -> Result<Partitions> + Sync + 'a;

/// What reading a file gives, its years noted.
fn read_file(f: &InputFile, popts: &ParseOptions) -> ParsedFile {
    let mut p = match f.kind {
        InputKind::Csv => parse_file(f, popts),
        InputKind::Report => parse_report(f, popts),
        InputKind::Workbook => crate::stages::ingest::workbook::parse_workbook(f, popts),
    };
    p.note_years();
    p
}

/// Which parts (a report year's region group) a run merges again, and what it keeps of the others.
struct YearPlan {
    /// Every year some file has cells in, ascending.
    years: Vec<i32>,
    /// Each year's region groups, ascending.
    groups: BTreeMap<i32, Vec<u32>>,
    /// Each part's keys in the year cache (none without a cache).
    keys: BTreeMap<Part, YearKey>,
    /// The parts taken from the cache, with what merging them found last time.
    kept: BTreeMap<Part, YearOutcome>,
    /// The kept parts whose own files are unchanged but whose group's year before changed: R5 is
    /// checked again, against the year before as it is now.
    rechecked: BTreeSet<Part>,
    /// The parts merged again, whose cells are loaded.
    needs_cells: BTreeSet<Part>,
}

impl YearPlan {
    fn new(
        files: &[ParsedFile],
        cache: Option<&ParseCache>,
        year_cache: Option<&YearCache>,
        previous: Option<&Previous>,
        strict: bool,
    ) -> YearPlan {
        let parts: BTreeSet<Part> = files.par_iter().flat_map_iter(parts_of).collect();
        let mut groups: BTreeMap<i32, Vec<u32>> = BTreeMap::new();
        for &(y, g) in &parts {
            groups.entry(y).or_default().push(g);
        }
        let years: Vec<i32> = groups.keys().copied().collect();
        let keys = cache.map(|c| year_keys(c.context(), strict, files)).unwrap_or_default();
        // A part is kept when its outcome is in the cache and the published partition is the one
        // that outcome wrote (a failed or interrupted run published nothing). Failing its full
        // key, the outcome of its own files is taken, R5 to be checked again.
        let published = |y: i32, outcome: &YearOutcome| match previous {
            _ if outcome.content.is_empty() => true,
            Some(prev) => crate::store::published(prev, y, &outcome.content),
            None => false,
        };
        // The parts in parallel: each reads its outcome and its partition's footer.
        let found: Vec<(Part, YearOutcome, bool)> = parts
            .par_iter()
            .filter_map(|&part| {
                let (cache, key) = (year_cache?, keys.get(&part)?);
                if let Some(o) = cache.load(key).filter(|o| published(part.0, o)) {
                    return Some((part, o, false));
                }
                let o = cache.load_own(key).filter(|o| published(part.0, o))?;
                Some((part, o, true))
            })
            .collect();
        let rechecked: BTreeSet<Part> = found.iter().filter(|f| f.2).map(|f| f.0).collect();
        let mut kept: BTreeMap<Part, YearOutcome> = found.into_iter().map(|(p, o, _)| (p, o)).collect();
        // A kept part the year after is checked against comes back from its outcome, not its cells.
        let needs_cells: BTreeSet<Part> = parts.iter().copied().filter(|p| !kept.contains_key(p)).collect();
        // What R5 needs of the kept parts a neighbour is checked against, read now, in parallel
        // (one year after another while merging, it was 0.01 s of a one-file re-run on one core).
        let checked_again = |p: &Part| needs_cells.contains(p) || rechecked.contains(p);
        kept.par_iter_mut()
            .filter(|(&(y, g), _)| checked_again(&(y, g)) || checked_again(&(y + 1, g)))
            .for_each(|(_, o)| {
                if o.across.is_none() {
                    o.across = Some(o.across_years());
                }
            });
        YearPlan { years, groups, keys, kept, rechecked, needs_cells }
    }

    fn merged_again(&self, part: &Part) -> bool {
        self.needs_cells.contains(part)
    }

    /// Whether `part` is checked against the year before (merged or R5 checked again).
    fn checked_again(&self, part: &Part) -> bool {
        self.merged_again(part) || self.rechecked.contains(part)
    }

    /// The years no part of which is merged again.
    fn years_kept(&self) -> Vec<i32> {
        let merged: BTreeSet<i32> = self.needs_cells.iter().map(|p| p.0).collect();
        self.years.iter().copied().filter(|y| !merged.contains(y)).collect()
    }
}

/// What reading every input gives, before any year is merged.
struct Inputs {
    parsed: Vec<ParsedFile>,
    walk_problems: Vec<crate::stages::ingest::discover::WalkProblem>,
    cache: Option<ParseCache>,
}

/// Find and read every input (or take it from the cache), in parallel; a file read now sends its
/// cells to `spill` straight away, so that a run reading everything holds one file's cells per
/// thread, not the input's.
fn read_inputs(opts: &IngestOptions, popts: &ParseOptions, spill: &Spill) -> Result<Inputs> {
    // Walking the input folders and reading the cache manifest are both mostly waiting.
    let (found, cache) = rayon::join(
        || discover(&opts.inputs),
        || opts.cache_in.as_deref().map(|out| ParseCache::open(out, popts.max_year)),
    );
    let (files, walk_problems) = found.map_err(|e| Error::Usage(e.to_string()))?;
    crate::support::timing::mark(|| format!("ingest: {} files found, cache manifest read", files.len()));
    if let Some(why) = cache.as_ref().and_then(|c| c.discarded()).filter(|_| !opts.quiet) {
        eprintln!("note: cache discarded, every input is read again: {why}");
    }
    let pb = crate::support::progress::bar(files.len() as u64, "reading", opts.quiet);
    let headers = HeaderPool::default();
    // Collected as results, one slot a file, then unwrapped in place: rayon collects a `Result`
    // in pieces that grow by doubling and are then copied into one, some 1,000 page faults of a
    // one-file re-run (a `ParsedFile` is some 280 bytes, 11,384 of them). The first error in the
    // files' order is the one reported.
    let parsed: Vec<Result<ParsedFile>> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let mut p = cache.as_ref().and_then(|c| c.lookup(f)).unwrap_or_else(|| read_file(f, popts));
            // Before the cache keeps it: thousands of per-report files share a header. (A file from
            // the cache shares its header with the others from it already.)
            if !p.from_cache {
                headers.share(&mut p);
                if let Some(c) = &cache {
                    c.store(&p);
                }
                spill.put(i as u32, &mut p)?;
            }
            pb.inc(1);
            Ok(p)
        })
        .collect();
    let parsed = parsed.into_iter().collect::<Result<Vec<ParsedFile>>>()?;
    pb.finish_and_clear();
    crate::support::timing::mark(|| format!("ingest: {} files read or found unchanged", parsed.len()));
    Ok(Inputs { parsed, walk_problems, cache })
}

/// The cells of unchanged files come from the cache's packs, for the parts merged again (a file
/// whose pack is gone or unreadable is read again), into `into`.
fn load_cached_cells(
    parsed: &mut [ParsedFile],
    cache: Option<&ParseCache>,
    popts: &ParseOptions,
    needs_cells: &BTreeSet<Part>,
    into: &Spill,
) -> Result<()> {
    let part = |k: &crate::model::ReportKey| (k.year, crate::store::region_group_number(k.region));
    parsed.par_iter_mut().enumerate().try_for_each(|(i, p)| -> Result<()> {
        if !p.from_cache || !p.reports.iter().any(|k| needs_cells.contains(&part(k))) {
            return Ok(());
        }
        p.cells = match cache.and_then(|c| c.cells(p)) {
            Some(cells) => cells,
            None => read_file(&p.file, popts).cells,
        };
        let reports = &p.reports;
        p.cells.retain(|c| reports.get(c.report as usize).is_some_and(|k| needs_cells.contains(&part(k))));
        into.put(i as u32, p)
    })
}

/// The cells waiting in `files` (one year's) by region group: each group's (file, cells), a
/// file's in its order. A cell of no report is left out, as merging leaves it out.
fn cells_by_group(files: &mut [ParsedFile]) -> HashMap<u32, Vec<(usize, Vec<Cell>)>> {
    let mut out: HashMap<u32, Vec<(usize, Vec<Cell>)>> = HashMap::default();
    for (i, f) in files.iter_mut().enumerate() {
        if f.cells.is_empty() {
            continue;
        }
        let reports = &f.reports;
        let group =
            |c: &Cell| reports.get(c.report as usize).map(|k| crate::store::region_group_number(k.region));
        let first = group(&f.cells[0]);
        // Most files are one report, or one region group's.
        if let Some(g) = first.filter(|_| f.cells.iter().all(|c| group(c) == first)) {
            out.entry(g).or_default().push((i, std::mem::take(&mut f.cells)));
            continue;
        }
        let mut split: BTreeMap<u32, Vec<Cell>> = BTreeMap::new();
        for c in std::mem::take(&mut f.cells) {
            if let Some(g) = group(&c) {
                split.entry(g).or_default().push(c);
            }
        }
        for (g, cells) in split {
            out.entry(g).or_default().push((i, cells));
        }
    }
    out
}

/// A year as it goes to the writer thread: the reports of the groups merged again, each group's,
/// and the partitions of those kept.
struct Job {
    reports: Vec<Arc<Vec<Report>>>,
    unchanged: Partitions,
}

/// The years of one run, merged or kept one after another, oldest first, each region group on
/// its own.
struct Years<'a> {
    plan: &'a YearPlan,
    strict: bool,
    dataset: Dataset,
    by_name: HashMap<String, usize>,
    tally: ReportTally,
    /// The outcomes of the parts merged or R5-checked again, for the year cache.
    fresh: Vec<(Part, YearOutcome)>,
    /// The year before's reports by region group, as far as R5 needs them.
    last_year: HashMap<u32, Arc<Vec<Report>>>,
    /// Who the stored reports are, by year: each part's, merged or kept.
    reported: BTreeMap<i32, BTreeSet<(u32, u32)>>,
}

impl Years<'_> {
    /// One year: each region group merged and checked again, or kept.
    fn year(&mut self, year: i32, spills: [&Spill; 2]) -> Result<Job> {
        let plan = self.plan;
        let groups = plan.groups.get(&year).map(Vec::as_slice).unwrap_or_default();
        let mut cells = HashMap::default();
        if groups.iter().any(|&g| plan.merged_again(&(year, g))) {
            for spill in spills {
                spill.take_year(year, &mut self.dataset.files)?;
            }
            cells = cells_by_group(&mut self.dataset.files);
        }
        let mut job = Job { reports: Vec::new(), unchanged: Vec::new() };
        let mut last_year = HashMap::default();
        for &g in groups {
            let part = (year, g);
            let reports = match plan.kept.get(&part) {
                Some(o) => self.kept(part, o, &mut job.unchanged),
                None => {
                    let reports = self.merged(part, cells.remove(&g).unwrap_or_default())?;
                    job.reports.push(Arc::clone(&reports));
                    reports
                }
            };
            if plan.checked_again(&(year + 1, g)) {
                last_year.insert(g, reports);
            }
        }
        self.last_year = last_year;
        Ok(job)
    }

    /// The year before's reports of group `g`, as R5 reads them.
    fn year_before(&self, g: u32) -> Arc<Vec<Report>> {
        self.last_year.get(&g).cloned().unwrap_or_default()
    }

    /// A part taken from the cache: its findings, rejections and counts as they were (R5 checked
    /// again when the year before changed), its published partition kept (into `unchanged`).
    /// Returns what R5 needs of its reports when the year after is checked again.
    fn kept(&mut self, part: Part, o: &YearOutcome, unchanged: &mut Partitions) -> Arc<Vec<Report>> {
        let plan = self.plan;
        let (year, g) = part;
        let next_checked = plan.checked_again(&(year + 1, g));
        // What R5 needs of a kept part is read only for a neighbour checked again.
        let needs_across = plan.rechecked.contains(&part) || next_checked;
        let read;
        let across = match &o.across {
            Some(across) => across,
            None => {
                read = if needs_across { o.across_years() } else { Default::default() };
                &read
            }
        };
        let checked;
        let o = if plan.rechecked.contains(&part) {
            checked = o.rechecked(&self.year_before(g), across.clone());
            self.fresh.push((part, checked.clone()));
            &checked
        } else {
            o
        };
        replay(&mut self.dataset.files, &self.by_name, &o.rejections);
        self.dataset.findings.extend(o.findings.iter().cloned());
        self.tally.absorb(&o.tally);
        self.reported.entry(year).or_default().extend(o.reported.iter().copied());
        unchanged.extend(o.content.iter().cloned());
        Arc::new(if next_checked {
            across.for_next_year.iter().map(KeptReport::to_report).collect()
        } else {
            Vec::new()
        })
    }

    /// A part merged and checked again from its cells (`cells`, taken from the spills).
    fn merged(&mut self, part: Part, cells: Vec<(usize, Vec<Cell>)>) -> Result<Arc<Vec<Report>>> {
        let last_year = self.year_before(part.1);
        let ds = &mut self.dataset;
        for (i, c) in cells {
            if let Some(f) = ds.files.get_mut(i) {
                f.cells = c;
            }
        }
        let merged = merge(&mut ds.files);
        replay(&mut ds.files, &self.by_name, &merged.rejections);
        ds.reports = merged.reports;
        let checked = crate::stages::validate::check_year(ds, &last_year, self.strict);
        replay(&mut ds.files, &self.by_name, &checked.rejections);
        let mut found = merged.findings;
        found.extend(checked.findings);
        let mut rejections = merged.rejections;
        rejections.extend(checked.rejections);
        // What the part's outcome keeps, worked out at once: one after the other they were a
        // sixth of merging a year.
        let ((year_tally, for_next_year), for_recheck) = rayon::join(
            || {
                rayon::join(
                    || {
                        let mut t = ReportTally::default();
                        t.add(&ds.reports);
                        t
                    },
                    || KeptReport::of(&ds.reports),
                )
            },
            || crate::stages::validate::across_years::KeptCurrent::of(ds),
        );
        self.tally.absorb(&year_tally);
        ds.findings.extend(found.iter().cloned());
        let reported = crate::pipeline::year_cache::reported_of(&ds.reports, part.0);
        self.reported.entry(part.0).or_default().extend(reported.iter().copied());
        let outcome = YearOutcome {
            findings: found,
            rejections,
            tally: year_tally,
            content: Vec::new(),
            reported,
            across: Some(AcrossYears { for_next_year, for_recheck }),
            ..Default::default()
        };
        self.fresh.push((part, outcome));
        Ok(Arc::new(std::mem::take(&mut ds.reports)))
    }
}

/// Read and check every input, then merge and check one report year at a time, oldest first,
/// handing each year to `on_year`. Cells wait in `spill_dir` meanwhile, which is gone afterwards.
/// The returned dataset keeps the files and findings, not the reports.
///
/// With a cache (`cache_in`), a file whose size and mtime are unchanged is not read, and a year
/// whose inputs and the year before's are unchanged is not merged either: its findings, rejected
/// rows and counts come from `.xxgk-cache/years/` and its published partitions stand. A re-run
/// after one file changed merges that file's year; the year after has only R5 (which compares it
/// with the changed one) checked again from its kept outcome, and the year before, which R5
/// compares the changed year with, comes from its kept outcome too. Everything else is
/// bookkeeping.
pub fn read_and_validate(opts: &IngestOptions, spill_dir: &Path, on_year: &YearSink) -> Result<Ingested> {
    crate::support::timing::mark(|| "ingest: start".into());
    let popts = ParseOptions { max_year: opts.max_year.unwrap_or_else(current_year) };
    // Cells read now go to disk at once, so that memory does not grow with the input. Held in
    // memory up to the budget instead, a national first run was no faster: 3.04 s against 3.06 s
    // (medians of 6, alternating; one build after the other by hyperfine had said 3.63 against
    // 3.40 s, the VM's drift).
    let spill = Spill::create(spill_dir, 0)?;
    let Inputs { mut parsed, walk_problems, cache } = read_inputs(opts, &popts, &spill)?;
    let previous = opts.cache_in.as_deref().map(|out| Previous::new(&out.join("parquet")));

    let year_cache = cache.as_ref().map(|c| YearCache::new(c.dir()));
    // The plan reads the year cache; the files' names are copied meanwhile.
    let (plan, (names, by_name)) = rayon::join(
        || YearPlan::new(&parsed, cache.as_ref(), year_cache.as_ref(), previous.as_ref(), opts.strict),
        || {
            let by_name: HashMap<String, usize> =
                parsed.iter().enumerate().map(|(i, p)| (p.file.display.clone(), i)).collect();
            (FileNames::of(&parsed), by_name)
        },
    );
    crate::support::timing::mark(|| {
        format!(
            "ingest: planned, {} parts (year, region group) kept (R5 again {:?}), loaded {:?}",
            plan.kept.len(),
            plan.rechecked,
            plan.needs_cells
        )
    });
    // Cells from the cache (a re-run's few years) stay in memory up to the budget: writing them
    // out and reading them back costs more than holding them.
    let from_cache = Spill::create(&spill_dir.with_extension("from-cache"), HELD_CELLS)?;
    load_cached_cells(&mut parsed, cache.as_ref(), &popts, &plan.needs_cells, &from_cache)?;
    crate::support::timing::mark(|| "ingest: cells loaded and spilled".into());
    // Nothing reads the cache from here on: its manifest is made, written and freed on a thread of
    // its own while the years are merged (made on this thread, it was 0.026 s of a 0.4 s re-run).
    let mut caching = Background::default();
    if let Some(mut c) = cache {
        caching.spawn(move || {
            if let Some(m) = c.save() {
                m.write();
            }
        });
    }

    let mut run = Years {
        plan: &plan,
        strict: opts.strict,
        by_name,
        dataset: Dataset { files: parsed, reports: Vec::new(), findings: Vec::new() },
        tally: ReportTally::default(),
        fresh: Vec::new(),
        last_year: HashMap::default(),
        reported: BTreeMap::new(),
    };
    let written = crate::support::overlap::compute_while_writing(
        |writer| -> Result<()> {
            for &year in &plan.years {
                let job = run.year(year, [&spill, &from_cache])?;
                crate::support::timing::mark(|| format!("ingest: {year} merged and checked"));
                if !writer.send((year, job)) {
                    break;
                }
            }
            Ok(())
        },
        |(year, job)| {
            let reports: Vec<&[Report]> = job.reports.iter().map(|r| r.as_slice()).collect();
            let output = YearOutput { reports: &reports, unchanged: &job.unchanged };
            Ok((year, on_year(&names, output, year)?))
        },
    )?;
    let digests: BTreeMap<i32, Partitions> = written.into_iter().collect();
    crate::support::timing::mark(|| "ingest: every year written".into());
    let Years { mut dataset, tally, fresh, reported, .. } = run;
    if let Some(yc) = year_cache {
        // Written while the caller goes on (the rollup, for `run`): 0.007 s of a one-file re-run
        // and 0.026 s of a national first run, on one core.
        let fresh: Vec<(Part, YearOutcome)> = fresh
            .into_iter()
            .map(|((year, g), mut outcome)| {
                let group = g.to_string();
                let parts = digests.get(&year).map(Vec::as_slice).unwrap_or_default();
                outcome.content = parts.iter().filter(|(p, _)| *p == group).cloned().collect();
                ((year, g), outcome)
            })
            .collect();
        let keys = plan.keys.clone();
        caching.spawn(move || {
            for (part, outcome) in &fresh {
                if let Some(key) = keys.get(part) {
                    yc.store(key, outcome);
                }
            }
            yc.retain(&keys.values().cloned().collect::<Vec<_>>());
        });
    }
    for p in walk_problems {
        dataset.findings.push(Finding::error(Rule::UnreadableFile, &p.path, p.what));
    }
    let findings = dataset.all_findings();
    let mut summary = Summary::new(&dataset, tally, &findings, opts.strict);
    summary.years_from_cache = plan.years_kept();
    Ok(Ingested { dataset, findings, summary, coverage: None, partitions: digests, reported, caching })
}

/// Read, check, and write the ingest products into `staging`.
pub fn ingest_into(staging: &Staging, opts: &IngestOptions) -> Result<Ingested> {
    ingest_then(staging, opts, |_, _| Ok(())).map(|(ingested, ())| ingested)
}

/// [`ingest_into`], with `next` (the rollup, for `run`) started as soon as the Parquet partitions
/// are written: the coverage (made from every part's stored reports, [`Ingested::reported`]),
/// findings, summary, rejected rows, extracted reports and coverage tables are written on a
/// thread of their own meanwhile, the coverage handed to `next` when made ([`Given::Coming`]).
/// One after the other, those were 0.08 s of a 3.1 s national first run, and 0.10 s of a 0.42 s
/// one-file re-run, mostly on one core. The coverage used to be read back from the `reports`
/// partitions (every year's, their footers of two hundred columns and two columns of rows): made
/// from what the ingest knows, a one-file re-run of the national set took 306 → 290.5 ms inside
/// the process and 485 → 435 ms of CPU (medians of 12 and 8 alternating runs, 2026-12-08).
/// Returns the first error, the writer's first.
pub fn ingest_then<T: Send>(
    staging: &Staging,
    opts: &IngestOptions,
    next: impl FnOnce(&Ingested, Given<'_>) -> Result<T> + Send,
) -> Result<(Ingested, T)> {
    // The partitions published last time are reused exactly when the parse cache is: `--no-cache`
    // is a full run from scratch.
    let previous = opts.cache_in.as_deref().map(|out| Previous::new(&out.join("parquet")));
    let mut ingested = read_and_validate(opts, &staging.path(".spill"), &|names, output, year| {
        crate::store::write_year(staging, names, output, year, previous.as_ref())
    })?;
    // The writer frees the files once written: on the nation's every-body year they are some
    // 300 MB the rollup need not hold on to.
    let dataset = std::mem::replace(
        &mut ingested.dataset,
        Dataset { files: Vec::new(), reports: Vec::new(), findings: Vec::new() },
    );
    let coverage = std::sync::OnceLock::new();
    let (written, next) = std::thread::scope(|scope| {
        let (ingested, coverage) = (&ingested, &coverage);
        let writer = scope.spawn(move || -> Result<()> {
            // Who reported and who did not: the stored reports of every part, kept ones included.
            // Handed to the rollup before anything is written.
            let cov = coverage.get_or_init(|| Coverage::of_reported(&ingested.reported));
            crate::store::write_ingest(staging, &dataset, &ingested.findings, &ingested.summary)?;
            drop(dataset);
            crate::support::memory::release_freed();
            cov.write(
                &staging.path("parquet/coverage"),
                &staging.path("validation"),
                opts.cache_in.as_deref().map(|out| out.join("parquet/coverage")).as_deref(),
            )
        });
        let next = next(ingested, Given::Coming(coverage));
        (writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), next)
    });
    written?;
    let next = next?;
    Ok((Ingested { coverage: coverage.into_inner(), ..ingested }, next))
}

/// A spill folder for commands that write no output folder (`validate`, `synth --anchor`).
pub fn temp_spill_dir() -> PathBuf {
    std::env::temp_dir().join(format!("xxgk-spill-{}", std::process::id()))
}
