//! `xxgk run`: the whole pipeline — ingest → validate → store → rollup — into one output folder,
//! published in one atomic step at the end.

use super::{exit_for, Common, Inputs, Scope};
use std::path::PathBuf;
use xxgk::pipeline::{ingest_into, IngestOptions};
use xxgk::store::atomic::{lock, Staging};

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output folder.
    #[arg(long, default_value = "outputs")]
    pub out: PathBuf,
    /// Rollup scope; ingest and validation always cover every input row.
    #[command(flatten)]
    pub scope: Scope,
}

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    let started = std::time::Instant::now();
    let opts = IngestOptions {
        inputs: args.inputs.paths(),
        strict: args.inputs.strict,
        quiet: common.quiet,
        max_year: args.inputs.max_year,
    };
    let guard = lock(&args.out)?;
    let staging = Staging::new(&args.out, &guard)?;
    let stages = xxgk::progress::stages(common.quiet);
    stages.set_message("ingest and validate");
    // Only the summary is needed from here on: the reports in memory go before the rollup starts.
    let summary = ingest_into(&staging, &opts).map_err(|e| super::unpublished(e, &args.out))?.summary;
    stages.set_message("rollup");
    let rolled = xxgk::rollup::rollup(
        &staging.path("parquet/facts"),
        &staging.path("parquet"),
        &args.scope.rollup_options(),
    )
    .map_err(|e| super::unpublished(e, &args.out))?;
    stages.set_message("publishing");
    let mut products: Vec<&str> = xxgk::store::INGEST_PRODUCTS.to_vec();
    products.extend(xxgk::rollup::PRODUCTS);
    staging.commit(&products)?;
    stages.finish_and_clear();
    if !common.quiet {
        print!("{}", summary.render());
        for (level, rows) in &rolled.rows {
            println!("rollup {level:<10} {rows:>9} rows");
        }
        let out = args.out.display();
        println!("outputs:");
        println!("  {out}/parquet/reports/year=*/     one row per report");
        println!("  {out}/parquet/facts/year=*/       one row per cell");
        println!("  {out}/parquet/rollup/level=*/     sums, yoy, shares, ranks (long)");
        println!("  {out}/parquet/rollup_wide/level=*/ the same, one row per region and year");
        println!("  {out}/validation/findings.csv     every finding; {out}/rejected/ rejected rows");
        println!("done in {:.1} s", started.elapsed().as_secs_f64());
    }
    Ok(exit_for(&summary))
}
