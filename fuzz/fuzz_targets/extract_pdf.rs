//! Any bytes, read as a PDF report (`extract::pdf`, behind `%PDF-` or a `.pdf` name): the reader
//! must never panic past its guard, hang or run out of memory, and what the extractor returns must
//! hold together as in `extract_text`. Seed it with tests/fixtures/pdf/*.pdf.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxgk::model::InputFile;
use xxgk::stages::extract::{extract_bytes, ExtractError, ExtractOptions};
use xxgk::stages::ingest::parse::ParseOptions;
use xxgk::stages::ingest::report::parse_report_bytes;

fuzz_target!(|data: &[u8]| {
    match extract_bytes(data, "pdf", &ExtractOptions::default()) {
        Ok(x) => {
            let c = xxgk::reference::catalog::catalog();
            for m in c.metrics() {
                assert_eq!(x.values[m.index].is_some(), m.in_format(x.format), "{}", m.id);
            }
        }
        Err(ExtractError::Incomplete { missing, .. }) => assert!(!missing.is_empty()),
        Err(_) => {}
    }
    let parsed = parse_report_bytes(&InputFile::named("fuzz.pdf"), data, &ParseOptions { max_year: 2024 });
    assert!(matches!(parsed.rows_read, 0 | 198 | 200), "{}", parsed.rows_read);
    assert_eq!(parsed.cells.len() as u64 + parsed.rows_rejected(), parsed.rows_read, "a cell lost");
});
