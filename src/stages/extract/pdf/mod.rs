//! PDF reports with a text layer: the bytes become the same rows of cells that the HTML and .docx
//! readers give, so the one table reader matches labels and refuses incomplete tables for every form.
//!
//! The file is parsed with `lopdf` (pure Rust, no system library, ~15 small crates without its
//! default features; `pdf-extract` was measured too but `panic!`s or hits `todo!()` on the
//! predefined CMaps that official typesetting writes). The text is our own: `content` runs each
//! page's operators and places every character and ruling line, `fonts` turns codes into
//! characters (Identity-H with `/ToUnicode`, the Adobe-GB1 CMaps, simple encodings), and `layout`
//! rebuilds rows and cells from positions, never from the order strings are stored in.
//!
//! One bad PDF must never take a run down: the whole parse runs under `catch_unwind`, so a panic in
//! the parser becomes a refusal naming the file, and pages, drawing operators, characters and stream
//! sizes are bounded. A PDF whose pages carry no text (a scan) is refused with what to do instead.

pub mod content;
pub mod fonts;
pub mod layout;

use super::cells::Cells;
use super::ExtractError;
use content::{FontCache, Runner};

/// Bounds on what one PDF may make the reader do.
pub struct Limits {
    pub pages: usize,
    /// Decompressed bytes of one stream (or of one page's content).
    pub stream_bytes: usize,
    /// Drawing operators in the whole document.
    pub operators: usize,
    /// Characters on one page.
    pub chars: usize,
}

pub const LIMITS: Limits =
    Limits { pages: 500, stream_bytes: 32 << 20, operators: 5_000_000, chars: 200_000 };

/// The bytes of a PDF → cells.
pub fn read(bytes: &[u8]) -> Result<Cells, ExtractError> {
    match std::panic::catch_unwind(|| read_unguarded(bytes)) {
        Ok(r) => r,
        Err(panic) => {
            let what = panic
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown".into());
            Err(ExtractError::Pdf(format!("the PDF parser gave up on this file ({what})")))
        }
    }
}

fn read_unguarded(bytes: &[u8]) -> Result<Cells, ExtractError> {
    let bad = |what: String| ExtractError::Pdf(what);
    let options =
        lopdf::LoadOptions { max_decompressed_size: Some(LIMITS.stream_bytes), ..Default::default() };
    let doc = lopdf::Document::load_mem_with_options(bytes, options).map_err(|e| bad(e.to_string()))?;
    if doc.is_encrypted() {
        return Err(bad("the PDF is encrypted with a password; supply an unprotected copy".into()));
    }
    let pages = doc.get_pages();
    if pages.is_empty() {
        return Err(bad("the PDF has no pages".into()));
    }
    if pages.len() > LIMITS.pages {
        return Err(bad(format!(
            "the PDF has {} pages, more than the {} a report may have",
            pages.len(),
            LIMITS.pages
        )));
    }
    let mut fonts = FontCache::new();
    let mut ops = 0usize;
    let mut read = Vec::with_capacity(pages.len());
    for (&n, &id) in &pages {
        let page = Runner::new(&doc, &LIMITS, &mut fonts, &mut ops)
            .page(id)
            .map_err(|e| bad(format!("page {n}: {e}")))?;
        read.push(page);
    }
    let text_pages = read.iter().filter(|p| !p.chars.is_empty()).count();
    if text_pages == 0 {
        return Err(ExtractError::PdfScan { pages: read.len(), images: read.iter().map(|p| p.images).sum() });
    }
    Ok(layout::layout(&read))
}
