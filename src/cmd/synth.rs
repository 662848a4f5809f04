//! `xxgk synth`: write deterministic synthetic report CSVs (marked `.synthetic.csv`) for real
//! region codes, optionally with a known share of injected faults.

use super::Common;
use std::path::PathBuf;
use xxgk::pipeline::{read_and_validate, temp_spill_dir, IngestOptions};
use xxgk::reference::regions::{regions, Level};
use xxgk::stages::synth::bodies::{self, Bodies, BodyKind};
use xxgk::stages::synth::{EncodingChoice, FilesChoice, LayoutChoice, SynthOptions};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    /// Counties, prefectures or provinces to cover (default: every county in the country).
    #[arg(long, num_args = 1.., value_parser = super::parse_region)]
    pub regions: Vec<u32>,
    /// Provinces to cover, every county in them (added to --regions); a code that is not a
    /// province's is refused.
    #[arg(long, num_args = 1.., value_parser = super::parse_region)]
    pub provinces: Vec<u32>,
    /// Which bodies report in every county: government (the county's 人民政府), department
    /// (教育局, 财政局, …), township (乡, 镇, 街道). Default: government, plus the kinds
    /// --departments and --townships give a number of.
    #[arg(long, value_enum, value_delimiter = ',', num_args = 1..)]
    pub bodies: Vec<BodyKind>,
    /// Department reports per county (default 20 when --bodies names department).
    #[arg(long)]
    pub departments: Option<usize>,
    /// Township reports per county (default 11 when --bodies names township).
    #[arg(long)]
    pub townships: Option<usize>,
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
    let bodies = bodies_of(&args)?;
    let mut wanted = args.regions.clone();
    for &code in &args.provinces {
        let level = regions().get(code).map(|r| r.level);
        if level != Some(Level::Province) {
            let name = regions().get(code).map(|r| r.name.as_str()).unwrap_or("");
            anyhow::bail!("--provinces {code:06} ({name}) is not a province's code (e.g. 410000 河南省)");
        }
        wanted.push(code);
    }
    let anchors = if args.anchor.is_empty() {
        Vec::new()
    } else {
        let opts = IngestOptions { quiet: true, ..IngestOptions::new(args.anchor.clone()) };
        let reports = std::sync::Mutex::new(Vec::new());
        read_and_validate(&opts, &temp_spill_dir(), &|_, output, _| {
            let year_reports = output.reports.iter().flat_map(|g| g.iter()).cloned();
            reports.lock().unwrap_or_else(|p| p.into_inner()).extend(year_reports);
            Ok(Vec::new())
        })?;
        reports.into_inner().unwrap_or_else(|p| p.into_inner())
    };
    let opts = SynthOptions {
        regions: wanted,
        years: args.years,
        layout: args.layout,
        files: args.files,
        encoding: args.encoding,
        errors: args.errors,
        seed: args.seed,
        anchors,
        bodies,
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

/// The bodies of every county from `--bodies`, `--departments` and `--townships`.
fn bodies_of(args: &Args) -> anyhow::Result<Bodies> {
    let named = |k| args.bodies.contains(&k);
    let b = if args.bodies.is_empty() {
        Bodies {
            government: true,
            departments: args.departments.unwrap_or(0),
            townships: args.townships.unwrap_or(0),
        }
    } else {
        let count = |k, n: Option<usize>, default| if named(k) { n.unwrap_or(default) } else { 0 };
        for (k, n, flag, kind) in [
            (BodyKind::Department, args.departments, "--departments", "department (部门)"),
            (BodyKind::Township, args.townships, "--townships", "township (乡镇、街道)"),
        ] {
            if n.is_some_and(|n| n > 0) && !named(k) {
                anyhow::bail!("{flag} given, but --bodies does not name {kind}; add it to --bodies");
            }
        }
        Bodies {
            government: named(BodyKind::Government),
            departments: count(BodyKind::Department, args.departments, bodies::DEFAULT_DEPARTMENTS),
            townships: count(BodyKind::Township, args.townships, bodies::DEFAULT_TOWNSHIPS),
        }
    };
    if b.departments > bodies::DEPARTMENTS.len() {
        anyhow::bail!(
            "--departments {}: the list of county departments (教育局, 财政局, …) has {}; ask for at most that",
            b.departments,
            bodies::DEPARTMENTS.len()
        );
    }
    if b.townships > bodies::MAX_TOWNSHIPS {
        anyhow::bail!(
            "--townships {}: at most {} township names are invented",
            b.townships,
            bodies::MAX_TOWNSHIPS
        );
    }
    if !b.government && b.departments == 0 && b.townships == 0 {
        anyhow::bail!("no bodies to write: --bodies and the counts leave none");
    }
    Ok(b)
}
