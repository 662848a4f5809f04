//! .docx: the tables straight from `word/document.xml`. Every `w:tr` is a row and every `w:tc` a
//! cell; a cell continuing a vertical merge (`w:vMerge` without `restart`) is an empty cell, as
//! Word's own text export prints it; a horizontal merge (`w:gridSpan`) is one cell. Paragraphs
//! outside tables are one-cell rows, so the title is read like any other text.

use super::cells::Cells;
use super::ExtractError;
use quick_xml::events::Event;
use quick_xml::Reader;
use std::io::Read;

/// The bytes of a .docx file → cells.
pub fn read(bytes: &[u8]) -> Result<Cells, ExtractError> {
    let bad = |what: String| ExtractError::Docx(what);
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|e| bad(e.to_string()))?;
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .map_err(|e| bad(format!("word/document.xml: {e}")))?
        .read_to_string(&mut xml)
        .map_err(|e| bad(format!("word/document.xml: {e}")))?;
    parse_document(&xml)
}

/// Local name of a `w:`-prefixed element.
fn local(name: &[u8]) -> &[u8] {
    name.rsplit(|&b| b == b':').next().unwrap_or(name)
}

pub fn parse_document(xml: &str) -> Result<Cells, ExtractError> {
    let mut reader = Reader::from_str(xml);
    let mut out = Cells::default();
    // Nesting of tables; the cells of a nested table are read into its parent's cell.
    let mut table_depth = 0usize;
    let mut row: Vec<(String, u32)> = Vec::new();
    let mut cell: Option<String> = None;
    let mut paragraph = String::new();
    let mut in_text = false;
    loop {
        let event = reader.read_event().map_err(|e| ExtractError::Docx(format!("word/document.xml: {e}")))?;
        match event {
            Event::Start(e) | Event::Empty(e) if !matches!(local(e.name().as_ref()), b"t") => {
                match local(e.name().as_ref()) {
                    b"tbl" => table_depth += 1,
                    b"tc" if table_depth == 1 => cell = Some(String::new()),
                    b"vMerge" => {
                        let restart = e
                            .attributes()
                            .flatten()
                            .any(|a| local(a.key.as_ref()) == b"val" && a.value.as_ref() == b"restart");
                        // A continued merge shows nothing of its own, whatever Word left inside.
                        if !restart {
                            if let Some(c) = cell.as_mut() {
                                c.clear();
                                c.push('\u{0}');
                            }
                        }
                    }
                    b"br" | b"cr" => paragraph.push('\n'),
                    b"tab" => paragraph.push(' '),
                    _ => {}
                }
            }
            Event::Start(e) if local(e.name().as_ref()) == b"t" => in_text = true,
            Event::Text(t) if in_text => {
                let text = t.xml10_content().map_err(|e| ExtractError::Docx(e.to_string()))?;
                paragraph.push_str(&text);
            }
            Event::GeneralRef(r) if in_text => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    paragraph.push(c);
                } else {
                    let name = r.decode().map_err(|e| ExtractError::Docx(e.to_string()))?;
                    paragraph.push_str(match name.as_ref() {
                        "amp" => "&",
                        "lt" => "<",
                        "gt" => ">",
                        "quot" => "\"",
                        "apos" => "'",
                        _ => "",
                    });
                }
            }
            Event::End(e) => match local(e.name().as_ref()) {
                b"t" => in_text = false,
                b"p" => {
                    let text = std::mem::take(&mut paragraph);
                    match cell.as_mut() {
                        Some(c) if table_depth >= 1 => {
                            if !c.starts_with('\u{0}') {
                                if !c.is_empty() {
                                    c.push('\n');
                                }
                                c.push_str(&text);
                            }
                        }
                        _ => {
                            if !text.trim().is_empty() {
                                out.push_row([(text.trim().to_string(), 0)]);
                            }
                        }
                    }
                }
                b"tc" if table_depth == 1 => {
                    let text = cell.take().unwrap_or_default();
                    let text =
                        if text.starts_with('\u{0}') { String::new() } else { text.trim().to_string() };
                    row.push((text, 0));
                }
                b"tr" if table_depth == 1 => out.push_row(std::mem::take(&mut row)),
                b"tbl" => table_depth = table_depth.saturating_sub(1),
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}
