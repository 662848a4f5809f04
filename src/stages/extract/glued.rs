//! Rows whose cells ran together: text copied or crawled from a page sometimes loses every cell
//! boundary, so that a row reads `一、本年新收政府信息公开申请数量6210000063` or the 复议/诉讼 row is one
//! string of fifteen or more digits.
//!
//! Such a row is recovered only when the format's own equations leave exactly one way to cut its
//! digits: each matrix row's 总计 is the sum of its six applicant cells (R3), each column's
//! 一 + 二 = （七） + 四 (R1) and （七） = the sum of the result rows (R2), each 复议/诉讼 总计 the sum of
//! its four parts (R4). A cut is never guessed: a row with two or more cuts that satisfy every
//! equation, or none, makes the report refused with the rows named. Numbers have no leading zeros
//! (except `0` itself) and at most 15 digits; the search is bounded (ways kept per row, steps over
//! all rows) and running out of bounds is a refusal too, never a choice.

use super::cells::Cells;
use super::tables::{row_named_by, Origin, RowRef, TableRead};
use super::text::{label_key, normalize};
use crate::reference::catalog::{catalog, Format};

/// Longest number a cell may hold (what a value can carry exactly).
const MAX_DIGITS: usize = 15;
/// Ways kept per row: more means the row is ambiguous anyway.
const MAX_WAYS: usize = 256;
/// Search steps for the whole report's rows, each cut alone.
const BUDGET: usize = 4_000_000;
/// Joint choices tried across the matrix rows (each checks the equations its row closes).
const JOINT_BUDGET: usize = 100_000;

/// How a row's numbers are tied: none (主动公开 rows), or blocks each ending in the sum of the rest.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    Free,
    /// Blocks of this many numbers, the last of each the sum of the others.
    Sums(usize),
}

#[derive(Debug)]
struct Glued {
    row: RowRef,
    shape: Shape,
    digits: String,
    place: String,
    /// Index in the format's matrix, for a matrix row.
    matrix_row: Option<usize>,
}

/// What came of the rows that ran together.
#[derive(Debug, Default)]
pub struct Recovery {
    /// One line per recovered row, for the log and the finding.
    pub recovered: Vec<String>,
    /// One line per row that cannot be cut in exactly one way; non-empty means refuse.
    pub ambiguous: Vec<String>,
}

/// Find rows whose cells ran together among the cells `read` left missing, and recover those the
/// equations cut in exactly one way into `read` (values, origins, log, missing).
pub fn recover(doc: &Cells, format: Format, read: &mut TableRead) -> Recovery {
    let mut out = Recovery::default();
    let glued = find(doc, format, read);
    if glued.is_empty() {
        return out;
    }
    let mut budget = BUDGET;
    let mut joint_budget = JOINT_BUDGET;
    let mut ways: Vec<Option<Vec<Vec<u64>>>> = Vec::new();
    for g in &glued {
        let digits: Vec<u8> = g.digits.bytes().collect();
        ways.push(splits(&digits, g.row.metrics.len(), g.shape, &mut budget));
    }
    // Rows outside the matrix stand alone; matrix rows are also tied to each other by column.
    let mut chosen: Vec<Option<usize>> = vec![None; glued.len()];
    let mut matrix_rows = Vec::new();
    for (i, g) in glued.iter().enumerate() {
        match &ways[i] {
            None => out.ambiguous.push(format!(
                "{} ({}): {:?} has too many ways to cut to search",
                g.row.name, g.place, g.digits
            )),
            Some(w) if g.matrix_row.is_some() => {
                if w.is_empty() {
                    out.ambiguous.push(no_way(g));
                } else {
                    matrix_rows.push(i);
                }
            }
            Some(w) => match w.len() {
                1 => chosen[i] = Some(0),
                0 => out.ambiguous.push(no_way(g)),
                n => out.ambiguous.push(many_ways(g, &count(n), &w[..2])),
            },
        }
    }
    if !matrix_rows.is_empty() && out.ambiguous.is_empty() {
        joint(format, read, &glued, &ways, &matrix_rows, &mut joint_budget, &mut chosen, &mut out);
    }
    if !out.ambiguous.is_empty() {
        read.log.push(format!(
            "cells ran together: {} row(s) cannot be cut in exactly one way",
            out.ambiguous.len()
        ));
        read.log.extend(out.ambiguous.iter().map(|a| format!("  ambiguous {a}")));
        return out;
    }
    for (i, g) in glued.iter().enumerate() {
        let (Some(w), Some(k)) = (&ways[i], chosen[i]) else { continue };
        let values = &w[k];
        for (&metric, &v) in g.row.metrics.iter().zip(values) {
            read.values[metric] = Some(v as f64);
            read.origins[metric] = Some(Origin { raw: v.to_string(), place: g.place.clone() });
        }
        let cut: Vec<String> = values.iter().map(u64::to_string).collect();
        let line = format!("{} ({}): {:?} cut as {}", g.row.name, g.place, g.digits, cut.join(" | "));
        read.log.push(format!(
            "{}: cells ran together as {:?} ({}); the format's equations allow one cut only: {}",
            g.row.name,
            g.digits,
            g.place,
            cut.join(" | ")
        ));
        out.recovered.push(line);
    }
    let form = &catalog().form(format).cells;
    read.missing = form.iter().map(|x| x.metric).filter(|&i| read.values[i].is_none()).collect();
    out
}

fn no_way(g: &Glued) -> String {
    format!(
        "{} ({}): {:?} cannot be cut into {} numbers that satisfy the format's equations",
        g.row.name,
        g.place,
        g.digits,
        g.row.metrics.len()
    )
}

fn many_ways(g: &Glued, ways: &str, two: &[Vec<u64>]) -> String {
    let show = |v: &Vec<u64>| v.iter().map(u64::to_string).collect::<Vec<_>>().join("|");
    let eg = match two {
        [a, b, ..] => format!(", e.g. {} or {}", show(a), show(b)),
        _ => String::new(),
    };
    format!("{} ({}): {:?} cuts {ways} ways{eg}", g.row.name, g.place, g.digits)
}

fn count(n: usize) -> String {
    if n >= MAX_WAYS {
        format!("{n} or more")
    } else {
        n.to_string()
    }
}

/// The trailing run of ASCII digits of a normalised text, and the text in front of it (a count unit
/// such as 件 after the digits is dropped).
fn split_tail(text: &str) -> Option<(&str, &str)> {
    let t = text.trim_end_matches(['件', '个', '项']);
    let start = t
        .rfind(|c: char| !c.is_ascii_digit())
        .map_or(0, |i| i + t[i..].chars().next().map_or(1, char::len_utf8));
    (start < t.len()).then(|| (&t[..start], &t[start..]))
}

fn find(doc: &Cells, format: Format, read: &TableRead) -> Vec<Glued> {
    let form = catalog().form(format);
    let missing = |metrics: &[usize]| metrics.iter().all(|&m| read.values[m].is_none());
    let mut out: Vec<Glued> = Vec::new();
    let mut taken = std::collections::HashSet::new();
    let matrix_index = |metrics: &[usize]| form.matrix.iter().position(|r| r.cells[..] == *metrics);
    let push = |out: &mut Vec<Glued>, row: RowRef, digits: &str, place: String| {
        let shape = if row.matrix { Shape::Sums(7) } else { Shape::Free };
        let matrix_row = if row.matrix { matrix_index(&row.metrics) } else { None };
        out.push(Glued { row, shape, digits: digits.to_string(), place, matrix_row });
    };
    for cell in &doc.cells {
        let text = normalize(&cell.text);
        let Some((prefix, digits)) = split_tail(&text) else { continue };
        let key = label_key(prefix);
        if key.is_empty() || digits.len() < 2 {
            continue;
        }
        let Some(row) = row_named_by(format, &key) else { continue };
        if missing(&row.metrics) && taken.insert(row.name.clone()) {
            push(&mut out, row, digits, cell.place());
        }
    }
    // A label read in its own cell, then one cell of digits where the row's numbers belong: the row
    // was read as one number and the rest missing.
    for spec_metrics in form.matrix.iter().map(|r| r.cells.to_vec()) {
        let (first, rest) = (spec_metrics[0], &spec_metrics[1..]);
        let Some(origin) = &read.origins[first] else { continue };
        let digits = normalize(&origin.raw);
        if read.values[first].is_some()
            && missing(rest)
            && digits.len() >= spec_metrics.len()
            && digits.bytes().all(|b| b.is_ascii_digit())
        {
            let Some(i) = matrix_index(&spec_metrics) else { continue };
            let row =
                RowRef { name: form.matrix[i].item_zh.clone(), metrics: spec_metrics.clone(), matrix: true };
            if taken.insert(row.name.clone()) {
                push(&mut out, row, &digits, origin.place.clone());
            }
        }
    }
    // The 复议/诉讼 row: one cell of at least fifteen digits after the 行政复议 header.
    let appeals: Vec<usize> =
        form.appeal_groups.iter().flat_map(|g| g.parts.iter().copied().chain([g.total])).collect();
    if appeals.iter().any(|&m| read.values[m].is_none()) {
        let keys: Vec<String> = doc.cells.iter().map(|c| label_key(&c.text)).collect();
        if let Some(anchor) = keys.iter().position(|k| k.contains("行政复议")) {
            let hit = doc.cells[anchor + 1..].iter().find(|c| {
                let t = normalize(&c.text);
                t.len() >= appeals.len() && t.bytes().all(|b| b.is_ascii_digit())
            });
            if let Some(c) = hit {
                let row =
                    RowRef {
                        name: "行政复议/行政诉讼".into(), metrics: appeals.clone(), matrix: false
                    };
                out.push(Glued {
                    row,
                    shape: Shape::Sums(5),
                    digits: normalize(&c.text),
                    place: c.place(),
                    matrix_row: None,
                });
            }
        }
    }
    out
}

/// Every way to cut `digits` into `n` numbers (no leading zeros, at most 15 digits each) that
/// satisfies `shape`, up to `MAX_WAYS`; `None` when the budget ran out first.
fn splits(digits: &[u8], n: usize, shape: Shape, budget: &mut usize) -> Option<Vec<Vec<u64>>> {
    let mut found = Vec::new();
    let mut cur = Vec::with_capacity(n);
    let ok = cut(digits, 0, n, shape, &mut cur, &mut found, budget);
    ok.then_some(found)
}

/// Depth-first cutting; false when the budget is spent.
fn cut(
    digits: &[u8],
    pos: usize,
    n: usize,
    shape: Shape,
    cur: &mut Vec<u64>,
    found: &mut Vec<Vec<u64>>,
    budget: &mut usize,
) -> bool {
    if *budget == 0 {
        return false;
    }
    *budget -= 1;
    let i = cur.len();
    let left = digits.len() - pos;
    if i == n {
        if left == 0 {
            found.push(cur.clone());
        }
        return true;
    }
    let numbers_left = n - i;
    if left < numbers_left || left > numbers_left * MAX_DIGITS {
        return true;
    }
    if let Shape::Sums(b) = shape {
        if i % b == b - 1 {
            // The block's total: its digits are fixed by the parts before it.
            let total: u64 = cur[i + 1 - b..i].iter().sum();
            let s = total.to_string();
            if digits[pos..].starts_with(s.as_bytes()) {
                cur.push(total);
                let ok = cut(digits, pos + s.len(), n, shape, cur, found, budget);
                cur.pop();
                return ok;
            }
            return true;
        }
    }
    let longest = MAX_DIGITS.min(left - (numbers_left - 1));
    for len in 1..=longest {
        if len > 1 && digits[pos] == b'0' {
            break;
        }
        let v = digits[pos..pos + len].iter().fold(0u64, |a, &d| a * 10 + u64::from(d - b'0'));
        cur.push(v);
        let ok = cut(digits, pos + len, n, shape, cur, found, budget);
        cur.pop();
        if !ok {
            return false;
        }
        if found.len() >= MAX_WAYS {
            return true;
        }
    }
    true
}

/// The matrix rows that ran together, cut jointly: every column's R1 and R2 must hold over the rows
/// read normally and the cuts chosen. Exactly one joint choice recovers them; otherwise the rows
/// whose cut differs between the choices found (or, with none, every such row) are ambiguous.
#[allow(clippy::too_many_arguments)]
fn joint(
    format: Format,
    read: &TableRead,
    glued: &[Glued],
    ways: &[Option<Vec<Vec<u64>>>],
    rows: &[usize],
    budget: &mut usize,
    chosen: &mut [Option<usize>],
    out: &mut Recovery,
) {
    let form = catalog().form(format);
    // Equations over matrix rows: lhs rows = rhs rows, per column.
    let eqs: Vec<(Vec<usize>, Vec<usize>)> = vec![
        (vec![form.received_row, form.carried_in_row], vec![form.closed_total_row, form.carried_forward_row]),
        (vec![form.closed_total_row], form.result_rows.clone()),
    ];
    // The glued row (index into `glued`) of each matrix row, if any.
    let mut glued_at = vec![None; form.matrix.len()];
    for &i in rows {
        if let Some(r) = glued[i].matrix_row {
            glued_at[r] = Some(i);
        }
    }
    // Fewest ways first: unique rows fix their values before the search branches.
    let mut order = rows.to_vec();
    order.sort_by_key(|&i| ways[i].as_ref().map_or(0, Vec::len));
    let mut pick: Vec<Option<usize>> = vec![None; glued.len()];
    let mut solutions: Vec<Vec<Option<usize>>> = Vec::new();
    let row_of = glued.iter().map(|g| g.matrix_row.unwrap_or(usize::MAX)).collect();
    let mut search = Search {
        form,
        read,
        ways,
        eqs: &eqs,
        glued_at: &glued_at,
        row_of,
        budget,
        solutions: &mut solutions,
    };
    let complete = search.go(&order, 0, &mut pick);
    match (complete, solutions.len()) {
        (true, 1) => {
            for &i in rows {
                chosen[i] = solutions[0][i];
            }
        }
        (_, 0) if complete => {
            for &i in rows {
                out.ambiguous.push(no_way_jointly(&glued[i]));
            }
        }
        _ => {
            for &i in rows {
                let g = &glued[i];
                let Some(w) = &ways[i] else { continue };
                let values: std::collections::BTreeSet<&Vec<u64>> =
                    solutions.iter().filter_map(|s| s[i].map(|k| &w[k])).collect();
                if values.len() > 1 || (!complete && w.len() > 1) {
                    let two: Vec<Vec<u64>> = values.iter().take(2).map(|v| (*v).clone()).collect();
                    let two = if two.len() == 2 { two } else { w.iter().take(2).cloned().collect() };
                    out.ambiguous.push(many_ways(g, "at least 2 (with the other rows)", &two));
                }
            }
            if out.ambiguous.is_empty() {
                // The search stopped before it could tell; name every row it was cutting.
                out.ambiguous.extend(
                    rows.iter().map(|&i| {
                        format!("{} ({}): search bound reached", glued[i].row.name, glued[i].place)
                    }),
                );
            }
        }
    }
}

fn no_way_jointly(g: &Glued) -> String {
    format!(
        "{} ({}): {:?} has no cut that keeps 一 + 二 = （七） + 四 and （七） = the result rows in every column",
        g.row.name, g.place, g.digits
    )
}

struct Search<'a> {
    form: &'a crate::reference::catalog::Form,
    read: &'a TableRead,
    ways: &'a [Option<Vec<Vec<u64>>>],
    eqs: &'a [(Vec<usize>, Vec<usize>)],
    glued_at: &'a [Option<usize>],
    /// The matrix row of each glued row (by index into the glued rows).
    row_of: Vec<usize>,
    budget: &'a mut usize,
    solutions: &'a mut Vec<Vec<Option<usize>>>,
}

impl Search<'_> {
    /// The value of matrix row `r`, column `col`: the cut picked for a glued row, the value read
    /// otherwise; `None` while not yet picked or missing.
    fn value(&self, r: usize, col: usize, pick: &[Option<usize>]) -> Option<u64> {
        match self.glued_at[r] {
            Some(g) => {
                let k = pick[g]?;
                self.ways[g].as_ref().map(|w| w[k][col])
            }
            None => self.read.values[self.form.matrix[r].cells[col]].map(|v| v as u64),
        }
    }

    /// Whether every equation over matrix row `row` whose rows are all known holds.
    fn holds(&self, row: usize, pick: &[Option<usize>]) -> bool {
        for (lhs, rhs) in self.eqs.iter().filter(|(l, r)| l.contains(&row) || r.contains(&row)) {
            for col in 0..7 {
                let sum =
                    |rows: &[usize]| rows.iter().map(|&r| self.value(r, col, pick)).sum::<Option<u64>>();
                if let (Some(a), Some(b)) = (sum(lhs), sum(rhs)) {
                    if a != b {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// False when the budget ran out. Stops after two solutions: one is all that may be taken.
    fn go(&mut self, order: &[usize], depth: usize, pick: &mut Vec<Option<usize>>) -> bool {
        if depth == order.len() {
            self.solutions.push(pick.clone());
            return true;
        }
        let g = order[depth];
        let n = self.ways[g].as_ref().map_or(0, Vec::len);
        for k in 0..n {
            if *self.budget == 0 {
                return false;
            }
            *self.budget -= 1;
            pick[g] = Some(k);
            if self.holds(self.row_of[g], pick) && !self.go(order, depth + 1, pick) {
                return false;
            }
            if self.solutions.len() >= 2 {
                break;
            }
        }
        pick[g] = None;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ways(d: &str, n: usize, shape: Shape) -> Vec<Vec<u64>> {
        let mut budget = BUDGET;
        splits(d.as_bytes(), n, shape, &mut budget).unwrap_or_default()
    }

    #[test]
    fn a_row_total_fixes_the_cut() {
        assert_eq!(ways("621000063", 7, Shape::Sums(7)), vec![vec![62, 1, 0, 0, 0, 0, 63]]);
        // The example: no cut into seven numbers has its total equal to the six before it.
        assert!(ways("6210000063", 7, Shape::Sums(7)).is_empty());
        assert_eq!(ways("0000000", 7, Shape::Sums(7)), vec![vec![0; 7]]);
        // Two cuts keep the row total: the row alone cannot tell them apart.
        assert_eq!(
            ways("110000011", 7, Shape::Sums(7)),
            vec![vec![1, 10, 0, 0, 0, 0, 11], vec![11, 0, 0, 0, 0, 0, 11]]
        );
        assert_eq!(ways("111000012", 7, Shape::Sums(7)).len(), 3);
        assert!(ways("1241310", 3, Shape::Free).len() > 1);
        assert_eq!(ways("000", 3, Shape::Free), vec![vec![0, 0, 0]]);
        assert_eq!(ways("000000000000000", 15, Shape::Sums(5)), vec![vec![0; 15]]);
    }

    #[test]
    fn tails() {
        assert_eq!(split_tail("一、本年新收6210000063"), Some(("一、本年新收", "6210000063")));
        assert_eq!(split_tail("行政许可34754件"), Some(("行政许可", "34754")));
        assert_eq!(split_tail("0000000"), Some(("", "0000000")));
        assert_eq!(split_tail("行政许可"), None);
    }
}
