//! Writing one Parquet file with the arrow/parquet crates: zstd, and the key-value metadata every
//! xxgk file carries (format version, dataset name, the SHA-256 of the inputs it was built from).

use crate::catalog::FORMAT_VERSION;
use crate::error::{Error, IoContext, Result};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::path::Path;

/// A year's file inside a year-partitioned dataset folder (`reports`, `facts`).
pub fn year_file(year: i32) -> String {
    format!("year={year}/part-0.parquet")
}

/// One input file as recorded in the metadata.
#[derive(Debug, Clone, serde::Serialize)]
pub struct InputDigest {
    pub file: String,
    pub sha256: String,
}

/// What goes into a file's key-value metadata besides the format version.
#[derive(Debug, Clone, Copy)]
pub struct FileMeta<'a> {
    pub dataset: &'a str,
    pub inputs: &'a [InputDigest],
    /// The partition's content digest (`super::digest`), for the next run to compare with.
    pub content: Option<&'a str>,
}

impl<'a> FileMeta<'a> {
    pub fn new(dataset: &'a str, inputs: &'a [InputDigest]) -> FileMeta<'a> {
        FileMeta { dataset, inputs, content: None }
    }
}

pub fn write_parquet(path: &Path, batch: &RecordBatch, meta: FileMeta) -> Result<()> {
    write_parquet_batches(path, batch.schema(), meta, std::iter::once(Ok(batch.clone())))
}

/// The same, from batches made one at a time: only one batch is in memory besides the writer's
/// encoded (compressed) pages, so a national year of facts needs tens of megabytes, not hundreds.
pub fn write_parquet_batches(
    path: &Path,
    schema: SchemaRef,
    meta: FileMeta,
    batches: impl IntoIterator<Item = Result<RecordBatch>>,
) -> Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).at(parent)?;
    }
    let mut kv = vec![
        KeyValue::new("xxgk.format_version".to_string(), FORMAT_VERSION.to_string()),
        KeyValue::new("xxgk.dataset".to_string(), meta.dataset.to_string()),
        KeyValue::new(
            "xxgk.inputs".to_string(),
            serde_json::to_string(meta.inputs).unwrap_or_else(|_| "[]".to_string()),
        ),
    ];
    if let Some(digest) = meta.content {
        kv.push(KeyValue::new(super::reuse::DIGEST_KEY.to_string(), digest.to_string()));
    }
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .set_key_value_metadata(Some(kv))
        .build();
    super::test_hooks::before_parquet_file();
    let file = std::fs::File::create(path).at(path)?;
    let perr = |source| Error::Parquet { path: path.to_path_buf(), source };
    let mut writer = ArrowWriter::try_new(file, schema, Some(props)).map_err(perr)?;
    for batch in batches {
        writer.write(&batch?).map_err(perr)?;
    }
    let file = writer.into_inner().map_err(perr)?;
    // The rename that publishes this file must not overtake its data on disk.
    file.sync_all().at(path)?;
    super::test_hooks::parquet_file_written();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array};
    use std::sync::Arc;

    #[test]
    fn a_full_disk_is_an_error_naming_the_path() {
        // /dev/full takes the open and fails every write with ENOSPC: a disk that filled up.
        let batch =
            RecordBatch::try_from_iter([("n", Arc::new(Int64Array::from(vec![1, 2, 3])) as ArrayRef)])
                .unwrap();
        let err = write_parquet(Path::new("/dev/full"), &batch, FileMeta::new("test", &[])).unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::Parquet { .. } | Error::Io { .. }), "{err:?}");
        assert!(text.contains("/dev/full") && text.contains("No space left on device"), "{text}");
    }
}
