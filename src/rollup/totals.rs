//! What the rollup adds to the summed rows of the county, prefecture and province levels: the
//! nation (the sum of the provinces) and the derived ratios at every level.
//!
//! Both are worked out here from the rows alone, so that a re-run that sums one province again and
//! reads the others' rows back gets the same nation and the same ratios as a run that summed
//! everything: the nation is never summed from facts.

use super::compute::UNITS_PER_WANYUAN;
use super::finish::{key, scope_of, split, Row, Sums};
use super::indicators::{indicator_index, INDICATORS};
use super::tables::NATIONAL;
use crate::reference::catalog::catalog;
use std::collections::BTreeMap;

/// `rows` (plain sums, county to province level, any order) with the nation's rows when `national`,
/// and every region's derived ratios, as a year's [`Sums`].
pub fn complete(mut rows: Vec<Row>, national: bool) -> Sums {
    let n_catalog = catalog().len() as u32;
    rows.retain(|r| split(r.0).2 < n_catalog);
    if national {
        // Sums are whole millionths (see `compute::units`); adding them back as integers gives the
        // bits a sum over every fact gives.
        // Each scope's nation on its own, as every level.
        let mut nation: BTreeMap<(u32, u32), (i64, i64)> = BTreeMap::new();
        for &(k, v, n) in rows.iter().filter(|r| split(r.0).0 == 2) {
            let e = nation.entry((scope_of(k), split(k).2)).or_default();
            e.0 += (v.unwrap_or(0.0) * UNITS_PER_WANYUAN).round() as i64;
            e.1 += n;
        }
        rows.extend(
            nation.into_iter().map(|((s, m), (units, n))| {
                (key(3, NATIONAL, s, m), Some(units as f64 / UNITS_PER_WANYUAN), n)
            }),
        );
    }
    with_ratios(Sums::from_rows(rows))
}

/// `sums` with the ratios of every (level, region) that has one of their parts, as polars computed
/// them before: the numerator's parts added in order (a missing part is 0), null where the
/// denominator is 0 or missing, `n_reports` the denominator's. A ratio's metric number is above
/// every catalog metric's, so a region's ratios go right after its sums and the rows stay sorted.
fn with_ratios(sums: Sums) -> Sums {
    let c = catalog();
    let parts: Vec<(Vec<u32>, u32)> = INDICATORS
        .iter()
        .map(|ind| {
            (ind.numerator.iter().map(|id| c.known(id) as u32).collect(), c.known(ind.denominator) as u32)
        })
        .collect();
    let mut wanted: Vec<u32> = parts.iter().flat_map(|(num, den)| num.iter().chain([den]).copied()).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let rows = sums.into_rows();
    let mut out = Vec::with_capacity(rows.len() + rows.len() / 32);
    // Rows are sorted by (level, region, scope, metric): one region's rows of a scope are a run.
    let mut start = 0;
    while start < rows.len() {
        let region = rows[start].0 >> 16;
        let end = start + rows[start..].iter().take_while(|r| r.0 >> 16 == region).count();
        let run = &rows[start..end];
        start = end;
        out.extend_from_slice(run);
        let get = |m: u32| run.binary_search_by_key(&m, |r| split(r.0).2).ok().map(|i| run[i]);
        if !wanted.iter().any(|&m| get(m).is_some()) {
            continue;
        }
        let (lvl, code, _) = split(run[0].0);
        let scope = scope_of(run[0].0);
        for (i, (num, den)) in parts.iter().enumerate() {
            let value_of = |m: u32| get(m).and_then(|r| r.1).unwrap_or(0.0);
            let numerator = num.iter().map(|&m| value_of(m)).reduce(|a, b| a + b).unwrap_or(0.0);
            let denominator = value_of(*den);
            let n = get(*den).map_or(0, |r| r.2);
            let value = (denominator != 0.0).then(|| numerator / denominator);
            out.push((key(lvl, code, scope, indicator_index(i) as u32), value, n));
        }
    }
    Sums::from_rows(out)
}
