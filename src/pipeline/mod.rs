//! The data flow ingest → validate → store, shared by the `ingest`, `validate` and `run` commands.

pub mod chain;
pub mod year_cache;

use crate::model::finding::{Finding, Rule};
use crate::model::ParsedFile;
use crate::model::{Dataset, FileNames, Report};
use crate::model::{InputFile, InputKind};
use crate::pipeline::year_cache::{
    replay, year_keys, AcrossYears, KeptReport, YearCache, YearKey, YearOutcome,
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

/// Which report years a run merges again, and what it keeps of the others.
struct YearPlan {
    /// Every year some file has cells in, ascending.
    years: Vec<i32>,
    /// Each year's keys in the year cache (none without a cache).
    keys: BTreeMap<i32, YearKey>,
    /// The years taken from the cache, with what merging them found last time.
    kept: BTreeMap<i32, YearOutcome>,
    /// The kept years whose own files are unchanged but whose year before changed: R5 is checked
    /// again, against the year before as it is now.
    rechecked: BTreeSet<i32>,
    /// The years merged again, whose cells are loaded.
    needs_cells: BTreeSet<i32>,
}

impl YearPlan {
    fn new(
        files: &[ParsedFile],
        cache: Option<&ParseCache>,
        year_cache: Option<&YearCache>,
        previous: Option<&Previous>,
        strict: bool,
    ) -> YearPlan {
        let years: Vec<i32> = files
            .iter()
            .flat_map(|p| p.years.iter().copied())
            .collect::<BTreeSet<i32>>()
            .into_iter()
            .collect();
        let keys = cache.map(|c| year_keys(c.context(), strict, files)).unwrap_or_default();
        // A year is kept when its outcome is in the cache and the published partitions are the
        // ones that outcome wrote (a failed or interrupted run published nothing). Failing its
        // full key, the outcome of its own files is taken, R5 to be checked again.
        let published = |y: i32, outcome: &YearOutcome| match previous {
            _ if outcome.content.is_empty() => true,
            Some(prev) => crate::store::published(prev, y, &outcome.content),
            None => false,
        };
        // The years in parallel: each reads its outcome and its partitions' footers.
        let found: Vec<(i32, YearOutcome, bool)> = years
            .par_iter()
            .filter_map(|&y| {
                let (cache, key) = (year_cache?, keys.get(&y)?);
                if let Some(o) = cache.load(key).filter(|o| published(y, o)) {
                    return Some((y, o, false));
                }
                let o = cache.load_own(key).filter(|o| published(y, o))?;
                Some((y, o, true))
            })
            .collect();
        let rechecked: BTreeSet<i32> = found.iter().filter(|f| f.2).map(|f| f.0).collect();
        let mut kept: BTreeMap<i32, YearOutcome> = found.into_iter().map(|(y, o, _)| (y, o)).collect();
        // A kept year the year after is checked against comes back from its outcome, not its cells.
        let needs_cells: BTreeSet<i32> = years.iter().copied().filter(|y| !kept.contains_key(y)).collect();
        // What R5 needs of the kept years a neighbour is checked against, read now, in parallel
        // (one year after another while merging, it was 0.01 s of a one-file re-run on one core).
        let checked_again = |y: i32| needs_cells.contains(&y) || rechecked.contains(&y);
        kept.par_iter_mut().filter(|(&y, _)| checked_again(y) || checked_again(y + 1)).for_each(|(_, o)| {
            if o.across.is_none() {
                o.across = Some(o.across_years());
            }
        });
        YearPlan { years, keys, kept, rechecked, needs_cells }
    }

    fn merged_again(&self, year: i32) -> bool {
        self.needs_cells.contains(&year)
    }

    /// Whether `year` is checked against the year before (merged or R5 checked again).
    fn checked_again(&self, year: i32) -> bool {
        self.merged_again(year) || self.rechecked.contains(&year)
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
    let parsed: Vec<ParsedFile> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let mut p = cache.as_ref().and_then(|c| c.lookup(f)).unwrap_or_else(|| read_file(f, popts));
            // Before the cache keeps it: thousands of per-report files share a header.
            headers.share(&mut p);
            if !p.from_cache {
                if let Some(c) = &cache {
                    c.store(&p);
                }
                spill.put(i as u32, &mut p)?;
            }
            pb.inc(1);
            Ok(p)
        })
        .collect::<Result<_>>()?;
    pb.finish_and_clear();
    crate::support::timing::mark(|| format!("ingest: {} files read or found unchanged", parsed.len()));
    Ok(Inputs { parsed, walk_problems, cache })
}

/// The cells of unchanged files come from the cache's packs, for the years merged again (a file
/// whose pack is gone or unreadable is read again), into `into`.
fn load_cached_cells(
    parsed: &mut [ParsedFile],
    cache: Option<&ParseCache>,
    popts: &ParseOptions,
    needs_cells: &BTreeSet<i32>,
    into: &Spill,
) -> Result<()> {
    parsed.par_iter_mut().enumerate().try_for_each(|(i, p)| -> Result<()> {
        if !p.from_cache || !p.years.iter().any(|y| needs_cells.contains(y)) {
            return Ok(());
        }
        p.cells = match cache.and_then(|c| c.cells(p)) {
            Some(cells) => cells,
            None => read_file(&p.file, popts).cells,
        };
        let reports = &p.reports;
        p.cells.retain(|c| reports.get(c.report as usize).is_some_and(|k| needs_cells.contains(&k.year)));
        into.put(i as u32, p)
    })
}

/// A year as it goes to the writer thread.
enum Job {
    Reports(Arc<Vec<Report>>),
    Unchanged(Partitions),
}

/// The years of one run, merged or kept one after another, oldest first.
struct Years<'a> {
    plan: &'a YearPlan,
    strict: bool,
    dataset: Dataset,
    by_name: HashMap<String, usize>,
    tally: ReportTally,
    /// The outcomes of the years merged or R5-checked again, for the year cache.
    fresh: Vec<(i32, YearOutcome)>,
    /// The year before's reports, as far as R5 needs them.
    last_year: Arc<Vec<Report>>,
}

impl Years<'_> {
    /// A year taken from the cache: its findings, rejections and counts as they were (R5 checked
    /// again when the year before changed), its published partitions kept.
    fn kept(&mut self, year: i32, o: &YearOutcome) -> Job {
        let plan = self.plan;
        // What R5 needs of a kept year is read only for a neighbour checked again.
        let needs_across = plan.rechecked.contains(&year) || plan.checked_again(year + 1);
        let read;
        let across = match &o.across {
            Some(across) => across,
            None => {
                read = if needs_across { o.across_years() } else { Default::default() };
                &read
            }
        };
        let checked;
        let o = if plan.rechecked.contains(&year) {
            checked = o.rechecked(&self.last_year, across.clone());
            self.fresh.push((year, checked.clone()));
            &checked
        } else {
            o
        };
        replay(&mut self.dataset.files, &self.by_name, &o.rejections);
        self.dataset.findings.extend(o.findings.iter().cloned());
        self.tally.absorb(&o.tally);
        self.last_year = Arc::new(if plan.checked_again(year + 1) {
            across.for_next_year.iter().map(KeptReport::to_report).collect()
        } else {
            Vec::new()
        });
        Job::Unchanged(o.content.clone())
    }

    /// A year merged and checked again from its cells (waiting in the spills).
    fn merged(&mut self, year: i32, spills: [&Spill; 2]) -> Result<Job> {
        let ds = &mut self.dataset;
        for spill in spills {
            spill.take_year(year, &mut ds.files)?;
        }
        let merged = merge(&mut ds.files);
        replay(&mut ds.files, &self.by_name, &merged.rejections);
        ds.reports = merged.reports;
        let checked = crate::stages::validate::check_year(ds, &self.last_year, self.strict);
        replay(&mut ds.files, &self.by_name, &checked.rejections);
        let mut found = merged.findings;
        found.extend(checked.findings);
        let mut rejections = merged.rejections;
        rejections.extend(checked.rejections);
        // What the year's outcome keeps, worked out at once: one after the other they were a
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
        let outcome = YearOutcome {
            findings: found,
            rejections,
            tally: year_tally,
            content: Vec::new(),
            across: Some(AcrossYears { for_next_year, for_recheck }),
            ..Default::default()
        };
        self.fresh.push((year, outcome));
        let reports = Arc::new(std::mem::take(&mut ds.reports));
        self.last_year = Arc::clone(&reports);
        Ok(Job::Reports(reports))
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
            "ingest: planned, years kept {:?} (R5 again {:?}), loaded {:?}",
            plan.kept.keys(),
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
        last_year: Arc::new(Vec::new()),
    };
    let written = crate::support::overlap::compute_while_writing(
        |writer| -> Result<()> {
            for &year in &plan.years {
                let job = match plan.kept.get(&year) {
                    Some(o) => run.kept(year, o),
                    None => run.merged(year, [&spill, &from_cache])?,
                };
                crate::support::timing::mark(|| format!("ingest: {year} merged and checked"));
                if !writer.send((year, job)) {
                    break;
                }
            }
            Ok(())
        },
        |(year, job)| {
            let output = match &job {
                Job::Reports(r) => YearOutput::Reports(r),
                Job::Unchanged(d) => YearOutput::Unchanged(d),
            };
            Ok((year, on_year(&names, output, year)?))
        },
    )?;
    let digests: BTreeMap<i32, Partitions> = written.into_iter().collect();
    crate::support::timing::mark(|| "ingest: every year written".into());
    let Years { mut dataset, tally, fresh, .. } = run;
    if let Some(yc) = year_cache {
        // Written while the caller goes on (the rollup, for `run`): 0.007 s of a one-file re-run
        // and 0.026 s of a national first run, on one core.
        let fresh: Vec<(i32, YearOutcome)> = fresh
            .into_iter()
            .map(|(year, mut outcome)| {
                outcome.content = digests.get(&year).cloned().unwrap_or_default();
                (year, outcome)
            })
            .collect();
        let keys = plan.keys.clone();
        caching.spawn(move || {
            for (year, outcome) in &fresh {
                if let Some(key) = keys.get(year) {
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
    summary.years_from_cache = plan.kept.keys().copied().collect();
    Ok(Ingested { dataset, findings, summary, coverage: None, partitions: digests, caching })
}

/// Read, check, and write the ingest products into `staging`.
pub fn ingest_into(staging: &Staging, opts: &IngestOptions) -> Result<Ingested> {
    ingest_then(staging, opts, |_, _| Ok(())).map(|(ingested, ())| ingested)
}

/// [`ingest_into`], with `next` (the rollup, for `run`) started as soon as the Parquet partitions
/// are written: the coverage (read back from the reports), findings, summary, rejected rows,
/// extracted reports and coverage tables are written on a thread of their own meanwhile, the
/// coverage handed to `next` when read ([`Given::Coming`]). One after the other, those were
/// 0.08 s of a 3.1 s national first run, and 0.10 s of a 0.42 s one-file re-run, mostly on one
/// core. Returns the first error, the writer's first (a coverage `next` waited for in vain is
/// the writer's error).
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
            // Who reported and who did not, from the reports as published (kept years included).
            let read = match Coverage::of_reports(&staging.path("parquet/reports")) {
                Ok(read) => read,
                Err(e) => {
                    let _ = coverage.set(None);
                    return Err(e);
                }
            };
            // Handed to the rollup before anything is written.
            let cov = coverage.get_or_init(|| Some(read));
            crate::store::write_ingest(staging, &dataset, &ingested.findings, &ingested.summary)?;
            drop(dataset);
            crate::support::memory::release_freed();
            if let Some(cov) = cov {
                cov.write(
                    &staging.path("parquet/coverage"),
                    &staging.path("validation"),
                    opts.cache_in.as_deref().map(|out| out.join("parquet/coverage")).as_deref(),
                )?;
            }
            Ok(())
        });
        let next = next(ingested, Given::Coming(coverage));
        (writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)), next)
    });
    written?;
    let next = next?;
    Ok((Ingested { coverage: coverage.into_inner().flatten(), ..ingested }, next))
}

/// A spill folder for commands that write no output folder (`validate`, `synth --anchor`).
pub fn temp_spill_dir() -> PathBuf {
    std::env::temp_dir().join(format!("xxgk-spill-{}", std::process::id()))
}
