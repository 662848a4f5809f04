//! The metric catalog: the 200 numeric cells of the 2021 report format (国办公开办函〔2021〕30号).
//!
//! The contract lives in `src/catalog/metrics-2021.csv` (a copy of the project's spec) and is compiled
//! into the binary, so a metric's position in [`Catalog::metrics`] is stable for a given build and is
//! used as a compact cell index everywhere else.

use std::collections::HashMap;
use std::sync::OnceLock;

/// Format version written into every Parquet file's key-value metadata.
pub const FORMAT_VERSION: &str = "2021";

const SPEC_CSV: &str = include_str!("catalog/metrics-2021.csv");

/// The applicant columns of the request matrix, in table order; the last one is 总计.
pub const APPLICANTS: [&str; 7] =
    ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// 二、主动公开政府信息情况
    Active,
    /// 三、收到和处理政府信息公开申请情况
    Requests,
    /// 四、政府信息公开行政复议、行政诉讼情况
    Appeals,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A whole number of cases or documents (件).
    Count,
    /// A money amount in 万元; may be a decimal.
    Amount,
}

#[derive(Debug, Clone)]
pub struct Metric {
    /// Position in the catalog; the compact cell index.
    pub index: usize,
    /// Stable id, e.g. `requests.received.natural_person`.
    pub id: String,
    /// Column name in wide Parquet tables: the id with `.` replaced by `_`.
    pub column: String,
    pub section: Section,
    /// Row label path as printed in the format, e.g. `一、本年新收政府信息公开申请数量`.
    pub item_zh: String,
    /// Column label as printed in the format, e.g. `自然人`.
    pub column_zh: String,
    pub unit: String,
    pub kind: Kind,
    /// Row part of the id (the id without the applicant column for matrix cells).
    pub item: String,
    /// Applicant column for request-matrix cells, `None` elsewhere.
    pub applicant: Option<&'static str>,
}

impl Metric {
    /// Full Chinese label: row label and column label, as an analyst reads it off the table.
    pub fn label_zh(&self) -> String {
        format!("{}｜{}", self.item_zh, self.column_zh)
    }
}

/// One row of the request matrix (e.g. 一、本年新收): its seven cells in applicant order.
#[derive(Debug, Clone)]
pub struct MatrixRow {
    pub item: String,
    pub item_zh: String,
    pub cells: [usize; 7],
}

/// One 复议/诉讼 group: 结果维持, 结果纠正, 其他结果, 尚未审结 and their 总计.
#[derive(Debug, Clone)]
pub struct AppealGroup {
    pub name_zh: String,
    pub parts: [usize; 4],
    pub total: usize,
}

#[derive(Debug)]
pub struct Catalog {
    metrics: Vec<Metric>,
    by_id: HashMap<String, usize>,
    pub matrix: Vec<MatrixRow>,
    /// Indexes into `matrix` of the result rows （一）…（六）, excluding （七）总计.
    pub result_rows: Vec<usize>,
    pub received_row: usize,
    pub carried_in_row: usize,
    pub closed_total_row: usize,
    pub carried_forward_row: usize,
    pub appeal_groups: Vec<AppealGroup>,
}

/// The catalog compiled into this binary.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::parse(SPEC_CSV).expect("embedded metrics-2021.csv is valid"))
}

impl Catalog {
    pub fn metrics(&self) -> &[Metric] {
        &self.metrics
    }

    pub fn len(&self) -> usize {
        self.metrics.len()
    }

    pub fn is_empty(&self) -> bool {
        self.metrics.is_empty()
    }

    pub fn get(&self, id: &str) -> Option<&Metric> {
        self.by_id.get(id).map(|&i| &self.metrics[i])
    }

    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    pub fn metric(&self, index: usize) -> &Metric {
        &self.metrics[index]
    }

    /// Index of a metric that is known to exist (ids used by the code itself).
    pub fn expect(&self, id: &str) -> usize {
        self.index_of(id).unwrap_or_else(|| panic!("metric {id} missing from the embedded catalog"))
    }

    fn parse(text: &str) -> Result<Catalog, String> {
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        let mut metrics = Vec::new();
        for (index, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| e.to_string())?;
            let field = |i: usize| rec.get(i).unwrap_or("").to_string();
            let id = field(0);
            let section = match rec.get(1) {
                Some("active") => Section::Active,
                Some("requests") => Section::Requests,
                Some("appeals") => Section::Appeals,
                other => return Err(format!("unknown section {other:?} for {id}")),
            };
            let kind = match rec.get(5) {
                Some("count") => Kind::Count,
                Some("amount") => Kind::Amount,
                other => return Err(format!("unknown kind {other:?} for {id}")),
            };
            let (item, applicant) = match section {
                Section::Requests => {
                    let (row, col) = id.rsplit_once('.').ok_or("matrix id without column")?;
                    let app = APPLICANTS
                        .iter()
                        .copied()
                        .find(|a| *a == col)
                        .ok_or_else(|| format!("unknown applicant column in {id}"))?;
                    (row.to_string(), Some(app))
                }
                _ => (id.clone(), None),
            };
            metrics.push(Metric {
                index,
                column: id.replace('.', "_"),
                id,
                section,
                item_zh: field(2),
                column_zh: field(3),
                unit: field(4),
                kind,
                item,
                applicant,
            });
        }
        let by_id = metrics.iter().map(|m| (m.id.clone(), m.index)).collect::<HashMap<_, _>>();

        let mut matrix: Vec<MatrixRow> = Vec::new();
        for m in metrics.iter().filter(|m| m.section == Section::Requests) {
            let col = APPLICANTS.iter().position(|a| Some(*a) == m.applicant).ok_or("applicant")?;
            if matrix.last().map(|r| r.item != m.item).unwrap_or(true) {
                matrix.push(MatrixRow {
                    item: m.item.clone(),
                    item_zh: m.item_zh.clone(),
                    cells: [usize::MAX; 7],
                });
            }
            if let Some(row) = matrix.last_mut() {
                row.cells[col] = m.index;
            }
        }
        if matrix.iter().any(|r| r.cells.contains(&usize::MAX)) {
            return Err("request matrix row with a missing applicant column".into());
        }
        let row_named = |item: &str| {
            matrix.iter().position(|r| r.item == item).ok_or_else(|| format!("matrix row {item} missing"))
        };
        let received_row = row_named("requests.received")?;
        let carried_in_row = row_named("requests.carried_in")?;
        let closed_total_row = row_named("requests.closed_total")?;
        let carried_forward_row = row_named("requests.carried_forward")?;
        let result_rows = (0..matrix.len())
            .filter(|&i| matrix[i].item_zh.starts_with("三、") && i != closed_total_row)
            .collect::<Vec<_>>();

        let mut appeal_groups = Vec::new();
        for group in ["review", "litigation_direct", "litigation_after_review"] {
            let idx = |part: &str| {
                by_id
                    .get(&format!("{group}.{part}"))
                    .copied()
                    .ok_or_else(|| format!("{group}.{part} missing"))
            };
            let total = idx("total")?;
            appeal_groups.push(AppealGroup {
                name_zh: metrics[total].item_zh.clone(),
                parts: [idx("upheld")?, idx("corrected")?, idx("other")?, idx("pending")?],
                total,
            });
        }

        Ok(Catalog {
            metrics,
            by_id,
            matrix,
            result_rows,
            received_row,
            carried_in_row,
            closed_total_row,
            carried_forward_row,
            appeal_groups,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_has_the_200_cells_of_the_2021_format() {
        let c = catalog();
        assert_eq!(c.len(), 200);
        assert_eq!(c.matrix.len(), 25);
        // （一）, （二）, （三）1–8, （四）1–3, （五）1–5, （六）1–3.
        assert_eq!(c.result_rows.len(), 21);
        assert_eq!(c.appeal_groups.len(), 3);
        let fee = c.get("fees.amount").unwrap();
        assert_eq!(fee.kind, Kind::Amount);
        assert_eq!(fee.unit, "万元");
        assert_eq!(fee.column, "fees_amount");
        let m = c.get("requests.withheld.state_secret.research").unwrap();
        assert_eq!(m.item, "requests.withheld.state_secret");
        assert_eq!(m.applicant, Some("research"));
        assert_eq!(c.metrics().iter().filter(|m| m.kind == Kind::Amount).count(), 1);
    }
}
