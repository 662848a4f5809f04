//! The metric catalog: the numeric cells of the two report formats, 国办公开办函〔2019〕60号 (the
//! 2019 and 2020 reports, and bodies that kept it later) and 国办公开办函〔2021〕30号 (from 2021 on).
//!
//! Each format's table lives in `src/reference/catalog/metrics-<format>.csv` (copies of the project's spec),
//! compiled into the binary. The two share most ids (the request matrix, 复议/诉讼, the 处理决定数量 of
//! 行政许可/处罚/强制): an id names one quantity, and a cell both tables print with the same meaning
//! has one id. [`Catalog::metrics`] is the union, 2021 cells first; a metric's position there is stable
//! for a given build and is the compact cell index used everywhere else. [`Catalog::form`] gives one
//! format's table in its own order and with its own labels, and the rule structure (matrix rows,
//! 复议/诉讼 groups) that R1–R4 check.

pub mod harmonized;

use crate::support::hash::HashMap;
use std::sync::OnceLock;

/// Format version written into every Parquet file's key-value metadata: the formats the dataset's
/// columns cover.
pub const FORMAT_VERSION: &str = "2019+2021";

pub(crate) const SPEC_2021: &str = include_str!("catalog/metrics-2021.csv");
pub(crate) const SPEC_2019: &str = include_str!("catalog/metrics-2019.csv");

/// The applicant columns of the request matrix, in table order; the last one is 总计.
pub const APPLICANTS: [&str; 7] =
    ["natural_person", "commercial", "research", "social_welfare", "legal_services", "other_org", "total"];

/// A report table format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub enum Format {
    /// 国办公开办函〔2019〕60号 (试行): the 2019 and 2020 reports.
    F2019,
    /// 国办公开办函〔2021〕30号: from the 2021 reports on.
    F2021,
}

impl Format {
    pub const ALL: [Format; 2] = [Format::F2019, Format::F2021];

    /// The first report year the format was issued for.
    pub fn first_year(self) -> i32 {
        match self {
            Format::F2019 => 2019,
            Format::F2021 => 2021,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Format::F2019 => "2019",
            Format::F2021 => "2021",
        }
    }

    pub fn name_zh(self) -> &'static str {
        match self {
            Format::F2019 => "2019 年格式（国办公开办函〔2019〕60号）",
            Format::F2021 => "2021 年格式（国办公开办函〔2021〕30号）",
        }
    }

    /// `2019` or `2021`, also `2019年`, full-width digits, blanks around.
    pub fn parse(raw: &str) -> Option<Format> {
        match crate::reference::value::parse_year(raw)? {
            2019 => Some(Format::F2019),
            2021 => Some(Format::F2021),
            _ => None,
        }
    }

    /// The format a report is read as when neither a `format` column nor its metric ids say:
    /// the one in force for its year.
    pub fn for_year(year: i32) -> Format {
        if year <= 2020 {
            Format::F2019
        } else {
            Format::F2021
        }
    }

    fn slot(self) -> usize {
        self as usize
    }
}

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
    /// A whole number of cases, documents or item types (件, 项); never negative.
    Count,
    /// A signed whole number: the 2019 format's 本年增/减 of item types (`-8` = eight fewer).
    Change,
    /// A money amount; may be a decimal (万元 for 收费金额; 采购总金额 prints no unit).
    Amount,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Count => "count",
            Kind::Change => "change",
            Kind::Amount => "amount",
        }
    }

    /// Stored as a whole number (Int64 columns).
    pub fn is_integer(self) -> bool {
        self != Kind::Amount
    }
}

/// The unit of 2019's 采购总金额: the table prints none, and reports write 元 or 万元.
pub const UNIT_NOT_STATED: &str = "未注明";

#[derive(Debug, Clone)]
pub struct Metric {
    /// Position in the catalog; the compact cell index.
    pub index: usize,
    /// Stable id, e.g. `requests.received.natural_person`.
    pub id: String,
    /// Column name in wide Parquet tables: the id with `.` replaced by `_`.
    pub column: String,
    pub section: Section,
    /// Row label path as printed in the format, e.g. `一、本年新收政府信息公开申请数量` (the 2021
    /// label for a shared cell; [`Form::cells`] has each format's own).
    pub item_zh: String,
    /// Column label as printed in the format, e.g. `自然人`.
    pub column_zh: String,
    pub unit: String,
    pub kind: Kind,
    /// Row part of the id (the id without the applicant column for matrix cells).
    pub item: String,
    /// Applicant column for request-matrix cells, `None` elsewhere.
    pub applicant: Option<&'static str>,
    /// Which formats print this cell, by [`Format`] order.
    formats: [bool; 2],
}

impl Metric {
    /// Full Chinese label: row label and column label, as an analyst reads it off the table.
    pub fn label_zh(&self) -> String {
        format!("{}｜{}", self.item_zh, self.column_zh)
    }

    pub fn in_format(&self, f: Format) -> bool {
        self.formats[f.slot()]
    }

    /// The only format that prints this cell, `None` for a cell both print.
    pub fn only_in(&self) -> Option<Format> {
        match self.formats {
            [true, false] => Some(Format::F2019),
            [false, true] => Some(Format::F2021),
            _ => None,
        }
    }

    /// Whether sums of this cell mean anything: not for an amount of unknown unit.
    pub fn summable(&self) -> bool {
        self.unit != UNIT_NOT_STATED
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

/// A cell as one format prints it.
#[derive(Debug, Clone)]
pub struct FormCell {
    /// Catalog index.
    pub metric: usize,
    pub item_zh: String,
    pub column_zh: String,
}

impl FormCell {
    pub fn label_zh(&self) -> String {
        format!("{}｜{}", self.item_zh, self.column_zh)
    }
}

/// One format's table: its cells in table order, and the structure the 勾稽关系 are stated on.
#[derive(Debug)]
pub struct Form {
    pub format: Format,
    pub cells: Vec<FormCell>,
    pub matrix: Vec<MatrixRow>,
    /// Indexes into `matrix` of the result rows （一）…（六）, excluding （七）总计.
    pub result_rows: Vec<usize>,
    pub received_row: usize,
    pub carried_in_row: usize,
    pub closed_total_row: usize,
    pub carried_forward_row: usize,
    pub appeal_groups: Vec<AppealGroup>,
}

impl Form {
    pub fn len(&self) -> usize {
        self.cells.len()
    }

    pub fn is_empty(&self) -> bool {
        self.cells.is_empty()
    }
}

#[derive(Debug)]
pub struct Catalog {
    metrics: Vec<Metric>,
    by_id: HashMap<String, usize>,
    forms: [Form; 2],
    /// Per format (by slot), the metrics only it prints, ascending.
    only: [Vec<usize>; 2],
}

/// The catalog compiled into this binary.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::parse(SPEC_2019, SPEC_2021).expect("embedded metric catalogs are valid"))
}

/// One line of a format's CSV.
struct SpecRow {
    id: String,
    section: Section,
    item_zh: String,
    column_zh: String,
    unit: String,
    kind: Kind,
}

fn read_spec(text: &str) -> Result<Vec<SpecRow>, String> {
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let mut out = Vec::new();
    for rec in rdr.records() {
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
            Some("change") => Kind::Change,
            Some("amount") => Kind::Amount,
            other => return Err(format!("unknown kind {other:?} for {id}")),
        };
        out.push(SpecRow { id, section, item_zh: field(2), column_zh: field(3), unit: field(4), kind });
    }
    Ok(out)
}

impl Catalog {
    /// Every metric of either format, 2021 cells first.
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

    /// The metrics only format `f` prints, ascending (a report's format is settled from them for
    /// every report of every year: a list, not a walk over the catalog).
    pub fn only_in(&self, f: Format) -> &[usize] {
        &self.only[f.slot()]
    }

    pub fn metric(&self, index: usize) -> &Metric {
        &self.metrics[index]
    }

    /// One format's table.
    pub fn form(&self, f: Format) -> &Form {
        &self.forms[f.slot()]
    }

    /// Index of a metric the code itself names (never an id read from input: use `index_of`, which
    /// returns `None`). A miss is a programming error caught by the tests, hence the panic.
    pub fn known(&self, id: &str) -> usize {
        self.index_of(id).unwrap_or_else(|| panic!("metric {id} missing from the embedded catalog"))
    }

    fn parse(spec_2019: &str, spec_2021: &str) -> Result<Catalog, String> {
        let mut metrics: Vec<Metric> = Vec::new();
        let mut by_id: HashMap<String, usize> = HashMap::default();
        let mut cells: [Vec<FormCell>; 2] = [Vec::new(), Vec::new()];
        // 2021 first: its 200 cells keep the indexes they had before the 2019 format was added.
        for (format, text) in [(Format::F2021, spec_2021), (Format::F2019, spec_2019)] {
            for row in read_spec(text)? {
                let index = match by_id.get(&row.id) {
                    Some(&i) => {
                        let m = &metrics[i];
                        if (m.section, m.kind, m.unit.as_str()) != (row.section, row.kind, row.unit.as_str())
                        {
                            return Err(format!("{} differs between the formats' catalogs", row.id));
                        }
                        i
                    }
                    None => {
                        let (item, applicant) = split_matrix_id(&row.id, row.section)?;
                        let index = metrics.len();
                        metrics.push(Metric {
                            index,
                            column: row.id.replace('.', "_"),
                            id: row.id.clone(),
                            section: row.section,
                            item_zh: row.item_zh.clone(),
                            column_zh: row.column_zh.clone(),
                            unit: row.unit,
                            kind: row.kind,
                            item,
                            applicant,
                            formats: [false, false],
                        });
                        by_id.insert(row.id, index);
                        index
                    }
                };
                if metrics[index].formats[format.slot()] {
                    return Err(format!("{} twice in the {} catalog", metrics[index].id, format.as_str()));
                }
                metrics[index].formats[format.slot()] = true;
                cells[format.slot()].push(FormCell {
                    metric: index,
                    item_zh: row.item_zh,
                    column_zh: row.column_zh,
                });
            }
        }
        let [c2019, c2021] = cells;
        let forms = [
            Form::build(Format::F2019, c2019, &metrics, &by_id)?,
            Form::build(Format::F2021, c2021, &metrics, &by_id)?,
        ];
        let only = [Format::F2019, Format::F2021]
            .map(|f| (0..metrics.len()).filter(|&m| metrics[m].only_in() == Some(f)).collect());
        Ok(Catalog { metrics, by_id, forms, only })
    }
}

fn split_matrix_id(id: &str, section: Section) -> Result<(String, Option<&'static str>), String> {
    if section != Section::Requests {
        return Ok((id.to_string(), None));
    }
    let (row, col) = id.rsplit_once('.').ok_or("matrix id without column")?;
    let app = APPLICANTS
        .iter()
        .copied()
        .find(|a| *a == col)
        .ok_or_else(|| format!("unknown applicant column in {id}"))?;
    Ok((row.to_string(), Some(app)))
}

impl Form {
    fn build(
        format: Format,
        cells: Vec<FormCell>,
        metrics: &[Metric],
        by_id: &HashMap<String, usize>,
    ) -> Result<Form, String> {
        let mut matrix: Vec<MatrixRow> = Vec::new();
        for cell in &cells {
            let m = &metrics[cell.metric];
            if m.section != Section::Requests {
                continue;
            }
            let col = APPLICANTS.iter().position(|a| Some(*a) == m.applicant).ok_or("applicant")?;
            if matrix.last().map(|r| r.item != m.item).unwrap_or(true) {
                matrix.push(MatrixRow {
                    item: m.item.clone(),
                    item_zh: cell.item_zh.clone(),
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

        let in_form = |id: &str| by_id.get(id).copied().filter(|&i| cells.iter().any(|c| c.metric == i));
        let mut appeal_groups = Vec::new();
        for group in ["review", "litigation_direct", "litigation_after_review"] {
            let idx = |part: &str| {
                in_form(&format!("{group}.{part}")).ok_or_else(|| format!("{group}.{part} missing"))
            };
            let total = idx("total")?;
            appeal_groups.push(AppealGroup {
                name_zh: metrics[total].item_zh.clone(),
                parts: [idx("upheld")?, idx("corrected")?, idx("other")?, idx("pending")?],
                total,
            });
        }
        Ok(Form {
            format,
            cells,
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
        let f = c.form(Format::F2021);
        assert_eq!(f.len(), 200);
        assert_eq!(f.matrix.len(), 25);
        // （一）, （二）, （三）1–8, （四）1–3, （五）1–5, （六）1–3.
        assert_eq!(f.result_rows.len(), 21);
        assert_eq!(f.appeal_groups.len(), 3);
        assert!(f.cells.iter().enumerate().all(|(i, cell)| cell.metric == i), "2021 cells come first");
        let fee = c.get("fees.amount").unwrap();
        assert_eq!(fee.kind, Kind::Amount);
        assert_eq!(fee.unit, "万元");
        assert_eq!(fee.column, "fees_amount");
        let m = c.get("requests.withheld.state_secret.research").unwrap();
        assert_eq!(m.item, "requests.withheld.state_secret");
        assert_eq!(m.applicant, Some("research"));
        assert_eq!(f.cells.iter().filter(|x| c.metric(x.metric).kind == Kind::Amount).count(), 1);
    }

    #[test]
    fn catalog_has_the_198_cells_of_the_2019_format() {
        let c = catalog();
        let f = c.form(Format::F2019);
        assert_eq!(f.len(), 22 + 23 * 7 + 15);
        let active = f.cells.iter().filter(|x| c.metric(x.metric).section == Section::Active).count();
        assert_eq!(active, 22);
        assert_eq!(f.matrix.len(), 23);
        // （一）, （二）, （三）1–8, （四）1–3, （五）1–5, and （六） as one row.
        assert_eq!(f.result_rows.len(), 19);
        assert_eq!(f.matrix[f.result_rows[18]].item, "requests.other_total");
        // Shared cells keep one id; 2019-only cells get their own.
        let lic = c.get("licensing.decisions").unwrap();
        assert!(lic.in_format(Format::F2019) && lic.in_format(Format::F2021));
        let change = c.get("licensing.items_change").unwrap();
        assert_eq!((change.kind, change.only_in()), (Kind::Change, Some(Format::F2019)));
        assert_eq!(c.get("fees.amount").unwrap().only_in(), Some(Format::F2021));
        let amount = c.get("procurement.amount").unwrap();
        assert_eq!((amount.kind, amount.summable()), (Kind::Amount, false));
        // The union: 200 + 22 active − 3 shared 处理决定数量 + 7 cells of the single （六） row.
        assert_eq!(c.len(), 226);
        // The 2019 label of a shared cell is the 2019 one.
        let cell = f.cells.iter().find(|x| x.metric == lic.index).unwrap();
        assert_eq!(cell.column_zh, "处理决定数量");
    }
}
