//! Any bytes, parsed as a CSV input file: `parse_bytes` must never panic, and whatever it makes of
//! them must account for every record (rows read = rows kept + rows rejected).
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxgk::model::InputFile;
use xxgk::stages::ingest::parse::{parse_bytes, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let file = InputFile::named("fuzz.csv");
    let parsed = parse_bytes(&file, data, &ParseOptions { max_year: 2024 });
    assert!(parsed.rows_rejected() <= parsed.rows_read, "more rows rejected than read");
    if parsed.file_error.is_some() {
        assert!(parsed.cells.is_empty(), "a refused file kept cells");
    }
    for c in &parsed.cells {
        assert!((c.report as usize) < parsed.reports.len());
        assert!(!parsed.rejected.contains_key(&c.record), "a rejected record kept a cell");
    }
});
