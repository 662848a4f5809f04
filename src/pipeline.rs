//! The data flow ingest → validate → store, shared by the `ingest`, `validate` and `run` commands.

use crate::dataset::Dataset;
use crate::error::{Error, Result};
use crate::ingest::cache::ParseCache;
use crate::ingest::discover::{discover, InputKind};
use crate::ingest::headers::HeaderPool;
use crate::ingest::merge::merge;
use crate::ingest::parse::{parse_file, ParseOptions};
use crate::ingest::report::parse_report;
use crate::store::atomic::Staging;
use crate::store::reuse::Previous;
use crate::store::summary::Summary;
use crate::validate::finding::{Finding, Rule};
use chrono::Datelike;
use rayon::prelude::*;
use std::path::PathBuf;

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

/// Read, check and merge every input. Nothing is written.
pub fn read_and_validate(opts: &IngestOptions) -> Result<Ingested> {
    let (files, walk_problems) = discover(&opts.inputs).map_err(|e| Error::Usage(e.to_string()))?;
    let popts = ParseOptions { max_year: opts.max_year.unwrap_or_else(current_year) };
    let cache = opts.cache_in.as_deref().map(|out| ParseCache::open(out, popts.max_year));
    let pb = crate::progress::bar(files.len() as u64, "reading", opts.quiet);
    let headers = HeaderPool::default();
    let parsed: Vec<_> = files
        .par_iter()
        .map(|f| {
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
            pb.inc(1);
            p
        })
        .collect();
    pb.finish_and_clear();
    if let Some(c) = &cache {
        c.save(&parsed);
    }
    let mut dataset = merge(parsed);
    crate::validate::check_dataset(&mut dataset, opts.strict);
    for p in walk_problems {
        dataset.findings.push(Finding::error(Rule::UnreadableFile, &p.path, p.what));
    }
    let findings = dataset.all_findings();
    let summary = Summary::new(&dataset, &findings, opts.strict);
    Ok(Ingested { dataset, findings, summary })
}

/// Read, check, and write the ingest products into `staging`.
pub fn ingest_into(staging: &Staging, opts: &IngestOptions) -> Result<Ingested> {
    let ingested = read_and_validate(opts)?;
    // The partitions published last time are reused exactly when the parse cache is: `--no-cache`
    // is a full run from scratch.
    let previous = opts.cache_in.as_deref().map(|out| Previous::new(&out.join("parquet")));
    crate::store::write_ingest(
        staging,
        &ingested.dataset,
        &ingested.findings,
        &ingested.summary,
        previous.as_ref(),
    )?;
    Ok(ingested)
}
