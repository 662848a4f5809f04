//! The rollup query, in polars' lazy API: sums per region level, derived ratios, year-over-year,
//! share of the parent region and rank among the parent's children.
//!
//! Regions and metrics travel as integers (`code`, `m`) through the query; they turn back into the
//! documented strings only at the end, which keeps the 6-million-row intermediate tables small.

use super::indicators::{indicator_index, INDICATORS};
use super::tables::{metrics_frame, regions_frame, NATIONAL};
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

/// Sum per region and year at every level, from the facts table.
fn sums(facts_dir: &Path, opts: &RollupOptions) -> Result<LazyFrame> {
    let args = ScanArgsParquet { hive_options: HiveOptions::new_enabled(), ..Default::default() };
    let pattern = format!("{}/**/*.parquet", facts_dir.display());
    let mut facts = LazyFrame::scan_parquet(PlRefPath::new(pattern), args)?.select([
        col("region_code"),
        col("region_level"),
        col("prefecture_code"),
        col("province_code"),
        col("metric"),
        col("value"),
        col("year").cast(DataType::Int32),
    ]);
    if let Some(code) = opts.region {
        let s = format!("{code:06}");
        facts = facts.filter(
            col("region_code")
                .eq(lit(s.clone()))
                .or(col("prefecture_code").eq(lit(s.clone())))
                .or(col("province_code").eq(lit(s))),
        );
    }
    if let Some((from, to)) = opts.years {
        // One year before the range, so that its first year still gets a year-over-year change.
        facts = facts.filter(col("year").gt_eq(lit(from - 1)).and(col("year").lt_eq(lit(to))));
    }
    let base = facts
        .join(metrics_frame()?.lazy(), [col("metric")], [col("metric")], JoinArgs::new(JoinType::Inner))
        .group_by([
            col("region_code").cast(DataType::UInt32).alias("code"),
            col("region_level").eq(lit("county")).alias("is_county"),
            col("prefecture_code").cast(DataType::UInt32).alias("pref"),
            col("province_code").cast(DataType::UInt32).alias("prov"),
            col("year"),
            col("m"),
        ])
        // Null cells count as 0; n_reports counts every report that gave the cell.
        .agg([col("value").fill_null(lit(0.0)).sum().alias("value"), int(len()).alias("n_reports")])
        .collect()?;
    let base = base.lazy();
    let at = |level: &str, code: Expr, keys: Option<Expr>, filter: Option<Expr>| {
        let mut lf = base.clone();
        if let Some(f) = filter {
            lf = lf.filter(f);
        }
        let mut group = vec![col("year"), col("m")];
        if let Some(k) = keys.clone() {
            group.insert(0, k);
        }
        lf.group_by(group).agg([col("value").sum(), col("n_reports").sum()]).select([
            lit(level.to_string()).alias("level"),
            code.alias("code"),
            col("year"),
            col("m"),
            col("value"),
            int(col("n_reports")).alias("n_reports"),
        ])
    };
    let levels = levels_for(opts);
    let mut frames = Vec::new();
    for level in &levels {
        frames.push(match *level {
            "county" => at("county", col("code"), Some(col("code")), Some(col("is_county"))),
            "prefecture" => at("prefecture", col("pref"), Some(col("pref")), Some(col("pref").is_not_null())),
            "province" => at("province", col("prov"), Some(col("prov")), None),
            _ => at("national", lit(NATIONAL).cast(DataType::UInt32), None, None),
        });
    }
    Ok(concat(frames, UnionArgs::default())?)
}

/// The derived ratios for every region and year, as extra metric rows.
fn indicators(sums: &DataFrame) -> Result<Vec<LazyFrame>> {
    let c = catalog();
    let pick = |id: &str, what: &str| col(what).filter(col("m").eq(lit(c.expect(id) as u32))).sum();
    let mut aggs = Vec::new();
    for (i, ind) in INDICATORS.iter().enumerate() {
        let num = ind.numerator.iter().map(|id| pick(id, "value")).reduce(|a, b| a + b).unwrap_or(lit(0.0));
        aggs.push(num.alias(format!("num{i}")));
        aggs.push(pick(ind.denominator, "value").alias(format!("den{i}")));
        aggs.push(pick(ind.denominator, "n_reports").alias(format!("n{i}")));
    }
    let wide = sums.clone().lazy().group_by([col("level"), col("code"), col("year")]).agg(aggs).collect()?;
    let mut out = Vec::new();
    for i in 0..INDICATORS.len() {
        let (num, den) = (col(format!("num{i}")), col(format!("den{i}")));
        out.push(
            wide.clone().lazy().select([
                col("level"),
                col("code"),
                col("year"),
                lit(indicator_index(i) as u32).cast(DataType::UInt32).alias("m"),
                when(den.clone().eq(lit(0.0)))
                    .then(lit(NULL).cast(DataType::Float64))
                    .otherwise(num / den)
                    .alias("value"),
                int(col(format!("n{i}"))).alias("n_reports"),
            ]),
        );
    }
    Ok(out)
}

/// The whole rollup, every level, long: one row per (level, region, year, metric).
pub fn compute(facts_dir: &Path, opts: &RollupOptions) -> Result<DataFrame> {
    let sums = sums(facts_dir, opts)?.collect()?;
    let mut frames = vec![sums.clone().lazy()];
    frames.extend(indicators(&sums)?);
    drop(sums);
    let all = concat(frames, UnionArgs::default())?.collect()?;
    let n_catalog = catalog().len() as u32;

    let prev = all.clone().lazy().select([
        col("level"),
        col("code"),
        (col("year") + lit(1)).alias("year"),
        col("m"),
        col("value").alias("prev_value"),
    ]);
    let parent_values = all.clone().lazy().select([
        col("code").alias("parent"),
        col("year"),
        col("m"),
        col("value").alias("parent_value"),
    ]);
    let keys = [col("level"), col("code"), col("year"), col("m")];
    let rank = col("value").rank(RankOptions { method: RankMethod::Min, descending: true }, None).over([
        col("parent"),
        col("year"),
        col("m"),
    ])?;
    let mut lf = all
        .lazy()
        .join(regions_frame()?.lazy(), [col("code")], [col("code")], JoinArgs::new(JoinType::Left))
        .join(prev, keys.clone(), keys.clone(), JoinArgs::new(JoinType::Left))
        .join(
            parent_values,
            [col("parent"), col("year"), col("m")],
            [col("parent"), col("year"), col("m")],
            JoinArgs::new(JoinType::Left),
        )
        .with_columns([
            (col("value") - col("prev_value")).alias("yoy_change"),
            when(col("prev_value").neq(lit(0.0)))
                .then((col("value") - col("prev_value")) / col("prev_value") * lit(100.0))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("yoy_pct"),
            // A share of a ratio means nothing: only summed metrics get one.
            when(col("m").lt(lit(n_catalog)).and(col("parent_value").neq(lit(0.0))))
                .then(col("value") / col("parent_value"))
                .otherwise(lit(NULL).cast(DataType::Float64))
                .alias("share_of_parent"),
            // Ranked among the parent's children present; none when the parent is out of scope.
            when(col("parent_value").is_not_null())
                .then(rank.cast(DataType::Int64))
                .otherwise(lit(NULL).cast(DataType::Int64))
                .alias("rank_in_parent"),
        ]);
    if let Some((from, to)) = opts.years {
        lf = lf.filter(col("year").gt_eq(lit(from)).and(col("year").lt_eq(lit(to))));
    }
    let code_str =
        |c: &str| when(col(c).eq(lit(NATIONAL))).then(lit("000000")).otherwise(col(c).cast(DataType::String));
    let out = lf
        .join(metrics_frame()?.lazy(), [col("m")], [col("m")], JoinArgs::new(JoinType::Left))
        .sort(["level", "code", "year", "m"], SortMultipleOptions::default())
        .select([
            col("level"),
            code_str("code").alias("region_code"),
            col("region_name"),
            when(col("parent").is_null())
                .then(lit(NULL).cast(DataType::String))
                .otherwise(code_str("parent"))
                .alias("parent_code"),
            col("year"),
            col("metric"),
            col("m"),
            col("value"),
            col("n_reports"),
            col("yoy_change"),
            col("yoy_pct"),
            col("share_of_parent"),
            col("rank_in_parent"),
        ])
        .collect()?;
    Ok(out)
}
