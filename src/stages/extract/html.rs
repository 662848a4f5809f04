//! HTML pages: every `<tr>` a row of its `<td>`/`<th>` cells, and headings and paragraphs outside
//! tables one-cell rows. Merged cells need no grid: rows are matched by the label they carry and a
//! `rowspan` parent simply is not repeated on the rows below, which the label matching expects.
//! Parsed with `tl`, a small zero-copy parser (2 crates): enough for reading tables, where a full
//! HTML5 tree builder (scraper: 46 crates) would double the build time of this module's deps.

use super::cells::Cells;

const BLOCKS: [&[u8]; 10] =
    [b"p", b"h1", b"h2", b"h3", b"h4", b"title", b"li", b"div", b"section", b"article"];

/// Decode the character references pages actually use in tables.
fn decode_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        let Some(end) = tail.find(';').filter(|&e| e <= 10) else {
            out.push('&');
            rest = &tail[1..];
            continue;
        };
        let name = &tail[1..end];
        let ch = match name {
            "nbsp" | "ensp" | "emsp" => Some(' '),
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|h| u32::from_str_radix(h, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                .and_then(char::from_u32),
        };
        match ch {
            Some(c) => {
                out.push(c);
                rest = &tail[end + 1..];
            }
            None => {
                out.push('&');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn tag_name(node: &tl::Node) -> Option<Vec<u8>> {
    node.as_tag().map(|t| t.name().as_bytes().to_ascii_lowercase())
}

/// The text of a node with `<br>` and block ends as line breaks.
fn text_of(handle: tl::NodeHandle, parser: &tl::Parser, out: &mut String) {
    let Some(node) = handle.get(parser) else { return };
    match node {
        tl::Node::Raw(b) => out.push_str(&decode_entities(&b.as_utf8_str())),
        tl::Node::Comment(_) => {}
        tl::Node::Tag(tag) => {
            let name = tag.name().as_bytes().to_ascii_lowercase();
            if matches!(name.as_slice(), b"script" | b"style") {
                return;
            }
            if name == b"br" {
                out.push('\n');
                return;
            }
            for child in tag.children().top().iter() {
                text_of(*child, parser, out);
            }
            if BLOCKS.contains(&name.as_slice()) {
                out.push('\n');
            }
        }
    }
}

fn walk(handle: tl::NodeHandle, parser: &tl::Parser, out: &mut Cells) {
    let Some(node) = handle.get(parser) else { return };
    let Some(name) = tag_name(node) else {
        if let tl::Node::Raw(b) = node {
            let text = decode_entities(&b.as_utf8_str());
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                out.push_row([(line.to_string(), 0)]);
            }
        }
        return;
    };
    let Some(tag) = node.as_tag() else { return };
    match name.as_slice() {
        b"script" | b"style" => {}
        b"tr" => {
            let mut row = Vec::new();
            for child in tag.children().top().iter() {
                let Some(cell) = child.get(parser) else { continue };
                if matches!(tag_name(cell).as_deref(), Some(b"td") | Some(b"th")) {
                    let mut text = String::new();
                    text_of(*child, parser, &mut text);
                    row.push((text.trim().to_string(), 0));
                }
            }
            out.push_row(row);
        }
        b"p" | b"h1" | b"h2" | b"h3" | b"h4" | b"title" | b"li" => {
            let mut text = String::new();
            text_of(handle, parser, &mut text);
            for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
                out.push_row([(line.to_string(), 0)]);
            }
        }
        _ => {
            for child in tag.children().top().iter() {
                walk(*child, parser, out);
            }
        }
    }
}

/// `<br/>` and `<br />` as `<br>`: tl loses its way on a self-closed `br` and swallows the rest of
/// the table into one cell.
fn open_void_tags(html: &str) -> String {
    let lower = html.to_ascii_lowercase();
    let mut out = String::with_capacity(html.len());
    let mut last = 0;
    let mut from = 0;
    while let Some(k) = lower[from..].find("<br").map(|k| from + k) {
        let tail = &lower[k + 3..];
        let spaces = tail.len() - tail.trim_start().len();
        if tail[spaces..].starts_with("/>") {
            out.push_str(&html[last..k]);
            out.push_str("<br>");
            last = k + 3 + spaces + 2;
        }
        from = k + 3;
    }
    out.push_str(&html[last..]);
    out
}

/// HTML text → cells.
pub fn read(html: &str) -> Cells {
    let mut out = Cells::default();
    let html = open_void_tags(html);
    let Ok(dom) = tl::parse(&html, tl::ParserOptions::default()) else { return out };
    let parser = dom.parser();
    for child in dom.children() {
        walk(*child, parser, &mut out);
    }
    out
}

/// Whether text looks like an HTML page rather than plain text.
pub fn looks_like_html(text: &str) -> bool {
    let head: String = text.chars().take(4096).collect::<String>().to_ascii_lowercase();
    head.contains("<table")
        || head.contains("<html")
        || head.contains("<!doctype html")
        || head.contains("<tr")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_cells_and_entities() {
        let c = read(
            "<html><head><title>标题</title></head><body><p>甲&nbsp;乙</p><table><tbody>\
             <tr><td rowspan=2>三</td><td>商业<br/>企业</td><td>1</td></tr><tr><td>x &amp; y</td></tr>\
             </tbody></table></body></html>",
        );
        let texts: Vec<(&str, u32)> = c.cells.iter().map(|c| (c.text.as_str(), c.row)).collect();
        assert_eq!(
            texts,
            vec![("标题", 0), ("甲 乙", 1), ("三", 2), ("商业\n企业", 2), ("1", 2), ("x & y", 3)]
        );
    }
}
