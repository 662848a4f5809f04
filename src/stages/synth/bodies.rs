//! Who publishes a county's reports: its government, its departments (教育局, 财政局, …) and its
//! townships (乡, 镇, 街道), each one report a year. Real analysts collect all of them, so the
//! benchmarks and the scope rules need sets with every kind: a county's 20–60 department and
//! township reports make about 90,000 reports a year nationally.
//!
//! Names are realistic and deterministic: departments from a list of the departments a county
//! really has, prefixed by the county's name (岳普湖县教育局); townships invented from common
//! place-name characters (石桥镇, 柳林乡, 东城街道), the kind by the county's (a 区 has mostly 街道,
//! a 县 镇 and 乡, a 旗 also 苏木). Their figures are the county's scaled down: a department handles
//! a share of the county's licensing and requests, a township less.

/// The kind of body that publishes a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum)]
pub enum BodyKind {
    /// The county's 人民政府.
    Government,
    /// A department of the county government (局, 委员会, 办公室).
    Department,
    /// A township (乡/镇/苏木 人民政府, 街道办事处).
    Township,
}

/// Which bodies report in every county.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bodies {
    pub government: bool,
    /// The first `departments` of [`DEPARTMENTS`].
    pub departments: usize,
    pub townships: usize,
}

impl Default for Bodies {
    /// The county governments alone.
    fn default() -> Bodies {
        Bodies { government: true, departments: 0, townships: 0 }
    }
}

/// Department counts when `--bodies department` names no number: with the default townships, 32
/// bodies a county, about 91,000 reports a year for the nation's 2,846 county-level units.
pub const DEFAULT_DEPARTMENTS: usize = 20;
pub const DEFAULT_TOWNSHIPS: usize = 11;
/// Township names are drawn from [`FIRST`] × [`SECOND`]; more than this would look invented.
pub const MAX_TOWNSHIPS: usize = 80;

/// County departments, the ones nearly every county has first.
pub const DEPARTMENTS: &[&str] = &[
    "教育局",
    "财政局",
    "自然资源局",
    "住房和城乡建设局",
    "市场监督管理局",
    "卫生健康委员会",
    "公安局",
    "民政局",
    "司法局",
    "人力资源和社会保障局",
    "交通运输局",
    "水利局",
    "农业农村局",
    "商务局",
    "文化和旅游局",
    "应急管理局",
    "审计局",
    "统计局",
    "医疗保障局",
    "退役军人事务局",
    "发展和改革委员会",
    "科学技术局",
    "工业和信息化局",
    "行政审批服务局",
    "城市管理局",
    "林业局",
    "乡村振兴局",
    "粮食和物资储备局",
    "民族宗教事务局",
    "信访局",
    "人民防空办公室",
    "地方金融监督管理局",
    "体育局",
    "档案局",
    "机关事务管理局",
    "能源局",
    "投资促进局",
    "数据资源管理局",
    "政务服务管理局",
    "综合行政执法局",
    "供销合作社联合社",
    "住房公积金管理中心",
];

/// First and second characters of invented township names.
const FIRST: &[&str] = &[
    "东", "西", "南", "北", "新", "大", "小", "上", "下", "石", "白", "黄", "青", "红", "金", "龙", "凤",
    "马", "柳", "杨", "桃", "花", "松", "高", "长", "平", "安", "永", "太", "双", "三", "和", "兴", "丰",
    "福", "清",
];
const SECOND: &[&str] = &[
    "桥", "河", "湾", "坪", "岭", "庄", "集", "店", "口", "沟", "坝", "塘", "湖", "林", "山", "田", "溪",
    "台", "寨", "堡", "营", "铺", "岗", "阳", "城", "峰", "屯", "源", "洲", "头",
];

/// One body of a county.
#[derive(Debug, Clone, PartialEq)]
pub struct Body {
    pub kind: BodyKind,
    /// Its place among the county's bodies of its kind (seeds its figures).
    pub index: usize,
    /// The full name, as the `body` column gives it: 岳普湖县教育局, 岳普湖县石桥镇人民政府.
    pub name: String,
    /// Its figures against the county government's (1 for the government).
    pub scale: f64,
}

/// The bodies of `county` (named `county_name`), government first, then departments in list
/// order, then townships; the same for the same `seed`.
pub fn of_county(county: u32, county_name: &str, bodies: &Bodies, seed: u64) -> Vec<Body> {
    let mut out = Vec::new();
    if bodies.government {
        out.push(Body {
            kind: BodyKind::Government,
            index: 0,
            name: format!("{county_name}人民政府"),
            scale: 1.0,
        });
    }
    let mut rng =
        fastrand::Rng::with_seed(seed ^ 0x00B0_D1E5 ^ (county as u64).wrapping_mul(0x2545_F491_4F6C_DD1D));
    for (index, dept) in DEPARTMENTS.iter().take(bodies.departments).enumerate() {
        // A department handles 2–30 % of what the county's government reports (log-uniform).
        let scale = (rng.f64() * (0.30f64 / 0.02).ln()).exp() * 0.02;
        out.push(Body { kind: BodyKind::Department, index, name: format!("{county_name}{dept}"), scale });
    }
    let mut seen = std::collections::HashSet::new();
    let stem = county_name.trim_end_matches(['县', '区', '市', '旗']);
    let mut index = 0;
    while index < bodies.townships.min(MAX_TOWNSHIPS) {
        let scale = (rng.f64() * (0.08f64 / 0.01).ln()).exp() * 0.01;
        // The first township of a county that is not a 区 is its seat, 城关镇; the others are
        // invented.
        let (kind, place) = if index == 0 && !county_name.ends_with('区') {
            ("镇", "城关".to_string())
        } else {
            let kind = township_kind(county_name, &mut rng);
            (kind, format!("{}{}", FIRST[rng.usize(..FIRST.len())], SECOND[rng.usize(..SECOND.len())]))
        };
        if place == stem || !seen.insert(place.clone()) {
            continue;
        }
        let name = match kind {
            "街道" => format!("{county_name}{place}街道办事处"),
            k => format!("{county_name}{place}{k}人民政府"),
        };
        out.push(Body { kind: BodyKind::Township, index, name, scale });
        index += 1;
    }
    out
}

/// 街道, 镇, 乡 or 苏木, in the proportions of the county's kind.
fn township_kind(county_name: &str, rng: &mut fastrand::Rng) -> &'static str {
    let x = rng.f64();
    if county_name.ends_with('区') {
        if x < 0.7 {
            "街道"
        } else {
            "镇"
        }
    } else if county_name.ends_with('市') {
        if x < 0.3 {
            "街道"
        } else if x < 0.8 {
            "镇"
        } else {
            "乡"
        }
    } else if county_name.ends_with('旗') {
        if x < 0.5 {
            "苏木"
        } else {
            "镇"
        }
    } else if x < 0.6 {
        "镇"
    } else {
        "乡"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_prefixed_unique_and_of_their_kind() {
        let b = Bodies { government: true, departments: 30, townships: 40 };
        let all = of_county(410102, "中原区", &b, 7);
        assert_eq!(all.len(), 71);
        assert_eq!(all[0].name, "中原区人民政府");
        assert_eq!(all[1].name, "中原区教育局");
        assert_eq!(all[5].name, "中原区市场监督管理局");
        let names: std::collections::HashSet<&str> = all.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names.len(), 71, "unique");
        for t in all.iter().filter(|x| x.kind == BodyKind::Township) {
            assert!(t.name.starts_with("中原区"), "{}", t.name);
            assert!(t.name.ends_with("街道办事处") || t.name.ends_with("镇人民政府"), "{}", t.name);
            assert!((0.01..=0.08).contains(&t.scale), "{}", t.scale);
        }
        for d in all.iter().filter(|x| x.kind == BodyKind::Department) {
            assert!((0.02..=0.30).contains(&d.scale), "{}", d.scale);
        }
        assert_eq!(all, of_county(410102, "中原区", &b, 7), "deterministic");
        let county =
            of_county(653128, "岳普湖县", &Bodies { government: false, departments: 0, townships: 3 }, 7);
        assert_eq!(county[0].name, "岳普湖县城关镇人民政府", "a 县's seat");
        assert!(county.iter().all(|x| x.name.ends_with("镇人民政府") || x.name.ends_with("乡人民政府")));
    }
}
