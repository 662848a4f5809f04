//! `xxgk brief`: the briefing workbook for one region and year, from the published rollup of an
//! output folder (`workbooks::brief`).

use super::{say, Common};
use anyhow::Context;
use std::path::PathBuf;
use xxgk::workbooks::brief::{default_name, write_brief, BriefOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The region, e.g. 653100 (喀什地区): its children are the rows.
    #[arg(long, value_parser = super::parse_region)]
    pub region: u32,
    /// The report year.
    #[arg(long)]
    pub year: i32,
    /// Output folder of `xxgk run` (holding parquet/rollup, validation/, charts/).
    #[arg(long, default_value = "outputs")]
    pub out: PathBuf,
    /// The workbook to write (default: <out>/<code>-<name>-<year>-简报.xlsx).
    #[arg(long, short = 'o')]
    pub output: Option<PathBuf>,
}

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    let name =
        xxgk::reference::regions::regions().get(args.region).map(|r| r.name.clone()).unwrap_or_default();
    let path =
        args.output.clone().unwrap_or_else(|| args.out.join(default_name(args.region, &name, args.year)));
    if !path.extension().and_then(|e| e.to_str()).is_some_and(|e| e.eq_ignore_ascii_case("xlsx")) {
        anyhow::bail!("{}: the brief is an .xlsx workbook; name the file .xlsx", path.display());
    }
    let opts = BriefOptions { out: args.out.clone(), region: args.region, year: args.year };
    let s = write_brief(&opts, &path).with_context(|| format!("writing {}", path.display()))?;
    if !common.quiet {
        say!(
            "{}: {} child regions, {} not reported, {} findings, {} charts",
            path.display(),
            s.children,
            s.missing,
            s.findings,
            s.charts
        );
    }
    Ok(0)
}
