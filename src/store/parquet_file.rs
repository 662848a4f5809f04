//! Writing one Parquet file with the arrow/parquet crates: zstd, and the key-value metadata every
//! xxgk file carries (format version, dataset name, the SHA-256 of the inputs it was built from).

use crate::reference::catalog::FORMAT_VERSION;
use crate::support::error::{Error, IoContext, Result};
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use parquet::arrow::arrow_writer::{compute_leaves, ArrowColumnWriter, ArrowRowGroupWriterFactory};
use parquet::arrow::{add_encoded_arrow_schema_to_metadata, ArrowSchemaConverter};
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use rayon::prelude::*;
use std::path::Path;
use std::sync::Arc;

/// One region group's file of a year inside a year-partitioned dataset folder (`reports`,
/// `facts`), see [`super::region_group`]. Readers take every file of `year=YYYY/`.
pub fn partition_file(year: i32, group: &str) -> String {
    format!("year={year}/part-{group}.parquet")
}

/// Past this many columns a table is one of the wide ones (`reports`, `rollup_wide`).
const WIDE: usize = 64;

/// zstd for the long tables, none for the wide ones. parquet-rs sets up a zstd compressor and
/// decompressor for every column chunk it writes, tens of microseconds each; a region group's wide file
/// is some two hundred chunks of a few hundred small numbers, which zstd made 3 % smaller (national
/// set: reports 62 → 65 MB, rollup_wide 48 → 49 MB) for a third of the time it takes to write them.
pub fn compression(columns: usize) -> Compression {
    if columns > WIDE {
        Compression::UNCOMPRESSED
    } else {
        Compression::ZSTD(ZstdLevel::default())
    }
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
        .set_compression(compression(schema.fields().len()))
        .set_key_value_metadata(Some(kv))
        .build();
    super::test_hooks::before_parquet_file();
    let file = std::fs::File::create(path).at(path)?;
    // Made durable with the whole staging folder, in one `syncfs` before it is published
    // (`atomic::Staging::commit`): a national run writes some 700 of these.
    write_columns_in_parallel(path, file, schema, props, true, batches)?;
    super::test_hooks::parquet_file_written();
    Ok(())
}

/// What `ArrowWriter` does (`path` names the file in errors), with the columns of each batch
/// encoded and compressed at once, a column a task: `ArrowWriter` encodes one after another, and a
/// national year of facts or of the rollup is half a million rows. Batches go to the same column
/// writers in the same order and row groups are cut at the same row counts, so the bytes are the
/// ones `ArrowWriter` writes. With `arrow_schema`, the Arrow schema (field metadata included) is
/// embedded as `ArrowWriter` does by default.
pub fn write_columns_in_parallel<W: std::io::Write + Send>(
    path: &Path,
    out: W,
    schema: SchemaRef,
    mut props: WriterProperties,
    arrow_schema: bool,
    batches: impl IntoIterator<Item = Result<RecordBatch>>,
) -> Result<W> {
    let perr = |source| Error::Parquet { path: path.to_path_buf(), source };
    let parquet_schema =
        ArrowSchemaConverter::new().with_coerce_types(props.coerce_types()).convert(&schema).map_err(perr)?;
    if arrow_schema {
        add_encoded_arrow_schema_to_metadata(&schema, &mut props);
    }
    let max_rows = props.max_row_group_row_count().unwrap_or(usize::MAX);
    let props = Arc::new(props);
    let mut writer = SerializedFileWriter::new(out, parquet_schema.root_schema_ptr(), props).map_err(perr)?;
    let factory = ArrowRowGroupWriterFactory::new(&writer, Arc::clone(&schema));
    let mut group: Option<(Vec<ArrowColumnWriter>, usize)> = None;
    let mut row_groups = 0;
    for batch in batches {
        let mut rest = batch?;
        while rest.num_rows() > 0 {
            let (columns, rows) = match &mut group {
                Some(g) => g,
                None => group.insert((factory.create_column_writers(row_groups).map_err(perr)?, 0)),
            };
            let take = rest.num_rows().min(max_rows - *rows);
            let part = rest.slice(0, take);
            rest = rest.slice(take, rest.num_rows() - take);
            if columns.len() == schema.fields().len()
                && schema.fields().iter().all(|f| !f.data_type().is_nested())
            {
                // A flat schema, a column writer a field: each column's levels are laid out, written
                // and freed by the thread that writes it (see [`write_flat`]).
                write_flat(columns, &schema, &part).map_err(perr)?;
            } else {
                let mut leaves = Vec::with_capacity(columns.len());
                for (field, array) in schema.fields().iter().zip(part.columns()) {
                    leaves.extend(compute_leaves(field, array).map_err(perr)?);
                }
                columns
                    .par_iter_mut()
                    .zip(leaves)
                    .try_for_each(|(column, leaf)| column.write(&leaf))
                    .map_err(perr)?;
            }
            *rows += take;
            if *rows == max_rows {
                if let Some((columns, _)) = group.take() {
                    close_row_group(&mut writer, columns).map_err(perr)?;
                    row_groups += 1;
                }
            }
        }
    }
    if let Some((columns, _)) = group.take() {
        close_row_group(&mut writer, columns).map_err(perr)?;
    }
    writer.into_inner().map_err(perr)
}

/// A batch of a flat schema into its column writers, a column a task, each column's levels
/// (`compute_leaves`: a definition level and an 8-byte index a row) made on the thread that writes
/// and frees them. Made all at once on the calling thread and freed on the writing ones, as
/// before, the allocator took fresh memory for them at every file: a region group's rollup file is
/// 89,000 rows of 16 columns, 11 MB of indices. A one-file re-run of the national set: 33,000
/// page faults against 35,400 (medians of 6 alternating runs), 0.201 against 0.204 s inside the
/// process (medians of 14, within the noise), 2026-12-07; the same bytes (`tests` below).
fn write_flat(
    columns: &mut [ArrowColumnWriter],
    schema: &SchemaRef,
    batch: &RecordBatch,
) -> parquet::errors::Result<()> {
    columns.par_iter_mut().zip(schema.fields().par_iter().zip(batch.columns().par_iter())).try_for_each(
        |(column, (field, array))| {
            for leaf in compute_leaves(field, array)? {
                column.write(&leaf)?;
            }
            Ok(())
        },
    )
}

fn close_row_group<W: std::io::Write + Send>(
    writer: &mut SerializedFileWriter<W>,
    columns: Vec<ArrowColumnWriter>,
) -> parquet::errors::Result<()> {
    let chunks =
        columns.into_par_iter().map(ArrowColumnWriter::close).collect::<parquet::errors::Result<Vec<_>>>()?;
    let mut row_group = writer.next_row_group()?;
    for chunk in chunks {
        chunk.append_to_row_group(&mut row_group)?;
    }
    row_group.close()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{ArrayRef, Int64Array};
    use parquet::arrow::ArrowWriter;
    use std::sync::Arc;

    /// Linux: `/dev/full` (Windows has no such device; the kill and abort tests cover it there).
    #[cfg(target_os = "linux")]
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

    #[test]
    fn columns_written_in_parallel_are_the_bytes_arrow_writer_writes() {
        let batch = |from: i64, n: i64| {
            let ints: ArrayRef = Arc::new(Int64Array::from_iter_values(from..from + n));
            let text: ArrayRef = Arc::new(arrow::array::StringArray::from_iter_values(
                (from..from + n).map(|i| format!("区划{}", i % 3)),
            ));
            RecordBatch::try_from_iter([("n", ints), ("name", text)]).unwrap()
        };
        let batches = [batch(0, 2), batch(2, 5), batch(7, 4)];
        // Row groups of three rows: the batches are cut across them.
        let props = || WriterProperties::builder().set_max_row_group_row_count(Some(3)).build();
        let schema = batches[0].schema();
        let mut expected = Vec::new();
        let mut w = ArrowWriter::try_new(&mut expected, schema.clone(), Some(props())).unwrap();
        for b in &batches {
            w.write(b).unwrap();
        }
        w.close().unwrap();
        let ours = write_columns_in_parallel(
            Path::new("test.parquet"),
            Vec::new(),
            schema,
            props(),
            true,
            batches.iter().cloned().map(Ok),
        )
        .unwrap();
        assert_eq!(ours, expected);
    }

    /// A nested column (two leaves under one field) takes the other path: the same bytes too.
    #[test]
    fn a_nested_column_is_written_as_arrow_writer_writes_it() {
        use arrow::array::{Float64Array, StructArray};
        use arrow::datatypes::{DataType, Field};
        let inner: ArrayRef = Arc::new(StructArray::from(vec![
            (
                Arc::new(Field::new("a", DataType::Int64, true)),
                Arc::new(Int64Array::from(vec![Some(1), None, Some(3)])) as ArrayRef,
            ),
            (
                Arc::new(Field::new("b", DataType::Float64, true)),
                Arc::new(Float64Array::from(vec![0.5, 1.5, 2.5])) as ArrayRef,
            ),
        ]));
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![7, 8, 9]));
        let batch = RecordBatch::try_from_iter([("s", inner), ("n", ints)]).unwrap();
        let mut expected = Vec::new();
        let mut w = ArrowWriter::try_new(&mut expected, batch.schema(), None).unwrap();
        w.write(&batch).unwrap();
        w.close().unwrap();
        let ours = write_columns_in_parallel(
            Path::new("test.parquet"),
            Vec::new(),
            batch.schema(),
            WriterProperties::builder().build(),
            true,
            std::iter::once(Ok(batch.clone())),
        )
        .unwrap();
        assert_eq!(ours, expected);
    }
}
