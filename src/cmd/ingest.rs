//! `xxgk ingest`: check every input row and write the normalized Parquet dataset, the findings and
//! the rejected rows into the output folder, replacing the previous ones atomically.

use super::{exit_for, say, Common, Inputs};
use std::path::PathBuf;

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
    args.inputs.apply_columns()?;
    let opts = args.inputs.ingest_options(common, (!args.no_cache).then(|| args.out.clone()));
    let summary = xxgk::pipeline::chain::ingest(&args.out, &opts)?;
    if !common.quiet {
        super::print_text(&summary.render())?;
        say!(
            "outputs: {}/parquet/{{reports,facts}}, {0}/validation/findings.csv, {0}/rejected/, {0}/extracted/",
            args.out.display()
        );
    }
    Ok(exit_for(&summary))
}
