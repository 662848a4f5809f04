//! Workbooks out: the fill-in template (`template`) and the briefing workbook (`brief`), written with
//! rust_xlsxwriter. A layer of its own between `charts` (the brief embeds their PNGs) and `pipeline`:
//! reading workbooks in is ingest's (`stages::ingest::workbook`), writing them is this layer's.

pub mod brief;
pub mod template;

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("writing the workbook: {0}")]
    Xlsx(#[from] rust_xlsxwriter::XlsxError),
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Data(#[from] crate::support::error::Error),
    #[error("{0}")]
    Usage(String),
}

/// Write `bytes` to `path` through a temporary file beside it and a rename, so that a reader never
/// sees half a workbook and a failed write leaves the old file as it was.
pub fn atomic_write(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    let io = |source| Error::Io { path: path.to_path_buf(), source };
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    std::fs::write(&tmp, bytes).map_err(io)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        io(e)
    })
}
