//! `xxgk synth`: write deterministic synthetic report CSVs (marked `.synthetic.csv`) for real
//! region codes, optionally with a known share of injected faults.

use super::Common;
use std::path::PathBuf;
use xxgk::pipeline::{read_and_validate, temp_spill_dir, IngestOptions};
use xxgk::stages::synth::{EncodingChoice, FilesChoice, LayoutChoice, SynthOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Counties, prefectures or provinces to cover (default: every county in the country).
    #[arg(long, num_args = 1.., value_parser = super::parse_region)]
    pub regions: Vec<u32>,
    /// Years, e.g. 2021..2030.
    #[arg(long, value_parser = super::parse_years, default_value = "2021..2024")]
    pub years: (i32, i32),
    #[arg(long, value_enum, default_value = "long")]
    pub layout: LayoutChoice,
    #[arg(long, value_enum, default_value = "per-report")]
    pub files: FilesChoice,
    #[arg(long, value_enum, default_value = "utf8")]
    pub encoding: EncodingChoice,
    /// Share of reports that get one injected fault (0–1), listed in synth-manifest.tsv.
    #[arg(long, default_value_t = 0.0)]
    pub errors: f64,
    #[arg(long, default_value_t = 2021)]
    pub seed: u64,
    /// Real report CSVs to keep: those reports are not generated and their neighbouring years agree
    /// with them (carry-over, documents in force).
    #[arg(long)]
    pub anchor: Vec<PathBuf>,
}

pub fn run(args: Args, common: &Common) -> anyhow::Result<u8> {
    if !(0.0..=1.0).contains(&args.errors) {
        anyhow::bail!("--errors {} must be between 0 and 1", args.errors);
    }
    let anchors = if args.anchor.is_empty() {
        Vec::new()
    } else {
        let opts = IngestOptions { quiet: true, ..IngestOptions::new(args.anchor.clone()) };
        let reports = std::sync::Mutex::new(Vec::new());
        read_and_validate(&opts, &temp_spill_dir(), &|_, output, _| {
            if let xxgk::store::YearOutput::Reports(year_reports) = output {
                reports.lock().unwrap_or_else(|p| p.into_inner()).extend(year_reports.iter().cloned());
            }
            Ok(Vec::new())
        })?;
        reports.into_inner().unwrap_or_else(|p| p.into_inner())
    };
    let opts = SynthOptions {
        regions: args.regions,
        years: args.years,
        layout: args.layout,
        files: args.files,
        encoding: args.encoding,
        errors: args.errors,
        seed: args.seed,
        anchors,
    };
    let s = xxgk::stages::synth::synth(&args.out, &opts)?;
    if !common.quiet {
        super::say!(
            "synthetic: {} files, {} reports, {} rows, {} injected faults in {}",
            s.files,
            s.reports,
            s.rows,
            s.faults,
            args.out.display()
        );
    }
    Ok(0)
}
