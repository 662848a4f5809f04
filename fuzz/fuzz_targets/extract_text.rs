//! Any bytes, read as a published report (plain text and HTML): the extractor must never panic or
//! hang, and what it returns must hold together — a success has every cell of its format, a refusal for an
//! incomplete table names the cells it missed. The title is both read from the bytes and given, so
//! that inputs without a title still reach the table reader. The same bytes then go the way `xxgk
//! run` takes a report file (`ingest::report`), which must account for every extracted cell.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxgk::stages::extract::{extract_bytes, ExtractError, ExtractOptions};
use xxgk::model::InputFile;
use xxgk::stages::ingest::parse::ParseOptions;
use xxgk::stages::ingest::report::parse_report_bytes;

fn check(data: &[u8], ext: &str, opts: &ExtractOptions) {
    match extract_bytes(data, ext, opts) {
        Ok(x) => {
            // A success reads exactly the cells of the format it found, each a sane number.
            let c = xxgk::reference::catalog::catalog();
            assert_eq!(x.values.len(), c.len());
            for m in c.metrics() {
                assert_eq!(x.values[m.index].is_some(), m.in_format(x.format), "{}", m.id);
                let signed = m.kind == xxgk::reference::catalog::Kind::Change;
                assert!(x.values[m.index].is_none_or(|v| v.is_finite() && (signed || v >= 0.0)), "{}", m.id);
            }
            let mut csv = Vec::new();
            x.write_csv(&mut csv).expect("CSV into memory");
        }
        Err(ExtractError::Incomplete { missing, .. }) => assert!(!missing.is_empty()),
        Err(_) => {}
    }
}

fuzz_target!(|data: &[u8]| {
    let given = ExtractOptions { region: Some(653128), year: Some(2023), body: None };
    check(data, "txt", &ExtractOptions::default());
    check(data, "txt", &given);
    check(data, "html", &given);
    let parsed = parse_report_bytes(&InputFile::named("fuzz.txt"), data, &ParseOptions { max_year: 2024 });
    assert!(matches!(parsed.rows_read, 0 | 198 | 200), "{}", parsed.rows_read);
    assert_eq!(parsed.cells.len() as u64 + parsed.rows_rejected(), parsed.rows_read, "a cell lost");
    if parsed.file_error.is_some() {
        assert!(parsed.cells.is_empty(), "a refused report kept cells");
    }
});
