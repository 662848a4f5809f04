//! Inputs the fuzzer (`fuzz/`, cargo-fuzz) found, kept as regressions: `parse_bytes` must not panic
//! on them and must account for every record. Each file in `tests/fixtures/fuzz/` is one input.

use xxgk::ingest::discover::InputFile;
use xxgk::ingest::parse::{parse_bytes, ParseOptions};

#[test]
fn every_input_the_fuzzer_found_parses_without_panic() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
    let mut n = 0;
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let bytes = std::fs::read(e.path()).unwrap();
        let name = e.file_name().to_string_lossy().into_owned();
        let parsed = parse_bytes(&InputFile::named(&name), &bytes, &ParseOptions { max_year: 2024 });
        assert!(parsed.rows_rejected() <= parsed.rows_read, "{name}");
        n += 1;
    }
    assert!(n >= 1);
}

#[test]
fn gbk_euro_signs_that_triple_in_utf8_are_read_as_text() {
    // The first crash: 0x80 bytes (€ in GBK) in a header. It is text; the header just lacks columns.
    let bytes = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/fuzz/gbk-0x80-grows-threefold.csv"
    ))
    .unwrap();
    let parsed = parse_bytes(&InputFile::named("x.csv"), &bytes, &ParseOptions { max_year: 2024 });
    assert_eq!(parsed.encoding.as_deref(), Some("GBK/GB18030"));
    let f = &parsed.findings[0];
    assert_eq!((f.rule.id(), f.line), ("E004-missing-column", Some(1)));
    assert_eq!(f.expected.as_deref(), Some("metric (long layout) or metric-id columns (wide layout),value"));
    assert_eq!(parsed.rows_read, 1);
    assert_eq!(parsed.rows_rejected(), 1);
}
