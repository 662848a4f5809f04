//! Checks on a single row's fields: region code and name, year, metric id, value. A failed check
//! rejects the row it is on.

use crate::model::{BodyKind, Rule};
use crate::reference::catalog::{Format, Kind, Metric};
use crate::reference::regions::{regions, CodeProblem, Region};
use crate::reference::value::{parse_value, parse_year, trim_blank, ValueProblem};

/// What is wrong with one field, before it is placed at a file, line and column.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldProblem {
    pub rule: Rule,
    pub expected: String,
    pub actual: String,
    pub message: String,
}

fn problem(rule: Rule, expected: impl Into<String>, actual: &str, message: String) -> FieldProblem {
    FieldProblem { rule, expected: expected.into(), actual: elide(actual).into_owned(), message }
}

/// Characters of a value kept in messages; a 10 MB field must not become a 10 MB finding (the
/// rejected row keeps it whole).
const SHOWN_CHARS: usize = 32;

/// `raw` as messages show it: whole if short, else its start and its length.
pub fn elide(raw: &str) -> std::borrow::Cow<'_, str> {
    match raw.char_indices().nth(SHOWN_CHARS) {
        None => std::borrow::Cow::Borrowed(raw),
        Some((cut, _)) => {
            std::borrow::Cow::Owned(format!("{}…（共 {} 个字符）", &raw[..cut], raw.chars().count()))
        }
    }
}

/// The first report year xxgk reads: the 2019 format (国办公开办函〔2019〕60号) took effect with it.
pub const FIRST_YEAR: i32 = 2019;

pub fn check_region(raw_code: &str, raw_name: Option<&str>) -> Result<&'static Region, FieldProblem> {
    // Messages are built only for a field that fails: these checks run once per cell.
    let region = regions().lookup(raw_code).map_err(|p| {
        let shown = elide(raw_code);
        match p {
            CodeProblem::Malformed => problem(
                Rule::MalformedRegionCode,
                "6 位数字的行政区划代码，如 653128",
                raw_code,
                format!("行政区划代码 “{shown}” 不是 6 位数字（region code must be six digits）"),
            ),
            CodeProblem::Unknown => problem(
                Rule::UnknownRegion,
                "民政部 2024 年行政区划代码表中的代码",
                raw_code,
                format!(
                    "行政区划代码 {} 不在民政部 2024 年代码表中（unknown region code）",
                    trim_blank(&shown)
                ),
            ),
        }
    })?;
    if let Some(name) = raw_name.map(trim_blank).filter(|n| !n.is_empty()) {
        if name != region.name {
            return Err(problem(
                Rule::RegionNameMismatch,
                region.name.clone(),
                name,
                format!(
                    "地区名称 “{}” 与代码 {} 不符，该代码是 “{}”（region name contradicts the code）",
                    elide(name),
                    region.code_str(),
                    region.name
                ),
            ));
        }
    }
    Ok(region)
}

pub fn check_year(raw: &str, max_year: i32) -> Result<i32, FieldProblem> {
    let range = || format!("{FIRST_YEAR}–{max_year}");
    let year = parse_year(raw).ok_or_else(|| {
        problem(
            Rule::BadYear,
            format!("四位年份 {}", range()),
            raw,
            format!("年度 “{}” 不是四位年份（year is not a year）", elide(raw)),
        )
    })?;
    if !(FIRST_YEAR..=max_year).contains(&year) {
        let range = range();
        return Err(problem(
            Rule::YearOutOfRange,
            range.clone(),
            raw,
            format!("年度 {year} 不在 {range} 之间：2019 年格式自 2019 年度报告起施行，且不能晚于今年（year out of range）"),
        ));
    }
    Ok(year)
}

pub fn check_metric(raw: &str) -> Result<usize, FieldProblem> {
    let trimmed = trim_blank(raw);
    if let Some(m) = crate::stages::ingest::layout::resolve_metric(trimmed) {
        return Ok(m);
    }
    // A Chinese label in the `metric` column, as in a header (`行政许可`, `本年新收-自然人`).
    match crate::stages::ingest::aliases::meaning(trimmed) {
        crate::stages::ingest::aliases::HeaderMeaning::Metric(m) => return Ok(m),
        crate::stages::ingest::aliases::HeaderMeaning::Ambiguous(c) => {
            let ids: Vec<&str> =
                c.iter().map(|&i| crate::reference::catalog::catalog().metric(i).id.as_str()).collect();
            return Err(problem(
                Rule::AmbiguousHeader,
                "只对应一个指标的编号或完整标签",
                raw,
                format!("指标 “{}” 可对应多个指标：{}（ambiguous metric label）", elide(raw), ids.join("、")),
            ));
        }
        _ => {}
    }
    crate::stages::ingest::layout::resolve_metric(trimmed).ok_or_else(|| {
        let shown = elide(raw);
        problem(
            Rule::UnknownMetric,
            "2019 年或 2021 年格式的指标编号（xxgk metrics --format 2019|2021 可列出）",
            raw,
            format!("指标编号 “{shown}” 不在 2019 年格式或 2021 年格式中（unknown metric id）"),
        )
    })
}

/// The optional `format` column: `2019`, `2021`, or blank (then the metric ids or the year decide).
pub fn check_format(raw: &str) -> Result<Option<Format>, FieldProblem> {
    let trimmed = trim_blank(raw);
    if crate::reference::value::is_null_mark(trimmed) {
        return Ok(None);
    }
    Format::parse(trimmed).map(Some).ok_or_else(|| {
        problem(
            Rule::BadFormat,
            "2019 或 2021（或留空）",
            raw,
            format!("格式 “{}” 不是 2019 或 2021（format must be 2019 or 2021）", elide(trimmed)),
        )
    })
}

/// The optional `body_kind` column: one of the four kinds (or its Chinese label), or blank (then
/// the body's name decides, `model::scope`).
pub fn check_body_kind(raw: &str) -> Result<Option<BodyKind>, FieldProblem> {
    let trimmed = trim_blank(raw);
    if crate::reference::value::is_null_mark(trimmed) {
        return Ok(None);
    }
    BodyKind::parse(trimmed).map(Some).ok_or_else(|| {
        problem(
            Rule::BadBodyKind,
            "government、department、township、other（政府、部门、乡镇、其他）或留空",
            raw,
            format!(
                "报告主体类型 “{}” 不是 government（政府）、department（部门）、township（乡镇街道）、other（其他）之一（unknown body_kind）",
                elide(trimmed)
            ),
        )
    })
}

/// Units a number may be written with (`88.5万元`, `5件`); longest first.
const VALUE_UNITS: [&str; 9] = ["万元", "亿元", "千元", "元", "件", "项", "个", "条", "次"];

/// `88.5万元` → (`88.5`, Some(`万元`)): a known unit written after a number, split off.
fn split_unit(raw: &str) -> (&str, Option<&'static str>) {
    let t = trim_blank(raw);
    for u in VALUE_UNITS {
        if let Some(stem) = t.strip_suffix(u) {
            let stem = trim_blank(stem);
            if stem.chars().last().is_some_and(|c| c.is_ascii_digit() || ('０'..='９').contains(&c)) {
                return (stem, Some(u));
            }
        }
    }
    (raw, None)
}

pub fn check_value(raw: &str, metric: &Metric) -> Result<Option<f64>, FieldProblem> {
    // One value grammar for CSV, workbooks and reports: the metric's own unit after the number is
    // read; another unit is refused, never converted behind the analyst's back.
    let raw = match split_unit(raw) {
        (stem, Some(u)) if u == metric.unit => stem,
        (_, Some(u)) => {
            return Err(problem(
                Rule::WrongUnit,
                format!("单位 {}（或不写单位）", metric.unit),
                raw,
                format!(
                    "{}：“{}” 的单位是 {u}，该指标的单位是 {}（wrong unit; write the number in {} or without a unit）",
                    metric.label_zh(),
                    elide(raw),
                    metric.unit,
                    metric.unit
                ),
            ))
        }
        (r, None) => r,
    };
    parse_value(raw, metric.kind).map_err(|p| {
        let (label, shown) = (metric.label_zh(), elide(raw));
        match p {
            ValueProblem::NotANumber => problem(
                Rule::NotANumber,
                match metric.kind {
                    Kind::Amount if metric.unit == "万元" => "数字（万元，可带小数）或空白",
                    Kind::Amount => "数字（可带小数）或空白",
                    Kind::Change => "整数（可为负，如 -8、减少8）或空白",
                    Kind::Count => "非负整数或空白",
                },
                raw,
                format!("{label}：“{shown}” 不是数字（not a number; blank, -, —, / mean not reported）"),
            ),
            ValueProblem::Negative(v) => problem(
                Rule::NegativeValue,
                ">= 0",
                raw,
                format!("{label}：数值 {v} 为负数（negative value）"),
            ),
            ValueProblem::NonInteger(v) => problem(
                Rule::NonIntegerCount,
                "整数件数",
                raw,
                format!("{label}：件数 {v} 不是整数（counts are whole numbers）"),
            ),
            ValueProblem::TooLarge => problem(
                Rule::NumberTooLarge,
                "不超过 15 位的数字",
                raw,
                format!("{label}：“{shown}” 超过 15 位（number too large to store exactly）"),
            ),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::catalog::catalog;

    #[test]
    fn the_metrics_own_unit_is_read_another_is_refused() {
        let fee = catalog().get("fees.amount").unwrap();
        assert_eq!(check_value("88.5万元", fee), Ok(Some(88.5)));
        assert_eq!(check_value(" 88.5 万元 ", fee), Ok(Some(88.5)));
        let e = check_value("885000元", fee).unwrap_err();
        assert_eq!(e.rule, Rule::WrongUnit);
        assert!(e.message.contains("元") && e.message.contains("万元"), "{}", e.message);
        let count = catalog().get("licensing.decisions").unwrap();
        assert_eq!(check_value("5件", count), Ok(Some(5.0)));
        assert_eq!(check_value("5万元", count).unwrap_err().rule, Rule::WrongUnit);
        assert_eq!(check_value("件", count).unwrap_err().rule, Rule::NotANumber);
    }

    #[test]
    fn region_checks() {
        assert_eq!(check_region("653128", Some("岳普湖县")).unwrap().code, 653128);
        assert_eq!(check_region("653128", Some("")).unwrap().code, 653128);
        assert_eq!(check_region("65312", None).unwrap_err().rule, Rule::MalformedRegionCode);
        assert_eq!(check_region("653199", None).unwrap_err().rule, Rule::UnknownRegion);
        let e = check_region("653128", Some("伽师县")).unwrap_err();
        assert_eq!(e.rule, Rule::RegionNameMismatch);
        assert_eq!(e.expected, "岳普湖县");
    }

    #[test]
    fn year_checks() {
        assert_eq!(check_year("2023", 2026), Ok(2023));
        assert_eq!(check_year("2019", 2026), Ok(2019));
        assert_eq!(check_year("2018", 2026).unwrap_err().rule, Rule::YearOutOfRange);
        assert_eq!(check_year("2027", 2026).unwrap_err().rule, Rule::YearOutOfRange);
        assert_eq!(check_year("二〇二三", 2026).unwrap_err().rule, Rule::BadYear);
    }

    #[test]
    fn value_checks_name_the_cell() {
        let m = catalog().get("licensing.decisions").unwrap();
        let e = check_value("12.5", m).unwrap_err();
        assert_eq!(e.rule, Rule::NonIntegerCount);
        assert!(e.message.contains("行政许可"), "{}", e.message);
        assert_eq!(check_value("-1", m).unwrap_err().rule, Rule::NegativeValue);
        assert_eq!(check_value("x", m).unwrap_err().rule, Rule::NotANumber);
        assert_eq!(check_metric("no.such").unwrap_err().rule, Rule::UnknownMetric);
        let change = catalog().get("licensing.items_change").unwrap();
        assert_eq!(check_value("减少8", change), Ok(Some(-8.0)));
    }

    #[test]
    fn format_checks() {
        assert_eq!(check_format("2019"), Ok(Some(Format::F2019)));
        assert_eq!(check_format(" 2021年 "), Ok(Some(Format::F2021)));
        assert_eq!(check_format(""), Ok(None));
        let e = check_format("2020").unwrap_err();
        assert_eq!((e.rule, e.actual.as_str()), (Rule::BadFormat, "2020"));
    }
}
