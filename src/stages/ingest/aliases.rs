//! Column headers as people write them. Analysts' summary sheets (汇总表) head their columns in
//! Chinese: the key columns by their usual names (行政区划代码, 地区, 年份, 填报单位) and the metric
//! columns by the label the official table prints (`xxgk metrics` shows it) or a short form of it
//! (`行政许可`, `收费金额`, `本年新收-自然人`, `（七）总计/总计`). This module turns every such
//! header into the id it stands for.
//!
//! Headers are compared by the report extractor's label key (`extract::label_key`: full-width forms
//! and traditional characters folded, spaces and punctuation dropped), so `（七）总计/总计`,
//! `(七)总计 总计` and `七总计总计` are one header. A unit written after a label (`行政事业性收费（万元）`)
//! is dropped before matching when it is the metric's own unit.
//!
//! The aliases of one metric come from each format's label of it: the whole label path, the row's
//! last label with and without its numbering, the request rows without `政府信息公开申请数量`, each
//! combined with the whole column label and its last part; and the row label alone for a row of the
//! 主动公开 table that has a single column in that format. A header that matches several metrics is
//! an error that lists them (`E006`): `--columns MAP.csv` settles it.

use crate::reference::catalog::{catalog, Format, Section};
use crate::stages::extract::label_key;
use crate::support::hash::HashMap;
use std::collections::BTreeSet;
use std::sync::OnceLock;

/// What a header names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HeaderMeaning {
    /// A key or bookkeeping column, by its English name (`region_code`, `year`, `label`, `unit`, …).
    Key(&'static str),
    /// A metric, by catalog index.
    Metric(usize),
    /// Several metrics fit: catalog indexes, for the error that lists them.
    Ambiguous(Vec<usize>),
    Unknown,
}

/// The key columns (with the optional `body_kind`) and the columns xxgk's own files carry (the template's `label`, `unit`,
/// `format`; a rejected workbook row's `sheet` and `cell`; `error`), with their Chinese names.
const KEYS: &[(&str, &[&str])] = &[
    ("region_code", &["region_code", "行政区划代码", "区划代码", "地区代码", "行政区划编码"]),
    ("region_name", &["region_name", "地区", "地区名称", "行政区划名称", "区划名称"]),
    ("year", &["year", "年份", "年度", "报告年度"]),
    ("body", &["body", "单位", "填报单位", "机关名称", "报告主体", "单位名称"]),
    ("metric", &["metric", "指标", "指标编号", "指标代码"]),
    ("value", &["value", "数值", "值", "数量"]),
    ("label", &["label", "指标名称", "项目", "名称"]),
    ("unit", &["unit", "计量单位"]),
    ("format", &["format", "格式", "表格格式"]),
    ("body_kind", &["body_kind", "主体类型", "报告主体类型", "单位类型"]),
    ("sheet", &["sheet", "工作表"]),
    ("cell", &["cell", "单元格"]),
    ("error", &["error", "错误"]),
];

/// Units a label may carry after it, in the forms `（万元）`, `(单位：万元)`, `万元`.
const UNITS: &[&str] = &["万元", "件", "项", "个"];

struct Tables {
    keys: HashMap<String, &'static str>,
    metrics: HashMap<String, BTreeSet<usize>>,
}

fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(|| {
        // English names are matched as written (case aside), Chinese ones by label key: folding
        // `metric€€€` to `metric` would read a broken header as a good one.
        let mut keys = HashMap::default();
        for (id, names) in KEYS {
            for n in *names {
                let k = if n.is_ascii() { n.to_lowercase() } else { label_key(n) };
                keys.insert(k, *id);
            }
        }
        let mut metrics: HashMap<String, BTreeSet<usize>> = HashMap::default();
        let c = catalog();
        for m in c.metrics() {
            metrics.entry(m.id.to_lowercase()).or_default().insert(m.index);
            metrics.entry(m.column.to_lowercase()).or_default().insert(m.index);
        }
        // A row label alone: (every cell of the row in either format, the cell of a row that has a
        // single column in some format). The single column wins: `行政许可` is the 2021 row's only
        // cell; `规章` (three columns in each format) fits six metrics.
        let mut rows: HashMap<String, (BTreeSet<usize>, BTreeSet<usize>)> = HashMap::default();
        for format in [Format::F2021, Format::F2019] {
            let form = c.form(format);
            let mut per_row: HashMap<&str, usize> = HashMap::default();
            for cell in &form.cells {
                *per_row.entry(cell.item_zh.as_str()).or_default() += 1;
            }
            for cell in &form.cells {
                let m = c.metric(cell.metric);
                for alias in cell_aliases(&cell.item_zh, &cell.column_zh) {
                    metrics.entry(alias).or_default().insert(m.index);
                }
                for row in row_forms(&cell.item_zh) {
                    let entry = rows.entry(row).or_default();
                    entry.0.insert(m.index);
                    if m.section == Section::Active && per_row[cell.item_zh.as_str()] == 1 {
                        entry.1.insert(m.index);
                    }
                }
            }
        }
        for (row, (all, single)) in rows {
            metrics.entry(row).or_insert(if single.is_empty() { all } else { single });
        }
        // An alias that is also a key column name stays the key column's.
        metrics.retain(|k, _| !keys.contains_key(k) && !k.is_empty());
        Tables { keys, metrics }
    })
}

/// Keys of the row label: the whole path, its last part, that part without numbering, and for the
/// request rows without `政府信息公开申请数量`.
fn row_forms(item: &str) -> Vec<String> {
    let mut out = vec![label_key(item)];
    let last = item.rsplit('/').next().unwrap_or(item);
    let last_key = label_key(last);
    out.push(crate::stages::extract::content_key(&last_key).to_string());
    if let Some(short) = last_key.strip_suffix("政府信息公开申请数量") {
        out.push(crate::stages::extract::content_key(short).to_string());
        out.push(short.to_string());
    }
    // 主动公开 rows keep their 第二十条 path in the catalog; the row name alone is what people write.
    out.push(last_key);
    out.sort();
    out.dedup();
    out
}

fn column_forms(column: &str) -> Vec<String> {
    let mut out = vec![label_key(column)];
    let last = column.rsplit('/').next().unwrap_or(column);
    out.push(label_key(last));
    // `本年收费金额（单位：万元）` → `本年收费金额`, `收费金额`.
    let without_unit = column.split(['（', '(']).next().unwrap_or(column);
    let k = label_key(without_unit);
    if let Some(rest) = k.strip_prefix("本年") {
        out.push(rest.to_string());
    }
    out.push(k);
    out.sort();
    out.dedup();
    out
}

fn cell_aliases(item: &str, column: &str) -> Vec<String> {
    let mut out = Vec::new();
    for r in row_forms(item) {
        for c in column_forms(column) {
            out.push(format!("{r}{c}"));
        }
    }
    // `收费金额` alone: a fee column whose own label names the row.
    if column.contains("收费金额") {
        out.extend(column_forms(column).into_iter().filter(|c| c.contains("收费金额")));
    }
    out
}

/// The header's key, and the same without a trailing unit (`行政事业性收费（万元）`).
fn header_keys(header: &str) -> (String, Option<(String, &'static str)>) {
    let key = label_key(header).to_lowercase();
    for unit in UNITS {
        for prefix in ["单位", ""] {
            let suffix = format!("{prefix}{unit}");
            if let Some(stem) = key.strip_suffix(&suffix) {
                if !stem.is_empty() {
                    return (key.clone(), Some((stem.to_string(), *unit)));
                }
            }
        }
    }
    (key, None)
}

/// `--columns MAP.csv`: headers the analyst has settled, by label key → what they name. Set once per
/// process, before any file is read (the commands do it first); the parse cache's key includes its
/// digest, so a changed map reads every file again.
static COLUMN_MAP: OnceLock<(HashMap<String, HeaderMeaning>, String)> = OnceLock::new();

/// A problem in a `--columns` file: its line, and what is wrong.
#[derive(Debug, thiserror::Error)]
pub enum ColumnMapError {
    #[error("--columns file line {line}: {what}")]
    Line { line: u64, what: String },
    #[error("--columns file: {0}")]
    Csv(#[from] csv::Error),
    #[error("--columns may be given once per run")]
    AlreadySet,
}

/// Read a `--columns` file: CSV with a header row, then `header,metric` rows (the metric by id,
/// `licensing.decisions`, or a key column's name, `region_code`). Every row is checked.
pub fn read_column_map(text: &str) -> Result<HashMap<String, HeaderMeaning>, ColumnMapError> {
    let mut out = HashMap::default();
    let mut failed = None;
    let mut header_seen = false;
    crate::support::records::for_each_record(text.trim_start_matches('\u{FEFF}'), |rec| {
        if !std::mem::replace(&mut header_seen, true) {
            return true;
        }
        match rec
            .map_err(|(e, _)| ColumnMapError::Csv(e))
            .and_then(|(fields, line)| column_map_row(fields, line))
        {
            Ok((key, meaning)) => {
                out.insert(key, meaning);
                true
            }
            Err(e) => {
                failed = Some(e);
                false
            }
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// One `header,metric` row of a `--columns` file, on `line`.
fn column_map_row(rec: &[&str], line: u64) -> Result<(String, HeaderMeaning), ColumnMapError> {
    let (Some(header), Some(target)) = (rec.first(), rec.get(1)) else {
        return Err(ColumnMapError::Line { line, what: "needs two fields: header,metric".into() });
    };
    let key = label_key(header).to_lowercase();
    if key.is_empty() {
        return Err(ColumnMapError::Line { line, what: format!("header {header:?} is empty") });
    }
    let target = target.trim();
    let meaning = if let Some((k, _)) = KEYS.iter().find(|(k, _)| *k == target) {
        HeaderMeaning::Key(k)
    } else if let Some(i) = catalog().index_of(target) {
        HeaderMeaning::Metric(i)
    } else {
        return Err(ColumnMapError::Line {
            line,
            what: format!(
                "{target:?} (for header {header:?}) is neither a metric id (xxgk metrics lists them) nor a key column (region_code, region_name, year, body)"
            ),
        });
    };
    Ok((key, meaning))
}

/// Use `map` for every header read from now on.
pub fn set_column_map(map: HashMap<String, HeaderMeaning>) -> Result<(), ColumnMapError> {
    let mut entries: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v:?}")).collect();
    entries.sort();
    let digest = entries.join(";");
    COLUMN_MAP.set((map, digest)).map_err(|_| ColumnMapError::AlreadySet)
}

/// What the `--columns` map says, for the parse cache's key (empty without one).
pub fn column_map_digest() -> &'static str {
    COLUMN_MAP.get().map(|(_, d)| d.as_str()).unwrap_or("")
}

/// What `header` names. The `--columns` map first; then a metric id or column form, matched
/// exactly (case aside); Chinese labels by their label key.
pub fn meaning(header: &str) -> HeaderMeaning {
    let t = tables();
    let (key, stem) = header_keys(header);
    if let Some(m) = COLUMN_MAP.get().and_then(|(map, _)| map.get(&key)) {
        return m.clone();
    }
    let exact = header.trim().to_lowercase();
    let key_column =
        if exact.is_ascii() { t.keys.get(&exact) } else { t.keys.get(&key).filter(|_| !key.is_ascii()) };
    if let Some(k) = key_column {
        return HeaderMeaning::Key(k);
    }
    let by_label = || t.metrics.get(&key).filter(|_| !key.is_ascii());
    if let Some(set) = t.metrics.get(&exact).or_else(by_label) {
        return one_or_many(set);
    }
    if let Some((stem, unit)) = stem {
        if let Some(set) = t.metrics.get(&stem) {
            // A unit that is not the metric's own leaves the header unknown rather than misread.
            let own: BTreeSet<usize> =
                set.iter().copied().filter(|&i| catalog().metric(i).unit == unit).collect();
            if !own.is_empty() {
                return one_or_many(&own);
            }
        }
    }
    HeaderMeaning::Unknown
}

fn one_or_many(set: &BTreeSet<usize>) -> HeaderMeaning {
    if set.len() == 1 {
        HeaderMeaning::Metric(*set.iter().next().unwrap_or(&0))
    } else {
        HeaderMeaning::Ambiguous(set.iter().copied().collect())
    }
}

/// Every accepted Chinese alias of each metric (catalog index → aliases, sorted), for
/// `xxgk metrics --csv`. An alias several metrics share is left out: it is an error, not a name.
pub fn aliases_by_metric() -> Vec<Vec<String>> {
    let t = tables();
    let mut out = vec![Vec::new(); catalog().len()];
    for (alias, set) in &t.metrics {
        if set.len() == 1 && !alias.is_ascii() {
            let i = *set.iter().next().unwrap_or(&0);
            out[i].push(alias.clone());
        }
    }
    for v in &mut out {
        v.sort();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(h: &str) -> String {
        match meaning(h) {
            HeaderMeaning::Metric(i) => catalog().metric(i).id.clone(),
            other => format!("{other:?}"),
        }
    }

    #[test]
    fn key_columns_in_chinese() {
        assert_eq!(meaning("行政区划代码"), HeaderMeaning::Key("region_code"));
        assert_eq!(meaning(" 区划代码 "), HeaderMeaning::Key("region_code"));
        assert_eq!(meaning("地区名称"), HeaderMeaning::Key("region_name"));
        assert_eq!(meaning("年度"), HeaderMeaning::Key("year"));
        assert_eq!(meaning("填报单位"), HeaderMeaning::Key("body"));
        assert_eq!(meaning("主体类型"), HeaderMeaning::Key("body_kind"));
        assert_eq!(meaning("Unit"), HeaderMeaning::Key("unit"));
    }

    #[test]
    fn metric_columns_by_label_and_short_forms() {
        assert_eq!(id("行政许可"), "licensing.decisions");
        assert_eq!(id("行政许可本年处理决定数量"), "licensing.decisions");
        assert_eq!(id("收费金额"), "fees.amount");
        assert_eq!(id("行政事业性收费（万元）"), "fees.amount");
        assert_eq!(id("行政事业性收费(万元)"), "fees.amount");
        assert_eq!(id("本年新收-自然人"), "requests.received.natural_person");
        assert_eq!(id("（七）总计/总计"), "requests.closed_total.total");
        assert_eq!(id("(七) 总计 总计"), "requests.closed_total.total");
        assert_eq!(id("第二十条第（五）项/行政许可｜本年处理决定数量"), "licensing.decisions");
        assert_eq!(id("fees_amount"), "fees.amount");
        assert_eq!(id("商业企业"), "Unknown");
        // A unit that is not the metric's own: not read as the fee.
        assert_eq!(id("行政事业性收费（件）"), "Unknown");
    }

    #[test]
    fn a_header_that_fits_several_metrics_is_ambiguous() {
        match meaning("规章") {
            HeaderMeaning::Ambiguous(c) => assert_eq!(c.len(), 6, "{c:?}"),
            other => panic!("{other:?}"),
        }
        match meaning("本年新收") {
            HeaderMeaning::Ambiguous(c) => assert_eq!(c.len(), 7, "{c:?}"),
            other => panic!("{other:?}"),
        }
    }
}
