//! Inputs the fuzzers (`fuzz/`, cargo-fuzz) found, kept as regressions: `parse_bytes` must not panic
//! on them and must account for every record, and the report extractor (target `extract_text`) must
//! not panic on them either and return whole reports or name what is missing, read as text, HTML
//! and PDF (target `extract_pdf`). Each file in `tests/fixtures/fuzz/` is one input and goes through
//! both. The PDF fixtures, cut and flipped in many places, stand for what `extract_pdf` starts from.

use xxgk::model::InputFile;
use xxgk::stages::extract::{extract_bytes, ExtractError, ExtractOptions};
use xxgk::stages::ingest::parse::{parse_bytes, ParseOptions};
use xxgk::stages::ingest::report::parse_report_bytes;

fn inputs() -> Vec<(String, Vec<u8>)> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/fuzz");
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| (e.file_name().to_string_lossy().into_owned(), std::fs::read(e.path()).unwrap()))
        .collect();
    out.sort();
    out
}

/// What the `extract_text` target checks, on one input: the same three readings.
fn extract_holds_together(name: &str, bytes: &[u8]) {
    let given = ExtractOptions { region: Some(653128), year: Some(2023), body: None };
    let readings = [
        ("txt", ExtractOptions::default()),
        ("txt", given.clone()),
        ("html", given),
        ("pdf", ExtractOptions::default()),
    ];
    for (ext, opts) in readings {
        match extract_bytes(bytes, ext, &opts) {
            Ok(x) => {
                // A success reads exactly the cells of the format it found, each a sane number.
                let c = xxgk::reference::catalog::catalog();
                assert_eq!(x.values.len(), c.len(), "{name}");
                for m in c.metrics() {
                    assert_eq!(x.values[m.index].is_some(), m.in_format(x.format), "{name}: {}", m.id);
                    let signed = m.kind == xxgk::reference::catalog::Kind::Change;
                    assert!(
                        x.values[m.index].is_none_or(|v| v.is_finite() && (signed || v >= 0.0)),
                        "{name}"
                    );
                }
            }
            Err(ExtractError::Incomplete { missing, .. }) => assert!(!missing.is_empty(), "{name}"),
            Err(_) => {}
        }
    }
    let parsed = parse_report_bytes(&InputFile::named("fuzz.txt"), bytes, &ParseOptions { max_year: 2024 });
    assert_eq!(parsed.cells.len() as u64 + parsed.rows_rejected(), parsed.rows_read, "{name}");
}

#[test]
fn every_input_the_fuzzers_found_extracts_without_panic() {
    let all = inputs();
    assert!(!all.is_empty());
    for (name, bytes) in &all {
        extract_holds_together(name, bytes);
    }
}

/// The fuzz target's checks on the seeds it starts from, so its success path is exercised too: the
/// 2021 sample and the 2019-format report extract whole.
#[test]
fn the_fuzz_seeds_hold_together() {
    for name in ["yuepuhu-2023-report.txt", "format-2019-report.txt"] {
        let path = format!("{}/tests/fixtures/extract/{name}", env!("CARGO_MANIFEST_DIR"));
        let bytes = std::fs::read(path).unwrap();
        assert!(extract_bytes(&bytes, "txt", &ExtractOptions::default()).is_ok(), "{name}");
        extract_holds_together(name, &bytes);
    }
}

#[test]
fn every_input_the_fuzzer_found_parses_without_panic() {
    let all = inputs();
    assert!(!all.is_empty());
    for (name, bytes) in &all {
        let parsed = parse_bytes(&InputFile::named(name), bytes, &ParseOptions { max_year: 2024 });
        assert!(parsed.rows_rejected() <= parsed.rows_read, "{name}");
    }
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

/// The PDF fixtures cut short and with bytes flipped at many places: never a panic, never a report
/// that is whole and differs from the uncut file.
#[test]
fn pdf_fixtures_cut_and_flipped_hold_together() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/pdf");
    for name in ["variant-unigb-ucs2.pdf", "variant-gbk-euc.pdf", "variant-libreoffice.pdf"] {
        let bytes = std::fs::read(format!("{dir}/{name}")).unwrap();
        let whole = extract_bytes(&bytes, "pdf", &ExtractOptions::default()).unwrap().values;
        let n = bytes.len();
        let mut variants: Vec<Vec<u8>> = (1..24).map(|k| bytes[..n * k / 24].to_vec()).collect();
        for (k, step) in [(0usize, 997usize), (1, 389), (2, 61)] {
            let mut b = bytes.clone();
            for i in (k * 7..n).step_by(step) {
                b[i] = b[i].wrapping_add(1 + k as u8);
            }
            variants.push(b);
        }
        for (k, v) in variants.iter().enumerate() {
            let label = format!("{name} variant {k}");
            extract_holds_together(&label, v);
            if let Ok(x) = extract_bytes(v, "pdf", &ExtractOptions::default()) {
                assert_eq!(x.values, whole, "{label}: read whole but different");
            }
        }
    }
}
