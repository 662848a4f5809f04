//! The rollup query, in polars' lazy API: sums per region level, derived ratios, year-over-year,
//! share of the parent region and rank among the parent's children.
//!
//! Regions, levels and metrics travel as integers (`code`, `lvl`, `m`) through the query and turn
//! back into the documented strings only at the end: hashing and sorting 6 million rows on integer
//! keys is what keeps the national rollup to seconds. Year-over-year comes from a sorted shift, not a
//! join, and parents are looked up in a table of the (few) non-county rows.

use super::indicators::{indicator_index, INDICATORS};
use super::tables::{hierarchy_frame, metrics_frame, parents_frame, NATIONAL};
use crate::catalog::catalog;
use crate::error::Result;
use crate::regions::{regions, Level};
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

fn int(e: Expr) -> Expr {
    e.cast(DataType::Int64)
}

fn u32_lit(v: u32) -> Expr {
    lit(v).cast(DataType::UInt32)
}

fn null_f64() -> Expr {
    lit(NULL).cast(DataType::Float64)
}

/// Sum per region and year at every level, from the facts table.
fn sums(facts_dir: &Path, opts: &RollupOptions) -> Result<LazyFrame> {
    let args = ScanArgsParquet { hive_options: HiveOptions::new_enabled(), ..Default::default() };
    let pattern = format!("{}/**/*.parquet", facts_dir.display());
    let mut facts = LazyFrame::scan_parquet(PlRefPath::new(pattern), args)?;
    if let Some(code) = opts.region {
        let s = format!("{code:06}");
        facts = facts.filter(
            col("region_code")
                .eq(lit(s.clone()))
                .or(col("prefecture_code").eq(lit(s.clone())))
                .or(col("province_code").eq(lit(s))),
        );
    }
    let mut facts = facts.select([
        col("region_code").cast(DataType::UInt32).alias("code"),
        col("year").cast(DataType::Int32),
        col("metric"),
        col("value"),
    ]);
    if let Some((from, to)) = opts.years {
        // One year before the range, so that its first year still gets a year-over-year change.
        facts = facts.filter(col("year").gt_eq(lit(from - 1)).and(col("year").lt_eq(lit(to))));
    }
    let base = facts
        .join(metrics_frame()?.lazy(), [col("metric")], [col("metric")], JoinArgs::new(JoinType::Inner))
        // Several bodies of one region add up; null cells count as 0; n_reports counts every report
        // that gave the cell.
        .group_by([col("code"), col("year"), col("m")])
        .agg([col("value").fill_null(lit(0.0)).sum().alias("value"), int(len()).alias("n_reports")])
        .join(hierarchy_frame()?.lazy(), [col("code")], [col("code")], JoinArgs::new(JoinType::Inner))
        .collect()?;
    let base = base.lazy();
    let at = |lvl: u32, code: Expr, filter: Option<Expr>| {
        let mut lf = base.clone();
        if let Some(f) = filter {
            lf = lf.filter(f);
        }
        let keys = [code.alias("code"), col("year"), col("m")];
        lf.group_by(keys).agg([col("value").sum(), col("n_reports").sum()]).select([
            u32_lit(lvl).alias("lvl"),
            col("code"),
            col("year"),
            col("m"),
            col("value"),
            int(col("n_reports")).alias("n_reports"),
        ])
    };
    let mut frames = Vec::new();
    for level in levels_for(opts) {
        frames.push(match level {
            "county" => base.clone().filter(col("is_county")).select([
                u32_lit(0).alias("lvl"),
                col("code"),
                col("year"),
                col("m"),
                col("value"),
                col("n_reports"),
            ]),
            "prefecture" => at(1, col("pref"), Some(col("pref").is_not_null())),
            "province" => at(2, col("prov"), None),
            _ => at(3, u32_lit(NATIONAL), None),
        });
    }
    Ok(concat(frames, UnionArgs::default())?)
}

/// The derived ratios for every region and year, as extra metric rows.
fn indicators(sums: &DataFrame) -> Result<Vec<LazyFrame>> {
    let c = catalog();
    let pick = |id: &str, what: &str| col(what).filter(col("m").eq(u32_lit(c.expect(id) as u32))).sum();
    let mut aggs = Vec::new();
    for (i, ind) in INDICATORS.iter().enumerate() {
        let num = ind.numerator.iter().map(|id| pick(id, "value")).reduce(|a, b| a + b).unwrap_or(lit(0.0));
        aggs.push(num.alias(format!("num{i}")));
        aggs.push(pick(ind.denominator, "value").alias(format!("den{i}")));
        aggs.push(pick(ind.denominator, "n_reports").alias(format!("n{i}")));
    }
    // Only the handful of metrics the ratios need take part in this group-by.
    let mut wanted: Vec<u32> = INDICATORS
        .iter()
        .flat_map(|ind| ind.numerator.iter().chain([&ind.denominator]))
        .map(|id| c.expect(id) as u32)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let is_wanted =
        wanted.iter().map(|&m| col("m").eq(u32_lit(m))).reduce(|a, b| a.or(b)).unwrap_or(lit(false));
    let wide = sums
        .clone()
        .lazy()
        .filter(is_wanted)
        .group_by([col("lvl"), col("code"), col("year")])
        .agg(aggs)
        .collect()?;
    let mut out = Vec::new();
    for i in 0..INDICATORS.len() {
        let (num, den) = (col(format!("num{i}")), col(format!("den{i}")));
        out.push(wide.clone().lazy().select([
            col("lvl"),
            col("code"),
            col("year"),
            u32_lit(indicator_index(i) as u32).alias("m"),
            when(den.clone().eq(lit(0.0))).then(null_f64()).otherwise(num / den).alias("value"),
            int(col(format!("n{i}"))).alias("n_reports"),
        ]));
    }
    Ok(out)
}

/// The whole rollup, every level, long: one row per (level, region, metric, year), in that order,
/// with regions and metrics as numbers (`code`, `parent`, `m`; the nation is code 0).
pub fn compute(facts_dir: &Path, opts: &RollupOptions) -> Result<DataFrame> {
    let sums = sums(facts_dir, opts)?.collect()?;
    let mut frames = vec![sums.clone().lazy()];
    frames.extend(indicators(&sums)?);
    drop(sums);
    let n_catalog = catalog().len() as u32;
    // Sorted so that last year's row of the same region and metric is the row just before.
    // One u64 key (level, region, metric, year) sorts far faster than four columns, and puts last
    // year's row of the same series just before this year's.
    let key = (col("lvl").cast(DataType::UInt64) * lit(1u64 << 62))
        + (col("code").cast(DataType::UInt64) * lit(1u64 << 32))
        + (col("m").cast(DataType::UInt64) * lit(1u64 << 16))
        + col("year").cast(DataType::UInt64);
    let all = concat(frames, UnionArgs::default())?
        .with_column(key.alias("key"))
        .sort(["key"], SortMultipleOptions::default())
        .collect()?;

    let parent_values = all.clone().lazy().filter(col("lvl").gt(u32_lit(0))).select([
        col("code").alias("parent"),
        col("year"),
        col("m"),
        col("value").alias("parent_value"),
    ]);
    let same_series_last_year = col("code")
        .eq(col("code").shift(lit(1)))
        .and(col("m").eq(col("m").shift(lit(1))))
        .and(col("year").eq(col("year").shift(lit(1)) + lit(1)));
    let parent_keys = [col("parent"), col("year"), col("m")];
    let mut lf = all
        .lazy()
        .with_column(
            when(same_series_last_year)
                .then(col("value").shift(lit(1)))
                .otherwise(null_f64())
                .alias("prev_value"),
        )
        .join(parents_frame()?.lazy(), [col("code")], [col("code")], JoinArgs::new(JoinType::Left))
        .join(parent_values, parent_keys.clone(), parent_keys, JoinArgs::new(JoinType::Left))
        .with_columns([
            (col("value") - col("prev_value")).alias("yoy_change"),
            when(col("prev_value").neq(lit(0.0)))
                .then((col("value") - col("prev_value")) / col("prev_value") * lit(100.0))
                .otherwise(null_f64())
                .alias("yoy_pct"),
            // A share of a ratio means nothing: only summed metrics get one.
            when(col("m").lt(u32_lit(n_catalog)).and(col("parent_value").neq(lit(0.0))))
                .then(col("value") / col("parent_value"))
                .otherwise(null_f64())
                .alias("share_of_parent"),
        ]);
    if let Some((from, to)) = opts.years {
        lf = lf.filter(col("year").gt_eq(lit(from)).and(col("year").lt_eq(lit(to))));
    }
    // Hash joins scramble the order; one sort on the u64 key restores it (cheaper than order-keeping joins).
    let out = lf
        .sort(["key"], SortMultipleOptions::default())
        .select([
            col("lvl"),
            col("code"),
            col("parent"),
            col("year"),
            col("m"),
            col("value"),
            col("n_reports"),
            col("yoy_change"),
            col("yoy_pct"),
            col("share_of_parent"),
            col("parent_value"),
        ])
        .collect()?;
    let ranks = super::rank::rank_in_parent(&out)?;
    let mut out = out.drop("parent_value")?;
    out.with_column(Column::new("rank_in_parent".into(), ranks))?;
    Ok(out)
}
