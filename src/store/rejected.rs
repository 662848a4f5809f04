//! `rejected/<input path>`: every rejected row with its original columns plus `error`, so the analyst
//! fixes the file and runs again. Files that are not CSV text at all are copied as they are, with
//! the reason beside them in `<name>.error.txt`. A report file's rejected cells go to
//! `<path>.csv` as rows of its extracted CSV; a refused report is copied like a file that is not text.

use crate::model::ParsedFile;
use crate::support::decode::csv_reader;
use crate::support::decode::decode;
use crate::support::error::{Error, IoContext, Result};
use std::io::Write;
use std::path::Path;

pub use crate::model::ERROR_COLUMN;

/// A report file's rejected cells: the rows of its extracted CSV (record = cell), with `error`, to
/// `rejected/<path>.csv` — a CSV the analyst can fix and feed back in place of the report.
fn write_rejected_cells(target: &Path, file: &ParsedFile, csv: &str) -> Result<u64> {
    let mut name = target.as_os_str().to_owned();
    name.push(".csv");
    let target = std::path::PathBuf::from(name);
    let mut out = std::io::BufWriter::new(std::fs::File::create(&target).at(&target)?);
    out.write_all(b"\xEF\xBB\xBF").at(&target)?;
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    let cerr = |source| Error::Csv { path: target.clone(), source };
    let mut rdr = csv::ReaderBuilder::new().has_headers(false).from_reader(csv.as_bytes());
    let mut written = 0u64;
    for (i, rec) in rdr.records().enumerate() {
        let Ok(rec) = rec else { continue };
        let mut fields: Vec<String> = rec.iter().map(str::to_string).collect();
        if i == 0 {
            fields.push(ERROR_COLUMN.to_string());
        } else if let Some(row) = file.rejected.get(&(i as u32 - 1)) {
            fields.push(row.reasons.join("; "));
            written += 1;
        } else {
            continue;
        }
        w.write_record(&fields).map_err(cerr)?;
    }
    w.flush().at(&target)?;
    Ok(written)
}

pub fn write_rejected(root: &Path, file: &ParsedFile) -> Result<u64> {
    if file.rejected.is_empty() && file.file_error.is_none() {
        return Ok(0);
    }
    let target = root.join(&file.file.rel);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    if let Some(x) = file.extracted.as_ref().filter(|x| !x.csv.is_empty()) {
        return write_rejected_cells(&target, file, &x.csv);
    }
    let bytes = std::fs::read(&file.file.path).unwrap_or_default();
    let text = match decode(&bytes) {
        Ok((text, _)) if !file.header.is_empty() => text,
        _ => {
            // Not CSV text (or not readable): keep the bytes, explain beside them.
            std::fs::write(&target, &bytes).at(&target)?;
            let note = target.with_file_name(format!(
                "{}.error.txt",
                target.file_name().map(|n| n.to_string_lossy()).unwrap_or_default()
            ));
            let reason = file.file_error.clone().unwrap_or_default();
            std::fs::write(&note, format!("{}\n{reason}\n", file.file.display)).at(&note)?;
            return Ok(0);
        }
    };
    let mut out = std::io::BufWriter::new(std::fs::File::create(&target).at(&target)?);
    out.write_all(b"\xEF\xBB\xBF").at(&target)?;
    let mut w = csv::WriterBuilder::new().flexible(true).from_writer(out);
    let cerr = |source| Error::Csv { path: target.clone(), source };
    let width = file.header.len();
    let mut header = file.header.to_vec();
    if let Some(first) = header.first_mut() {
        *first = first.trim_start_matches('\u{FEFF}').to_string();
    }
    header.push(ERROR_COLUMN.to_string());
    w.write_record(&header).map_err(cerr)?;
    let mut rdr = csv_reader(&text);
    let mut rec = csv::StringRecord::new();
    let _ = rdr.read_record(&mut rec);
    let mut written = 0u64;
    let mut record = 0u32;
    while let Ok(true) = rdr.read_record(&mut rec) {
        if let Some(row) = file.rejected.get(&record) {
            let mut fields: Vec<&str> = rec.iter().collect();
            // Short rows are padded so `error` sits under its header.
            while fields.len() < width {
                fields.push("");
            }
            let reasons = row.reasons.join("; ");
            fields.push(&reasons);
            w.write_record(&fields).map_err(cerr)?;
            written += 1;
        }
        record += 1;
    }
    w.flush().at(&target)?;
    Ok(written)
}
