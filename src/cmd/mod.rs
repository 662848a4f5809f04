//! One file per subcommand. Each turns its arguments into library calls and returns the exit code.

pub mod ingest;
pub mod metrics;
pub mod template;
pub mod validate;

use clap::Args;
use std::path::PathBuf;

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

/// Input files or folders (folders are searched recursively for *.csv).
#[derive(Debug, Args, Clone)]
pub struct Inputs {
    /// CSV files or folders; default `data/`.
    #[arg(value_name = "INPUT")]
    pub inputs: Vec<PathBuf>,
    /// Treat broken 勾稽关系 (R1–R4) as errors: the whole report is rejected.
    #[arg(long)]
    pub strict: bool,
}

impl Inputs {
    pub fn paths(&self) -> Vec<PathBuf> {
        if self.inputs.is_empty() {
            vec![PathBuf::from("data")]
        } else {
            self.inputs.clone()
        }
    }
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
