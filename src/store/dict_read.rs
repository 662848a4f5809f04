//! Reading xxgk's own Parquet products back with arrow, string columns as dictionaries: the
//! rollup writes its region and metric columns dictionary-encoded, and reading them as
//! dictionaries turns a string into a number once per distinct string, not once per row.

use crate::support::error::{Error, IoContext, Result};
use arrow::array::{Array, ArrayRef, AsArray, DictionaryArray, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Int32Type, Schema};
use arrow::error::ArrowError;
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

/// The Parquet files of one partition folder (`…/year=2023/`), sorted so that every reader takes
/// them in the same order.
pub fn parquet_files(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut files: Vec<std::path::PathBuf> = std::fs::read_dir(dir)
        .at(dir)?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "parquet"))
        .collect();
    files.sort();
    Ok(files)
}

pub fn dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// A reader builder for `path` whose string columns come as dictionaries (the files carry no
/// Arrow schema to say so).
pub fn open(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>> {
    let failed =
        |e: parquet::errors::ParquetError| Error::ReadParquet { path: path.to_path_buf(), source: e };
    let file = File::open(path).at(path)?;
    // The footer is parsed once: the plain schema says which columns are strings, and the same
    // metadata then serves the reader with those columns as dictionaries. The Arrow schema the
    // facts and reports carry (for their column labels) is not decoded, twice, for every file: it
    // says nothing the Parquet types do not, and it was half of a one-file re-run's time in here.
    let options = || ArrowReaderOptions::new().with_skip_arrow_metadata(true);
    let plain = ArrowReaderMetadata::load(&file, options()).map_err(failed)?;
    let fields: Vec<Field> = plain
        .schema()
        .fields()
        .iter()
        .map(|f| {
            if f.data_type() == &DataType::Utf8 {
                f.as_ref().clone().with_data_type(dictionary())
            } else {
                f.as_ref().clone()
            }
        })
        .collect();
    let metadata = ArrowReaderMetadata::try_new(
        Arc::clone(plain.metadata()),
        options().with_schema(Arc::new(Schema::new(fields))),
    )
    .map_err(failed)?;
    Ok(ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata))
}

/// Column `name` of `batch` as `data_type` (a cast, which is a cheap copy when it already is);
/// an error naming the column when the batch has none of that name.
pub fn column(batch: &RecordBatch, name: &str, data_type: &DataType) -> Result<ArrayRef, ArrowError> {
    let column =
        batch.column_by_name(name).ok_or_else(|| ArrowError::SchemaError(format!("no column {name}")))?;
    cast(column, data_type)
}

/// Column `name` of `batch` as a dictionary of strings.
pub fn strings(batch: &RecordBatch, name: &str) -> Result<DictionaryArray<Int32Type>, ArrowError> {
    Ok(column(batch, name, &dictionary())?.as_dictionary::<Int32Type>().clone())
}

pub fn values(dict: &DictionaryArray<Int32Type>) -> &StringArray {
    dict.values().as_string::<i32>()
}

/// Per row of `dict`, `f` of its string, worked out once per distinct string that a row uses. (A
/// batch's dictionary can be the whole column chunk's: every body of a region group, thousands,
/// where the batch's rows use a few; working them all out for every batch made summing the nation's
/// every-body year take 9 s instead of 1.)
pub fn per_row<T: Copy>(
    dict: &DictionaryArray<Int32Type>,
    mut f: impl FnMut(&str) -> Option<T>,
) -> Vec<Option<T>> {
    let values = values(dict);
    let mut seen: Vec<Option<Option<T>>> = vec![None; values.len()];
    dict.keys()
        .iter()
        .map(|k| {
            let k = usize::try_from(k?).ok()?;
            let slot = seen.get_mut(k)?;
            *slot.get_or_insert_with(|| if values.is_valid(k) { f(values.value(k)) } else { None })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::Int32Array;

    #[test]
    fn per_row_works_out_only_the_strings_rows_use_and_each_once() {
        let values = StringArray::from(vec![Some("110101"), Some("unused"), None, Some("653101")]);
        let keys = Int32Array::from(vec![Some(0), Some(3), Some(0), None, Some(2), Some(3)]);
        let dict = DictionaryArray::<Int32Type>::try_new(keys, Arc::new(values)).unwrap();
        let mut calls = Vec::new();
        let got = per_row(&dict, |s| {
            calls.push(s.to_string());
            s.parse::<u32>().ok()
        });
        assert_eq!(got, vec![Some(110101), Some(653101), Some(110101), None, None, Some(653101)]);
        assert_eq!(calls, vec!["110101".to_string(), "653101".to_string()], "once per used string");
    }
}
