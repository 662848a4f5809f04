//! Any bytes, read as a published report (plain text and HTML): the extractor must never panic or
//! hang, and what it returns must hold together — a success has all 200 cells, a refusal for an
//! incomplete table names the cells it missed. The title is both read from the bytes and given, so
//! that inputs without a title still reach the table reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use xxgk::extract::{extract_bytes, ExtractError, ExtractOptions};

fn check(data: &[u8], ext: &str, opts: &ExtractOptions) {
    match extract_bytes(data, ext, opts) {
        Ok(x) => {
            assert_eq!(x.values.len(), 200);
            assert!(x.values.iter().all(Option::is_some), "a success with a missing cell");
            assert!(x.values.iter().flatten().all(|v| v.is_finite() && *v >= 0.0), "{:?}", x.values);
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
});
