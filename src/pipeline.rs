//! The data flow ingest → validate → store, shared by the `ingest`, `validate` and `run` commands.

use crate::dataset::{Dataset, FileNames, Report};
use crate::error::{Error, Result};
use crate::ingest::cache::ParseCache;
use crate::ingest::discover::{discover, InputKind};
use crate::ingest::headers::HeaderPool;
use crate::ingest::merge::merge;
use crate::ingest::parse::{parse_file, ParseOptions, ParsedFile};
use crate::ingest::report::parse_report;
use crate::ingest::spill::Spill;
use crate::store::atomic::Staging;
use crate::store::reuse::Previous;
use crate::store::summary::{ReportTally, Summary};
use crate::validate::finding::{Finding, Rule};
use chrono::Datelike;
use rayon::prelude::*;
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

pub struct Ingested {
    pub dataset: Dataset,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

pub fn current_year() -> i32 {
    chrono::Local::now().year()
}

/// What becomes of each year's merged, checked reports (the ingest writes them out). Called on a
/// thread of its own, one year after another, while the next year is merged.
pub type YearSink<'a> = dyn Fn(&FileNames, &[Report], i32) -> Result<()> + Sync + 'a;

/// Read and check every input, then merge and check one report year at a time, oldest first,
/// handing each year to `on_year`. Cells wait in `spill_dir` meanwhile, which is gone afterwards.
/// The returned dataset keeps the files and findings, not the reports.
pub fn read_and_validate(opts: &IngestOptions, spill_dir: &Path, on_year: &YearSink) -> Result<Ingested> {
    let (files, walk_problems) = discover(&opts.inputs).map_err(|e| Error::Usage(e.to_string()))?;
    let popts = ParseOptions { max_year: opts.max_year.unwrap_or_else(current_year) };
    let cache = opts.cache_in.as_deref().map(|out| ParseCache::open(out, popts.max_year));
    let spill = Spill::create(spill_dir)?;
    let pb = crate::progress::bar(files.len() as u64, "reading", opts.quiet);
    let headers = HeaderPool::default();
    let parsed: Vec<ParsedFile> = files
        .par_iter()
        .enumerate()
        .map(|(i, f)| {
            let mut p = match cache.as_ref().and_then(|c| c.lookup(f)) {
                Some(hit) => hit,
                None => {
                    let p = match f.kind {
                        InputKind::Csv => parse_file(f, &popts),
                        InputKind::Report => parse_report(f, &popts),
                    };
                    if let Some(c) = &cache {
                        c.store(&p);
                    }
                    p
                }
            };
            headers.share(&mut p);
            spill.put(i as u32, &mut p)?;
            pb.inc(1);
            Ok(p)
        })
        .collect::<Result<_>>()?;
    pb.finish_and_clear();
    if let Some(c) = &cache {
        c.save(&parsed);
    }
    // Per-file bookkeeping is all that grows with a per-report layout's thousands of files: the
    // file list and the old manifest are not needed past this point.
    drop((cache, files));
    let names = FileNames::of(&parsed);
    let mut dataset = Dataset { files: parsed, reports: Vec::new(), findings: Vec::new() };
    let mut tally = ReportTally::default();
    std::thread::scope(|scope| -> Result<()> {
        // A year is written while the next one is merged and checked: writing a year's Parquet is
        // the larger part, and one file at a time would leave a core idle. The channel bounds how
        // far ahead the merge runs, so memory holds three years of reports at most.
        let (tx, rx) = std::sync::mpsc::sync_channel::<(i32, Arc<Vec<Report>>)>(1);
        let names = &names;
        let writer = scope.spawn(move || -> Result<()> {
            for (year, reports) in rx {
                on_year(names, &reports, year)?;
            }
            Ok(())
        });
        let mut last_year: Arc<Vec<Report>> = Arc::new(Vec::new());
        for year in spill.years() {
            spill.take_year(year, &mut dataset.files)?;
            dataset.reports = merge(&mut dataset.files, &mut dataset.findings);
            crate::validate::check_year(&mut dataset, &last_year, opts.strict);
            tally.add(&dataset.reports);
            let reports = Arc::new(std::mem::take(&mut dataset.reports));
            if tx.send((year, Arc::clone(&reports))).is_err() {
                // The writer stopped on an error, which `join` gives below.
                break;
            }
            last_year = reports;
        }
        drop(tx);
        writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))
    })?;
    for p in walk_problems {
        dataset.findings.push(Finding::error(Rule::UnreadableFile, &p.path, p.what));
    }
    let findings = dataset.all_findings();
    let summary = Summary::new(&dataset, tally, &findings, opts.strict);
    Ok(Ingested { dataset, findings, summary })
}

/// Read, check, and write the ingest products into `staging`.
pub fn ingest_into(staging: &Staging, opts: &IngestOptions) -> Result<Ingested> {
    // The partitions published last time are reused exactly when the parse cache is: `--no-cache`
    // is a full run from scratch.
    let previous = opts.cache_in.as_deref().map(|out| Previous::new(&out.join("parquet")));
    let ingested = read_and_validate(opts, &staging.path(".spill"), &|names, reports, year| {
        crate::store::write_year(staging, names, reports, year, previous.as_ref())
    })?;
    crate::store::write_ingest(staging, &ingested.dataset, &ingested.findings, &ingested.summary)?;
    Ok(ingested)
}

/// A spill folder for commands that write no output folder (`validate`, `synth --anchor`).
pub fn temp_spill_dir() -> PathBuf {
    std::env::temp_dir().join(format!("xxgk-spill-{}", std::process::id()))
}
