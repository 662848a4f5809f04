//! `xxgk plot`: read `parquet/rollup` and draw the charts and `index.html`, published atomically.

use super::Common;
use anyhow::Context;
use std::path::{Path, PathBuf};
use xxgk::charts::{self, Format, PlotOptions};
use xxgk::store::atomic::{lock, Staging};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder holding `parquet/rollup` (from `xxgk run` or `xxgk rollup`).
    #[arg(long, default_value = "outputs")]
    pub out: PathBuf,
    /// Only this prefecture, this province and its prefectures, or the prefecture of this county.
    #[arg(long, value_parser = super::parse_region)]
    pub region: Option<u32>,
    /// Image formats, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "svg,png", value_parser = parse_format)]
    pub format: Vec<Format>,
    /// Draw every chart again, instead of keeping the published ones whose data, format and
    /// drawing code are unchanged.
    #[arg(long)]
    pub no_cache: bool,
}

pub fn parse_format(s: &str) -> Result<Format, String> {
    Format::parse(s).ok_or_else(|| format!("{s:?} is not an image format; write svg, png or svg,png"))
}

/// Draw into the staging folder: charts from `rollup_dir`, the page from `validation_dir`. With
/// `previous` (the published `charts/`), unchanged charts are linked from there, not drawn.
pub fn draw(
    staging: &Staging,
    rollup_dir: &Path,
    validation_dir: &Path,
    opts: &PlotOptions,
    previous: Option<&Path>,
) -> anyhow::Result<usize> {
    let charts = charts::draw_all(rollup_dir, &staging.path("charts"), opts, previous)?;
    let note = charts.is_empty().then_some("没有图表：所选范围内没有含下级区划的地级或省级区划。");
    charts::html::write_index(&staging.path("index.html"), validation_dir, &charts, note)
        .context("writing index.html")?;
    Ok(charts.len())
}

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let rollup = args.out.join("parquet/rollup");
    if !rollup.is_dir() {
        anyhow::bail!("{} does not exist: run `xxgk run` (or `xxgk rollup`) first", rollup.display());
    }
    let guard = lock(&args.out)?;
    let staging = Staging::new(&args.out, &guard)?;
    let stages = xxgk::support::progress::stages(common.quiet);
    stages.set_message("drawing charts");
    let opts = PlotOptions { region: args.region, formats: args.format.clone() };
    let previous = (!args.no_cache).then(|| args.out.join("charts"));
    let n = draw(&staging, &rollup, &args.out.join("validation"), &opts, previous.as_deref())?;
    xxgk::support::timing::mark(|| "plot: index written".into());
    staging.commit(&charts::PRODUCTS)?;
    xxgk::support::timing::mark(|| "plot: published".into());
    stages.finish_and_clear();
    if !common.quiet {
        let out = args.out.display();
        println!("{n} charts × {} formats in {out}/charts/; overview {out}/index.html", opts.formats.len());
        println!("done in {:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(0)
}
