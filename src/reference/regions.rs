//! China's administrative divisions (民政部 2024 codes, county level and above), compiled into the binary.
//!
//! The table is `src/reference/regions/cn-admin-divisions.csv` (see `src/reference/regions/SOURCE.md`). Some counties hang
//! directly under a province (直辖市 districts, 省直辖县级行政单位); for them [`Regions::prefecture_of`]
//! is `None`.

use crate::support::hash::HashMap;
use std::sync::OnceLock;

pub(crate) const DIVISIONS_CSV: &str = include_str!("regions/cn-admin-divisions.csv");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    County,
    Prefecture,
    Province,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::County => "county",
            Level::Prefecture => "prefecture",
            Level::Province => "province",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Region {
    pub code: u32,
    pub name: String,
    pub level: Level,
    pub parent: Option<u32>,
}

impl Region {
    pub fn code_str(&self) -> String {
        format!("{:06}", self.code)
    }
}

#[derive(Debug)]
pub struct Regions {
    by_code: HashMap<u32, Region>,
    sorted: Vec<u32>,
}

/// The division table compiled into this binary.
pub fn regions() -> &'static Regions {
    static REGIONS: OnceLock<Regions> = OnceLock::new();
    REGIONS.get_or_init(|| Regions::parse(DIVISIONS_CSV).expect("embedded division table is valid"))
}

/// Why a region code was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CodeProblem {
    /// Not six ASCII digits.
    Malformed,
    /// Six digits, but not a 民政部 division.
    Unknown,
}

impl Regions {
    fn parse(text: &str) -> Result<Regions, String> {
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let mut by_code = HashMap::default();
        for rec in rdr.records() {
            let rec = rec.map_err(|e| e.to_string())?;
            let code: u32 = rec.get(0).unwrap_or("").parse().map_err(|_| "bad code")?;
            let level = match rec.get(2) {
                Some("county") => Level::County,
                Some("prefecture") => Level::Prefecture,
                Some("province") => Level::Province,
                other => return Err(format!("bad level {other:?}")),
            };
            let parent = match rec.get(3) {
                Some("") | None => None,
                Some(p) => Some(p.parse().map_err(|_| "bad parent")?),
            };
            let name = rec.get(1).unwrap_or("").to_string();
            by_code.insert(code, Region { code, name, level, parent });
        }
        let mut sorted: Vec<u32> = by_code.keys().copied().collect();
        sorted.sort_unstable();
        Ok(Regions { by_code, sorted })
    }

    pub fn len(&self) -> usize {
        self.by_code.len()
    }

    pub fn is_empty(&self) -> bool {
        self.by_code.is_empty()
    }

    pub fn get(&self, code: u32) -> Option<&Region> {
        self.by_code.get(&code)
    }

    /// Every region, sorted by code.
    pub fn iter(&self) -> impl Iterator<Item = &Region> {
        self.sorted.iter().map(|c| &self.by_code[c])
    }

    /// Parse and look up a code as written in a file (surrounding spaces allowed).
    pub fn lookup(&self, raw: &str) -> Result<&Region, CodeProblem> {
        let s = crate::reference::value::trim_blank(raw);
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CodeProblem::Malformed);
        }
        let code: u32 = s.parse().map_err(|_| CodeProblem::Malformed)?;
        self.get(code).ok_or(CodeProblem::Unknown)
    }

    /// The prefecture a region belongs to: itself for a prefecture, none for a province or a county
    /// directly under a province.
    pub fn prefecture_of(&self, code: u32) -> Option<&Region> {
        self.chain(code).find(|r| r.level == Level::Prefecture)
    }

    /// The province a region belongs to (itself for a province).
    pub fn province_of(&self, code: u32) -> Option<&Region> {
        self.chain(code).find(|r| r.level == Level::Province)
    }

    /// The region and its ancestors, nearest first.
    pub fn chain(&self, code: u32) -> impl Iterator<Item = &Region> {
        let mut next = self.get(code);
        std::iter::from_fn(move || {
            let cur = next?;
            next = cur.parent.and_then(|p| self.get(p));
            Some(cur)
        })
    }

    /// Regions whose name is exactly `name`.
    pub fn by_name<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Region> + 'a {
        self.iter().filter(move |r| r.name == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuepuhu_hangs_under_kashgar_and_xinjiang() {
        let r = regions();
        assert_eq!(r.len(), 3210);
        let y = r.lookup("653128").unwrap();
        assert_eq!(y.name, "岳普湖县");
        assert_eq!(r.prefecture_of(653128).unwrap().name, "喀什地区");
        assert_eq!(r.province_of(653128).unwrap().name, "新疆维吾尔自治区");
        assert_eq!(r.prefecture_of(653100).unwrap().code, 653100);
    }

    #[test]
    fn county_directly_under_a_province_has_no_prefecture() {
        let r = regions();
        assert!(r.prefecture_of(429004).is_none());
        assert_eq!(r.province_of(429004).unwrap().code, 420000);
    }

    #[test]
    fn malformed_and_unknown_codes_are_told_apart() {
        let r = regions();
        assert_eq!(r.lookup("65312").unwrap_err(), CodeProblem::Malformed);
        assert_eq!(r.lookup("65312x").unwrap_err(), CodeProblem::Malformed);
        assert_eq!(r.lookup("999999").unwrap_err(), CodeProblem::Unknown);
        assert!(r.lookup(" 653128 ").is_ok());
    }
}
