//! What a report's numbers cover: its body's kind (`body_kind`), from the body's name read
//! together with its region's names.
//!
//! Every body bound by the 政府信息公开条例 publishes its own 年度报告: a county's 人民政府 (whose
//! report usually counts the whole county), each of its 20–40 departments and each township. Summed
//! together they count the same 行政许可 twice or more, so the rollup sums each kind on its own
//! (`scope`), and never one into another. The kinds:
//!
//! - `government`: the region's own 人民政府, 行政公署 (地区), 管委会 of a zone that stands for the
//!   region (平潭综合实验区管理委员会 under 350128 平潭县), or no body at all (the region's report).
//! - `township`: 乡/镇/苏木 人民政府, 街道办事处, 街道. A township may carry its county's name
//!   (岳普湖镇人民政府 in 岳普湖县): it is read as a township because the name goes on with 镇, not
//!   with the county's full name.
//! - `department`: 局, 委员会, 办公室, 中心, 厅, 队, 站, … of the region.
//! - `other`: schools, hospitals, companies, residents' committees, and a government's report filed
//!   under a region below it (喀什地区行政公署 under 岳普湖县; `W075` says so).
//!
//! The 人民政府办公室 (办公厅): it is a department, publishes its own report as one, and often also
//! publishes the government's report for it. A body named 岳普湖县人民政府办公室 is read as a
//! department: if that row is really the government's report, the `body_kind` column says
//! `government`. The other way round would be worse: a department report read as the government's
//! adds silently into the county total, where a government report read as a department's shows in
//! `coverage` and `missing.csv` as a county without a government report, which someone will check.
//!
//! An input column `body_kind` overrides the rule (`government`, `department`, `township`, `other`,
//! or 政府, 部门, 乡镇/街道, 其他).

use crate::reference::regions::{regions, Region};
use std::collections::HashMap;
use std::sync::OnceLock;

/// What a report's body is, and so which `scope` its numbers are summed in.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub enum BodyKind {
    #[default]
    Government,
    Department,
    Township,
    Other,
}

impl BodyKind {
    pub const ALL: [BodyKind; 4] =
        [BodyKind::Government, BodyKind::Department, BodyKind::Township, BodyKind::Other];

    pub fn as_str(self) -> &'static str {
        match self {
            BodyKind::Government => "government",
            BodyKind::Department => "department",
            BodyKind::Township => "township",
            BodyKind::Other => "other",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BodyKind::Government => "政府",
            BodyKind::Department => "部门",
            BodyKind::Township => "乡镇（街道）",
            BodyKind::Other => "其他",
        }
    }

    /// The number the rollup keys rows by (0 = government).
    pub fn index(self) -> u32 {
        self as u32
    }

    pub fn from_index(i: u32) -> Option<BodyKind> {
        BodyKind::ALL.get(i as usize).copied()
    }

    /// A `body_kind` cell: the English id (any case) or the Chinese label. `None` when it is
    /// neither.
    pub fn parse(raw: &str) -> Option<BodyKind> {
        let t = raw.trim();
        let kind = match t.to_ascii_lowercase().as_str() {
            "government" => BodyKind::Government,
            "department" => BodyKind::Department,
            "township" => BodyKind::Township,
            "other" => BodyKind::Other,
            _ => match t {
                "政府" | "人民政府" => BodyKind::Government,
                "部门" => BodyKind::Department,
                "乡镇" | "街道" | "乡镇（街道）" | "乡镇(街道)" | "乡镇街道" => {
                    BodyKind::Township
                }
                "其他" => BodyKind::Other,
                _ => return None,
            },
        };
        Some(kind)
    }
}

/// What stands for a region's own government after its name.
const GOVERNMENT: [&str; 8] = [
    "人民政府",
    "政府",
    "行政公署",
    "行署",
    "管理委员会",
    "管委会",
    "人民政府（行政公署）",
    "人民政府(行政公署)",
];

/// How a township's body name ends.
const TOWNSHIP: [&str; 10] = [
    "乡人民政府",
    "镇人民政府",
    "苏木人民政府",
    "乡政府",
    "镇政府",
    "苏木政府",
    "街道办事处",
    "街道办",
    "街道",
    "街道工作委员会",
];

/// Zones whose 管委会 governs a county's territory in its place.
const ZONES: [&str; 6] = ["综合实验区", "新区", "开发区", "示范区", "实验区", "高新区"];

/// Bodies that are not government bodies, checked before the department markers (a 村民委员会 is
/// not a department).
const OTHER: [&str; 14] = [
    "学校",
    "中学",
    "小学",
    "幼儿园",
    "大学",
    "学院",
    "医院",
    "卫生院",
    "公司",
    "集团",
    "银行",
    "村民委员会",
    "居民委员会",
    "社区",
];

/// Words a department's name ends with or holds.
const DEPARTMENT: [&str; 17] = [
    "局",
    "委员会",
    "委",
    "办公室",
    "办公厅",
    "办",
    "中心",
    "厅",
    "院",
    "所",
    "队",
    "站",
    "处",
    "署",
    "部",
    "馆",
    "会",
];

/// Names too generic to say a body names a region (城区, 矿区, 郊区 are also districts' names).
const GENERIC: [&str; 3] = ["城区", "矿区", "郊区"];

/// The region's name without its level's word: 平潭县 → 平潭, 喀什地区 → 喀什.
fn stem(name: &str) -> &str {
    for suffix in ["自治县", "自治旗", "自治州", "地区", "县", "市", "区", "旗", "盟", "州"]
    {
        if let Some(s) = name.strip_suffix(suffix) {
            if s.chars().count() >= 2 {
                return s;
            }
        }
    }
    name
}

/// `body` with the names of `region` and its ancestors taken off its start (新疆维吾尔自治区喀什地区
/// 岳普湖县教育局 → 教育局), and the last region taken off (none when nothing was).
fn strip_chain<'a>(body: &'a str, region: &Region) -> (&'a str, Option<&'static Region>) {
    let chain: Vec<&'static Region> = regions().chain(region.code).collect();
    let mut rest = body;
    let mut last = None;
    'outer: loop {
        // Ancestors first: a province's name is written before its prefecture's.
        for r in chain.iter().rev() {
            if let Some(s) = rest.strip_prefix(r.name.as_str()) {
                rest = s;
                last = Some(*r);
                continue 'outer;
            }
        }
        break;
    }
    (rest, last)
}

/// What is left of a body's name after its region's names says "the government": 人民政府, or
/// the level's word before it as in 县政府 or 地区行署 (the region's own, written short).
fn is_government(rest: &str) -> bool {
    let rest = ["自治县", "自治旗", "自治州", "地区", "县", "市", "区", "旗", "盟", "州"]
        .iter()
        .find_map(|w| rest.strip_prefix(w).filter(|r| GOVERNMENT.contains(r)))
        .unwrap_or(rest);
    GOVERNMENT.contains(&rest)
}

/// The kind of `body` reporting for `region`, by its name (see the module's documentation).
pub fn classify(body: &str, region: &Region) -> BodyKind {
    let body = crate::reference::value::trim_blank(body);
    if body.is_empty() {
        return BodyKind::Government;
    }
    let (rest, last) = strip_chain(body, region);
    if rest.is_empty() || is_government(rest) {
        return match last {
            Some(r) if r.code != region.code => BodyKind::Other,
            _ => BodyKind::Government,
        };
    }
    if last.is_none() {
        // 平潭综合实验区管理委员会 under 平潭县; 岳普湖县政府 written with the county's stem alone is
        // not a case: 岳普湖县 is a prefix, handled above.
        let s = stem(&region.name);
        if let Some(zone) = body.strip_prefix(s) {
            if ["管理委员会", "管委会"].iter().any(|g| zone.ends_with(g))
                && ZONES.iter().any(|z| zone.contains(z))
                && !zone.contains('县')
            {
                return BodyKind::Government;
            }
        }
    }
    if TOWNSHIP.iter().any(|t| rest.ends_with(t) && rest.len() > t.len()) {
        return BodyKind::Township;
    }
    if OTHER.iter().any(|o| rest.contains(o)) {
        return BodyKind::Other;
    }
    if DEPARTMENT.iter().any(|d| rest.contains(d)) {
        return BodyKind::Department;
    }
    BodyKind::Other
}

/// Whether `body` is the region's own government office (人民政府办公室, 办公厅, 行政公署办公室),
/// which often publishes the government's report for it (see the module's documentation).
pub fn is_government_office(body: &str, region: &Region) -> bool {
    let (rest, last) = strip_chain(crate::reference::value::trim_blank(body), region);
    let own = last.is_none_or(|r| r.code == region.code);
    own && ["人民政府办公室", "政府办公室", "人民政府办公厅", "政府办公厅", "行政公署办公室", "行署办公室"]
        .contains(&rest)
}

fn names() -> &'static HashMap<&'static str, Vec<u32>> {
    static NAMES: OnceLock<HashMap<&'static str, Vec<u32>>> = OnceLock::new();
    NAMES.get_or_init(|| {
        let mut m: HashMap<&'static str, Vec<u32>> = HashMap::new();
        for r in regions().iter().filter(|r| !GENERIC.contains(&r.name.as_str())) {
            m.entry(r.name.as_str()).or_default().push(r.code);
        }
        m
    })
}

/// Another region `body` names than `region`, its ancestors and what lies inside it: the longest
/// division name its start holds after `region`'s own names (伽师县教育局 under 岳普湖县 → 伽师县),
/// or the ancestor whose government it is (喀什地区行政公署 under 岳普湖县 → 喀什地区).
pub fn foreign_region(body: &str, region: &Region) -> Option<&'static Region> {
    let body = crate::reference::value::trim_blank(body);
    let (rest, last) = strip_chain(body, region);
    if let Some(r) = last {
        if r.code != region.code && (rest.is_empty() || is_government(rest)) {
            return Some(r);
        }
    }
    let table = regions();
    let mut found = None;
    for (cut, c) in rest.char_indices().skip(1).take(16) {
        let _ = c;
        let prefix = &rest[..cut];
        if let Some(codes) = names().get(prefix) {
            found = Some(codes);
        }
    }
    // The whole rest can be a name too (a body that is only a region's name).
    if let Some(codes) = names().get(rest) {
        found = Some(codes);
    }
    let codes = found?;
    let related = |c: u32| {
        table.chain(c).any(|r| r.code == region.code) || table.chain(region.code).any(|r| r.code == c)
    };
    if codes.iter().any(|&c| related(c)) {
        return None;
    }
    codes.first().and_then(|&c| table.get(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(body: &str, code: u32) -> BodyKind {
        classify(body, regions().get(code).unwrap())
    }

    #[test]
    fn governments() {
        for (body, code) in [
            ("", 653128),
            ("岳普湖县人民政府", 653128),
            ("岳普湖县政府", 653128),
            ("县政府", 653128),
            ("县人民政府", 653128),
            ("行署", 653100),
            ("新疆维吾尔自治区喀什地区岳普湖县人民政府", 653128),
            ("喀什地区行政公署", 653100),
            ("喀什地区行署", 653100),
            ("北京市东城区人民政府", 110101),
            ("东城区人民政府", 110101),
            ("北京市人民政府", 110000),
            ("新疆维吾尔自治区人民政府", 650000),
            ("平潭综合实验区管理委员会", 350128),
            ("平潭综合实验区管委会", 350128),
            ("喀什市人民政府", 653101),
        ] {
            assert_eq!(kind(body, code), BodyKind::Government, "{body}");
        }
    }

    #[test]
    fn townships_even_with_the_county_name() {
        for (body, code) in [
            ("岳普湖镇人民政府", 653128),
            ("岳普湖县岳普湖镇人民政府", 653128),
            ("巴仁乡人民政府", 653128),
            ("铁力木乡人民政府", 653128),
            ("北京市东城区东华门街道办事处", 110101),
            ("东华门街道", 110101),
            ("巴彦木仁苏木人民政府", 152921),
            ("喀什市恰萨街道办事处", 653101),
        ] {
            assert_eq!(kind(body, code), BodyKind::Township, "{body}");
        }
    }

    #[test]
    fn departments_including_the_government_office() {
        for (body, code) in [
            ("岳普湖县教育局", 653128),
            ("岳普湖县卫生健康委员会", 653128),
            ("岳普湖县市场监督管理局", 653128),
            ("岳普湖县人民政府办公室", 653128),
            ("岳普湖县融媒体中心", 653128),
            ("新疆维吾尔自治区人民政府办公厅", 650000),
            ("喀什地区行政公署办公室", 653100),
            ("北京市东城区发展和改革委员会", 110101),
            ("岳普湖县公安局交通警察大队", 653128),
            ("岳普湖县工业园区管理委员会", 653128),
        ] {
            assert_eq!(kind(body, code), BodyKind::Department, "{body}");
        }
    }

    #[test]
    fn government_offices_are_told() {
        let r = |c| regions().get(c).unwrap();
        assert!(is_government_office("岳普湖县人民政府办公室", r(653128)));
        assert!(is_government_office("新疆维吾尔自治区人民政府办公厅", r(650000)));
        assert!(!is_government_office("岳普湖县教育局", r(653128)));
        assert!(!is_government_office("伽师县人民政府办公室", r(653128)));
    }

    #[test]
    fn others() {
        for (body, code) in [
            ("岳普湖县第一中学", 653128),
            ("国网岳普湖县供电公司", 653128),
            ("岳普湖县人民医院", 653128),
            // A prefecture's government under one of its counties' codes.
            ("喀什地区行政公署", 653128),
        ] {
            assert_eq!(kind(body, code), BodyKind::Other, "{body}");
        }
    }

    #[test]
    fn foreign_names_are_found_and_own_ones_are_not() {
        let r = |c| regions().get(c).unwrap();
        assert_eq!(foreign_region("伽师县教育局", r(653128)).map(|x| x.code), Some(653129));
        assert_eq!(foreign_region("喀什市人民政府", r(653128)).map(|x| x.code), Some(653101));
        assert_eq!(foreign_region("喀什地区行政公署", r(653128)).map(|x| x.code), Some(653100));
        for own in ["岳普湖县教育局", "岳普湖镇人民政府", "喀什地区岳普湖县人民政府", "", "巴仁乡人民政府"]
        {
            assert_eq!(foreign_region(own, r(653128)).map(|x| x.code), None, "{own}");
        }
        // A county's body under its prefecture is inside it, not foreign.
        assert_eq!(foreign_region("喀什市教育局", r(653100)).map(|x| x.code), None);
        // 朝阳区 is in 北京 and 长春: one of them is the region itself.
        assert_eq!(foreign_region("朝阳区教育委员会", r(110105)).map(|x| x.code), None);
    }

    #[test]
    fn the_column_takes_ids_and_labels() {
        assert_eq!(BodyKind::parse(" Department "), Some(BodyKind::Department));
        assert_eq!(BodyKind::parse("乡镇"), Some(BodyKind::Township));
        assert_eq!(BodyKind::parse("政府"), Some(BodyKind::Government));
        assert_eq!(BodyKind::parse("county"), None);
        for k in BodyKind::ALL {
            assert_eq!(BodyKind::from_index(k.index()), Some(k));
            assert_eq!(BodyKind::parse(k.as_str()), Some(k));
        }
    }
}
