//! `xxgk run`: the whole pipeline — ingest → validate → store → rollup → charts — into one output folder,
//! published in one atomic step at the end.

use super::{exit_for, say, Common, Inputs, Scope};
use std::path::PathBuf;
use xxgk::charts::PlotOptions;
use xxgk::pipeline::chain::RunOptions;
use xxgk::support::term::{pad, pad_left};

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
    args.inputs.apply_columns()?;
    let started = std::time::Instant::now();
    let opts = RunOptions {
        ingest: args.inputs.ingest_options(common, (!args.no_cache).then(|| args.out.clone())),
        out: args.out.clone(),
        rollup: args.scope.rollup_options(),
        charts: (!args.no_charts)
            .then(|| PlotOptions { region: args.scope.region, formats: args.chart_format.clone() }),
    };
    let done = xxgk::pipeline::chain::run(&opts)?;
    if !common.quiet {
        super::print_text(&done.summary.render())?;
        for (level, rows) in &done.rollup.rows {
            say!("rollup {} {} rows", pad(level, 10), pad_left(&rows.to_string(), 9));
        }
        let out = args.out.display();
        say!("outputs:");
        say!("  {out}/parquet/reports/year=*/     one row per report");
        say!("  {out}/parquet/facts/year=*/       one row per cell");
        say!("  {out}/parquet/rollup/level=*/     sums, yoy, shares, ranks (long), a file per year (and region group)");
        say!("  {out}/parquet/rollup_wide/level=*/ the same, one row per region and year");
        say!("  {out}/validation/findings.csv     every finding; {out}/rejected/ rejected rows");
        say!("  {out}/extracted/                  CSV and log of each report file read (.txt, .html, .docx)");
        let formats: Vec<&str> = args.chart_format.iter().map(|f| f.ext()).collect();
        say!("  {out}/charts/                     {} charts ({})", done.charts, formats.join(", "));
        say!("  {out}/index.html                  overview: summary, charts, findings");
        say!("done in {:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(exit_for(&done.summary))
}
