//! Which table format a report uses, told from its labels, never from its year: reports for 2021
//! and later still turn up on the 2019 template, and some cite 30号 above old tables.

use super::cells::Cells;
use super::text::label_key;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormatVersion {
    /// 国办公开办函〔2019〕60号 (试行), used for the 2019 and 2020 reports.
    V2019,
    /// 国办公开办函〔2021〕30号, from the 2021 reports on.
    V2021,
}

impl FormatVersion {
    pub fn as_str(self) -> &'static str {
        match self {
            FormatVersion::V2019 => "2019",
            FormatVersion::V2021 => "2021",
        }
    }
}

/// Column and row labels only one format has.
const MARKERS_2019: [&str; 4] = ["本年新制作数量", "本年新公开数量", "上一年项目数量", "政府集中采购"];
const MARKERS_2021: [&str; 3] = ["本年制发件数", "本年废止件数", "本年收费金额"];

/// What the labels say: the version (if any marker was seen) and the markers seen, for the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detection {
    pub version: Option<FormatVersion>,
    pub markers: Vec<&'static str>,
}

/// Look for the markers in short cells (labels), not in prose that may quote them. A report with
/// markers of both formats is read as 2021, the format its 2021 labels promise.
pub fn detect(cells: &Cells) -> Detection {
    let mut found = Vec::new();
    for cell in cells.cells.iter().filter(|c| c.text.chars().count() <= 40) {
        let key = label_key(&cell.text);
        for m in MARKERS_2019.iter().chain(MARKERS_2021.iter()) {
            if key.contains(m) && !found.contains(m) {
                found.push(*m);
            }
        }
    }
    let has = |set: &[&str]| found.iter().any(|m| set.contains(m));
    let version = if has(&MARKERS_2021) {
        Some(FormatVersion::V2021)
    } else if has(&MARKERS_2019) {
        Some(FormatVersion::V2019)
    } else {
        None
    };
    Detection { version, markers: found }
}
