//! Small lookup tables the rollup query joins against: metric ids ↔ numbers, and region names and
//! parents (with the nation as code 0, the parent of every province).

use super::indicators::{metric_count, metric_id};
use crate::error::Result;
use crate::regions::{regions, Level};
use polars::prelude::*;

pub const NATIONAL: u32 = 0;
pub const NATIONAL_NAME: &str = "全国";

pub fn metrics_frame() -> Result<DataFrame> {
    let n = metric_count();
    let ids: Vec<&str> = (0..n).map(metric_id).collect();
    let nums: Vec<u32> = (0..n as u32).collect();
    Ok(df!["metric" => ids, "m" => nums]?)
}

pub fn regions_frame() -> Result<DataFrame> {
    let mut codes = vec![NATIONAL];
    let mut names = vec![NATIONAL_NAME.to_string()];
    let mut parents: Vec<Option<u32>> = vec![None];
    for r in regions().iter() {
        codes.push(r.code);
        names.push(r.name.clone());
        parents.push(match r.level {
            Level::Province => Some(NATIONAL),
            _ => r.parent,
        });
    }
    Ok(df!["code" => codes, "region_name" => names, "parent" => parents]?)
}
