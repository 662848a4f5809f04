//! `validation/findings.csv` (UTF-8 with BOM, so Excel opens it) and `validation/findings.parquet`.

use super::parquet_file::{write_parquet, FileMeta};
use crate::model::finding::Finding;
use crate::support::error::{Error, IoContext, Result};
use arrow::array::{ArrayRef, Int32Builder, Int64Builder, StringBuilder};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::record_batch::RecordBatch;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

pub const COLUMNS: [&str; 12] = [
    "severity",
    "rule",
    "file",
    "line",
    "column",
    "region_code",
    "year",
    "body",
    "metric",
    "expected",
    "actual",
    "message",
];

fn row(f: &Finding) -> [String; 12] {
    let opt = |o: &Option<String>| o.clone().unwrap_or_default();
    [
        f.severity.as_str().to_string(),
        f.rule.id().to_string(),
        f.file.clone(),
        f.line.map(|l| l.to_string()).unwrap_or_default(),
        opt(&f.column),
        opt(&f.region_code),
        f.year.map(|y| y.to_string()).unwrap_or_default(),
        opt(&f.body),
        opt(&f.metric),
        opt(&f.expected),
        opt(&f.actual),
        f.message.clone(),
    ]
}

pub fn write_csv(path: &Path, findings: &[Finding]) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).at(path)?);
    file.write_all(b"\xEF\xBB\xBF").at(path)?;
    let mut w = csv::Writer::from_writer(file);
    let cerr = |source| Error::Csv { path: path.to_path_buf(), source };
    w.write_record(COLUMNS).map_err(cerr)?;
    for f in findings {
        w.write_record(row(f)).map_err(cerr)?;
    }
    w.flush().at(path)?;
    Ok(())
}

pub fn write_parquet_file(path: &Path, findings: &[Finding]) -> Result<()> {
    let mut text: Vec<StringBuilder> = (0..12).map(|_| StringBuilder::new()).collect();
    let mut line = Int64Builder::new();
    let mut year = Int32Builder::new();
    for f in findings {
        let r = row(f);
        for (i, b) in text.iter_mut().enumerate() {
            if i == 3 || i == 6 {
                continue;
            }
            let v = &r[i];
            let nullable = !matches!(i, 0 | 1 | 2 | 11);
            if nullable && v.is_empty() {
                b.append_null();
            } else {
                b.append_value(v);
            }
        }
        line.append_option(f.line.map(|l| l as i64));
        year.append_option(f.year);
    }
    let mut fields = Vec::new();
    let mut arrays: Vec<ArrayRef> = Vec::new();
    for (i, name) in COLUMNS.iter().enumerate() {
        match i {
            3 => {
                fields.push(Field::new(*name, DataType::Int64, true));
                arrays.push(Arc::new(line.finish()));
            }
            6 => {
                fields.push(Field::new(*name, DataType::Int32, true));
                arrays.push(Arc::new(year.finish()));
            }
            _ => {
                fields.push(Field::new(*name, DataType::Utf8, !matches!(i, 0 | 1 | 2 | 11)));
                arrays.push(Arc::new(text[i].finish()));
            }
        }
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)?;
    write_parquet(path, &batch, FileMeta::new("findings", &[]))
}
