//! Which layout a CSV file uses, read off its header: long (one row per cell) or wide (one row per
//! report, one column per metric id).

use super::aliases::{meaning, HeaderMeaning};
use crate::reference::catalog::catalog;
use crate::support::hash::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Layout {
    /// One row per cell: `metric` and `value` columns.
    Long { metric: usize, value: usize },
    /// One row per report: (column index, catalog index) for every metric column.
    Wide { metrics: Vec<(usize, usize)> },
}

impl Layout {
    pub fn name(&self) -> &'static str {
        match self {
            Layout::Long { .. } => "long",
            Layout::Wide { .. } => "wide",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Header {
    /// Column names as written (trimmed), for messages and the rejected-row files.
    pub names: Vec<String>,
    pub region_code: usize,
    pub year: usize,
    pub region_name: Option<usize>,
    pub body: Option<usize>,
    /// The optional `format` column (`2019`/`2021`).
    pub format: Option<usize>,
    /// The optional `body_kind` column (`government`, `department`, `township`, `other`).
    pub body_kind: Option<usize>,
    pub layout: Layout,
    /// Wide layout: columns that look like metric ids but are not in the catalog.
    pub unknown_metrics: Vec<usize>,
    /// Columns that belong to neither layout; reported once and not read.
    pub ignored: Vec<usize>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderProblem {
    /// 1-based column numbers, and both names as written (they may differ in case).
    Duplicate {
        first_name: String,
        name: String,
        first: usize,
        second: usize,
    },
    Missing {
        missing: Vec<&'static str>,
        found: Vec<String>,
    },
    /// A header that fits several metrics: 1-based column, the name, the candidates' catalog indexes.
    Ambiguous {
        name: String,
        column: usize,
        candidates: Vec<usize>,
    },
}

fn clean(name: &str) -> String {
    name.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}' || c == '\u{3000}').to_string()
}

/// Resolve a header name to a catalog index: the id (`fees.amount`) or its column form (`fees_amount`).
fn metric_lookup() -> &'static HashMap<String, usize> {
    static MAP: std::sync::OnceLock<HashMap<String, usize>> = std::sync::OnceLock::new();
    MAP.get_or_init(|| {
        let mut m = HashMap::default();
        for metric in catalog().metrics() {
            m.insert(metric.id.clone(), metric.index);
            m.insert(metric.column.clone(), metric.index);
        }
        m
    })
}

pub fn resolve_metric(name: &str) -> Option<usize> {
    let lookup = metric_lookup();
    lookup.get(name).copied().or_else(|| lookup.get(&name.to_ascii_lowercase()).copied())
}

pub fn detect<'a>(fields: impl IntoIterator<Item = &'a str>) -> Result<Header, HeaderProblem> {
    let names: Vec<String> = fields.into_iter().map(clean).collect();
    let meanings: Vec<HeaderMeaning> =
        names.iter().map(|n| if n.is_empty() { HeaderMeaning::Unknown } else { meaning(n) }).collect();
    let lower: Vec<String> = names.iter().map(|n| n.to_lowercase()).collect();
    for (i, n) in lower.iter().enumerate() {
        if n.is_empty() {
            continue;
        }
        // The same name twice, or two names for the same column (`year` and `年份`).
        let same = |j: usize| {
            lower[j] == *n
                || match (&meanings[j], &meanings[i]) {
                    (HeaderMeaning::Key(a), HeaderMeaning::Key(b)) => a == b,
                    (HeaderMeaning::Metric(a), HeaderMeaning::Metric(b)) => a == b,
                    _ => false,
                }
        };
        if let Some(j) = (0..i).find(|&j| same(j)) {
            return Err(HeaderProblem::Duplicate {
                first_name: names[j].clone(),
                name: names[i].clone(),
                first: j + 1,
                second: i + 1,
            });
        }
    }
    let find = |want: &str| meanings.iter().position(|m| matches!(m, HeaderMeaning::Key(k) if *k == want));
    let region_code = find("region_code");
    let year = find("year");
    let metric = find("metric");
    let value = find("value");
    let region_name = find("region_name");
    let body = find("body");
    let format = find("format");
    let body_kind = find("body_kind");
    // Columns xxgk's own files carry and never reads: the template's `label` and `unit`, a rejected
    // workbook row's `sheet` and `cell`, and `error`, which `rejected/` files carry (a fixed file is
    // fed back with it still there).
    let own: Vec<usize> = ["label", "unit", "sheet", "cell", crate::model::ERROR_COLUMN]
        .iter()
        .filter_map(|k| find(k))
        .collect();

    let long = metric.is_some() || value.is_some();
    let mut missing = Vec::new();
    if region_code.is_none() {
        missing.push("region_code");
    }
    if year.is_none() {
        missing.push("year");
    }
    let fixed = [region_code, year, region_name, body, format, body_kind];
    let is_fixed = |i: usize| fixed.contains(&Some(i)) || own.contains(&i);
    let mut unknown_metrics = Vec::new();
    let mut ignored = Vec::new();
    let layout = if long {
        if metric.is_none() {
            missing.push("metric");
        }
        if value.is_none() {
            missing.push("value");
        }
        for i in 0..names.len() {
            if !is_fixed(i) && Some(i) != metric && Some(i) != value {
                ignored.push(i);
            }
        }
        Layout::Long { metric: metric.unwrap_or(0), value: value.unwrap_or(0) }
    } else {
        let mut metrics = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if is_fixed(i) {
                continue;
            }
            match &meanings[i] {
                HeaderMeaning::Metric(m) => metrics.push((i, *m)),
                HeaderMeaning::Ambiguous(candidates) => {
                    return Err(HeaderProblem::Ambiguous {
                        name: name.clone(),
                        column: i + 1,
                        candidates: candidates.clone(),
                    })
                }
                _ if name.contains('.') => unknown_metrics.push(i),
                _ => ignored.push(i),
            }
        }
        if metrics.is_empty() {
            missing.push("metric (long layout) or metric-id columns (wide layout)");
            if !long {
                missing.push("value");
            }
        }
        Layout::Wide { metrics }
    };
    if !missing.is_empty() {
        return Err(HeaderProblem::Missing { missing, found: names });
    }
    Ok(Header {
        region_code: region_code.unwrap_or(0),
        year: year.unwrap_or(0),
        region_name,
        body,
        format,
        body_kind,
        layout,
        unknown_metrics,
        ignored,
        names,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_and_wide_are_told_from_the_header() {
        let h = detect(["\u{FEFF}region_code", "year", "metric", "value", "label"]).unwrap();
        assert_eq!(h.layout, Layout::Long { metric: 2, value: 3 });
        assert!(h.ignored.is_empty());
        let h = detect([
            "region_code",
            "region_name",
            "year",
            "licensing.decisions",
            "fees_amount",
            "x.y",
            "note",
        ])
        .unwrap();
        assert_eq!(h.region_name, Some(1));
        let c = catalog();
        assert_eq!(
            h.layout,
            Layout::Wide { metrics: vec![(3, c.known("licensing.decisions")), (4, c.known("fees.amount"))] }
        );
        assert_eq!(h.unknown_metrics, vec![5]);
        assert_eq!(h.ignored, vec![6]);
        let h = detect(["region_code", "year", "Format", "metric", "value"]).unwrap();
        assert_eq!((h.format, h.ignored.len()), (Some(2), 0));
        let h = detect(["region_code", "year", "format", "licensing.items_change"]).unwrap();
        assert_eq!(h.format, Some(2));
        assert_eq!(h.layout, Layout::Wide { metrics: vec![(3, c.known("licensing.items_change"))] });
    }

    #[test]
    fn missing_and_duplicate_columns_are_named() {
        match detect(["region_code", "metric", "value"]) {
            Err(HeaderProblem::Missing { missing, .. }) => assert_eq!(missing, vec!["year"]),
            other => panic!("{other:?}"),
        }
        match detect(["region_code", "year", "Year", "metric", "value"]) {
            Err(HeaderProblem::Duplicate { first, second, .. }) => assert_eq!((first, second), (2, 3)),
            other => panic!("{other:?}"),
        }
    }
}
