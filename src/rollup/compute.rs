//! The rollup query, in polars' lazy API, one year at a time: sums per region level and the derived
//! ratios (`finish` adds year-over-year, shares and ranks).
//!
//! A year is rolled up from its own facts partition and the previous year's sums, so memory holds
//! two years whatever the number of years. Regions, levels and metrics travel as integers (`code`,
//! `lvl`, `m`) and become the documented strings only when written.

use super::tables::{derivations_frame, hierarchy_frame, metrics_frame};
use crate::reference::regions::{regions, Level};
use crate::support::error::{Error, IoContext, Result};
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

/// Sums are taken over whole millionths (of a 件 or a 万元, i.e. 0.01 元): integer addition gives the
/// same bits in any order, where parallel floating-point sums of fees would differ from run to run.
pub const UNITS_PER_WANYUAN: f64 = 1e6;

fn units(value: Expr) -> Expr {
    // Casting truncates toward zero: adding half a unit away from zero rounds to the nearest unit.
    // (Only the 2019 format's 本年增/减 is ever negative.)
    let scaled = value * lit(UNITS_PER_WANYUAN);
    when(scaled.clone().lt(lit(0.0)))
        .then(scaled.clone() - lit(0.5))
        .otherwise(scaled + lit(0.5))
        .cast(DataType::Int64)
}

fn u32_lit(v: u32) -> Expr {
    lit(v).cast(DataType::UInt32)
}

/// A region, a scope and a metric as one group key: polars groups by one integer column two to
/// three times faster than by two.
fn pair(code: Expr) -> Expr {
    let region_scope = code.cast(DataType::UInt64) * lit(16u64) + col("scope").cast(DataType::UInt64);
    (region_scope * lit(1u64 << 16) + col("m").cast(DataType::UInt64)).alias("pair")
}

/// `code`, `scope` and `m` back from `pair`. (Integer `/` is true division in polars and
/// `floor_div` needs a feature that rebuilds half of it; a multiple of 2^16 or 16 below 2^53
/// divides exactly as a float.)
fn unpair() -> [Expr; 3] {
    let m = col("pair") % lit(1u64 << 16);
    let region_scope = (col("pair") - m.clone()) / lit(1u64 << 16);
    let scope = region_scope.clone() % lit(16.0);
    [
        ((region_scope - scope.clone()) / lit(16.0)).cast(DataType::UInt32).alias("code"),
        scope.cast(DataType::UInt32).alias("scope"),
        m.cast(DataType::UInt32).alias("m"),
    ]
}

/// A facts row's scope number (`BodyKind::index`) from its `body_kind`.
fn scope_number() -> Expr {
    let mut e = lit(crate::model::BodyKind::Other.index());
    for k in crate::model::BodyKind::ALL.iter().rev().skip(1) {
        e = when(col("body_kind").eq(lit(k.as_str()))).then(lit(k.index())).otherwise(e);
    }
    e.cast(DataType::UInt32).alias("scope")
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

/// One year's plain sums at the county, prefecture and province levels in scope, from the year's
/// facts or one province's partition of them: columns `lvl, code, scope, m, units, n_reports`, each
/// scope (`BodyKind::index`) summed on its own and never into another, the sums
/// in whole millionths. The
/// nation and the derived ratios are added from these rows by [`super::totals`].
pub fn year_sums(
    facts_dir: &Path,
    year: i32,
    province: Option<&str>,
    opts: &RollupOptions,
) -> Result<DataFrame> {
    let mut facts = read_facts(facts_dir, year, province, opts.region.is_some())?.lazy();
    if let Some(code) = opts.region {
        let s = format!("{code:06}");
        facts = facts.filter(
            col("region_code")
                .eq(lit(s.clone()))
                .or(col("prefecture_code").eq(lit(s.clone())))
                .or(col("province_code").eq(lit(s))),
        );
    }
    let base = harmonize(facts)?
        .select([
            col("region_code").cast(DataType::UInt32).alias("code"),
            scope_number(),
            col("metric"),
            col("value"),
        ])
        .join(metrics_frame()?.lazy(), [col("metric")], [col("metric")], JoinArgs::new(JoinType::Inner))
        // Several bodies of one region and scope add up; null cells count as 0; n_reports counts every report
        // that gave the cell.
        .group_by([pair(col("code"))])
        .agg([units(col("value").fill_null(lit(0.0))).sum().alias("value"), int(len()).alias("n_reports")])
        .with_columns(unpair())
        .join(hierarchy_frame()?.lazy(), [col("code")], [col("code")], JoinArgs::new(JoinType::Inner))
        .collect()?
        .lazy();
    let at = |lvl: u32, code: Expr, filter: Option<Expr>| {
        let mut lf = base.clone();
        if let Some(f) = filter {
            lf = lf.filter(f);
        }
        lf.group_by([pair(code)])
            .agg([col("value").sum(), col("n_reports").sum()])
            .with_columns(unpair())
            .select([
                u32_lit(lvl).alias("lvl"),
                col("code"),
                col("scope"),
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
                col("scope"),
                col("m"),
                col("value"),
                col("n_reports"),
            ]),
            "prefecture" => at(1, col("pref"), Some(col("pref").is_not_null())),
            "province" => at(2, col("prov"), None),
            _ => continue,
        });
    }
    Ok(concat(frames, UnionArgs::default())?.rename(["value"], ["units"], true).collect()?)
}

/// The facts columns the rollup reads.
const FACT_COLUMNS: [&str; 5] = ["region_code", "body", "body_kind", "metric", "value"];
/// And those that `--region` filters on.
const REGION_COLUMNS: [&str; 2] = ["prefecture_code", "province_code"];

/// One year's facts (or one province's partition of them), the columns the rollup reads, read with
/// the `parquet` crate the store writes with. (Polars' own Parquet reader, its `parquet` feature,
/// brought in an async runtime, an HTTP client and cloud storage crates xxgk never uses: a third of
/// the crates of a first build.)
fn read_facts(
    facts_dir: &Path,
    year: i32,
    province: Option<&str>,
    region_columns: bool,
) -> Result<DataFrame> {
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{DataType as ArrowType, Float64Type};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use parquet::arrow::ProjectionMask;

    let dir = facts_dir.join(format!("year={year}"));
    let files: Vec<std::path::PathBuf> = match province {
        Some(p) => vec![dir.join(format!("part-{p}.parquet"))],
        None => crate::store::dict_read::parquet_files(&dir)?,
    };
    let names: Vec<&str> = if region_columns {
        FACT_COLUMNS.iter().chain(&REGION_COLUMNS).copied().collect()
    } else {
        FACT_COLUMNS.to_vec()
    };
    let text_names: Vec<&str> = names.iter().copied().filter(|n| *n != "value").collect();
    let mut text: Vec<StringChunkedBuilder> =
        text_names.iter().map(|n| StringChunkedBuilder::new(PlSmallStr::from_str(n), 0)).collect();
    let mut value: Vec<Option<f64>> = Vec::new();
    let failed = |path: &Path| {
        let path = path.to_path_buf();
        move |source| Error::ReadParquet { path, source }
    };
    for path in &files {
        let file = std::fs::File::open(path).at(path)?;
        let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(failed(path))?;
        let mask = ProjectionMask::columns(builder.parquet_schema(), names.iter().copied());
        for batch in builder.with_projection(mask).build().map_err(failed(path))? {
            let batch = batch?;
            let column = |name: &str| {
                batch.column_by_name(name).cloned().ok_or_else(|| Error::ReadParquet {
                    path: path.clone(),
                    source: parquet::errors::ParquetError::General(format!(
                        "no column {name} (expected the facts columns {})",
                        names.join(", ")
                    )),
                })
            };
            for (b, name) in text.iter_mut().zip(&text_names) {
                let strings = arrow::compute::cast(&column(name)?, &ArrowType::Utf8)?;
                for v in strings.as_string::<i32>() {
                    b.append_option(v);
                }
            }
            let values = arrow::compute::cast(&column("value")?, &ArrowType::Float64)?;
            let values = values.as_primitive::<Float64Type>();
            value.extend((0..values.len()).map(|i| values.is_valid(i).then(|| values.value(i))));
        }
    }
    let mut columns: Vec<Column> = text.into_iter().map(|b| b.finish().into_series().into()).collect();
    columns.push(Series::new(PlSmallStr::from_static("value"), value).into());
    Ok(DataFrame::new_infer_height(columns)?)
}

/// Each report's cells, plus the harmonized cells its format computes from them (see
/// [`crate::reference::catalog::harmonized`]): a 2021 report's three （六） sub-rows also count, summed, as
/// `requests.other_total.*`; a 2019 report's 规范性文件 本年新制作数量 as `normative_docs.issued`. One
/// row per report and harmonized cell, so `n_reports` still counts reports. Columns `region_code,
/// body_kind, metric, value`.
fn harmonize(facts: LazyFrame) -> Result<LazyFrame> {
    let facts =
        facts.select([col("region_code"), col("body"), col("body_kind"), col("metric"), col("value")]);
    let derived = facts
        .clone()
        .join(derivations_frame()?.lazy(), [col("metric")], [col("source")], JoinArgs::new(JoinType::Inner))
        .group_by([col("region_code"), col("body"), col("body_kind"), col("target")])
        // Null counts as 0, as everywhere in the rollup.
        .agg([col("value").fill_null(lit(0.0)).sum().alias("value")])
        .select([col("region_code"), col("body_kind"), col("target").alias("metric"), col("value")]);
    let own = facts.select([col("region_code"), col("body_kind"), col("metric"), col("value")]);
    Ok(concat([own, derived], UnionArgs::default())?)
}
