//! `xxgk rollup`: read `parquet/facts` and write the rollups for every level, atomically.

use super::{Common, Scope};
use std::path::PathBuf;
use xxgk::store::atomic::{lock, Staging};
use xxgk::store::reuse::Previous;

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
    let facts = args.out.join("parquet/facts");
    if !facts.is_dir() {
        anyhow::bail!("{} does not exist: run `xxgk ingest` (or `xxgk run`) first", facts.display());
    }
    let guard = lock(&args.out)?;
    let staging = Staging::new(&args.out, &guard)?;
    let stages = xxgk::support::progress::stages(common.quiet);
    stages.set_message("rolling up");
    let previous = (!args.no_cache).then(|| Previous::new(&args.out.join("parquet")));
    let summary = xxgk::rollup::rollup(
        &facts,
        &staging.path("parquet"),
        &args.scope.rollup_options(),
        previous.as_ref(),
    )?;
    staging.commit(&xxgk::rollup::PRODUCTS)?;
    stages.finish_and_clear();
    if !common.quiet {
        for (level, rows) in &summary.rows {
            println!("rollup {level:<10} {rows:>9} rows");
        }
        println!("outputs: {0}/parquet/rollup/, {0}/parquet/rollup_wide/", args.out.display());
    }
    Ok(0)
}
