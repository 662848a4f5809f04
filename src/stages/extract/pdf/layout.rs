//! Rows and cells from where the text is, never from the order a PDF stores its strings in.
//!
//! A table with ruling lines (nearly every published report: Word, WPS, LibreOffice and browsers
//! all draw the borders) is read as a grid: each cell is the box the nearest rules around a point
//! enclose, so a merged cell is one box and an empty cell is a box without text, which the table
//! reader then sees as a blank like in HTML. A box belongs to the table row where its top edge is,
//! so a merged group label stands on its first row only, as HTML's `rowspan` does. The text in a
//! box is read line by line, so a header written one character per line (`行⏎政⏎复⏎议`) reads as
//! one label, and a number's alignment in its box does not matter.
//!
//! Text outside boxes (the title, prose, a table without rules) is grouped into lines by baseline,
//! and a line is split into cells at gaps wider than a character; there a blank cell leaves no
//! trace, so such a row comes out short and the table reader refuses it rather than shift values.
//! A cell column written one character per line is joined back into one cell.
//!
//! Pages are read one after the other, so a table that continues on the next page continues in
//! the rows. In the top or bottom 8% of a page, page numbers, print dates and links are dropped,
//! and so is a line found there on more than one page (a running header or footer).

use super::content::{Char, PageContent};
use crate::stages::extract::cells::Cells;
use std::collections::HashSet;

/// A row on a page: its top, and its cells.
struct Item {
    y: f64,
    cells: Vec<String>,
    /// A table row: each cell's left and right edge, and whether the row was cut by the page's
    /// end (every box open at the bottom) or continues one from the page before (open at the top).
    cols: Vec<(f64, f64)>,
    cut_top: bool,
    cut_bottom: bool,
    /// A prose line in the top or bottom margin, with its key for repeat detection.
    margin_key: Option<String>,
}

#[derive(Debug, Clone, Copy)]
struct Box_ {
    top: f64,
    bottom: f64,
    left: f64,
    right: f64,
    /// No rule closes the box on this side: a page break cut it.
    open_top: bool,
    open_bottom: bool,
}

impl Box_ {
    fn contains(&self, x: f64, y: f64) -> bool {
        x > self.left && x < self.right && y > self.bottom && y < self.top
    }
}

/// The rows of all pages, as cells.
pub fn layout(pages: &[PageContent]) -> Cells {
    let mut per_page: Vec<Vec<Item>> = pages.iter().map(page_items).collect();
    // A margin line on more than one page is a running header or footer.
    let mut pages_of: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for items in &mut per_page {
        let mut here = HashSet::new();
        for item in items.iter_mut() {
            if item.margin_key.is_some() {
                item.cells.retain(|c| !is_print_furniture(c));
                let key: String =
                    item.cells.join(" ").chars().map(|c| if c.is_ascii_digit() { '#' } else { c }).collect();
                item.margin_key = Some(key.clone());
                here.insert(key);
            }
        }
        for k in here {
            *pages_of.entry(k).or_default() += 1;
        }
    }
    let mut rows: Vec<Item> = Vec::new();
    for items in per_page {
        // The last table row of the page before: a page break may have cut it.
        let last = rows.iter().rposition(|i| !i.cols.is_empty());
        let mut first_table_row = true;
        for item in items {
            if let Some(key) = &item.margin_key {
                if item.cells.is_empty() || pages_of.get(key).copied().unwrap_or(0) > 1 {
                    continue;
                }
            }
            if !item.cols.is_empty() && std::mem::replace(&mut first_table_row, false) {
                if let Some(k) = last.filter(|&k| continues(&rows[..k], &rows[k], &item)) {
                    continue_row(&mut rows[k], item);
                    continue;
                }
            }
            rows.push(item);
        }
    }
    let mut out = Cells::default();
    for item in rows {
        out.push_row(item.cells.into_iter().map(|t| (t, 0)));
    }
    out
}

/// Whether the first table row of a page is the rest of `prev`, the last row of the page before:
/// no rule closes the cut (both open), or (writers that close the cut with rules, as LibreOffice
/// does) `prev` has numbers and `next` has none, only text each within one of `prev`'s cells (the
/// same columns: not the header of the next table), and is no
/// repeat of an earlier row (a table header printed again on each page).
fn continues(earlier: &[Item], prev: &Item, next: &Item) -> bool {
    if prev.cut_bottom && next.cut_top {
        return true;
    }
    let number = |c: &String| !c.is_empty() && c.chars().all(|x| x.is_ascii_digit() || ".,-".contains(x));
    let within = |&(l, r): &(f64, f64)| prev.cols.iter().any(|&(a, b)| l >= a - 2.0 && r <= b + 2.0);
    let joined = next.cells.concat();
    prev.cells.iter().any(number)
        && !next.cells.iter().any(number)
        && next.cells.iter().zip(&next.cols).all(|(c, col)| c.is_empty() || within(col))
        && !earlier.iter().any(|i| i.cells.concat() == joined)
}

/// A row cut by a page break: the rest of each cell's text, from the top of the next page, goes
/// to the cell it lies under.
fn continue_row(row: &mut Item, rest: Item) {
    for (text, (l, r)) in rest.cells.into_iter().zip(rest.cols) {
        if text.is_empty() {
            continue;
        }
        let overlap = |&(a, b): &(f64, f64)| (r.min(b) - l.max(a)).max(0.0);
        let best =
            (0..row.cols.len()).max_by(|&i, &j| overlap(&row.cols[i]).total_cmp(&overlap(&row.cols[j])));
        if let Some(i) = best.filter(|&i| overlap(&row.cols[i]) > 0.0) {
            let cell = &mut row.cells[i];
            if !cell.is_empty() {
                cell.push('\n');
            }
            cell.push_str(&text);
        }
    }
    row.cut_bottom = rest.cut_bottom;
}

/// What a printer puts in a page's margin: a page number (`- 3 -`, `第 3 页`, `3/10`), a date or
/// time (`2024/3/1 10:20`), a link (`file://…`, `http…`).
fn is_print_furniture(cell: &str) -> bool {
    let t = cell.trim();
    let lower = t.to_ascii_lowercase();
    if ["file:", "http:", "https:", "www."].iter().any(|p| lower.starts_with(p)) {
        return true;
    }
    let digits = t.chars().filter(char::is_ascii_digit).count();
    let rest: String = lower.replace("am", "").replace("pm", "").replace("page", "").replace("of", "");
    digits >= 1 && rest.chars().all(|c| c.is_ascii_digit() || " -—–/:.,，·()（）第页共年月日".contains(c))
}

fn merge_lines(mut lines: Vec<(f64, f64, f64)>) -> Vec<(f64, f64, f64)> {
    lines.retain(|l| l.0.is_finite() && l.1.is_finite() && l.2.is_finite());
    lines.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
    let mut out: Vec<(f64, f64, f64)> = Vec::new();
    for l in lines {
        match out.last_mut() {
            Some(m) if (l.0 - m.0).abs() <= 1.0 && l.1 <= m.2 + 2.0 => m.2 = m.2.max(l.2),
            _ => out.push(l),
        }
    }
    out.retain(|l| l.2 - l.1 >= 4.0);
    out
}

/// Distinct positions, each within `tol` of the last kept one merged into it.
fn distinct(mut v: Vec<f64>, tol: f64) -> Vec<f64> {
    v.sort_by(f64::total_cmp);
    let mut out: Vec<f64> = Vec::new();
    for x in v {
        if out.last().is_none_or(|&l| x - l > tol) {
            out.push(x);
        }
    }
    out
}

/// The cell boxes of the page's ruled tables.
fn boxes(p: &PageContent) -> Vec<Box_> {
    let h = merge_lines(p.hlines.clone());
    let v = merge_lines(p.vlines.clone());
    let ys = distinct(h.iter().map(|l| l.0).collect(), 1.0);
    let xs = distinct(v.iter().map(|l| l.0).collect(), 1.0);
    if ys.len() < 2 || xs.len() < 2 || ys.len() * xs.len() > 40_000 {
        return Vec::new();
    }
    let page_height = (p.top - p.bottom).abs().max(1.0);
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for yw in ys.windows(2) {
        let my = (yw[0] + yw[1]) / 2.0;
        for xw in xs.windows(2) {
            let mx = (xw[0] + xw[1]) / 2.0;
            let covers_x = |l: &&(f64, f64, f64)| l.1 - 1.5 <= mx && mx <= l.2 + 1.5;
            let covers_y = |l: &&(f64, f64, f64)| l.1 - 1.5 <= my && my <= l.2 + 1.5;
            let top = h.iter().filter(covers_x).map(|l| l.0).filter(|&y| y > my).min_by(f64::total_cmp);
            let bottom = h.iter().filter(covers_x).map(|l| l.0).filter(|&y| y < my).max_by(f64::total_cmp);
            let nearest = |right: bool| {
                v.iter()
                    .filter(covers_y)
                    .filter(|l| if right { l.0 > mx } else { l.0 < mx })
                    .min_by(|a, b| (a.0 - mx).abs().total_cmp(&(b.0 - mx).abs()))
            };
            let (Some(left), Some(right)) = (nearest(false), nearest(true)) else { continue };
            // A cell cut by a page break has no rule on its cut side: its side rules end there.
            let (open_top, open_bottom) = (top.is_none(), bottom.is_none());
            let top = top.or(Some(left.2.min(right.2)).filter(|&t| t > my));
            let bottom = bottom.or(Some(left.1.max(right.1)).filter(|&b| b < my));
            let (Some(top), Some(bottom), left, right) = (top, bottom, left.0, right.0) else {
                continue;
            };
            // The gap between the double borders of separated cells is no cell; nor is a frame
            // around the page.
            let frame = top - bottom > page_height / 3.0 && right - left > 0.6 * p.width;
            if top - bottom < 4.0 || right - left < 4.0 || frame {
                continue;
            }
            let key = [top, bottom, left, right].map(|x| (x * 4.0).round() as i64);
            if seen.insert(key) {
                out.push(Box_ { top, bottom, left, right, open_top, open_bottom });
            }
        }
    }
    out
}

/// Characters into lines: by baseline, top to bottom, each line left to right.
fn lines_of(mut chars: Vec<&Char>) -> Vec<Vec<&Char>> {
    chars.sort_by(|a, b| b.y.total_cmp(&a.y));
    let mut lines: Vec<Vec<&Char>> = Vec::new();
    for c in chars {
        match lines.last_mut() {
            Some(line) if (line[0].y - c.y).abs() <= 0.4 * c.size.min(line[0].size).max(1.0) => line.push(c),
            _ => lines.push(vec![c]),
        }
    }
    for line in &mut lines {
        line.sort_by(|a, b| a.x0.total_cmp(&b.x0));
    }
    lines
}

/// The text of characters on one line; a gap of a quarter character or more is a space.
fn line_text(line: &[&Char]) -> String {
    let mut s = String::new();
    let mut last: Option<&Char> = None;
    for c in line {
        if let Some(l) = last {
            if c.x0 - l.x1 > 0.25 * c.size {
                s.push(' ');
            }
        }
        s.push_str(&c.text);
        last = Some(c);
    }
    s
}

fn page_items(p: &PageContent) -> Vec<Item> {
    let boxes = boxes(p);
    let mut in_box: Vec<Vec<&Char>> = vec![Vec::new(); boxes.len()];
    let mut loose: Vec<&Char> = Vec::new();
    for c in &p.chars {
        let (cx, cy) = ((c.x0 + c.x1) / 2.0, c.y + 0.3 * c.size);
        match boxes.iter().position(|b| b.contains(cx, cy)) {
            Some(k) => in_box[k].push(c),
            None => loose.push(c),
        }
    }
    let mut items = Vec::new();

    // Table rows: boxes by their top edge.
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| {
        boxes[b].top.total_cmp(&boxes[a].top).then(boxes[a].left.total_cmp(&boxes[b].left))
    });
    let mut k = 0;
    while k < order.len() {
        let top = boxes[order[k]].top;
        let mut row: Vec<usize> = Vec::new();
        while k < order.len() && (boxes[order[k]].top - top).abs() <= 1.5 {
            row.push(order[k]);
            k += 1;
        }
        row.sort_by(|&a, &b| boxes[a].left.total_cmp(&boxes[b].left));
        let cells: Vec<String> = row
            .iter()
            .map(|&b| lines_of(in_box[b].clone()).iter().map(|l| line_text(l)).collect::<Vec<_>>().join("\n"))
            .collect();
        if cells.iter().any(|c| !c.is_empty()) {
            items.push(Item {
                y: top,
                cells,
                cols: row.iter().map(|&b| (boxes[b].left, boxes[b].right)).collect(),
                cut_top: row.iter().all(|&b| boxes[b].open_top),
                cut_bottom: row.iter().all(|&b| boxes[b].open_bottom),
                margin_key: None,
            });
        }
    }

    // Loose text: lines, split at wide gaps.
    let height = (p.top - p.bottom).abs();
    let mut segments: Vec<(f64, Vec<Vec<&Char>>)> = Vec::new();
    for line in lines_of(loose) {
        let mut cells: Vec<Vec<&Char>> = Vec::new();
        for c in line.iter().copied() {
            match cells.last_mut() {
                Some(cell) if c.x0 - cell[cell.len() - 1].x1 <= 1.0 * c.size => cell.push(c),
                _ => cells.push(vec![c]),
            }
        }
        segments.push((line[0].y, cells));
    }
    join_vertical_columns(&mut segments);
    for (y, cells) in segments {
        if cells.is_empty() {
            continue;
        }
        let size = cells[0][0].size;
        let texts: Vec<String> = cells.iter().map(|c| join_cell_text(c)).collect();
        let in_margin = height > 0.0 && (y > p.top - 0.08 * height || y < p.bottom + 0.08 * height);
        let margin_key = in_margin.then(String::new);
        items.push(Item {
            y: y + 0.8 * size,
            cells: texts,
            cols: Vec::new(),
            cut_top: false,
            cut_bottom: false,
            margin_key,
        });
    }
    items.sort_by(|a, b| b.y.total_cmp(&a.y));
    items
}

/// A loose cell's text: its characters by line (a joined vertical column has one per line).
fn join_cell_text(chars: &[&Char]) -> String {
    lines_of(chars.to_vec()).iter().map(|l| line_text(l)).collect::<Vec<_>>().join("\n")
}

/// A column of single characters, one per line at the same x and a line apart (a header cell
/// written vertically), becomes one cell on the row of its first character.
fn join_vertical_columns(segments: &mut [(f64, Vec<Vec<&Char>>)]) {
    let single = |cell: &Vec<&Char>| cell.len() == 1 && !cell[0].text.chars().any(|c| c.is_ascii_digit());
    for i in 0..segments.len() {
        let mut k = 0;
        while k < segments[i].1.len() {
            if !single(&segments[i].1[k]) {
                k += 1;
                continue;
            }
            let head = segments[i].1[k][0];
            let mut joined = vec![head];
            let mut last_y = segments[i].0;
            let mut j = i + 1;
            while j < segments.len() && last_y - segments[j].0 <= 1.8 * head.size {
                let pos = segments[j]
                    .1
                    .iter()
                    .position(|c| single(c) && (c[0].x0 - head.x0).abs() <= 0.25 * head.size);
                match pos {
                    Some(p) => {
                        joined.push(segments[j].1.remove(p)[0]);
                        last_y = segments[j].0;
                        j += 1;
                    }
                    None => break,
                }
            }
            if joined.len() >= 3 {
                segments[i].1[k] = joined;
            } else if joined.len() == 2 {
                // Two are no column: put the second back where it was.
                let c = joined[1];
                if let Some(seg) = segments[i + 1..].iter_mut().find(|s| (s.0 - c.y).abs() < 0.01) {
                    let at = seg.1.iter().position(|x| x[0].x0 > c.x0).unwrap_or(seg.1.len());
                    seg.1.insert(at, vec![c]);
                }
            }
            k += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ch(x: f64, y: f64, t: &str) -> Char {
        Char { x0: x, x1: x + 10.0, y, size: 10.0, text: t.into() }
    }

    fn rows(c: &Cells) -> Vec<Vec<String>> {
        let mut out: Vec<Vec<String>> = Vec::new();
        for cell in &c.cells {
            if out.len() as u32 <= cell.row {
                out.push(Vec::new());
            }
            out[cell.row as usize].push(cell.text.clone());
        }
        out
    }

    #[test]
    fn ruled_grid_with_merged_and_empty_cells() {
        // Two rows, three columns; the first column merged over both rows; (row 2, col 3) empty.
        let mut p = PageContent { top: 800.0, bottom: 0.0, ..Default::default() };
        for y in [700.0, 680.0, 660.0] {
            let x0 = if y == 680.0 { 100.0 } else { 0.0 };
            p.hlines.push((y, x0, 300.0));
        }
        for x in [0.0, 100.0, 200.0, 300.0] {
            p.vlines.push((x, 660.0, 700.0));
        }
        p.chars =
            vec![ch(10.0, 675.0, "甲"), ch(150.0, 685.0, "1"), ch(250.0, 685.0, "2"), ch(150.0, 665.0, "3")];
        // Stored out of order: the layout must not care.
        p.chars.reverse();
        let r = rows(&layout(&[p]));
        assert_eq!(r, vec![vec!["甲", "1", "2"], vec!["3", ""]]);
    }

    #[test]
    fn running_footer_and_page_numbers_dropped() {
        let page = |n: &str| PageContent {
            top: 800.0,
            bottom: 0.0,
            chars: vec![
                ch(10.0, 700.0, "正"),
                ch(20.0, 700.0, "文"),
                ch(10.0, 30.0, "页"),
                ch(300.0, 15.0, n),
            ],
            ..Default::default()
        };
        let r = rows(&layout(&[page("1"), page("2")]));
        assert_eq!(r, vec![vec!["正文"], vec!["正文"]]);
    }

    #[test]
    fn vertical_header_joined() {
        let p = PageContent {
            top: 800.0,
            bottom: 0.0,
            chars: vec![
                ch(10.0, 600.0, "行"),
                ch(10.0, 588.0, "政"),
                ch(10.0, 576.0, "复"),
                ch(10.0, 564.0, "议"),
            ],
            ..Default::default()
        };
        assert_eq!(rows(&layout(&[p])), vec![vec!["行\n政\n复\n议"]]);
    }
}
