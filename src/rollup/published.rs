//! What the rollup knows of its inputs and of what it published before: each facts partition's
//! digest, the keys a rollup file is published under, and sums read back from published long files.
//!
//! The county and prefecture files are cut by region group like the facts (`store::region_group`),
//! so a re-run after one county's file changed rolls up that group (and the small province and
//! national files) in the changed year and the next, and reads back the sums of everything else: a
//! group's own files when they were summed from the same facts (`xxgk.sums_sha256`), the other
//! groups' province rows from the province file, whose footer lists what each group's rows were
//! summed from (`xxgk.sums_by_group`).

use super::compute::RollupOptions;
use super::finish::{key, Row};
use super::indicators::metric_number;
use super::write::long_rel;
use crate::model::BodyKind;
use crate::store::dict_read::{self, per_row, strings};
use crate::store::reuse::{footer_value, Previous, DIGEST_KEY};
use crate::support::error::{Error, Result};
use arrow::array::{Array, AsArray};
use arrow::datatypes::{Float64Type, Int64Type};
use parquet::arrow::ProjectionMask;
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// The footer key of what a file's sums are made of.
pub const SUMS_KEY: &str = "xxgk.sums_sha256";

/// The province file's footer key listing, for each region group, what its rows were summed from.
pub const SUMS_BY_GROUP_KEY: &str = "xxgk.sums_by_group";

/// Each facts partition by year and region group, with its digest (`None` for a file written by an
/// older xxgk, which nothing is reused for).
#[derive(Debug, Default)]
pub struct FactsDigests(BTreeMap<i32, BTreeMap<String, Option<String>>>);

impl FactsDigests {
    /// The footers of every `year=YYYY/part-<group>.parquet` of `years`, read in parallel.
    pub fn read(facts_dir: &Path, years: &[i32]) -> FactsDigests {
        let files: Vec<(i32, String)> = years
            .iter()
            .flat_map(|&y| {
                let dir = facts_dir.join(format!("year={y}"));
                std::fs::read_dir(dir).into_iter().flatten().flatten().filter_map(move |e| {
                    let name = e.file_name().into_string().ok()?;
                    let group = name.strip_prefix("part-")?.strip_suffix(".parquet")?;
                    Some((y, group.to_string()))
                })
            })
            .collect();
        let digests: Vec<(i32, String, Option<String>)> = files
            .into_par_iter()
            .map(|(y, p)| {
                let path = facts_dir.join(crate::store::parquet_file::partition_file(y, &p));
                let d = footer_value(&path, DIGEST_KEY);
                (y, p, d)
            })
            .collect();
        let mut out = FactsDigests::default();
        for (y, p, d) in digests {
            out.0.entry(y).or_default().insert(p, d);
        }
        out
    }

    /// The digests the ingest of the same run wrote into the footers (`store::write_year`'s
    /// partitions), without reading them back.
    pub fn of_partitions(partitions: &BTreeMap<i32, crate::store::Partitions>) -> FactsDigests {
        FactsDigests(
            partitions
                .iter()
                .filter(|(_, parts)| !parts.is_empty())
                .map(|(&y, parts)| (y, parts.iter().map(|(g, d)| (g.clone(), Some(d.clone()))).collect()))
                .collect(),
        )
    }

    /// The region groups with facts in `year`.
    pub fn groups(&self, year: i32) -> BTreeSet<String> {
        self.0.get(&year).map(|m| m.keys().cloned().collect()).unwrap_or_default()
    }

    fn digest(&self, year: i32, group: &str) -> Option<Option<&str>> {
        self.0.get(&year)?.get(group).map(Option::as_deref)
    }

    /// What a group's county and prefecture files of `year` are made of: its facts that year and
    /// the year before (yoy), the scope and the build. `None` when a digest is missing.
    pub fn part_key(&self, year: i32, group: &str, opts: &RollupOptions) -> Option<String> {
        let mut h = hasher(b"rollup-part", year, opts);
        field(&mut h, group);
        field(&mut h, self.digest(year, group)??);
        match self.digest(year - 1, group) {
            None => field(&mut h, "-"),
            Some(d) => field(&mut h, d?),
        }
        Some(crate::store::digest::hex(&h.finalize()))
    }

    /// What a group's sums of `year` are made of.
    pub fn part_sums_key(&self, year: i32, group: &str, opts: &RollupOptions) -> Option<String> {
        let mut h = hasher(b"sums-part", year, opts);
        field(&mut h, group);
        field(&mut h, self.digest(year, group)??);
        Some(crate::store::digest::hex(&h.finalize()))
    }

    /// What the province and national files of `year` are made of: every facts partition of the
    /// year and the year before.
    pub fn top_key(&self, year: i32, opts: &RollupOptions) -> Option<String> {
        let mut h = hasher(b"rollup-top", year, opts);
        for y in [year, year - 1] {
            field(&mut h, "|");
            for (p, d) in self.0.get(&y).into_iter().flatten() {
                field(&mut h, p);
                field(&mut h, d.as_deref()?);
            }
        }
        Some(crate::store::digest::hex(&h.finalize()))
    }
}

fn hasher(what: &[u8], year: i32, opts: &RollupOptions) -> Sha256 {
    let mut h = Sha256::new();
    h.update(crate::store::digest::build_digest());
    h.update(what);
    h.update(year.to_le_bytes());
    h.update(format!("{:?}", opts.region));
    h
}

fn field(h: &mut Sha256, s: &str) {
    h.update((s.len() as u64).to_le_bytes());
    h.update(s.as_bytes());
}

/// The province file's footer value for `keys` (region group → sums key).
pub fn sums_by_group(keys: &BTreeMap<String, String>) -> String {
    keys.iter().map(|(p, k)| format!("{p}={k}")).collect::<Vec<_>>().join(";")
}

/// The province-level rows of `year` read back from the published province file, by region group,
/// for each group of `wanted` whose rows there were summed from the facts its sums key names.
pub fn read_provinces(
    prev: &Previous,
    year: i32,
    wanted: &BTreeMap<String, String>,
) -> BTreeMap<String, Vec<Row>> {
    let path = prev.path(&long_rel("province", year, None));
    let Some(listed) = footer_value(&path, SUMS_BY_GROUP_KEY) else { return BTreeMap::new() };
    let same: BTreeSet<&str> = listed
        .split(';')
        .filter_map(|e| e.split_once('='))
        .filter(|(p, k)| wanted.get(*p).is_some_and(|w| w == k))
        .map(|(p, _)| p)
        .collect();
    if same.is_empty() {
        return BTreeMap::new();
    }
    let mut rows = Vec::new();
    // An unreadable file is summed again, not an error: it is only a shortcut.
    if read_level(&path, 2, &mut rows).is_err() {
        return BTreeMap::new();
    }
    let mut out: BTreeMap<String, Vec<Row>> = BTreeMap::new();
    for r in rows {
        let part = crate::store::region_group(super::finish::split(r.0).1);
        if same.contains(part.as_str()) {
            out.entry(part).or_default().push(r);
        }
    }
    out
}

/// A region group's county and prefecture rows of `year` read back from its published long files at
/// `levels`, if there is one and each carries `sums_key`.
pub fn read_part(
    prev: &Previous,
    levels: &[&str],
    year: i32,
    group: &str,
    sums_key: &str,
) -> Option<Vec<Row>> {
    let paths: Vec<(u32, std::path::PathBuf)> = levels
        .iter()
        .enumerate()
        .filter(|(_, l)| matches!(**l, "county" | "prefecture"))
        .map(|(lvl, l)| (lvl as u32, prev.path(&long_rel(l, year, Some(group)))))
        .filter(|(_, p)| p.is_file())
        .collect();
    if paths.is_empty() || !paths.iter().all(|(_, p)| footer_value(p, SUMS_KEY).as_deref() == Some(sums_key))
    {
        return None;
    }
    let mut rows = Vec::new();
    for (lvl, path) in &paths {
        read_level(path, *lvl, &mut rows).ok()?;
    }
    Some(rows)
}

fn read_level(path: &Path, lvl: u32, rows: &mut Vec<Row>) -> Result<()> {
    let failed =
        |e: parquet::errors::ParquetError| Error::ReadParquet { path: path.to_path_buf(), source: e };
    let builder = dict_read::open(path)?;
    let mask = ProjectionMask::columns(
        builder.parquet_schema(),
        ["region_code", "scope", "metric", "value", "n_reports"],
    );
    // One batch for a region group's file (the reader's default is 1,024 rows: 90 batches, each
    // looking its dictionaries up again).
    for batch in builder.with_projection(mask).with_batch_size(1 << 16).build().map_err(failed)? {
        let batch = batch?;
        let codes = per_row(&strings(&batch, "region_code")?, |c| c.parse::<u32>().ok());
        let metrics = per_row(&strings(&batch, "metric")?, metric_number);
        let scopes = per_row(&strings(&batch, "scope")?, |s| BodyKind::parse(s).map(BodyKind::index));
        let (value, n) = (
            dict_read::column(&batch, "value", &arrow::datatypes::DataType::Float64)?,
            dict_read::column(&batch, "n_reports", &arrow::datatypes::DataType::Int64)?,
        );
        let (value, n) = (value.as_primitive::<Float64Type>(), n.as_primitive::<Int64Type>());
        rows.reserve(batch.num_rows());
        for i in 0..batch.num_rows() {
            let (Some(code), Some(m), Some(scope)) = (codes[i], metrics[i], scopes[i]) else {
                return Err(Error::ReadParquet {
                    path: path.to_path_buf(),
                    source: parquet::errors::ParquetError::General(format!(
                        "row {i}: unknown region, scope or metric"
                    )),
                });
            };
            let v = value.is_valid(i).then(|| value.value(i));
            rows.push((key(lvl, code, scope, m), v, n.value(i)));
        }
    }
    Ok(())
}
