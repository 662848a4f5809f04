//! `xxgk run`: the whole pipeline — ingest → validate → store → rollup → charts — into one output folder,
//! published in one atomic step at the end.

use super::{exit_for, Common, Inputs, Scope};
use std::path::PathBuf;
use xxgk::pipeline::{ingest_into, IngestOptions};
use xxgk::store::atomic::{lock, Staging};
use xxgk::store::reuse::Previous;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output folder.
    #[arg(long, default_value = "outputs")]
    pub out: PathBuf,
    /// Read every file again and write every partition and chart again, instead of reusing what
    /// `<out>/.xxgk-cache/` holds for unchanged files, and the published years and charts that
    /// would come out the same.
    #[arg(long)]
    pub no_cache: bool,
    /// Rollup scope; ingest and validation always cover every input row.
    #[command(flatten)]
    pub scope: Scope,
    /// Skip the charts; index.html is still written, with the summary and the findings.
    #[arg(long)]
    pub no_charts: bool,
    /// Chart image formats, comma-separated. SVG by default: PNG of every chart triples the
    /// charts' cost (a quarter of a national run); `xxgk plot` draws the PNGs, reusing the SVGs.
    #[arg(long, value_delimiter = ',', default_value = "svg", value_parser = super::plot::parse_format)]
    pub chart_format: Vec<xxgk::charts::Format>,
}

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let opts = IngestOptions {
        inputs: args.inputs.paths(),
        strict: args.inputs.strict,
        quiet: common.quiet,
        max_year: args.inputs.max_year,
        cache_in: (!args.no_cache).then(|| args.out.clone()),
    };
    let guard = lock(&args.out)?;
    let staging = Staging::new(&args.out, &guard)?;
    let stages = xxgk::support::progress::stages(common.quiet);
    stages.set_message("ingest and validate");
    // Only the summary is needed from here on: the reports in memory go before the rollup starts.
    let summary = ingest_into(&staging, &opts).map_err(|e| super::unpublished(e, &args.out))?.summary;
    xxgk::support::timing::mark(|| "run: ingest done".into());
    xxgk::support::memory::release_freed();
    stages.set_message("rollup");
    let previous = (!args.no_cache).then(|| Previous::new(&args.out.join("parquet")));
    let rolled = xxgk::rollup::rollup(
        &staging.path("parquet/facts"),
        &staging.path("parquet"),
        &args.scope.rollup_options(),
        previous.as_ref(),
    )
    .map_err(|e| super::unpublished(e, &args.out))?;
    xxgk::support::timing::mark(|| "run: rollup done".into());
    let validation = staging.path("validation");
    let draw_charts = || -> anyhow::Result<usize> {
        let note = if args.no_charts {
            // Charts from an earlier run would no longer match the data: they go, and the page says why.
            "未绘制图表（--no-charts）。"
        } else if rolled.rows.is_empty() {
            "没有图表：没有入库的报告。"
        } else {
            stages.set_message("charts");
            let opts =
                xxgk::charts::PlotOptions { region: args.scope.region, formats: args.chart_format.clone() };
            let previous = (!args.no_cache).then(|| args.out.join("charts"));
            return super::plot::draw(
                &staging,
                &staging.path("parquet/rollup"),
                &validation,
                &opts,
                previous.as_deref(),
            );
        };
        xxgk::charts::html::write_index(&staging.path("index.html"), &validation, &[], Some(note))?;
        Ok(0)
    };
    let charts = draw_charts().map_err(|e| super::unpublished(e, &args.out))?;
    xxgk::support::timing::mark(|| "run: charts done".into());
    stages.set_message("publishing");
    let mut products: Vec<&str> = xxgk::store::INGEST_PRODUCTS.to_vec();
    products.extend(xxgk::rollup::PRODUCTS);
    products.extend(xxgk::charts::PRODUCTS);
    staging.commit(&products)?;
    stages.finish_and_clear();
    xxgk::support::timing::mark(|| "run: published".into());
    if !common.quiet {
        print!("{}", summary.render());
        for (level, rows) in &rolled.rows {
            println!("rollup {level:<10} {rows:>9} rows");
        }
        let out = args.out.display();
        println!("outputs:");
        println!("  {out}/parquet/reports/year=*/     one row per report");
        println!("  {out}/parquet/facts/year=*/       one row per cell");
        println!("  {out}/parquet/rollup/level=*/     sums, yoy, shares, ranks (long), a file per year (and region group)");
        println!("  {out}/parquet/rollup_wide/level=*/ the same, one row per region and year");
        println!("  {out}/validation/findings.csv     every finding; {out}/rejected/ rejected rows");
        println!(
            "  {out}/extracted/                  CSV and log of each report file read (.txt, .html, .docx)"
        );
        let formats: Vec<&str> = args.chart_format.iter().map(|f| f.ext()).collect();
        println!("  {out}/charts/                     {charts} charts ({})", formats.join(", "));
        println!("  {out}/index.html                  overview: summary, charts, findings");
        println!("done in {:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(exit_for(&summary))
}
