//! Typed errors of the library. Problems with the *data* are findings, not errors: an error here
//! means xxgk could not do its job at all (I/O, a held lock, a writer failure).

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("writing Parquet {path}: {source}")]
    Parquet { path: PathBuf, source: parquet::errors::ParquetError },
    #[error("reading Parquet {path}: {source}")]
    ReadParquet { path: PathBuf, source: parquet::errors::ParquetError },
    #[error("building an Arrow batch: {0}")]
    Arrow(#[from] arrow::error::ArrowError),
    #[error("polars: {0}")]
    Polars(#[from] polars::error::PolarsError),
    #[error("another xxgk is writing to {out} right now (lock file {lock} is held); wait for it to finish and run again")]
    Locked { out: PathBuf, lock: PathBuf },
    #[error("writing CSV {path}: {source}")]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{0}")]
    Usage(String),
    #[error("no rollup in {dir}: run `xxgk run` (or `xxgk rollup`) first")]
    NoRollup { dir: PathBuf },
    #[error("{path}: the published partition changed while this run was reusing it (did another program write into the output folder?); run again")]
    Republished { path: PathBuf },
    /// A failure before the commit: the published output was not touched.
    #[error("the run failed before publishing; {} is left as it was", out.display())]
    Unpublished { out: PathBuf, source: Box<Error> },
    #[error("drawing chart {path}: {message}")]
    Chart { path: PathBuf, message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Attach a path to an I/O error.
pub trait IoContext<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T>;
}

impl<T> IoContext<T> for std::io::Result<T> {
    fn at(self, path: impl Into<PathBuf>) -> Result<T> {
        self.map_err(|source| Error::Io { path: path.into(), source })
    }
}
