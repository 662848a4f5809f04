//! `xxgk ingest`: check every input row and write the normalized Parquet dataset, the findings and
//! the rejected rows into the output folder, replacing the previous ones atomically.

use super::{exit_for, Common, Inputs};
use std::path::PathBuf;
use xxgk::pipeline::{ingest_into, IngestOptions};
use xxgk::store::atomic::{lock, Staging};
use xxgk::store::INGEST_PRODUCTS;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub inputs: Inputs,
    /// Output folder.
    #[arg(long, default_value = "outputs")]
    pub out: PathBuf,
    /// Read every file again instead of reusing what `<out>/.xxgk-cache/` holds for unchanged files.
    #[arg(long)]
    pub no_cache: bool,
}

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    let opts = IngestOptions {
        inputs: args.inputs.paths(),
        strict: args.inputs.strict,
        quiet: common.quiet,
        max_year: args.inputs.max_year,
        cache_in: (!args.no_cache).then(|| args.out.clone()),
    };
    let guard = lock(&args.out)?;
    let staging = Staging::new(&args.out, &guard)?;
    let ingested = ingest_into(&staging, &opts).map_err(|e| super::unpublished(e, &args.out))?;
    staging.commit(&INGEST_PRODUCTS)?;
    if !common.quiet {
        print!("{}", ingested.summary.render());
        println!(
            "outputs: {}/parquet/{{reports,facts}}, {0}/validation/findings.csv, {0}/rejected/, {0}/extracted/",
            args.out.display()
        );
    }
    Ok(exit_for(&ingested.summary))
}
