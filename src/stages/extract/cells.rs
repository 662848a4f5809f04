//! Every input form becomes the same thing: rows of table cells in reading order, prose lines as
//! one-cell rows. This module holds that model and reads it out of plain text, where a table shows
//! up as tab-indented cells in blank-line separated blocks (a .docx dumped to text), as pipe rows
//! (`| a | b |`, also one cell per line with `|` separators), or as a whole row on one line.

/// One table cell (or prose line) as printed.
#[derive(Debug, Clone, PartialEq)]
pub struct Cell {
    /// The cell text; the line breaks of a multi-line cell are kept as `\n`.
    pub text: String,
    /// Row ordinal in the document.
    pub row: u32,
    /// 1-based source line where the cell starts, when the input has lines (0 otherwise); for a
    /// worksheet, its row.
    pub line: u32,
    /// For a worksheet: the cell's 1-based column (0 otherwise), so that the log names `D7`.
    pub col: u32,
}

impl Cell {
    /// Where to find the cell, for the extraction log.
    pub fn place(&self) -> String {
        if self.col > 0 && self.line > 0 {
            format!("{}{}", column_letters(self.col), self.line)
        } else if self.line > 0 {
            format!("line {}", self.line)
        } else {
            format!("table row {}", self.row + 1)
        }
    }
}

/// A 1-based column number as a spreadsheet names it: 1 → `A`, 27 → `AA`.
pub fn column_letters(mut col: u32) -> String {
    let mut out = Vec::new();
    while col > 0 {
        let rem = ((col - 1) % 26) as u8;
        out.push(b'A' + rem);
        col = (col - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A document as a flat list of cells; `Cell::row` tells the rows apart.
#[derive(Debug, Default, Clone)]
pub struct Cells {
    pub cells: Vec<Cell>,
    rows: u32,
}

impl Cells {
    /// Append a row; an empty row is not recorded.
    pub fn push_row<I: IntoIterator<Item = (String, u32)>>(&mut self, cells: I) {
        let row = self.rows;
        let before = self.cells.len();
        self.cells.extend(cells.into_iter().map(|(text, line)| Cell { text, row, line, col: 0 }));
        if self.cells.len() > before {
            self.rows += 1;
        }
    }

    /// Append a worksheet row: its 1-based row number and (1-based column, text) cells.
    pub fn push_sheet_row<I: IntoIterator<Item = (u32, String)>>(&mut self, sheet_row: u32, cells: I) {
        let row = self.rows;
        let before = self.cells.len();
        self.cells.extend(cells.into_iter().map(|(col, text)| Cell { text, row, line: sheet_row, col }));
        if self.cells.len() > before {
            self.rows += 1;
        }
    }

    /// Whether the document puts each cell on a row of its own (no row structure to rely on).
    /// Decided from the rows that hold a digit: most of them have several cells in a real table.
    pub fn one_cell_per_row(&self) -> bool {
        let (mut single, mut multi) = (0usize, 0usize);
        let mut i = 0;
        while i < self.cells.len() {
            let row = self.cells[i].row;
            let j = self.cells[i..].iter().position(|c| c.row != row).map_or(self.cells.len(), |k| i + k);
            if self.cells[i..j].iter().any(|c| c.text.bytes().any(|b| b.is_ascii_digit())) {
                if j - i == 1 {
                    single += 1;
                } else {
                    multi += 1;
                }
            }
            i = j;
        }
        single > 2 * multi
    }
}

/// Word leaves markers such as `[bookmark: _GoBack]` in text dumps.
fn strip_artefacts(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(start) = rest.find("[bookmark:") {
        out.push_str(&rest[..start]);
        match rest[start..].find(']') {
            Some(end) => rest = &rest[start + end + 1..],
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// Read plain text into cells, choosing the pipe reading when the text has pipe rows.
pub fn from_text(text: &str) -> Cells {
    let pipe_lines = text.lines().filter(|l| l.contains('|')).count();
    if pipe_lines >= 5 {
        from_pipe_text(text)
    } else {
        from_tab_text(text)
    }
}

/// A line that is a whole row: a label followed by numbers separated by spaces
/// (`四、结转下年度继续办理 0 0 0 0 0 0 0`, as PDF text extraction prints it).
fn split_spaced_row(line: &str) -> Option<Vec<String>> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let numeric = |w: &str| w.chars().all(|c| c.is_ascii_digit() || c == '.' || c == ',' || "-/".contains(c));
    let first_number = words.iter().position(|w| numeric(w))?;
    if first_number == 0 || !words[first_number..].iter().all(|w| numeric(w)) {
        return None;
    }
    let mut cells = vec![words[..first_number].join(" ")];
    cells.extend(words[first_number..].iter().map(|w| w.to_string()));
    Some(cells)
}

/// The docx-dump form: rows are blank-line separated blocks, each tab-indented line a cell, an
/// unindented line inside a block the continuation of the cell above (`商业⏎企业`), and unindented
/// lines outside a table each a row of their own.
fn from_tab_text(text: &str) -> Cells {
    let mut out = Cells::default();
    let mut row: Vec<(String, u32)> = Vec::new();
    let mut in_cells = false;
    for (n, raw) in text.lines().enumerate() {
        let line_no = n as u32 + 1;
        let line = strip_artefacts(raw.trim_end_matches(['\r', ' ']));
        if line.is_empty() {
            out.push_row(std::mem::take(&mut row));
            in_cells = false;
        } else if let Some(cell) = line.strip_prefix('\t') {
            row.push((cell.trim().to_string(), line_no));
            in_cells = true;
        } else if in_cells {
            if let Some((last, _)) = row.last_mut() {
                last.push('\n');
                last.push_str(line.trim());
            }
        } else {
            match split_spaced_row(line.trim()) {
                Some(cells) => out.push_row(cells.into_iter().map(|c| (c, line_no))),
                None => out.push_row([(line.trim().to_string(), line_no)]),
            }
        }
    }
    out.push_row(row);
    out
}

/// Pipe rows: each line with `|` is a row of `|`-separated cells (a leading `|` and a trailing `|`
/// or `||` are frames, not cells, except that a row without a left frame has no right frame either:
/// its trailing `|` is followed by a blank last cell); a line of only `|` separates cells; other
/// lines are one-cell rows.
fn from_pipe_text(text: &str) -> Cells {
    let mut out = Cells::default();
    for (n, raw) in text.lines().enumerate() {
        let line_no = n as u32 + 1;
        let line = strip_artefacts(raw).trim().to_string();
        if line.is_empty() {
            continue;
        }
        if !line.contains('|') {
            out.push_row([(line, line_no)]);
            continue;
        }
        let mut body = line.as_str();
        let framed = body.starts_with('|');
        body = body.strip_prefix('|').unwrap_or(body);
        let double = body.ends_with("||");
        body = body.strip_suffix("||").or_else(|| body.strip_suffix('|')).unwrap_or(body);
        if body.trim().is_empty() {
            continue;
        }
        // Markdown separator rows (`|---|---|`) are no data.
        if body.chars().all(|c| "-|: ".contains(c)) && body.contains("--") {
            continue;
        }
        // A row with no frame on the left (`（一）予以公开 | 25 | 3 |  |  | 1 | 1 | `) has none on the
        // right either: its last `|` separates a blank last cell. Blank cells past a full row are
        // dropped when the row is read, so a framed row loses nothing by this.
        let trailing_blank = !framed && !double && line.ends_with('|') && body.matches('|').count() >= 2;
        let cells = body.split('|').map(|c| (c.trim().to_string(), line_no));
        if trailing_blank {
            out.push_row(cells.chain([(String::new(), line_no)]));
        } else {
            out.push_row(cells);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(c: &Cells) -> Vec<Vec<&str>> {
        let mut out: Vec<Vec<&str>> = Vec::new();
        for cell in &c.cells {
            if out.len() as u32 <= cell.row {
                out.push(Vec::new());
            }
            out[cell.row as usize].push(&cell.text);
        }
        out
    }

    #[test]
    fn tab_blocks_with_split_cells() {
        let c = from_text("标题\n\n\t\n\t商业\n企业\n\t其他\n\n\t行政许可\n\t34754\n");
        assert_eq!(rows(&c), vec![vec!["标题"], vec!["", "商业\n企业", "其他"], vec!["行政许可", "34754"]]);
        assert_eq!(c.cells[4].line, 8);
    }

    #[test]
    fn pipe_rows_and_frames() {
        let t = "a\n| 一、本年新收 | 58 | 7 | | 0 |\n|---|---|\n二、上年结转 | 1 | 2 ||\n0 |\n|\n0 |\n";
        let c = from_text(&format!("{t}{t}"));
        let r = rows(&c);
        assert_eq!(r[1], vec!["一、本年新收", "58", "7", "", "0"]);
        assert_eq!(r[2], vec!["二、上年结转", "1", "2"]);
        assert_eq!(r[3], vec!["0"]);
        assert_eq!(r[4], vec!["0"]);
    }

    #[test]
    fn a_trailing_separator_without_a_left_frame_ends_in_a_blank_cell() {
        let t = "（一）予以公开 | 25 | 3 |  |  | 1 | 1 | \n| 二、上年结转 | 1 | 2 |\n";
        let c = from_text(&t.repeat(5));
        assert_eq!(rows(&c)[0], vec!["（一）予以公开", "25", "3", "", "", "1", "1", ""]);
        assert_eq!(rows(&c)[1], vec!["二、上年结转", "1", "2"]);
    }

    #[test]
    fn a_row_on_one_line() {
        let c = from_text("四、结转下年度继续办理 0 0 1 0 0 0 1\n收取信息处理费 380 元\n");
        assert_eq!(rows(&c)[0], vec!["四、结转下年度继续办理", "0", "0", "1", "0", "0", "0", "1"]);
        assert_eq!(rows(&c)[1], vec!["收取信息处理费 380 元"]);
    }
}
