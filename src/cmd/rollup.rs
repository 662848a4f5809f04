//! `xxgk rollup`: read `parquet/facts` and write the rollups for every level, atomically.

use super::{say, Common, Scope};
use std::path::PathBuf;
use xxgk::support::term::{pad, pad_left};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder holding `parquet/facts` (from `xxgk ingest`); the rollup is written beside it.
    #[arg(long, default_value = "outputs")]
    pub out: PathBuf,
    #[command(flatten)]
    pub scope: Scope,
    /// Roll every year up again, instead of keeping the published years whose facts did not change.
    #[arg(long)]
    pub no_cache: bool,
}

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    let summary =
        xxgk::pipeline::chain::rollup(&args.out, &args.scope.rollup_options(), !args.no_cache, common.quiet)?;
    if !common.quiet {
        for (level, rows) in &summary.rows {
            say!("rollup {} {} rows", pad(level, 10), pad_left(&rows.to_string(), 9));
        }
        say!("outputs: {0}/parquet/rollup/, {0}/parquet/rollup_wide/", args.out.display());
    }
    Ok(0)
}
