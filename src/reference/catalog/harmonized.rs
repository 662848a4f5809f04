//! The harmonized metric set: which numbers compare across the 2019 and 2021 formats, and how.
//!
//! A trend that starts in 2019 may only join a 2019 cell to a 2021 cell where both mean the same
//! thing. Most comparable cells share an id and need nothing (the request matrix rows other than
//! （六）, 复议/诉讼, the three 处理决定数量). Two need a rule, and this table is where it is written
//! down: 2019's single （六）其他处理 row is the sum of 2021's three sub-rows (`requests.other_total.*`
//! in both), and 2019's 规范性文件 本年新制作数量 counts what 2021 calls 本年制发件数. Every other cell is
//! not comparable: it has no value in a year whose reports lack it, never a value borrowed from a cell
//! of the other format.

use super::{catalog, Format};

/// A harmonized metric's source in one format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// The format prints the cell under the same id.
    Same,
    /// The sum of these cells of that format.
    Sum(Vec<String>),
    /// That format's cell under another id.
    From(String),
}

/// One harmonized metric: an id of the catalog, and where each format's reports take it from.
#[derive(Debug, Clone)]
pub struct Harmonized {
    pub id: String,
    pub from_2019: Source,
    pub from_2021: Source,
}

impl Harmonized {
    pub fn source(&self, f: Format) -> &Source {
        match f {
            Format::F2019 => &self.from_2019,
            Format::F2021 => &self.from_2021,
        }
    }
}

/// The three 2021 sub-rows of （六）其他处理 that 2019's single row covers.
pub const OTHER_SUB_ROWS: [&str; 3] =
    ["requests.other.overdue_correction", "requests.other.unpaid_fee", "requests.other.other"];

/// Every harmonized metric, in catalog order; ids not listed are not comparable across formats.
pub fn harmonized() -> Vec<Harmonized> {
    let c = catalog();
    let mut out = Vec::new();
    for m in c.metrics() {
        let shared = m.in_format(Format::F2019) && m.in_format(Format::F2021);
        let entry = if shared {
            // The request matrix, 复议/诉讼 and 处理决定数量: same label, same meaning.
            Some((Source::Same, Source::Same))
        } else if m.item == "requests.other_total" {
            let app = m.applicant.unwrap_or("total");
            Some((Source::Same, Source::Sum(OTHER_SUB_ROWS.iter().map(|r| format!("{r}.{app}")).collect())))
        } else if m.id == "normative_docs.issued" {
            Some((Source::From("normative_docs.made".into()), Source::Same))
        } else {
            None
        };
        if let Some((from_2019, from_2021)) = entry {
            out.push(Harmonized { id: m.id.clone(), from_2019, from_2021 });
        }
    }
    out
}

/// Whether a metric id is in the harmonized set.
pub fn is_comparable(id: &str) -> bool {
    harmonized().iter().any(|h| h.id == id)
}

/// The (source cell, harmonized metric) pairs the rollup adds to each report's own cells: a
/// source's value counts toward the target too. Shared ids need no pair.
pub fn derivations() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for h in harmonized() {
        for f in Format::ALL {
            match h.source(f) {
                Source::Same => {}
                Source::Sum(parts) => out.extend(parts.iter().map(|p| (p.clone(), h.id.clone()))),
                Source::From(id) => out.push((id.clone(), h.id.clone())),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reference::catalog::Section;

    #[test]
    fn the_harmonized_set() {
        let h = harmonized();
        // 23×7 request cells, 15 复议/诉讼, 3 处理决定数量, 1 规范性文件.
        assert_eq!(h.len(), 23 * 7 + 15 + 3 + 1);
        let requests = h.iter().filter(|x| catalog().get(&x.id).unwrap().section == Section::Requests);
        assert_eq!(requests.count(), 23 * 7, "the request matrix has the 2019 shape");
        for id in ["licensing.decisions", "requests.received.total", "review.total", "normative_docs.issued"]
        {
            assert!(is_comparable(id), "{id}");
        }
        for id in ["fees.amount", "fees.items_prev_year", "regulations.issued", "normative_docs.in_force"] {
            assert!(!is_comparable(id), "{id}");
        }
        for id in ["requests.other.unpaid_fee.total", "procurement.amount", "other_services.decisions"] {
            assert!(!is_comparable(id), "{id}");
        }
        let d = derivations();
        assert_eq!(d.len(), 3 * 7 + 1);
        assert!(d.contains(&(
            "requests.other.unpaid_fee.research".into(),
            "requests.other_total.research".into()
        )));
        assert!(d.contains(&("normative_docs.made".into(), "normative_docs.issued".into())));
        // Every source is a cell of the format it is named for.
        for h in &h {
            for f in Format::ALL {
                let ids: Vec<&str> = match h.source(f) {
                    Source::Same => vec![h.id.as_str()],
                    Source::Sum(p) => p.iter().map(String::as_str).collect(),
                    Source::From(id) => vec![id.as_str()],
                };
                for id in ids {
                    assert!(catalog().get(id).is_some_and(|m| m.in_format(f)), "{id} in {f:?}");
                }
            }
        }
    }
}
