//! A year's sums read back from its published long rollup files, when their footer says they were
//! summed from the same facts (`xxgk.sums_sha256`). A re-run that changed one year rolls up that
//! year and the next (its yoy change) and needs the sums of the years around them: reading them
//! back is a fraction of summing a year's facts again.

use super::compute::RollupOptions;
use super::finish::Sums;
use super::indicators::metric_number;
use super::write::long_rel;
use crate::error::{Error, Result};
use crate::store::dict_read::{self, per_row, strings};
use crate::store::reuse::{footer_value, Previous};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int64Type};
use parquet::arrow::ProjectionMask;
use std::collections::BTreeMap;
use std::path::Path;

/// The footer key of what a year's sums are made of.
pub const SUMS_KEY: &str = "xxgk.sums_sha256";

/// What a year's sums are made of: its facts (by their digest, `facts`), the scope and the tables
/// compiled in. `None` when the facts file carries no digest (written by an older xxgk).
pub fn sums_digest(facts: &BTreeMap<i32, String>, year: i32, opts: &RollupOptions) -> Option<String> {
    use sha2::{Digest, Sha256};
    let facts = facts.get(&year)?;
    let mut h = Sha256::new();
    h.update(crate::store::digest::build_digest());
    h.update(b"sums");
    h.update(year.to_le_bytes());
    h.update(facts);
    h.update(format!("{:?}", opts.region));
    Some(crate::store::digest::hex(&h.finalize()))
}

/// The sums of `year` at `levels` (a prefix of `LEVELS`) from the files published under `prev`,
/// if every one of them carries `digest`.
pub fn read_sums(prev: &Previous, levels: &[&str], year: i32, digest: &str) -> Option<Sums> {
    let paths: Vec<_> = levels.iter().map(|l| prev.path(&long_rel(l, year))).collect();
    if !paths.iter().all(|p| footer_value(p, SUMS_KEY).as_deref() == Some(digest)) {
        return None;
    }
    let mut rows = Vec::new();
    for (lvl, path) in paths.iter().enumerate() {
        // An unreadable file is summed again, not an error: it is only a shortcut.
        read_level(path, lvl as u32, &mut rows).ok()?;
    }
    Some(Sums::from_rows(rows))
}

fn read_level(path: &Path, lvl: u32, rows: &mut Vec<(u64, Option<f64>, i64)>) -> Result<()> {
    let failed =
        |e: parquet::errors::ParquetError| Error::ReadParquet { path: path.to_path_buf(), source: e };
    let builder = dict_read::open(path)?;
    let mask =
        ProjectionMask::columns(builder.parquet_schema(), ["region_code", "metric", "value", "n_reports"]);
    for batch in builder.with_projection(mask).build().map_err(failed)? {
        let batch = batch?;
        let codes = per_row(&strings(&batch, "region_code")?, |c| c.parse::<u32>().ok());
        let metrics = per_row(&strings(&batch, "metric")?, metric_number);
        let column = |name: &str| {
            batch
                .column_by_name(name)
                .cloned()
                .ok_or_else(|| arrow::error::ArrowError::SchemaError(format!("no column {name}")))
        };
        let (value, n) = (column("value")?, column("n_reports")?);
        let (value, n) = (value.as_primitive::<Float64Type>(), n.as_primitive::<Int64Type>());
        for i in 0..batch.num_rows() {
            let (Some(code), Some(m)) = (codes[i], metrics[i]) else {
                return Err(Error::ReadParquet {
                    path: path.to_path_buf(),
                    source: parquet::errors::ParquetError::General(format!(
                        "row {i}: unknown region or metric"
                    )),
                });
            };
            let v = value.is_valid(i).then(|| value.value(i));
            rows.push((super::finish::key(lvl, code, m), v, n.value(i)));
        }
    }
    Ok(())
}
