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

/// The partition a region's rows are stored in: a run of neighbouring provinces (by GB/T 2260
/// code) of some 150 to 300 counties each, named by its first province's code:
///
/// | group | provinces | counties |
/// |---|---|---|
/// | 11 | 北京 天津 河北 | 199 |
/// | 14 | 山西 内蒙古 | 220 |
/// | 21 | 辽宁 吉林 黑龙江 | 281 |
/// | 31 | 上海 江苏 浙江 | 201 |
/// | 34 | 安徽 福建 | 188 |
/// | 36 | 江西 山东 | 236 |
/// | 41 | 河南 | 157 |
/// | 42 | 湖北 湖南 | 225 |
/// | 44 | 广东 广西 海南 | 258 |
/// | 50 | 重庆 四川 | 221 |
/// | 52 | 贵州 云南 西藏 | 291 |
/// | 61 | 陕西 甘肃 | 193 |
/// | 63 | 青海 宁夏 新疆 | 176 |
///
/// (71 台湾 and 81 港澳 would be groups of their own, a code under 110000 group 0.) A group is a
/// range of codes, so rows sorted by region come group by group. The cut is for re-runs: a
/// change in one county's file merges, checks, stores and rolls up again the group that holds it.
///
/// Why this cut: by the six 大区 (the code's first digit, 281 to 640 counties), a one-file re-run
/// of the national set took 0.245 s (median of 8 alternating); cut here, 0.20 s; by the 31
/// provinces, 0.19 to 0.25 s, but a first run wrote 1,235 files instead of 267 and took 1 s
/// longer, most of it ext4 (without a journal) passing over the inodes the benchmark had just
/// deleted. Cut here, a first run writes 547 files and took as long as at six groups (3.00 against
/// 2.99 s, medians of 6), once the merge stopped grouping every input file in each group's round
/// and the Parquet writer stopped making a zstd context per column chunk (`docs/performance.md`,
/// eleventh round).
pub fn region_group(code: u32) -> String {
    region_group_number(code).to_string()
}

/// [`region_group`] as a number.
pub fn region_group_number(code: u32) -> u32 {
    let province = code / 10_000;
    GROUP_STARTS.iter().rev().find(|&&s| s <= province).copied().unwrap_or(0)
}

/// The first province code of each region group.
const GROUP_STARTS: [u32; 15] = [11, 14, 21, 31, 34, 36, 41, 42, 44, 50, 52, 61, 63, 71, 81];

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::regions::{regions, Level};

    #[test]
    fn a_region_group_is_a_run_of_provinces_named_by_the_first() {
        for (code, group) in [
            (110101, "11"),
            (130100, "11"),
            (140100, "14"),
            (150000, "14"),
            (230000, "21"),
            (410000, "41"),
            (429004, "42"),
            (460000, "44"),
            (540000, "52"),
            (653100, "63"),
            (710000, "71"),
            (820000, "81"),
            (990000, "81"),
            (100000, "0"),
        ] {
            assert_eq!(region_group(code), group, "{code}");
        }
    }

    #[test]
    fn every_group_is_a_range_of_codes_of_150_to_300_counties() {
        // Ranges: rows sorted by region come group by group (`rollup::finish::LevelRows::by_group`).
        let mut counties: std::collections::BTreeMap<u32, usize> = Default::default();
        let mut last = 0;
        for r in regions().iter() {
            let g = region_group_number(r.code);
            assert!(g >= last, "{} is in group {g}, after group {last}", r.code);
            last = g;
            if r.level == Level::County {
                *counties.entry(g).or_default() += 1;
            }
        }
        assert_eq!(counties.len(), 13, "{counties:?}");
        assert!(counties.values().all(|&n| (150..=300).contains(&n)), "{counties:?}");
    }
}
