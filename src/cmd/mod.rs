//! One file per subcommand. Each turns its arguments into library calls and returns the exit code.

pub mod brief;
pub mod extract;
pub mod ingest;
pub mod metrics;
pub mod plot;
pub mod rollup;
pub mod run;
pub mod synth;
pub mod template;
pub mod validate;

use clap::Args;
use std::path::PathBuf;
use xxgk::pipeline::IngestOptions;

/// Options every data command takes.
#[derive(Debug, Args, Clone)]
pub struct Common {
    /// Worker threads for parsing and writing (default: one per core).
    #[arg(long, short = 'j', global = true)]
    pub jobs: Option<usize>,
    /// No progress bar and no summary; findings still go to the output files.
    #[arg(long, short = 'q', global = true)]
    pub quiet: bool,
}

/// Input files or folders (folders are searched recursively for *.csv and report files).
#[derive(Debug, Args, Clone)]
pub struct Inputs {
    /// CSV files, report files (.txt, .htm/.html, .docx; extracted on the way in) or folders; default `data/`.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Treat broken 勾稽关系 (R1–R4) as errors: the whole report is rejected.
    #[arg(long)]
    pub strict: bool,
    /// Latest report year accepted (default: the current year); for synthetic future years in benchmarks.
    #[arg(long)]
    pub max_year: Option<i32>,
    /// CSV of `header,metric` rows settling column headers xxgk does not know or finds ambiguous
    /// (`规章本年,regulations.issued`); the metric by id, or a key column (`region_code`, `year`, …).
    #[arg(long, value_name = "MAP.csv")]
    pub columns: Option<PathBuf>,
}

impl Inputs {
    pub fn paths(&self) -> Vec<PathBuf> {
        if self.inputs.is_empty() {
            vec![PathBuf::from("data")]
        } else {
            self.inputs.clone()
        }
    }

    /// Read `--columns` and use it for every header from now on.
    pub fn apply_columns(&self) -> anyhow::Result<()> {
        use anyhow::Context;
        let Some(path) = &self.columns else { return Ok(()) };
        let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let map = xxgk::stages::ingest::aliases::read_column_map(&text)
            .with_context(|| path.display().to_string())?;
        xxgk::stages::ingest::aliases::set_column_map(map)?;
        Ok(())
    }

    /// The ingest these inputs ask for; `cache_in`: the output folder whose cache and published
    /// partitions may be reused (`None` with `--no-cache`, or when nothing is written).
    pub fn ingest_options(&self, common: &Common, cache_in: Option<PathBuf>) -> IngestOptions {
        IngestOptions {
            strict: self.strict,
            quiet: common.quiet,
            max_year: self.max_year,
            cache_in,
            ..IngestOptions::new(self.paths())
        }
    }
}

/// One line to standard output; a closed pipe ends the command quietly (see `main`).
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)?
    }};
}
pub(crate) use say;

/// Text that already ends its lines (a rendered summary or table), to standard output.
pub fn print_text(text: &str) -> std::io::Result<()> {
    use std::io::Write as _;
    std::io::stdout().lock().write_all(text.as_bytes())
}

/// Exit codes: 0 all stored (warnings allowed), 1 something rejected, 2 usage or I/O error.
pub const EXIT_OK: u8 = 0;
pub const EXIT_REJECTED: u8 = 1;

pub fn exit_for(summary: &xxgk::store::summary::Summary) -> u8 {
    if summary.anything_rejected() {
        EXIT_REJECTED
    } else {
        EXIT_OK
    }
}

/// `--region` and `--years`, shared by `rollup` and `run`.
#[derive(Debug, Args, Clone)]
pub struct Scope {
    /// Only this region and what lies inside it, e.g. 653100 (喀什地区).
    #[arg(long, value_parser = parse_region)]
    pub region: Option<u32>,
    /// Year range, e.g. 2021..2024 (inclusive) or a single year.
    #[arg(long, value_parser = parse_years)]
    pub years: Option<(i32, i32)>,
}

impl Scope {
    pub fn rollup_options(&self) -> xxgk::rollup::RollupOptions {
        xxgk::rollup::RollupOptions { region: self.region, years: self.years }
    }
}

pub fn parse_region(s: &str) -> Result<u32, String> {
    xxgk::reference::regions::regions()
        .lookup(s)
        .map(|r| r.code)
        .map_err(|_| format!("{s:?} is not a region code in the 民政部 2024 table (six digits, e.g. 653100)"))
}

pub fn parse_years(s: &str) -> Result<(i32, i32), String> {
    let bad = || format!("{s:?} is not a year range; write 2021..2024 or 2023");
    let year = |t: &str| t.trim().parse::<i32>().map_err(|_| bad());
    let (from, to) = match s.split_once("..") {
        Some((a, b)) => (year(a)?, year(b.trim_start_matches('='))?),
        None => (year(s)?, year(s)?),
    };
    if from > to {
        return Err(format!("{s:?}: the range runs backwards"));
    }
    Ok((from, to))
}
