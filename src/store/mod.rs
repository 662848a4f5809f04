//! Store: the normalized, Hive-partitioned Parquet dataset, the findings, the rejected rows, what
//! was extracted from report files and the run summary, all written into a staging folder and
//! swapped in atomically (`atomic`).

pub mod atomic;
pub mod dict_read;
pub mod digest;
pub mod extracted;
pub mod facts;
pub mod findings;
pub mod parquet_file;
pub mod rejected;
pub mod reports;
pub mod reuse;
pub mod summary;
pub mod test_hooks;

use crate::model::finding::Finding;
use crate::model::{Dataset, FileNames, Report};
use crate::support::error::{IoContext, Result};
use atomic::Staging;
use parquet_file::{FileMeta, InputDigest};
use rayon::prelude::*;
use reuse::Previous;
use summary::Summary;

/// What `ingest` publishes, relative to the output folder.
pub const INGEST_PRODUCTS: [&str; 6] =
    ["parquet/reports", "parquet/facts", "parquet/coverage", "validation", "rejected", "extracted"];

/// A year's partitions as written: each region group ([`region_group`]) with the content digest
/// ([`digest::year_content`]) of its `reports` and `facts` files. Empty when the year stored
/// nothing.
pub type Partitions = Vec<(String, String)>;

/// A region group's `facts` and `reports` files of a year, relative to `parquet/`: the facts file
/// first, whose footer speaks for both (see [`Previous::link_if_unchanged`]).
pub fn partition_rels(year: i32, group: &str) -> [String; 2] {
    let file = parquet_file::partition_file(year, group);
    [format!("facts/{file}"), format!("reports/{file}")]
}

/// Whether every partition of `parts` is published under `previous` with its digest.
pub fn published(previous: &Previous, year: i32, parts: &Partitions) -> bool {
    parts.par_iter().all(|(group, digest)| previous.carries(&partition_rels(year, group)[..1], digest))
}

/// The partition a region's rows are stored in: the first digit of its code, which GB/T 2260 gives
/// to the six 大区 (1 华北, 2 东北, 3 华东, 4 中南, 5 西南, 6 西北), for a code outside the bundled
/// table too. A year cut this way lets a re-run after one county's file changed rewrite the quarter
/// or less of it that holds the county. Cut by the 31 provinces, a national run wrote 1,900 files
/// instead of 360 and took 2 s (30 %) longer on ext4.
pub fn region_group(code: u32) -> String {
    region_group_number(code).to_string()
}

/// [`region_group`] as a number.
pub fn region_group_number(code: u32) -> u32 {
    code / 100_000
}

/// What a year gives the writers: the region groups merged again, and those that were not.
#[derive(Debug, Clone, Copy)]
pub struct YearOutput<'a> {
    /// The merged, checked reports of the groups merged this run, each group's sorted.
    pub reports: &'a [&'a [Report]],
    /// The groups not merged again (their inputs are unchanged): their published partitions, which
    /// carry these digests, stand.
    pub unchanged: &'a Partitions,
}

/// Write one year's stored reports as `parquet/{reports,facts}/year=YYYY/part-<group>.parquet`
/// into `staging`, and link the unchanged groups' published files. With `previous`, a group whose
/// reports are exactly those already published keeps its published files (hard links) instead of
/// being written again. Returns the year's partitions, by group.
pub fn write_year(
    staging: &Staging,
    names: &FileNames,
    output: YearOutput<'_>,
    year: i32,
    previous: Option<&Previous>,
) -> Result<Partitions> {
    for (group, digest) in output.unchanged {
        let rels = partition_rels(year, group);
        let kept = match previous {
            Some(prev) => prev.link_if_unchanged(&staging.path("parquet"), &rels, digest)?,
            None => false,
        };
        if !kept {
            let path = std::path::Path::new("parquet").join(&rels[0]);
            return Err(crate::support::error::Error::Republished { path });
        }
    }
    let mut by_group: std::collections::BTreeMap<String, Vec<&Report>> = Default::default();
    for r in output.reports.iter().flat_map(|g| g.iter()).filter(|r| r.stored_in(year)) {
        by_group.entry(region_group(r.key.region)).or_default().push(r);
    }
    let mut parts: Partitions = by_group
        .into_par_iter()
        .map(|(group, reports)| {
            let digest = write_partition(staging, names, year, &group, &reports, previous)?;
            Ok((group, digest))
        })
        .collect::<Result<_>>()?;
    parts.extend(output.unchanged.iter().cloned());
    parts.sort();
    Ok(parts)
}

/// One region group's partition of a year, linked when it is already published; returns its digest.
fn write_partition(
    staging: &Staging,
    names: &FileNames,
    year: i32,
    group: &str,
    reports: &[&Report],
    previous: Option<&Previous>,
) -> Result<String> {
    let rels = partition_rels(year, group);
    let mut files: Vec<u32> = reports.iter().flat_map(|r| r.files.iter().copied()).collect();
    files.sort_unstable();
    files.dedup();
    let inputs: Vec<InputDigest> = files
        .iter()
        .map(|&f| InputDigest { file: names.name(f).to_string(), sha256: names.sha256(f).to_string() })
        .collect();
    // The partition's digest names each input by what this year's merge read of it, not by its
    // SHA-256: an edit to another year of a multi-year file keeps this partition (and its footer's
    // input list, the files as they were when it was written).
    let read: Vec<InputDigest> = files
        .iter()
        .map(|&f| InputDigest {
            file: names.name(f).to_string(),
            sha256: names.year_digest(f, year).to_string(),
        })
        .collect();
    let content = digest::year_content(names, year, reports, &read);
    if let Some(prev) = previous {
        if prev.link_if_unchanged(&staging.path("parquet"), &rels, &content)? {
            return Ok(content);
        }
    }
    let meta = FileMeta { dataset: "", inputs: &inputs, content: Some(&content) };
    let (r, f) = rayon::join(
        || reports::write_year(&staging.path("parquet/reports"), names, year, group, reports, meta),
        || facts::write_year(&staging.path("parquet/facts"), names, year, group, reports, meta),
    );
    r.and(f)?;
    Ok(content)
}

/// `value` as pretty-printed JSON into `path`, streamed: the national summary is 3.6 MB (a line per
/// file read), and made as one string first it took twice that in fresh memory, grown by doubling
/// (4–5 % of a one-file re-run's page faults).
fn write_json(path: &std::path::Path, value: &impl serde::Serialize) -> Result<()> {
    use std::io::Write;
    let mut out = std::io::BufWriter::with_capacity(1 << 16, std::fs::File::create(path).at(path)?);
    serde_json::to_writer_pretty(&mut out, value).map_err(std::io::Error::from).at(path)?;
    out.flush().at(path)
}

/// Write what is not per year into `staging`: findings, summary, rejected rows, extracted reports
/// (and the partition folders, empty when nothing was stored).
pub fn write_ingest(staging: &Staging, ds: &Dataset, findings: &[Finding], summary: &Summary) -> Result<()> {
    for dir in ["parquet/reports", "parquet/facts"] {
        let dir = staging.path(dir);
        std::fs::create_dir_all(&dir).at(&dir)?;
    }
    let validation = staging.path("validation");
    findings::write_csv(&validation.join("findings.csv"), findings)?;
    findings::write_parquet_file(&validation.join("findings.parquet"), findings)?;
    write_json(&validation.join("summary.json"), summary)?;
    let rejected_dir = staging.path("rejected");
    std::fs::create_dir_all(&rejected_dir).at(&rejected_dir)?;
    ds.files.par_iter().try_for_each(|f| rejected::write_rejected(&rejected_dir, f).map(|_| ()))?;
    let extracted_dir = staging.path("extracted");
    std::fs::create_dir_all(&extracted_dir).at(&extracted_dir)?;
    ds.files.par_iter().try_for_each(|f| extracted::write_extracted(&extracted_dir, f))?;
    Ok(())
}
