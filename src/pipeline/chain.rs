//! How the stages chain into a published output folder, for every command that writes one: `run`
//! (ingest → store → rollup → charts, one lock, one staging folder, one atomic publish), and the
//! single-stage commands `ingest`, `rollup` and `plot`, which publish their own products the same
//! way. The CLI only turns arguments into these options and prints what comes back, so a second
//! front end (a service, a GUI) gets the same guarantees by calling the same functions.

use super::{ingest_into, IngestOptions};
use crate::charts::{self, PlotOptions};
use crate::rollup::{RollupOptions, RollupSummary};
use crate::store::atomic::{lock, Staging};
use crate::store::reuse::Previous;
use crate::store::summary::Summary;
use crate::support::error::{Error, Result};
use crate::support::timing::mark;
use std::path::{Path, PathBuf};

/// What `run` does: the ingest (whose `cache_in` says whether published results are reused), the
/// rollup scope, and the charts (`None`: no charts, index.html says so).
pub struct RunOptions {
    pub ingest: IngestOptions,
    pub out: PathBuf,
    pub rollup: RollupOptions,
    pub charts: Option<PlotOptions>,
}

/// What a published run holds, for the summary the CLI prints.
pub struct RunOutcome {
    pub summary: Summary,
    pub rollup: RollupSummary,
    pub charts: usize,
}

/// A failure before the commit: the previous output is untouched (the staging folder goes when
/// `Staging` drops), and the error says so, so nobody goes looking for half-written files.
fn unpublished(out: &Path) -> impl FnOnce(Error) -> Error + '_ {
    move |source| Error::Unpublished { out: out.to_path_buf(), source: Box::new(source) }
}

/// The whole pipeline into `opts.out`, published in one atomic step at the end.
pub fn run(opts: &RunOptions) -> Result<RunOutcome> {
    let out = &opts.out;
    let reuse = opts.ingest.cache_in.is_some();
    let guard = lock(out)?;
    let staging = Staging::new(out, &guard)?;
    let stages = crate::support::progress::stages(opts.ingest.quiet);
    stages.set_message("ingest and validate");
    let previous = reuse.then(|| Previous::new(&out.join("parquet")));
    // The rollup starts once the partitions are written, while the ingest writes the rest.
    let (ingested, rollup) = super::ingest_then(&staging, &opts.ingest, |ingested, coverage| {
        mark(|| "run: ingest checked and partitions written".into());
        stages.set_message("rollup");
        let facts = crate::rollup::published::FactsDigests::of_partitions(&ingested.partitions);
        crate::rollup::rollup(
            &staging.path("parquet/facts"),
            &staging.path("parquet"),
            &opts.rollup,
            previous.as_ref(),
            Some(coverage),
            Some(facts),
        )
    })
    .map_err(unpublished(out))?;
    let summary = ingested.summary;
    crate::support::memory::release_freed();
    mark(|| "run: rollup done".into());
    let validation = staging.path("validation");
    let charts = match &opts.charts {
        Some(plot) if !rollup.rows.is_empty() => {
            stages.set_message("charts");
            let previous = reuse.then(|| out.join("charts"));
            let rollup_dir = staging.path("parquet/rollup");
            draw(&staging, &rollup_dir, &validation, Some(&summary), plot, previous.as_deref())
        }
        // Charts from an earlier run would no longer match the data: they go, and the page says why.
        Some(_) => no_charts(&staging, &validation, &summary, "没有图表：没有入库的报告。"),
        None => no_charts(&staging, &validation, &summary, "未绘制图表（--no-charts）。"),
    }
    .map_err(unpublished(out))?;
    mark(|| "run: charts done".into());
    stages.set_message("publishing");
    let mut products: Vec<&str> = crate::store::INGEST_PRODUCTS.to_vec();
    products.extend(crate::rollup::PRODUCTS);
    products.extend(charts::PRODUCTS);
    staging.commit(&products)?;
    stages.finish_and_clear();
    mark(|| "run: published".into());
    Ok(RunOutcome { summary, rollup, charts })
}

fn no_charts(staging: &Staging, validation: &Path, summary: &Summary, note: &str) -> Result<usize> {
    charts::html::write_index(&staging.path("index.html"), validation, Some(summary), &[], Some(note))?;
    Ok(0)
}

/// Draw into the staging folder: charts from `rollup_dir`, the page from `validation_dir` (and the
/// run's `summary`, when there is one). With `previous` (the published `charts/`), unchanged charts
/// are linked from there, not drawn.
fn draw(
    staging: &Staging,
    rollup_dir: &Path,
    validation_dir: &Path,
    summary: Option<&Summary>,
    opts: &PlotOptions,
    previous: Option<&Path>,
) -> Result<usize> {
    let charts = charts::draw_all(rollup_dir, &staging.path("charts"), opts, previous)?;
    let note = charts.is_empty().then_some("没有图表：所选范围内没有含下级区划的地级或省级区划。");
    charts::html::write_index(&staging.path("index.html"), validation_dir, summary, &charts, note)?;
    Ok(charts.len())
}

/// `ingest`: read, check and publish the ingest products (Parquet facts and reports, findings,
/// rejected rows, extracted reports) into `out`.
pub fn ingest(out: &Path, opts: &IngestOptions) -> Result<Summary> {
    let guard = lock(out)?;
    let staging = Staging::new(out, &guard)?;
    let ingested = ingest_into(&staging, opts).map_err(unpublished(out))?;
    staging.commit(&crate::store::INGEST_PRODUCTS)?;
    Ok(ingested.summary)
}

/// `rollup`: roll the published facts of `out` up and publish the rollups; `reuse` keeps the
/// published years whose facts did not change.
pub fn rollup(out: &Path, opts: &RollupOptions, reuse: bool, quiet: bool) -> Result<RollupSummary> {
    let facts = out.join("parquet/facts");
    if !facts.is_dir() {
        return Err(Error::Usage(format!(
            "{} does not exist: run `xxgk ingest` (or `xxgk run`) first",
            facts.display()
        )));
    }
    let guard = lock(out)?;
    let staging = Staging::new(out, &guard)?;
    let stages = crate::support::progress::stages(quiet);
    stages.set_message("rolling up");
    let previous = reuse.then(|| Previous::new(&out.join("parquet")));
    let summary =
        crate::rollup::rollup(&facts, &staging.path("parquet"), opts, previous.as_ref(), None, None)
            .map_err(unpublished(out))?;
    staging.commit(&crate::rollup::PRODUCTS)?;
    stages.finish_and_clear();
    Ok(summary)
}

/// `plot`: draw the charts and index.html from the published rollup of `out` and publish them;
/// `reuse` keeps the published charts whose data, format and drawing code are unchanged.
pub fn plot(out: &Path, opts: &PlotOptions, reuse: bool, quiet: bool) -> Result<usize> {
    let rollup = out.join("parquet/rollup");
    if !rollup.is_dir() {
        return Err(Error::Usage(format!(
            "{} does not exist: run `xxgk run` (or `xxgk rollup`) first",
            rollup.display()
        )));
    }
    let guard = lock(out)?;
    let staging = Staging::new(out, &guard)?;
    let stages = crate::support::progress::stages(quiet);
    stages.set_message("drawing charts");
    let previous = reuse.then(|| out.join("charts"));
    let n = draw(&staging, &rollup, &out.join("validation"), None, opts, previous.as_deref())
        .map_err(unpublished(out))?;
    mark(|| "plot: index written".into());
    staging.commit(&charts::PRODUCTS)?;
    mark(|| "plot: published".into());
    stages.finish_and_clear();
    Ok(n)
}
