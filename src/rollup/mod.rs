//! Rollup: sums over every county, prefecture, province and the nation, every year, with
//! year-over-year change, share of the parent region, rank among siblings and derived ratios.
//! Reads `parquet/facts` (Hive-partitioned) with polars; writes `parquet/rollup` and `parquet/rollup_wide`.
//! The rollup is harmonized across the 2019 and 2021 formats (`catalog::harmonized`): a comparable
//! metric sums every report that has it under either table, a not-comparable one only the reports
//! whose table prints it.

pub mod compute;
pub mod finish;
pub mod indicators;
pub mod published;
pub mod rank;
pub mod tables;
pub mod write;

pub use compute::{RollupOptions, LEVELS};

use crate::error::{IoContext, Result};
use crate::store::parquet_file::year_file;
use crate::store::reuse::{footer_value, Previous, DIGEST_KEY};

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::Path;

pub const PRODUCTS: [&str; 2] = ["parquet/rollup", "parquet/rollup_wide"];

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RollupSummary {
    /// Rows written per level, long layout.
    pub rows: Vec<(String, usize)>,
    pub years: Vec<i32>,
}

fn has_parquet(dir: &Path) -> bool {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .flatten()
        .any(|e| e.path().extension().is_some_and(|x| x == "parquet"))
}

/// Roll `facts_dir` up into `out_parquet/rollup` and `out_parquet/rollup_wide`, one year at a time,
/// one file per level and year (`level=<level>/part-<year>.parquet`). With `previous` (the
/// published `parquet/` folder), a year whose inputs did not change keeps its published files.
pub fn rollup(
    facts_dir: &Path,
    out_parquet: &Path,
    opts: &RollupOptions,
    previous: Option<&Previous>,
) -> Result<RollupSummary> {
    let long_dir = out_parquet.join("rollup");
    let wide_dir = out_parquet.join("rollup_wide");
    std::fs::create_dir_all(&long_dir).at(&long_dir)?;
    std::fs::create_dir_all(&wide_dir).at(&wide_dir)?;
    if !has_parquet(facts_dir) {
        return Ok(RollupSummary::default());
    }
    let (from, to) = opts.years.unwrap_or((i32::MIN, i32::MAX));
    let strings = tables::RegionStrings::new();
    let levels = compute::levels_for(opts);
    let mut rows = vec![0usize; LEVELS.len()];
    let mut written = vec![false; LEVELS.len()];
    let mut years = Vec::new();
    // The sums of the year before, when this run computed them.
    let mut prev: Option<(i32, finish::Sums)> = None;
    let present = compute::years_present(facts_dir);
    // Each facts file's digest, read once: a year's rollup and sums digests need it, and so do the
    // next year's.
    let facts: BTreeMap<i32, String> = present
        .iter()
        .filter(|&&y| (from.saturating_sub(1)..=to).contains(&y))
        .filter_map(|&y| Some((y, footer_value(&facts_dir.join(year_file(y)), DIGEST_KEY)?)))
        .collect();
    // A year's sums: read back from its published files when they were summed from the same
    // facts (a re-run rolling up a neighbour of a changed year), else summed.
    let sums = |year: i32, digest: Option<&str>| -> Result<finish::Sums> {
        if let (Some(prev_root), Some(d)) = (previous, digest) {
            if let Some(s) = published::read_sums(prev_root, &levels, year, d) {
                return Ok(s);
            }
        }
        finish::Sums::of(&compute::year_sums(facts_dir, year, opts)?)
    };
    // A year is written on a thread of its own while the next one is summed: writing is a third of
    // a year's time and mostly one column after another. The channel holds one year, so memory
    // holds at most three years' rows.
    std::thread::scope(|scope| -> Result<()> {
        let (tx, rx) =
            std::sync::mpsc::sync_channel::<(i32, finish::YearRows, Option<String>, Option<String>)>(1);
        let strings = &strings;
        let writer = scope.spawn(move || -> Result<Vec<(usize, usize)>> {
            let mut counts = Vec::new();
            for (year, out, key, sums_key) in rx {
                let digests = write::Digests { content: key.as_deref(), sums: sums_key.as_deref() };
                let levels = out.levels();
                let year_counts = levels
                    .par_iter()
                    .map(|(l, level_rows)| {
                        write::write_level(out_parquet, LEVELS[*l], year, digests, level_rows, strings)
                            .map(|n| (*l, n))
                    })
                    .collect::<Result<Vec<_>>>()?;
                counts.extend(year_counts);
                crate::timing::mark(|| format!("rollup: {year} written"));
            }
            Ok(counts)
        });
        // The year before the range is read too, so that the range's first year has a yoy change.
        for &year in present.iter().filter(|y| (from..=to).contains(*y)) {
            years.push(year);
            let last_present = present.contains(&(year - 1));
            let key = source_digest(&facts, year, last_present.then_some(year - 1), opts);
            let files = |l: &str| (write::long_rel(l, year), write::wide_rel(l, year));
            if let (Some(prev_root), Some(key)) = (previous, key.as_deref()) {
                let rels: Vec<String> = levels
                    .iter()
                    .flat_map(|l| {
                        let (a, b) = files(l);
                        [a, b]
                    })
                    .filter(|r| prev_root.has(r))
                    .collect();
                if prev_root.link_if_unchanged(out_parquet, &rels, key)? {
                    for (l, name) in LEVELS.iter().enumerate() {
                        if let Some(n) = prev_root.rows(&files(name).0) {
                            rows[l] += n;
                            written[l] = true;
                        }
                    }
                    continue;
                }
            }
            let sums_key = published::sums_digest(&facts, year, opts);
            let cur = sums(year, sums_key.as_deref())?;
            let last_year = match prev.take() {
                Some((y, s)) if y == year - 1 => Some(s),
                _ if last_present => {
                    Some(sums(year - 1, published::sums_digest(&facts, year - 1, opts).as_deref())?)
                }
                _ => None,
            };
            crate::timing::mark(|| format!("rollup: {year} summed"));
            let out = finish::finish_year(&cur, last_year.as_ref());
            crate::timing::mark(|| format!("rollup: {year} finished"));
            if tx.send((year, out, key, sums_key)).is_err() {
                // The writer stopped on an error, which `join` gives below.
                break;
            }
            prev = Some((year, cur));
            // A year's frames are freed here; without handing the pages back, glibc's per-thread
            // arenas keep them and the peak creeps up with the number of years.
            crate::memory::release_freed();
        }
        drop(tx);
        let counts = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        for (l, n) in counts {
            rows[l] += n;
            written[l] = true;
        }
        Ok(())
    })?;
    let rows = LEVELS
        .iter()
        .enumerate()
        .filter(|(l, _)| written[*l])
        .map(|(l, name)| (name.to_string(), rows[l]))
        .collect();
    Ok(RollupSummary { rows, years })
}

/// What a year's rollup is made of: its facts, the year before's facts (yoy), both by their digest
/// (`facts`), the scope and the tables compiled in. `None` when a facts file carries no digest
/// (written by an older xxgk).
fn source_digest(
    facts: &BTreeMap<i32, String>,
    year: i32,
    last: Option<i32>,
    opts: &RollupOptions,
) -> Option<String> {
    use sha2::{Digest, Sha256};
    let facts = |y: i32| facts.get(&y);
    let mut h = Sha256::new();
    h.update(crate::store::digest::build_digest());
    h.update(b"rollup");
    h.update(year.to_le_bytes());
    h.update(facts(year)?);
    match last {
        Some(y) => h.update(facts(y)?),
        None => h.update(b"-"),
    }
    h.update(format!("{:?}", opts.region));
    Some(crate::store::digest::hex(&h.finalize()))
}
