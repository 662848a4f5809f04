//! The rollup's sums, one year at a time: every region level's sums, summed by polars in one
//! group-by (`finish` adds year-over-year, shares and ranks, `totals` the nation and the ratios).
//!
//! A year is rolled up from its own facts partition and the previous year's sums, so memory holds
//! two years whatever the number of years. Regions, levels and metrics travel as integers (`code`,
//! `lvl`, `m`) and become the documented strings only when written.
//!
//! Why the facts become integers and each fact's level keys here, before polars sees them: the
//! query used to hand polars the strings and join, harmonize and group in its lazy API, three
//! group-bys and three joins a year. On the national county set (2.28 M facts, 2-core EPYC,
//! `perf record` of `xxgk run --no-charts`) the summing was 1.1 s of CPU (polars' threads 0.72 s),
//! a sixth of the run; reading the string columns as dictionaries and one group-by on a 64-bit key
//! made it 0.62 s (polars' threads 0.35 s), with the same sums to the bit
//! (`scripts/same-output.sh`).

use super::finish::{key, Row};
use super::indicators::{metric_count, metric_number};
use crate::reference::catalog::catalog;
use crate::reference::catalog::harmonized::derivations;
use crate::reference::regions::{regions, Level};
use crate::support::error::{Error, Result};
use crate::support::hash::HashMap;
use polars::prelude::*;
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct RollupOptions {
    /// Only this region and what lies inside it.
    pub region: Option<u32>,
    /// Inclusive year range.
    pub years: Option<(i32, i32)>,
}

/// Level names, indexed by the `lvl` number used inside the query.
pub const LEVELS: [&str; 4] = ["county", "prefecture", "province", "national"];

/// Levels to output: with `--region`, the region's own level and those below it.
pub fn levels_for(opts: &RollupOptions) -> Vec<&'static str> {
    let top = match opts.region.and_then(|c| regions().get(c)).map(|r| r.level) {
        None => 3,
        Some(Level::Province) => 2,
        Some(Level::Prefecture) => 1,
        Some(Level::County) => 0,
    };
    LEVELS[..=top].to_vec()
}

/// Sums are taken over whole millionths (of a 件 or a 万元, i.e. 0.01 元): integer addition gives the
/// same bits in any order, where parallel floating-point sums of fees would differ from run to run.
pub const UNITS_PER_WANYUAN: f64 = 1e6;

/// A cell in whole millionths, rounded half away from zero, a missing value as 0; 0 too for a value
/// past what an `i64` holds, which the sum leaves out (as polars' cast to null did).
/// (Only the 2019 format's 本年增/减 is ever negative.)
fn units(value: Option<f64>) -> i64 {
    let scaled = value.unwrap_or(0.0) * UNITS_PER_WANYUAN;
    let rounded = if scaled < 0.0 { scaled - 0.5 } else { scaled + 0.5 };
    // `as` truncates toward zero, hence the half unit added away from zero.
    if rounded.is_finite() && rounded.abs() < 9.2e18 {
        rounded as i64
    } else {
        0
    }
}

/// Years with a facts partition (`year=YYYY`), ascending.
pub fn years_present(facts_dir: &Path) -> Vec<i32> {
    let mut years: Vec<i32> = std::fs::read_dir(facts_dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.file_name().to_str()?.strip_prefix("year=")?.parse().ok())
        .collect();
    years.sort_unstable();
    years
}

/// How many facts a year has, from its files' footers (parsed once a process: the rollup's
/// `FactsDigests` has read them already).
pub fn year_rows(facts_dir: &Path, year: i32) -> Result<u64> {
    let files = crate::store::dict_read::parquet_files(&facts_dir.join(format!("year={year}")))?;
    Ok(files.iter().filter_map(|p| crate::store::reuse::footer_rows(p)).map(|n| n as u64).sum())
}

/// One year's plain sums at the county, prefecture and province levels in scope, from the year's
/// facts or one province's partition of them, as rows (`finish::key(lvl, code, scope, m)`, value
/// in 件 or 万元, n_reports), any order: each scope (`BodyKind::index`) summed on its own and never
/// into another, the sums taken in whole millionths. The nation and the derived ratios are added
/// from these rows by [`super::totals`].
///
/// Every fact (and harmonized cell, [`harmonize`]) of a summed metric and a known region becomes one
/// key per level it counts in: its county's (when the region is a county), its prefecture's and its
/// province's, keyed by that region. A hash map (or, past millions of keys, polars' group-by) sums
/// them on that one integer key ([`Summer`]); `n_reports` is the number of facts in each group.
pub fn year_sums(
    facts_dir: &Path,
    year: i32,
    province: Option<&str>,
    opts: &RollupOptions,
) -> Result<Vec<Row>> {
    let facts = read_facts(facts_dir, year, province, opts.region)?;
    let derived = harmonize(&facts);
    let levels = levels_for(opts).len().min(3);
    let summed = summed_metrics();
    // Where each region's facts count, by level: county, prefecture, province.
    let mut places: HashMap<u32, Option<[Option<u32>; 3]>> = HashMap::default();
    let rows = facts.len() + derived.len();
    let mut sums = Summer::new(rows * levels, rows);
    let own = (0..facts.len()).map(|i| (facts.code[i], facts.scope[i], facts.m[i], facts.value[i]));
    for (code, scope, m, value) in own.chain(derived) {
        if !summed.get(m as usize).copied().unwrap_or(false) {
            continue;
        }
        let Some(place) = places.entry(code).or_insert_with(|| place_of(code)) else { continue };
        let u = units(value);
        for (lvl, at) in place.iter().enumerate().take(levels) {
            if let Some(c) = at {
                sums.add(key(lvl as u32, *c, scope, m), u);
            }
        }
    }
    drop(facts);
    Ok(sums.finish()?.into_iter().map(|(k, u, n)| (k, Some(u as f64 / UNITS_PER_WANYUAN), n)).collect())
}

/// From this many keys on (at most: a fact gives one key a level), polars sums them ([`Summer`]).
pub const POLARS_FROM_KEYS: usize = 2_000_000;

/// Each distinct key with the sum of its values and how many there were, in no order: summed in a
/// plain hash map as the keys come when there can be fewer than [`POLARS_FROM_KEYS`] of them, else
/// gathered and summed by polars.
///
/// Why a plain hash map below [`POLARS_FROM_KEYS`], and polars only above: polars' group-by costs
/// some 15 ms before it sums anything in a process that has not used it yet (its thread pool and the
/// first touch of its memory, 20 MB), which was 7 % of a one-file re-run, where one region group
/// is summed (84,000 facts, 250,000 keys: 15 ms in polars, 6 ms in the map). On the national set
/// every region group is under the threshold too; summed by the map, a first run's rollup took
/// 1.06 s against 1.26 s, the whole run 2.24 against 2.47 s (medians of 4, alternating, 2026-12-07).
/// Past some millions of keys (a region group of every body of the nation is 1.8 to 4.1 million
/// facts, several million keys) polars' group-by uses every core where the map uses one, and the
/// scale test's rollup took as long either way (3.3 to 3.8 s), so there polars sums, as before.
/// The sums are integers: both give the same bits (`tests` below compares them).
///
/// Why the map takes the keys as they come, sized for a little more than one key a fact: the keys
/// used to be gathered in two vectors first (a region group of the national set: 250,000 keys,
/// 4 MB) and the map sized for half of them (a table of 262,144 slots, 6 MB, for 95,000 distinct
/// keys). On this VM every fresh page costs 2 to 7 µs to fault in, and the memory a one-file re-run
/// touches for the first time was a quarter of its CPU time.
enum Summer {
    Map(HashMap<u64, (i64, i64)>),
    Gathered(Vec<u64>, Vec<i64>),
}

impl Summer {
    /// For at most `most` keys from `rows` facts.
    fn new(most: usize, rows: usize) -> Summer {
        if most >= POLARS_FROM_KEYS {
            return Summer::Gathered(Vec::with_capacity(most), Vec::with_capacity(most));
        }
        let mut at = HashMap::default();
        // A region group of the national set: 84,000 facts, 95,000 distinct keys (a county's, its
        // prefecture's and its province's, the last two shared by many facts).
        at.reserve(rows + rows / 8);
        Summer::Map(at)
    }

    fn add(&mut self, k: u64, u: i64) {
        match self {
            Summer::Map(at) => {
                let e = at.entry(k).or_insert((0, 0));
                e.0 += u;
                e.1 += 1;
            }
            Summer::Gathered(keys, sums) => {
                keys.push(k);
                sums.push(u);
            }
        }
    }

    fn finish(self) -> Result<Vec<(u64, i64, i64)>> {
        match self {
            Summer::Map(at) => Ok(at.into_iter().map(|(k, (u, n))| (k, u, n)).collect()),
            Summer::Gathered(keys, sums) => sum_by_key_in_polars(keys, sums),
        }
    }
}

/// [`Summer`]'s keys summed by polars' group-by.
fn sum_by_key_in_polars(keys: Vec<u64>, sums: Vec<i64>) -> Result<Vec<(u64, i64, i64)>> {
    // Handed over without a copy: at every body of the nation a region group is millions of keys.
    let frame = DataFrame::new_infer_height(vec![
        UInt64Chunked::from_vec(PlSmallStr::from_static("k"), keys).into_series().into(),
        Int64Chunked::from_vec(PlSmallStr::from_static("units"), sums).into_series().into(),
    ])?;
    let grouped = frame
        .lazy()
        .group_by([col("k")])
        .agg([col("units").sum(), len().cast(DataType::Int64).alias("n")])
        .collect()?;
    let (k, u, n) =
        (grouped.column("k")?.u64()?, grouped.column("units")?.i64()?, grouped.column("n")?.i64()?);
    Ok(k.iter()
        .zip(u.iter().zip(n.iter()))
        .filter_map(|(k, (u, n))| Some((k?, u.unwrap_or(0), n.unwrap_or(0))))
        .collect())
}

/// Whether each metric number is summed: not an amount whose unit the format does not state
/// (2019's 采购总金额, written in 元 by some reports and 万元 by others).
fn summed_metrics() -> Vec<bool> {
    let c = catalog();
    (0..metric_count()).map(|m| m >= c.len() || c.metric(m).summable()).collect()
}

/// The regions a region's facts are summed into: itself when it is a county, its prefecture, its
/// province; `None` for a code not in the division table.
fn place_of(code: u32) -> Option<[Option<u32>; 3]> {
    let r = regions();
    let region = r.get(code)?;
    let county = (region.level == Level::County).then_some(code);
    Some([county, r.prefecture_of(code).map(|p| p.code), r.province_of(code).map(|p| p.code)])
}

/// The facts columns the rollup reads.
const FACT_COLUMNS: [&str; 5] = ["region_code", "body", "body_kind", "metric", "value"];
/// And those that `--region` filters on.
const REGION_COLUMNS: [&str; 2] = ["prefecture_code", "province_code"];

/// One year's facts (or one province's partition of them) as the integers the query groups by:
/// `code` (the region), `body` (a number per distinct body name), `scope` (`BodyKind::index`),
/// `m` (the metric number, `indicators::metric_number`) and `value`. Rows whose region code or
/// metric is unknown are left out here, as the joins on them left them out before.
///
/// Read with the `parquet` crate the store writes with, string columns as dictionaries
/// (`store::dict_read`): a string becomes its number once per distinct string, not once per row.
/// (See the module doc for what handing polars the strings cost. Polars' own Parquet reader, its
/// `parquet` feature, brought in an async runtime, an HTTP client and cloud storage crates xxgk
/// never uses: a third of the crates of a first build.)
fn read_facts(facts_dir: &Path, year: i32, province: Option<&str>, region: Option<u32>) -> Result<Facts> {
    use crate::store::dict_read::{self, per_row, strings};
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType as ArrowType, Float64Type};
    use parquet::arrow::ProjectionMask;

    let dir = facts_dir.join(format!("year={year}"));
    let files: Vec<std::path::PathBuf> = match province {
        Some(p) => vec![dir.join(format!("part-{p}.parquet"))],
        None => dict_read::parquet_files(&dir)?,
    };
    let names: Vec<&str> = match region {
        Some(_) => FACT_COLUMNS.iter().chain(&REGION_COLUMNS).copied().collect(),
        None => FACT_COLUMNS.to_vec(),
    };
    let wanted = region.map(|c| format!("{c:06}"));
    let mut facts = Facts::default();
    let mut bodies: HashMap<String, u32> = HashMap::default();
    for path in &files {
        let failed = |source| Error::ReadParquet { path: path.clone(), source };
        let builder = dict_read::open(path)?;
        let mask = ProjectionMask::columns(builder.parquet_schema(), names.iter().copied());
        // Batches of 64 Ki rows: a batch's dictionaries are looked up once each.
        for batch in builder.with_projection(mask).with_batch_size(1 << 16).build().map_err(failed)? {
            let batch = batch?;
            let missing = |e: arrow::error::ArrowError| Error::ReadParquet {
                path: path.clone(),
                source: parquet::errors::ParquetError::General(format!(
                    "{e} (expected the facts columns {})",
                    names.join(", ")
                )),
            };
            let codes = per_row(&strings(&batch, "region_code").map_err(missing)?, |c| c.parse::<u32>().ok());
            let kinds = per_row(&strings(&batch, "body_kind").map_err(missing)?, |k| {
                let kinds = crate::model::BodyKind::ALL;
                Some(kinds.iter().find(|x| x.as_str() == k).unwrap_or(&crate::model::BodyKind::Other).index())
            });
            let metrics =
                per_row(&strings(&batch, "metric").map_err(missing)?, super::indicators::metric_number);
            let body_numbers = per_row(&strings(&batch, "body").map_err(missing)?, |b| {
                let next = bodies.len() as u32;
                Some(*bodies.entry(b.to_string()).or_insert(next))
            });
            let keep: Option<Vec<bool>> = match &wanted {
                Some(s) => {
                    let is = |name: &str| -> Result<Vec<Option<bool>>> {
                        Ok(per_row(&strings(&batch, name).map_err(missing)?, |v| Some(v == s)))
                    };
                    let (a, b, c) = (is("region_code")?, is("prefecture_code")?, is("province_code")?);
                    Some(
                        (0..batch.num_rows())
                            .map(|i| a[i] == Some(true) || b[i] == Some(true) || c[i] == Some(true))
                            .collect(),
                    )
                }
                None => None,
            };
            let values = dict_read::column(&batch, "value", &ArrowType::Float64).map_err(missing)?;
            let values = values.as_primitive::<Float64Type>();
            facts.reserve(batch.num_rows());
            for i in 0..batch.num_rows() {
                let (Some(c), Some(k), Some(n), Some(b)) = (codes[i], kinds[i], metrics[i], body_numbers[i])
                else {
                    continue;
                };
                if keep.as_ref().is_some_and(|keep| !keep[i]) {
                    continue;
                }
                facts.code.push(c);
                facts.body.push(b);
                facts.scope.push(k);
                facts.m.push(n);
                facts.value.push(values.is_valid(i).then(|| values.value(i)));
            }
        }
    }
    Ok(facts)
}

/// The facts the rollup reads, column by column, as numbers.
#[derive(Default)]
struct Facts {
    code: Vec<u32>,
    body: Vec<u32>,
    scope: Vec<u32>,
    m: Vec<u32>,
    value: Vec<Option<f64>>,
}

impl Facts {
    fn len(&self) -> usize {
        self.code.len()
    }

    /// Room for `n` more facts: a region group's are some 84,000 rows, grown by doubling they were
    /// copied and faulted in again at every step.
    fn reserve(&mut self, n: usize) {
        self.code.reserve(n);
        self.body.reserve(n);
        self.scope.reserve(n);
        self.m.reserve(n);
        self.value.reserve(n);
    }
}

/// The harmonized cells each report's format computes from its cells (see
/// [`crate::reference::catalog::harmonized`]): a 2021 report's three （六） sub-rows also count, summed, as
/// `requests.other_total.*`; a 2019 report's 规范性文件 本年新制作数量 as `normative_docs.issued`. One
/// row per report (region, body, scope) and harmonized cell, so `n_reports` still counts reports;
/// each summed in the facts' order, a missing part as 0. Rows `(code, scope, m, value)`.
fn harmonize(facts: &Facts) -> Vec<(u32, u32, u32, Option<f64>)> {
    let mut targets: HashMap<u32, Vec<u32>> = HashMap::default();
    for (source, target) in derivations() {
        if let (Some(s), Some(t)) = (metric_number(&source), metric_number(&target)) {
            targets.entry(s).or_default().push(t);
        }
    }
    let mut at: HashMap<(u32, u32, u32, u32), usize> = HashMap::default();
    let mut out: Vec<(u32, u32, u32, Option<f64>)> = Vec::new();
    for i in 0..facts.len() {
        let Some(ts) = targets.get(&facts.m[i]) else { continue };
        for &t in ts {
            let slot = *at.entry((facts.code[i], facts.body[i], facts.scope[i], t)).or_insert_with(|| {
                out.push((facts.code[i], facts.scope[i], t, Some(0.0)));
                out.len() - 1
            });
            if let Some(sum) = &mut out[slot].3 {
                *sum += facts.value[i].unwrap_or(0.0);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sorted(mut v: Vec<(u64, i64, i64)>) -> Vec<(u64, i64, i64)> {
        v.sort_unstable();
        v
    }

    /// Summed in the map, as a region group of the national set is.
    fn sum_by_key(keys: Vec<u64>, sums: Vec<i64>) -> Result<Vec<(u64, i64, i64)>> {
        let mut summer = Summer::new(keys.len(), keys.len());
        assert!(matches!(summer, Summer::Map(_)));
        for (k, u) in keys.into_iter().zip(sums) {
            summer.add(k, u);
        }
        summer.finish()
    }

    #[test]
    fn a_key_gets_the_sum_and_the_number_of_its_values() {
        let got = sorted(sum_by_key(vec![7, 3, 7, 7, 3, 9], vec![1, -2, 10, 100, 5, 0]).unwrap());
        assert_eq!(got, vec![(3, 3, 2), (7, 111, 3), (9, 0, 1)]);
    }

    #[test]
    fn the_map_and_polars_sum_alike() {
        // 300,000 keys over some 40,000 distinct ones, values of both signs (a xorshift: no seed to
        // keep, the same every run).
        let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let (mut keys, mut sums) = (Vec::new(), Vec::new());
        for _ in 0..300_000 {
            keys.push(next() % 40_000 * 0x1_0000_0001);
            sums.push((next() % 2_000_001) as i64 - 1_000_000);
        }
        let map = sorted(sum_by_key(keys.clone(), sums.clone()).unwrap());
        let polars = sorted(sum_by_key_in_polars(keys, sums).unwrap());
        assert!(map.len() > 30_000, "{}", map.len());
        assert_eq!(map.iter().map(|r| r.2).sum::<i64>(), 300_000);
        assert_eq!(map, polars);
    }
}
