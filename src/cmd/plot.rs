//! `xxgk plot`: read `parquet/rollup` and draw the charts and `index.html`, published atomically.

use super::{say, Common};
use std::path::PathBuf;
use xxgk::charts::{Format, PlotOptions};

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

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let opts = PlotOptions { region: args.region, formats: args.format.clone() };
    let n = xxgk::pipeline::chain::plot(&args.out, &opts, !args.no_cache, common.quiet)?;
    if !common.quiet {
        let out = args.out.display();
        say!("{n} charts × {} formats in {out}/charts/; overview {out}/index.html", opts.formats.len());
        say!("done in {:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(0)
}
