//! Region names and parents (with the nation as code 0, the parent of every province), and the
//! strings the rollup's dictionary columns are written from.

use super::indicators::{metric_count, metric_id};
use crate::reference::regions::{regions, Level};

pub const NATIONAL: u32 = 0;
pub const NATIONAL_NAME: &str = "全国";

/// A region's parent: a county's prefecture (or province), a prefecture's province, a province's
/// nation; none for the nation or a code not in the table.
pub fn parent_of(code: u32) -> Option<u32> {
    let r = regions().get(code)?;
    match r.level {
        Level::Province => Some(NATIONAL),
        _ => r.parent,
    }
}

/// Region codes and names as dictionary values, so that millions of rollup rows carry a 4-byte key
/// instead of two strings each.
pub struct RegionStrings {
    index: crate::support::hash::HashMap<u32, i32>,
    pub codes: Vec<String>,
    pub names: Vec<String>,
    pub code_array: std::sync::Arc<arrow::array::StringArray>,
    pub name_array: std::sync::Arc<arrow::array::StringArray>,
    /// Metric and indicator ids by metric number.
    pub metric_array: std::sync::Arc<arrow::array::StringArray>,
    /// Level names by their number (`compute::LEVELS`).
    pub level_array: std::sync::Arc<arrow::array::StringArray>,
    /// Scope names by `BodyKind::index`.
    pub scope_array: std::sync::Arc<arrow::array::StringArray>,
}

impl RegionStrings {
    pub fn new() -> RegionStrings {
        let mut codes = vec!["000000".to_string()];
        let mut names = vec![NATIONAL_NAME.to_string()];
        for r in regions().iter() {
            codes.push(r.code_str());
            names.push(r.name.clone());
        }
        let mut index = crate::support::hash::HashMap::default();
        index.insert(NATIONAL, 0);
        for (i, r) in regions().iter().enumerate() {
            index.insert(r.code, i as i32 + 1);
        }
        let array = |v: &[String]| std::sync::Arc::new(arrow::array::StringArray::from_iter_values(v));
        let metrics: Vec<String> = (0..metric_count()).map(|m| metric_id(m).to_string()).collect();
        RegionStrings {
            index,
            code_array: array(&codes),
            name_array: array(&names),
            metric_array: array(&metrics),
            level_array: array(&super::compute::LEVELS.map(str::to_string)),
            scope_array: array(
                &crate::model::BodyKind::ALL.iter().map(|k| k.as_str().to_string()).collect::<Vec<_>>(),
            ),
            codes,
            names,
        }
    }

    pub fn key(&self, code: u32) -> Option<i32> {
        self.index.get(&code).copied()
    }
}

impl Default for RegionStrings {
    fn default() -> Self {
        Self::new()
    }
}
