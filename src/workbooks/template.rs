//! `xxgk template -o FILE.xlsx`: the official table of the year's format as a fill-in workbook.
//!
//! The three tables (主动公开, 申请办理, 复议诉讼) are laid out as counties know them, with merged
//! header cells and the Chinese labels, value cells empty. Each value cell carries a defined name
//! equal to the metric's Parquet column (`licensing_decisions`), and the key cells the names
//! `region_code`, `year`, `body` and `format`: ingest reads a filled template by these names
//! (`ingest::template_names`), so inserted rows or a moved table do not misplace a number. Value
//! cells are unlocked and validated (whole numbers ≥ 0; the fee a decimal ≥ 0 in 万元; the 2019
//! 本年增/减 a signed whole number); labels are locked by sheet protection without a password, so a
//! user who needs to can lift it. Beside the tables, formulas check the 勾稽关系 (R1–R4) and turn
//! red when one breaks.

use super::{atomic_write, Error};
use crate::reference::catalog::{catalog, Format, Kind, Section};
use crate::reference::regions::Region;
use rust_xlsxwriter::{
    ConditionalFormatCell, ConditionalFormatCellRule, DataValidation, DataValidationErrorStyle,
    DataValidationRule, Format as Style, FormatAlign, FormatBorder, Workbook, Worksheet,
};
use std::collections::BTreeMap;
use std::path::Path;

/// The one sheet of the template.
pub const SHEET: &str = "年度报告";

/// What goes into the template's key cells.
#[derive(Debug, Clone)]
pub struct TemplateKeys<'a> {
    pub region: &'a Region,
    pub year: i32,
    pub body: String,
    pub format: Format,
}

/// Where the template put a value cell: the metric's catalog index and its 0-based (row, col).
pub type Placed = Vec<(usize, (u32, u16))>;

struct Styles {
    title: Style,
    header: Style,
    label: Style,
    input: Style,
    fee: Style,
    check: Style,
    red: Style,
    note: Style,
}

fn styles() -> Styles {
    let border = |s: Style| s.set_border(FormatBorder::Thin);
    Styles {
        title: Style::new().set_bold().set_font_size(14).set_align(FormatAlign::Center),
        header: border(
            Style::new()
                .set_bold()
                .set_align(FormatAlign::Center)
                .set_align(FormatAlign::VerticalCenter)
                .set_text_wrap()
                .set_background_color(0xDDEBF7),
        ),
        label: border(Style::new().set_align(FormatAlign::VerticalCenter).set_text_wrap()),
        input: border(Style::new().set_unlocked().set_num_format("#,##0").set_background_color(0xFFF2CC)),
        fee: border(Style::new().set_unlocked().set_num_format("#,##0.00").set_background_color(0xFFF2CC)),
        check: border(Style::new().set_align(FormatAlign::Center)),
        red: Style::new().set_background_color(0xFFC7CE).set_font_color(0x9C0006),
        note: Style::new().set_italic().set_font_color(0x595959),
    }
}

fn col_name(col: u16) -> String {
    crate::stages::ingest::workbook::column_letters(col as u32 + 1)
}

fn cell_ref(row: u32, col: u16) -> String {
    format!("{}{}", col_name(col), row + 1)
}

fn abs_ref(row: u32, col: u16) -> String {
    format!("${}${}", col_name(col), row + 1)
}

fn validation(kind: Kind, unit: &str) -> DataValidation {
    let dv = DataValidation::new().set_error_style(DataValidationErrorStyle::Stop);
    match kind {
        Kind::Count => dv
            .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
            .set_error_message("请填写非负整数（件数）")
            .unwrap_or_else(|_| DataValidation::new()),
        Kind::Change => dv
            .allow_whole_number(DataValidationRule::Between(-1_000_000_000, 1_000_000_000))
            .set_error_message("请填写整数，减少填负数（如 -8）")
            .unwrap_or_else(|_| DataValidation::new()),
        Kind::Amount => dv
            .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
            .set_error_message(if unit == "万元" {
                "请填写非负数（万元，可带小数）"
            } else {
                "请填写非负数"
            })
            .unwrap_or_else(|_| DataValidation::new()),
    }
}

struct Writer<'a> {
    ws: &'a mut Worksheet,
    st: Styles,
    placed: Placed,
    /// 0-based (row, col) of each metric's cell.
    at: BTreeMap<usize, (u32, u16)>,
    checks: Vec<(u32, u16)>,
    values: &'a BTreeMap<usize, f64>,
}

impl Writer<'_> {
    fn value_cell(&mut self, metric: usize, row: u32, col: u16) -> Result<(), Error> {
        let m = catalog().metric(metric);
        let style = if m.kind == Kind::Amount { &self.st.fee } else { &self.st.input };
        match self.values.get(&metric) {
            Some(&v) => self.ws.write_number_with_format(row, col, v, style)?,
            None => self.ws.write_blank(row, col, style)?,
        };
        self.ws.add_data_validation(row, col, row, col, &validation(m.kind, &m.unit))?;
        self.placed.push((metric, (row, col)));
        self.at.insert(metric, (row, col));
        Ok(())
    }

    fn label(&mut self, r0: u32, c0: u16, r1: u32, c1: u16, text: &str, style: &Style) -> Result<(), Error> {
        if r0 == r1 && c0 == c1 {
            self.ws.write_string_with_format(r0, c0, text, style)?;
        } else {
            self.ws.merge_range(r0, c0, r1, c1, text, style)?;
        }
        Ok(())
    }

    /// A check formula: `✓` when the equation holds, `✗` when it breaks, blank while cells are empty.
    fn check(&mut self, row: u32, col: u16, lhs: &[(u32, u16)], rhs: &[(u32, u16)]) -> Result<(), Error> {
        let sum =
            |cells: &[(u32, u16)]| cells.iter().map(|&(r, c)| cell_ref(r, c)).collect::<Vec<_>>().join(",");
        let all: Vec<String> = lhs.iter().chain(rhs).map(|&(r, c)| cell_ref(r, c)).collect();
        let formula = format!(
            "=IF(COUNT({all})<{n},\"\",IF(SUM({l})=SUM({r}),\"✓\",\"✗\"))",
            all = all.join(","),
            n = all.len(),
            l = sum(lhs),
            r = sum(rhs)
        );
        let check = self.st.check.clone();
        self.ws.write_formula_with_format(row, col, formula.as_str(), &check)?;
        self.checks.push((row, col));
        Ok(())
    }
}

/// Write the template for `keys` to `path` (atomically); returns where each metric's cell is.
pub fn write_template(keys: &TemplateKeys, path: &Path) -> Result<Placed, Error> {
    let (bytes, placed) = template_bytes(keys)?;
    atomic_write(path, &bytes)?;
    Ok(placed)
}

/// The template workbook as bytes, and where each metric's cell is.
pub fn template_bytes(keys: &TemplateKeys) -> Result<(Vec<u8>, Placed), Error> {
    filled_template_bytes(keys, &BTreeMap::new())
}

/// The template with some value cells filled in (catalog index → number), as a county would
/// return it: the round-trip tests write every cell this way and read it back.
pub fn filled_template_bytes(
    keys: &TemplateKeys,
    values: &BTreeMap<usize, f64>,
) -> Result<(Vec<u8>, Placed), Error> {
    let c = catalog();
    let form = c.form(keys.format);
    let mut wb = Workbook::new();
    let mut placed;
    let mut names: Vec<(String, String)> = Vec::new();
    {
        let ws = wb.add_worksheet();
        ws.set_name(SHEET)?;
        ws.set_paper_size(9).set_print_fit_to_pages(1, 0);
        let mut w =
            Writer { ws, st: styles(), placed: Vec::new(), at: BTreeMap::new(), checks: Vec::new(), values };
        for (col, width) in [(0u16, 16.0), (1, 26.0), (2, 44.0)] {
            w.ws.set_column_width(col, width)?;
        }
        for col in 3u16..18 {
            w.ws.set_column_width(col, 11.0)?;
        }
        let body = if keys.body.is_empty() {
            format!("{}人民政府", keys.region.name)
        } else {
            keys.body.clone()
        };
        let title = format!("{body}{}年政府信息公开工作年度报告", keys.year);
        let title_style = w.st.title.clone();
        w.ws.merge_range(0, 0, 0, 10, &title, &title_style)?;
        // Key cells, named.
        let header = w.st.header.clone();
        let input = w.st.input.clone().set_num_format("@");
        let keys_row = 2u32;
        let key_cells: [(&str, &str, String); 4] = [
            ("region_code", "行政区划代码", keys.region.code_str()),
            ("year", "年度", keys.year.to_string()),
            ("body", "报告主体", keys.body.clone()),
            ("format", "表格格式", keys.format.as_str().to_string()),
        ];
        // Label and value side by side; the body's value spans three columns, it is long.
        let mut col = 0u16;
        for (name, label, value) in key_cells.iter() {
            let span = if *name == "body" { 3 } else { 1 };
            w.ws.write_string_with_format(keys_row, col, *label, &header)?;
            if span == 1 {
                w.ws.write_string_with_format(keys_row, col + 1, value, &input)?;
            } else {
                w.ws.merge_range(keys_row, col + 1, keys_row, col + span, value, &input)?;
            }
            names.push((name.to_string(), format!("='{SHEET}'!{}", abs_ref(keys_row, col + 1))));
            col += 1 + span;
        }
        let note = w.st.note.clone();
        w.ws.write_string_with_format(
            keys_row + 1,
            0,
            format!(
                "{}；黄色单元格填写数值，空白表示未填报（不会当作 0）；右侧 ✓/✗ 为勾稽关系检查",
                keys.format.name_zh()
            ),
            &note,
        )?;
        let mut row = keys_row + 3;
        row = active_table(&mut w, form, row)?;
        row = requests_table(&mut w, form, row + 1)?;
        appeals_table(&mut w, form, row + 1)?;
        let red = w.st.red.clone();
        let cf = ConditionalFormatCell::new()
            .set_rule(ConditionalFormatCellRule::EqualTo("\"✗\""))
            .set_format(red);
        for &(r, col) in &w.checks {
            w.ws.add_conditional_format(r, col, r, col, &cf)?;
        }
        w.ws.protect();
        w.ws.set_freeze_panes(keys_row + 1, 0)?;
        placed = std::mem::take(&mut w.placed);
    }
    for &(m, (r, col)) in &placed {
        names.push((c.metric(m).column.clone(), format!("='{SHEET}'!{}", abs_ref(r, col))));
    }
    for (name, formula) in &names {
        wb.define_name(name, formula)?;
    }
    placed.sort();
    Ok((wb.save_to_buffer()?, placed))
}

/// 二、主动公开政府信息情况: one row per cell; the 第二十条 item and the row label merged down.
fn active_table(w: &mut Writer, form: &crate::reference::catalog::Form, start: u32) -> Result<u32, Error> {
    let c = catalog();
    let header = w.st.header.clone();
    let label = w.st.label.clone();
    w.label(start, 0, start, 4, "二、主动公开政府信息情况", &header)?;
    for (col, text) in ["第二十条", "信息内容", "项目", "数量", "单位"].iter().enumerate() {
        w.ws.write_string_with_format(start + 1, col as u16, *text, &header)?;
    }
    let cells: Vec<_> =
        form.cells.iter().filter(|fc| c.metric(fc.metric).section == Section::Active).collect();
    let mut row = start + 2;
    let mut i = 0;
    while i < cells.len() {
        let item = &cells[i].item_zh;
        let (article, name) = item.split_once('/').unwrap_or(("", item.as_str()));
        let j = cells[i..].iter().position(|fc| &fc.item_zh != item).map_or(cells.len(), |k| i + k);
        // The article spans every row of its items.
        let k = cells[i..]
            .iter()
            .position(|fc| fc.item_zh.split_once('/').map(|x| x.0).unwrap_or("") != article)
            .map_or(cells.len(), |k| i + k);
        let first_of_article =
            i == 0 || cells[i - 1].item_zh.split_once('/').map(|x| x.0).unwrap_or("") != article;
        if first_of_article {
            w.label(row, 0, row + (k - i) as u32 - 1, 0, article, &label)?;
        }
        w.label(row, 1, row + (j - i) as u32 - 1, 1, name, &label)?;
        for fc in &cells[i..j] {
            let m = c.metric(fc.metric);
            w.ws.write_string_with_format(row, 2, &fc.column_zh, &label)?;
            w.value_cell(fc.metric, row, 3)?;
            w.ws.write_string_with_format(row, 4, &m.unit, &label)?;
            row += 1;
        }
        i = j;
    }
    Ok(row)
}

/// 三、收到和处理政府信息公开申请情况: the applicant matrix under its merged header, R3 beside
/// each row, R1 and R2 under the columns.
fn requests_table(w: &mut Writer, form: &crate::reference::catalog::Form, start: u32) -> Result<u32, Error> {
    let header = w.st.header.clone();
    let label = w.st.label.clone();
    w.label(start, 0, start, 10, "三、收到和处理政府信息公开申请情况", &header)?;
    let h = start + 1;
    w.label(h, 0, h + 2, 2, "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）", &header)?;
    w.label(h, 3, h, 9, "申请人情况", &header)?;
    w.label(h + 1, 3, h + 2, 3, "自然人", &header)?;
    w.label(h + 1, 4, h + 1, 8, "法人或其他组织", &header)?;
    w.label(h + 1, 9, h + 2, 9, "总计", &header)?;
    for (i, t) in ["商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"].iter().enumerate()
    {
        w.ws.write_string_with_format(h + 2, 4 + i as u16, *t, &header)?;
    }
    w.label(h, 10, h + 2, 10, "行合计检查 (R3)", &header)?;
    let mut row = h + 3;
    let mut row_of: Vec<u32> = Vec::new();
    let rows = &form.matrix;
    let mut i = 0;
    while i < rows.len() {
        let parts: Vec<&str> = rows[i].item_zh.split('/').collect();
        // Rows sharing a top label (三、本年度办理结果) and a second one (（三）不予公开) merge down.
        let same_top = |k: usize| rows[k].item_zh.split('/').next() == Some(parts[0]);
        let top_end = (i..rows.len()).take_while(|&k| same_top(k)).last().unwrap_or(i);
        if parts.len() == 1 {
            w.label(row, 0, row, 2, parts[0], &label)?;
            row_of.push(row);
            write_matrix_row(w, &rows[i].cells, row)?;
            row += 1;
            i += 1;
            continue;
        }
        let top_rows = (top_end - i + 1) as u32;
        w.label(row, 0, row + top_rows - 1, 0, parts[0], &label)?;
        let mut k = i;
        while k <= top_end {
            let p: Vec<&str> = rows[k].item_zh.split('/').collect();
            let second = p.get(1).copied().unwrap_or("");
            let group_end = (k..=top_end)
                .take_while(|&q| rows[q].item_zh.split('/').nth(1) == Some(second))
                .last()
                .unwrap_or(k);
            if p.len() == 2 && group_end == k {
                w.label(row, 1, row, 2, second, &label)?;
                row_of.push(row);
                write_matrix_row(w, &rows[k].cells, row)?;
                row += 1;
                k += 1;
                continue;
            }
            w.label(row, 1, row + (group_end - k) as u32, 1, second, &label)?;
            for r in &rows[k..=group_end] {
                let third = r.item_zh.split('/').nth(2).unwrap_or("");
                w.ws.write_string_with_format(row, 2, third, &label)?;
                // A label wider than its column wraps: give it the lines it needs.
                let lines = unicode_width::UnicodeWidthStr::width(third).div_ceil(42).max(1);
                if lines > 1 {
                    w.ws.set_row_height(row, 15.0 * lines as f64)?;
                }
                row_of.push(row);
                write_matrix_row(w, &r.cells, row)?;
                row += 1;
            }
            k = group_end + 1;
        }
        i = top_end + 1;
    }
    // R3 beside each row: the six applicant columns add up to 总计.
    for &r in &row_of {
        w.check(r, 10, &(3u16..9).map(|c| (r, c)).collect::<Vec<_>>(), &[(r, 9)])?;
    }
    // R1 and R2 under each column.
    let note = w.st.note.clone();
    w.ws.write_string_with_format(row, 2, "R1 一+二=三（七）+四", &note)?;
    w.ws.write_string_with_format(row + 1, 2, "R2 （七）总计=（一）至（六）之和", &note)?;
    for col in 0..7u16 {
        let at = |idx: usize| (row_of[idx], 3 + col);
        w.check(
            row,
            3 + col,
            &[at(form.received_row), at(form.carried_in_row)],
            &[at(form.closed_total_row), at(form.carried_forward_row)],
        )?;
        let parts: Vec<(u32, u16)> = form.result_rows.iter().map(|&r| at(r)).collect();
        w.check(row + 1, 3 + col, &[at(form.closed_total_row)], &parts)?;
    }
    Ok(row + 2)
}

fn write_matrix_row(w: &mut Writer, cells: &[usize; 7], row: u32) -> Result<(), Error> {
    for (i, &m) in cells.iter().enumerate() {
        w.value_cell(m, row, 3 + i as u16)?;
    }
    Ok(())
}

/// 四、政府信息公开行政复议、行政诉讼情况: the groups side by side under merged headers, R4 under each.
fn appeals_table(w: &mut Writer, form: &crate::reference::catalog::Form, start: u32) -> Result<u32, Error> {
    let header = w.st.header.clone();
    let n = form.appeal_groups.len() as u16;
    w.label(start, 0, start, 5 * n - 1, "四、政府信息公开行政复议、行政诉讼情况", &header)?;
    let h = start + 1;
    // Group names are `行政复议` or `行政诉讼/未经复议直接起诉`: a shared first part merges across.
    let mut col = 0u16;
    let mut g = 0;
    while g < form.appeal_groups.len() {
        let name = &form.appeal_groups[g].name_zh;
        let (top, sub) = name.split_once('/').unwrap_or((name.as_str(), ""));
        let span =
            form.appeal_groups[g..].iter().take_while(|x| x.name_zh.split('/').next() == Some(top)).count()
                as u16;
        if sub.is_empty() {
            w.label(h, col, h + 1, col + 4, top, &header)?;
        } else {
            w.label(h, col, h, col + 5 * span - 1, top, &header)?;
            for k in 0..span {
                let subname =
                    form.appeal_groups[g + k as usize].name_zh.split_once('/').map(|x| x.1).unwrap_or("");
                w.label(h + 1, col + 5 * k, h + 1, col + 5 * k + 4, subname, &header)?;
            }
        }
        col += 5 * span;
        g += span as usize;
    }
    let value_row = h + 3;
    for (gi, group) in form.appeal_groups.iter().enumerate() {
        let base = gi as u16 * 5;
        for (k, &m) in group.parts.iter().chain(std::iter::once(&group.total)).enumerate() {
            let col_label = if k < 4 { catalog().metric(m).column_zh.clone() } else { "总计".to_string() };
            w.ws.write_string_with_format(h + 2, base + k as u16, &col_label, &header)?;
            w.value_cell(m, value_row, base + k as u16)?;
        }
        let parts: Vec<(u32, u16)> = (0..4).map(|k| (value_row, base + k)).collect();
        w.check(value_row + 1, base + 4, &parts, &[(value_row, base + 4)])?;
    }
    let note = w.st.note.clone();
    w.ws.write_string_with_format(value_row + 1, 0, "R4 总计=结果维持+结果纠正+其他结果+尚未审结", &note)?;
    Ok(value_row + 2)
}
