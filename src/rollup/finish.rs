//! A year's rollup rows from its sums: year-over-year change against the year before, share of the
//! parent region, rank among siblings, sorted by level, region and metric for the writers.
//!
//! Plain columns and a merge of two sorted key lists rather than polars joins: the inputs are
//! already one row per (level, region, metric), and the three joins and the sort took 0.2 s a
//! national year, most of a re-run that changes one year.

use super::indicators::metric_count;
use super::tables::parent_of;
use crate::reference::catalog::catalog;
use rayon::prelude::*;

/// One year's rows, sorted by (`lvl`, `code`, `scope`, `m`).
#[derive(Debug, Default, Clone, PartialEq)]
pub struct YearRows {
    pub lvl: Vec<u32>,
    pub code: Vec<u32>,
    /// `BodyKind::index`: 0 government, 1 department, 2 township, 3 other.
    pub scope: Vec<u32>,
    pub parent: Vec<Option<u32>>,
    pub m: Vec<u32>,
    pub value: Vec<Option<f64>>,
    pub n_reports: Vec<i64>,
    pub yoy_change: Vec<Option<f64>>,
    pub yoy_pct: Vec<Option<f64>>,
    pub share_of_parent: Vec<Option<f64>>,
    pub rank_in_parent: Vec<Option<i64>>,
}

/// A view of `YearRows` over one level's rows.
#[derive(Debug, Clone, Copy)]
pub struct LevelRows<'a> {
    pub code: &'a [u32],
    pub scope: &'a [u32],
    pub parent: &'a [Option<u32>],
    pub m: &'a [u32],
    pub value: &'a [Option<f64>],
    pub n_reports: &'a [i64],
    pub yoy_change: &'a [Option<f64>],
    pub yoy_pct: &'a [Option<f64>],
    pub share_of_parent: &'a [Option<f64>],
    pub rank_in_parent: &'a [Option<i64>],
}

impl<'a> LevelRows<'a> {
    pub fn len(&self) -> usize {
        self.code.len()
    }

    fn slice(&self, r: std::ops::Range<usize>) -> LevelRows<'a> {
        LevelRows {
            code: &self.code[r.clone()],
            scope: &self.scope[r.clone()],
            parent: &self.parent[r.clone()],
            m: &self.m[r.clone()],
            value: &self.value[r.clone()],
            n_reports: &self.n_reports[r.clone()],
            yoy_change: &self.yoy_change[r.clone()],
            yoy_pct: &self.yoy_pct[r.clone()],
            share_of_parent: &self.share_of_parent[r.clone()],
            rank_in_parent: &self.rank_in_parent[r],
        }
    }

    /// The rows of each region group (`store::region_group`): rows sorted
    /// by region come group by group.
    pub fn by_group(&self) -> Vec<(String, LevelRows<'a>)> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < self.len() {
            let p = crate::store::region_group_number(self.code[start]);
            let end = start
                + self.code[start..]
                    .iter()
                    .take_while(|&&c| crate::store::region_group_number(c) == p)
                    .count();
            out.push((crate::store::region_group(self.code[start]), self.slice(start..end)));
            start = end;
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.code.is_empty()
    }
}

impl YearRows {
    pub fn len(&self) -> usize {
        self.lvl.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lvl.is_empty()
    }

    /// Each level present, with its rows: they are contiguous, the rows being sorted by level first.
    pub fn levels(&self) -> Vec<(usize, LevelRows<'_>)> {
        let mut out = Vec::new();
        let mut start = 0;
        while start < self.len() {
            let l = self.lvl[start];
            let end = start + self.lvl[start..].iter().take_while(|&&x| x == l).count();
            out.push((
                l as usize,
                LevelRows {
                    code: &self.code[start..end],
                    scope: &self.scope[start..end],
                    parent: &self.parent[start..end],
                    m: &self.m[start..end],
                    value: &self.value[start..end],
                    n_reports: &self.n_reports[start..end],
                    yoy_change: &self.yoy_change[start..end],
                    yoy_pct: &self.yoy_pct[start..end],
                    share_of_parent: &self.share_of_parent[start..end],
                    rank_in_parent: &self.rank_in_parent[start..end],
                },
            ));
            start = end;
        }
        out
    }
}

/// The order of the rows, one integer: level, then region, then scope, then metric. `k >> 16` is
/// one (level, region, scope): the run of rows a region's ratios are worked out from.
pub fn key(lvl: u32, code: u32, scope: u32, m: u32) -> u64 {
    (u64::from(lvl) << 62) | (u64::from(code) << 20) | (u64::from(scope & 0xf) << 16) | u64::from(m)
}

/// Level, region and metric of a key.
pub fn split(k: u64) -> (u32, u32, u32) {
    ((k >> 62) as u32, ((k >> 20) & ((1 << 42) - 1)) as u32, (k & 0xffff) as u32)
}

/// The scope of a key (`BodyKind::index`).
pub fn scope_of(k: u64) -> u32 {
    ((k >> 16) & 0xf) as u32
}

/// A sum: its key, value and the number of reports that gave it.
pub type Row = (u64, Option<f64>, i64);

/// One year's sums (from `year_sums`) as (key, value, n_reports), sorted by key. Kept from one year
/// to the next, where it is the year before.
#[derive(Debug, Default)]
pub struct Sums(Vec<Row>);

impl Sums {
    /// From rows in any order.
    pub fn from_rows(mut rows: Vec<Row>) -> Sums {
        if !rows.is_sorted_by_key(|r| r.0) {
            rows.par_sort_unstable_by_key(|r| r.0);
        }
        Sums(rows)
    }

    pub fn rows(&self) -> &[Row] {
        &self.0
    }

    pub fn into_rows(self) -> Vec<Row> {
        self.0
    }
}

/// Change on the year before: the difference, and that as a percentage of a non-zero year before;
/// none without both values. The charts work it out from the wide table with this too.
pub fn yoy(value: Option<f64>, before: Option<f64>) -> (Option<f64>, Option<f64>) {
    match (value, before) {
        (Some(v), Some(p)) => (Some(v - p), (p != 0.0).then(|| (v - p) / p * 100.0)),
        _ => (None, None),
    }
}

/// A year's rows from its sums `cur` and the year before's `prev`.
pub fn finish_year(cur: &Sums, prev: Option<&Sums>) -> YearRows {
    let n_catalog = catalog().len() as u32;
    let rows = &cur.0;
    let prev: &[Row] = prev.map_or(&[], |p| &p.0);
    // Every region above a county is some row's parent. Its values sit in a dense table, a slot a
    // region and a column a metric: a hash lookup a row was a third of this function's time.
    let n_metrics = metric_count();
    // A parent's slot is per scope: a department's share is of its parent's departments' sum.
    let mut slots: crate::support::hash::HashMap<(u32, u32), usize> =
        crate::support::hash::HashMap::default();
    let mut parent_table: Vec<Option<f64>> = Vec::new();
    for &(k, v, _) in rows.iter().filter(|r| r.0 >> 62 > 0) {
        let (_, code, m) = split(k);
        let next = slots.len();
        let slot = *slots.entry((code, scope_of(k))).or_insert(next);
        if slot == next {
            parent_table.resize((slot + 1) * n_metrics, None);
        }
        if let Some(cell) = parent_table.get_mut(slot * n_metrics + m as usize) {
            *cell = v;
        }
    }
    let n = rows.len();
    let mut out = YearRows {
        lvl: Vec::with_capacity(n),
        code: Vec::with_capacity(n),
        scope: Vec::with_capacity(n),
        parent: Vec::with_capacity(n),
        m: Vec::with_capacity(n),
        value: Vec::with_capacity(n),
        n_reports: Vec::with_capacity(n),
        yoy_change: Vec::with_capacity(n),
        yoy_pct: Vec::with_capacity(n),
        share_of_parent: Vec::with_capacity(n),
        rank_in_parent: Vec::new(),
    };
    let mut parent_values = Vec::with_capacity(n);
    let mut p = 0;
    // The last (region, scope) seen, its parent and the parent's slot.
    type Seen = ((u32, u32), Option<u32>, Option<usize>);
    let mut last: Option<Seen> = None;
    for &(k, value, n_reports) in rows {
        let (lvl, code, m) = split(k);
        let scope = scope_of(k);
        // Both lists are sorted: the year before's row, if any, is found by walking forward.
        while p < prev.len() && prev[p].0 < k {
            p += 1;
        }
        let prev_value = prev.get(p).filter(|r| r.0 == k).and_then(|r| r.1);
        // Rows come region by region: one lookup a region and scope, not one a row.
        let (parent, slot) = match last {
            Some((c, parent, slot)) if c == (code, scope) => (parent, slot),
            _ => {
                let parent = parent_of(code);
                (parent, parent.and_then(|pc| slots.get(&(pc, scope)).copied()))
            }
        };
        last = Some(((code, scope), parent, slot));
        let parent_v = slot.and_then(|s| parent_table.get(s * n_metrics + m as usize).copied().flatten());
        let (yoy_change, yoy_pct) = yoy(value, prev_value);
        // A share of a ratio means nothing: only summed metrics get one.
        let share = match (value, parent_v) {
            (Some(v), Some(pv)) if m < n_catalog && pv != 0.0 => Some(v / pv),
            _ => None,
        };
        out.lvl.push(lvl);
        out.code.push(code);
        out.scope.push(scope);
        out.parent.push(parent);
        out.m.push(m);
        out.value.push(value);
        out.n_reports.push(n_reports);
        out.yoy_change.push(yoy_change);
        out.yoy_pct.push(yoy_pct);
        out.share_of_parent.push(share);
        parent_values.push(parent_v);
    }
    // Ranked among the siblings of the same scope: the scope rides in the metric's upper bits.
    let scoped_m: Vec<u32> = out.scope.iter().zip(&out.m).map(|(&s, &m)| (s << 16) | m).collect();
    out.rank_in_parent = super::rank::rank_in_parent(&out.parent, &scoped_m, &out.value, &parent_values);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sums(rows: &[(u32, u32, u32, Option<f64>, i64)]) -> Sums {
        Sums::from_rows(rows.iter().map(|r| (key(r.0, r.1, 0, r.2), r.3, r.4)).collect())
    }

    #[test]
    fn yoy_share_and_rank_against_the_parent_and_the_year_before() {
        // 岳普湖县 and 伽师县 under 喀什地区, metric 0; the prefecture's sum is 30.
        let cur = sums(&[
            (1, 653100, 0, Some(30.0), 2),
            (0, 653128, 0, Some(10.0), 1),
            (0, 653129, 0, Some(20.0), 1),
        ]);
        let prev = sums(&[(0, 653128, 0, Some(8.0), 1), (0, 653129, 0, Some(0.0), 1)]);
        let out = finish_year(&cur, Some(&prev));
        assert_eq!(out.code, vec![653128, 653129, 653100]);
        assert_eq!(out.parent, vec![Some(653100), Some(653100), Some(650000)]);
        assert_eq!(out.yoy_change, vec![Some(2.0), Some(20.0), None]);
        assert_eq!(out.yoy_pct, vec![Some(25.0), None, None]);
        assert_eq!(out.share_of_parent, vec![Some(10.0 / 30.0), Some(20.0 / 30.0), None]);
        assert_eq!(out.rank_in_parent, vec![Some(2), Some(1), None]);
        let levels: Vec<(usize, usize)> = out.levels().iter().map(|(l, r)| (*l, r.len())).collect();
        assert_eq!(levels, vec![(0, 2), (1, 1)]);
    }
}
