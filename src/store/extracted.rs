//! `extracted/<input path>.csv` and `.log.txt`: what the extractor read out of each report file in
//! the input, so the analyst can check a number against the text, fix the CSV and feed it back.
//! The CSV is the long layout ingest reads (UTF-8 with BOM, for Excel); the log says, line by line,
//! where each row of the tables was found and why a report was refused.

use crate::model::ParsedFile;
use crate::support::error::{IoContext, Result};
use std::path::{Path, PathBuf};

/// `<root>/<rel><suffix>`: the input's own name is kept whole (`a.txt.csv`), so that `a.txt` and
/// `a.html` side by side do not collide.
fn beside(root: &Path, rel: &Path, suffix: &str) -> PathBuf {
    let mut name = rel.as_os_str().to_owned();
    name.push(suffix);
    root.join(name)
}

/// Write the products for one file; a CSV input writes nothing.
pub fn write_extracted(root: &Path, file: &ParsedFile) -> Result<()> {
    let Some(x) = &file.extracted else { return Ok(()) };
    let log_path = beside(root, &file.file.rel, ".log.txt");
    if let Some(parent) = log_path.parent() {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    let mut log = format!("source: {}\n", file.file.display);
    if !x.form.is_empty() {
        log.push_str(&format!("form: {}\n", x.form));
    }
    for line in &x.log {
        log.push_str(line);
        log.push('\n');
    }
    std::fs::write(&log_path, log).at(&log_path)?;
    if !x.csv.is_empty() {
        let csv_path = beside(root, &file.file.rel, ".csv");
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend_from_slice(x.csv.as_bytes());
        std::fs::write(&csv_path, bytes).at(&csv_path)?;
    }
    Ok(())
}
