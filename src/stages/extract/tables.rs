//! Find the three tables in a document's cells and read their numbers (200 in the 2021 format, 198 in
//! the 2019 one; the labels of the report's own format are looked for).
//!
//! Rows are found by their leaf label (`1.属于国家秘密`, `行政许可`), never by position, because
//! merged cells leave parent labels on the first row of a group only and pages drop or reorder
//! header rows. The values of a row are the cells after its label. Two things are read by position,
//! and the log says so: a data row whose label was lost (it continues the row above), and the
//! unlabeled 复议/诉讼 row of 15 numbers that follows its header.

use super::cells::{Cell, Cells};
use super::text::{content_key, label_key, read_value, CellValue};
use crate::reference::catalog::{catalog, Format, Kind, Section};
use std::collections::HashMap;
use std::sync::OnceLock;

/// A labelled data row of the format: its metrics in column order.
#[derive(Debug)]
struct RowSpec {
    /// Label path for the log, e.g. `三、本年度办理结果/（一）予以公开`.
    name: String,
    metrics: Vec<usize>,
    /// Request-matrix rows follow each other, so a row without a label can be placed after the one above.
    matrix: bool,
}

/// What a label cell points at: a data row, or a merged group label whose first sub-row follows.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Target {
    Row(usize),
    Group(usize),
}

struct Labels {
    specs: Vec<RowSpec>,
    full: HashMap<String, Target>,
    content: HashMap<String, Target>,
}

/// Column headers of the matrix that are also the tail of a row label (`其他`, `（七）总计`): such a
/// label is matched only with its numbering.
const COLUMN_HEADERS: [&str; 7] =
    ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他", "总计"];

fn labels(format: Format) -> &'static Labels {
    static LABELS: [OnceLock<Labels>; 2] = [OnceLock::new(), OnceLock::new()];
    LABELS[format as usize].get_or_init(|| build_labels(format))
}

fn build_labels(format: Format) -> Labels {
    let c = catalog();
    let form = c.form(format);
    let mut specs: Vec<RowSpec> = Vec::new();
    let mut full = HashMap::new();
    let mut content: HashMap<String, Option<Target>> = HashMap::new();
    let mut add = |text: &str, target: Target, full: &mut HashMap<String, Target>| {
        let key = label_key(text);
        full.entry(key.clone()).or_insert(target);
        let ck = content_key(&key).to_string();
        if !COLUMN_HEADERS.contains(&ck.as_str()) {
            // A content key shared by two labels identifies neither.
            content.entry(ck).and_modify(|t| *t = None).or_insert(Some(target));
        }
    };
    for cell in form.cells.iter().filter(|x| c.metric(x.metric).section == Section::Active) {
        match specs.last_mut() {
            Some(s) if s.name == cell.item_zh => s.metrics.push(cell.metric),
            _ => {
                let leaf = cell.item_zh.rsplit('/').next().unwrap_or(&cell.item_zh);
                add(leaf, Target::Row(specs.len()), &mut full);
                specs.push(RowSpec { name: cell.item_zh.clone(), metrics: vec![cell.metric], matrix: false });
            }
        }
    }
    // The 2019 name of 行政规范性文件, still printed by some 2021 reports.
    if let Some(Target::Row(i)) = full.get(&label_key("行政规范性文件")).copied() {
        full.insert(label_key("规范性文件"), Target::Row(i));
    }
    for row in &form.matrix {
        let parts: Vec<&str> = row.item_zh.split('/').collect();
        let spec = specs.len();
        for (depth, part) in parts.iter().enumerate() {
            if depth + 1 == parts.len() {
                add(part, Target::Row(spec), &mut full);
            } else if !full.contains_key(&label_key(part)) {
                add(part, Target::Group(spec), &mut full);
            }
        }
        specs.push(RowSpec { name: row.item_zh.clone(), metrics: row.cells.to_vec(), matrix: true });
    }
    let content = content.into_iter().filter_map(|(k, t)| t.map(|t| (k, t))).collect();
    Labels { specs, full, content }
}

impl Labels {
    fn get(&self, key: &str) -> Option<Target> {
        self.full.get(key).or_else(|| self.content.get(content_key(key))).copied()
    }

    /// Whether `key` could be the start of a label split over several cells or lines.
    fn is_prefix(&self, key: &str) -> bool {
        let ck = content_key(key);
        key.chars().count() >= 2
            && (self.full.keys().any(|k| k.len() > key.len() && k.starts_with(key))
                || self.content.keys().any(|k| k.len() > ck.len() && k.starts_with(ck)))
    }
}

/// A data row of the format, as `glued` needs it: its label path, its metrics in column order, and
/// whether it is a request-matrix row.
#[derive(Debug, Clone)]
pub struct RowRef {
    pub name: String,
    pub metrics: Vec<usize>,
    pub matrix: bool,
}

/// The row named by a label key made only of the format's labels and ending with a row's own label
/// (`一本年新收政府信息公开申请数量`, `三不予公开1属于国家秘密`): the text in front of digits that ran
/// together. Prose that merely ends with a label (`全年办理行政许可`) names no row.
pub fn row_named_by(format: Format, key: &str) -> Option<RowRef> {
    let labels = labels(format);
    let composed = |rest: &str| composed_of_labels(labels, rest, 0);
    let spec = match labels.get(key) {
        Some(Target::Row(s)) => Some(s),
        _ => labels
            .full
            .iter()
            .filter_map(|(k, t)| match t {
                Target::Row(s) if !k.is_empty() && key.ends_with(k.as_str()) => Some((k.len(), *s, k)),
                _ => None,
            })
            .filter(|(_, _, k)| composed(&key[..key.len() - k.len()]))
            .max_by_key(|(len, s, _)| (*len, usize::MAX - *s))
            .map(|(_, s, _)| s),
    }?;
    let s = &labels.specs[spec];
    Some(RowRef { name: s.name.clone(), metrics: s.metrics.clone(), matrix: s.matrix })
}

fn composed_of_labels(labels: &Labels, rest: &str, depth: usize) -> bool {
    rest.is_empty()
        || (depth < 4
            && labels.full.keys().any(|k| {
                !k.is_empty()
                    && rest.ends_with(k.as_str())
                    && composed_of_labels(labels, &rest[..rest.len() - k.len()], depth + 1)
            }))
}

/// `621007.6元` → `621007.6`: the number as printed, without converting 元 to 万元.
fn strip_money_unit(text: &str) -> &str {
    let t = text.trim();
    t.strip_suffix("万元").or_else(|| t.strip_suffix('元')).unwrap_or(t)
}

/// Where a value was read, for the log and for naming the cells a broken rule involves.
#[derive(Debug, Clone, PartialEq)]
pub struct Origin {
    pub raw: String,
    pub place: String,
}

/// The numbers of one report, by catalog index, with where each came from and what was noticed.
#[derive(Debug, Clone)]
pub struct TableRead {
    pub values: Vec<Option<f64>>,
    pub origins: Vec<Option<Origin>>,
    pub log: Vec<String>,
    /// Catalog indexes with no number, in catalog order.
    pub missing: Vec<usize>,
}

/// Values gathered for one row: the cell each came from (`None` where the row ran short).
struct Gathered {
    cells: Vec<Option<usize>>,
    /// The row had every cell, so a blank in it is a zero rather than a gap.
    complete: bool,
    next: usize,
}

struct Reader<'a> {
    cells: &'a [Cell],
    keys: Vec<String>,
    /// Each cell on a row of its own: rows say nothing, blanks are invisible.
    stream: bool,
    /// Where the 复议/诉讼 table starts; tables A and B end there.
    end: usize,
    format: Format,
    labels: &'static Labels,
    out: TableRead,
    filled: Vec<bool>,
}

/// Read the tables of a report on the `format` table.
pub fn read_tables(doc: &Cells, format: Format) -> TableRead {
    let cells = &doc.cells[..];
    let keys: Vec<String> = cells.iter().map(|c| label_key(&c.text)).collect();
    let anchor = keys.iter().position(|k| k == "行政复议");
    let n = catalog().len();
    let mut r = Reader {
        cells,
        keys,
        stream: doc.one_cell_per_row(),
        end: anchor.unwrap_or(cells.len()),
        format,
        labels: labels(format),
        out: TableRead {
            values: vec![None; n],
            origins: vec![None; n],
            log: Vec::new(),
            missing: Vec::new(),
        },
        filled: vec![false; labels(format).specs.len()],
    };
    if r.stream {
        r.out.log.push(
            "cells come one per line without row structure: values are taken in order after each label, \
             and a blank cell cannot be told from a separator"
                .into(),
        );
    }
    r.read_rows();
    match anchor {
        Some(a) => r.read_appeals(a),
        None => r.out.log.push("the 行政复议/行政诉讼 table was not found (no 行政复议 header cell)".into()),
    }
    let form = &catalog().form(format).cells;
    r.out.missing = form.iter().map(|x| x.metric).filter(|&i| r.out.values[i].is_none()).collect();
    r.out
}

impl Reader<'_> {
    fn row_end(&self, i: usize) -> usize {
        let row = self.cells[i].row;
        self.cells[i..].iter().position(|c| c.row != row).map_or(self.cells.len(), |k| i + k)
    }

    fn row_start(&self, i: usize) -> usize {
        let row = self.cells[i].row;
        self.cells[..i].iter().rposition(|c| c.row != row).map_or(0, |k| k + 1)
    }

    /// The next non-empty cell after `i`, within the same row unless cells come one per row.
    fn next_filled(&self, i: usize, limit: usize) -> Option<usize> {
        let bound = if self.stream { limit } else { self.row_end(i).min(limit) };
        (i + 1..bound).find(|&k| !self.keys[k].is_empty() || !self.cells[k].text.trim().is_empty())
    }

    /// A label starting at cell `i`, joined with the following cells while the text so far is the
    /// beginning of a label (`2.其他法律行政法规` ⏎ `禁止公开`). Returns the target and its last cell.
    fn label_at(&self, i: usize) -> Option<(Target, usize)> {
        let labels = self.labels;
        let key = &self.keys[i];
        if key.is_empty() {
            return None;
        }
        if let Some(t) = labels.get(key) {
            return Some((t, i));
        }
        let mut acc = key.clone();
        let mut j = i;
        for _ in 0..4 {
            if !labels.is_prefix(&acc) {
                return None;
            }
            j = (j + 1..self.end).find(|&k| !self.keys[k].is_empty())?;
            acc.push_str(&self.keys[j]);
            if let Some(t) = labels.get(&acc) {
                return Some((t, j));
            }
        }
        None
    }

    fn value_like(&self, k: usize, kind: Kind) -> bool {
        read_value(&self.cells[k].text, kind).is_value()
    }

    /// The cells holding a row's `n` values, starting at cell `start` of row `row`.
    fn gather(&self, start: usize, row: u32, n: usize, limit: usize) -> Gathered {
        if self.stream || start >= limit || self.cells[start].row != row {
            // Values follow on their own rows: take the next non-empty value cells.
            let mut cells = Vec::new();
            let mut k = start;
            while cells.len() < n && k < limit {
                let text = self.cells[k].text.trim();
                if !text.is_empty() {
                    if !self.value_like(k, Kind::Amount) {
                        break;
                    }
                    cells.push(Some(k));
                }
                k += 1;
            }
            let complete = cells.len() == n;
            cells.resize(n, None);
            return Gathered { cells, complete, next: k };
        }
        let end = self.row_end(start).min(limit);
        let mut idx: Vec<usize> = (start..end).collect();
        // Empty cells past the last value are frames or merged padding, not values.
        while idx.len() > n && self.cells[*idx.last().unwrap_or(&start)].text.trim().is_empty() {
            idx.pop();
        }
        if idx.len() > n {
            idx.drain(..idx.len() - n);
        }
        let complete = idx.len() == n;
        let mut cells: Vec<Option<usize>> = idx.into_iter().map(Some).collect();
        cells.resize(n, None);
        Gathered { cells, complete, next: end }
    }

    /// Store a row's values. A blank cell is 0 only in a complete row; a short row leaves gaps.
    fn store(&mut self, spec: usize, g: &Gathered, how: &str) {
        let s = &self.labels.specs[spec];
        self.filled[spec] = true;
        let mut blanks = Vec::new();
        let mut bad = Vec::new();
        let mut short = 0;
        for (&metric, cell) in s.metrics.iter().zip(&g.cells) {
            let Some(k) = *cell else {
                short += 1;
                continue;
            };
            let cell = &self.cells[k];
            let m = catalog().metric(metric);
            // An amount whose unit the format does not state (2019's 采购总金额) is kept as printed.
            let text = if m.summable() { cell.text.as_str() } else { strip_money_unit(&cell.text) };
            let value = match read_value(text, m.kind) {
                CellValue::Number(v) => Some(v),
                CellValue::Blank if g.complete => {
                    blanks.push(format!("{:?}", cell.text.trim()));
                    Some(0.0)
                }
                CellValue::Blank => None,
                CellValue::Text => {
                    bad.push(format!("{:?} ({})", cell.text.trim(), cell.place()));
                    None
                }
            };
            self.out.values[metric] = value;
            self.out.origins[metric] =
                Some(Origin { raw: cell.text.trim().to_string(), place: cell.place() });
        }
        let place = g.cells.iter().flatten().next().map(|&k| self.cells[k].place()).unwrap_or_default();
        if !how.is_empty() {
            self.out.log.push(format!("{}: {how} ({place})", s.name));
        }
        if !blanks.is_empty() {
            self.out.log.push(format!(
                "{}: {} blank or placeholder cell(s) [{}] read as 0, the row being otherwise complete ({place})",
                s.name,
                blanks.len(),
                blanks.join(", ")
            ));
        }
        if !bad.is_empty() {
            self.out.log.push(format!("{}: not a number where one belongs: {}", s.name, bad.join(", ")));
        }
        if short > 0 {
            self.out.log.push(format!(
                "{}: only {} of {} cells found ({place}); the rest are missing",
                s.name,
                s.metrics.len() - short,
                s.metrics.len()
            ));
        }
    }

    fn read_rows(&mut self) {
        let specs = &self.labels.specs;
        let mut last_matrix: Option<usize> = None;
        let mut i = 0;
        while i < self.end {
            if let Some((target, last)) = self.label_at(i) {
                // A merged parent label is followed by the leaf that names the row.
                if let Some(k) = self.next_filled(last, self.end) {
                    if self.label_at(k).is_some() {
                        i = k;
                        continue;
                    }
                }
                let (spec, how) = match target {
                    Target::Row(s) => (s, ""),
                    Target::Group(s) => {
                        (s, "its own label is missing; read by position under the group label")
                    }
                };
                if self.filled[spec] {
                    self.out.log.push(format!(
                        "{}: label seen again at {}; the first reading is kept",
                        specs[spec].name,
                        self.cells[i].place()
                    ));
                    i = last + 1;
                    continue;
                }
                let g = self.gather(last + 1, self.cells[last].row, specs[spec].metrics.len(), self.end);
                // A row that holds only a group label (`（三）不予公开` over blank or merged cells)
                // carries no numbers: its first sub-row follows under its own label.
                let numbers =
                    g.cells.iter().flatten().any(|&k| {
                        matches!(read_value(&self.cells[k].text, Kind::Amount), CellValue::Number(_))
                    });
                if matches!(target, Target::Group(_)) && !numbers {
                    i = last + 1;
                    continue;
                }
                self.store(spec, &g, how);
                if specs[spec].matrix {
                    last_matrix = Some(spec);
                }
                i = g.next.max(last + 1);
                continue;
            }
            // A row of numbers without a label continues the matrix row above it.
            let next = last_matrix.map(|s| s + 1).filter(|&s| s < specs.len() && !self.filled[s]);
            if let (Some(spec), false) = (next, self.cells[i].text.trim().is_empty()) {
                if self.value_like(i, Kind::Amount) {
                    let n = specs[spec].metrics.len();
                    let g = if self.stream {
                        Some(self.gather(i, self.cells[i].row, n, self.end))
                    } else {
                        let (s, e) = (self.row_start(i), self.row_end(i).min(self.end));
                        (s..e)
                            .all(|k| self.value_like(k, Kind::Amount))
                            .then(|| self.gather(s, self.cells[s].row, n, e))
                    };
                    if let Some(g) = g {
                        self.store(spec, &g, "row without a label; read by position after the row above");
                        last_matrix = Some(spec);
                        i = g.next.max(i + 1);
                        continue;
                    }
                }
            }
            i += 1;
        }
    }

    /// The 复议/诉讼 table: the first row after the header made only of value cells.
    fn read_appeals(&mut self, anchor: usize) {
        let metrics: Vec<usize> = catalog()
            .form(self.format)
            .appeal_groups
            .iter()
            .flat_map(|g| g.parts.iter().copied().chain([g.total]))
            .collect();
        let n = metrics.len();
        let mut i = self.row_end(anchor);
        while i < self.cells.len() {
            let e = self.row_end(i);
            let all_values = (i..e).all(|k| self.value_like(k, Kind::Count));
            let any_filled = (i..e).any(|k| !self.cells[k].text.trim().is_empty());
            if all_values && (any_filled || e - i >= n) {
                let g = if e - i >= n || self.stream {
                    self.gather(i, self.cells[i].row, n, self.cells.len())
                } else {
                    let s = (i..e).find(|&k| !self.cells[k].text.trim().is_empty()).unwrap_or(i);
                    let mut g = self.gather(s, self.cells[s].row, n, e);
                    g.complete = false;
                    g
                };
                self.store_appeals(&metrics, &g);
                return;
            }
            if !all_values && (i..e).any(|k| self.keys[k].chars().count() > 12) {
                // Prose after the table: there is no data row.
                break;
            }
            i = e;
        }
        self.out.log.push("行政复议/行政诉讼: no row of numbers after the header".into());
    }

    fn store_appeals(&mut self, metrics: &[usize], g: &Gathered) {
        let mut blanks = 0;
        for (&metric, cell) in metrics.iter().zip(&g.cells) {
            let Some(k) = *cell else { continue };
            let cell = &self.cells[k];
            self.out.values[metric] = match read_value(&cell.text, Kind::Count) {
                CellValue::Number(v) => Some(v),
                CellValue::Blank if g.complete => {
                    blanks += 1;
                    Some(0.0)
                }
                _ => None,
            };
            self.out.origins[metric] =
                Some(Origin { raw: cell.text.trim().to_string(), place: cell.place() });
        }
        let place = g.cells.iter().flatten().next().map(|&k| self.cells[k].place()).unwrap_or_default();
        self.out.log.push(format!("行政复议/行政诉讼: the unlabeled row of 15 read by position ({place})"));
        if blanks > 0 {
            self.out.log.push(format!(
                "行政复议/行政诉讼: {blanks} blank or placeholder cell(s) read as 0, the row being otherwise complete"
            ));
        }
        let found = g.cells.iter().flatten().count();
        if found < metrics.len() {
            self.out.log.push(format!(
                "行政复议/行政诉讼: only {found} of {} cells found ({place}); the rest are missing",
                metrics.len()
            ));
        }
    }
}
