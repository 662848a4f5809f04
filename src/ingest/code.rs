//! The source of the code whose results the cache keeps (reading files, merging and checking a
//! year), compiled in as one digest: a change to any of it invalidates `.xxgk-cache/`, with nobody
//! having to remember to bump a number, so a build never reuses what an older build computed.

use sha2::{Digest, Sha256};
use std::sync::OnceLock;

const SOURCES: [(&str, &str); 31] = [
    ("catalog.rs", include_str!("../catalog.rs")),
    ("catalog/harmonized.rs", include_str!("../catalog/harmonized.rs")),
    ("dataset.rs", include_str!("../dataset.rs")),
    ("regions.rs", include_str!("../regions.rs")),
    ("store/summary.rs", include_str!("../store/summary.rs")),
    ("extract/cells.rs", include_str!("../extract/cells.rs")),
    ("extract/docx.rs", include_str!("../extract/docx.rs")),
    ("extract/html.rs", include_str!("../extract/html.rs")),
    ("extract/meta.rs", include_str!("../extract/meta.rs")),
    ("extract/mod.rs", include_str!("../extract/mod.rs")),
    ("extract/tables.rs", include_str!("../extract/tables.rs")),
    ("extract/text.rs", include_str!("../extract/text.rs")),
    ("extract/version.rs", include_str!("../extract/version.rs")),
    ("ingest/cache.rs", include_str!("cache.rs")),
    ("ingest/code.rs", include_str!("code.rs")),
    ("ingest/decode.rs", include_str!("decode.rs")),
    ("ingest/discover.rs", include_str!("discover.rs")),
    ("ingest/headers.rs", include_str!("headers.rs")),
    ("ingest/layout.rs", include_str!("layout.rs")),
    ("ingest/merge.rs", include_str!("merge.rs")),
    ("ingest/mod.rs", include_str!("mod.rs")),
    ("ingest/parse.rs", include_str!("parse.rs")),
    ("ingest/report.rs", include_str!("report.rs")),
    ("ingest/value.rs", include_str!("value.rs")),
    ("ingest/year_cache.rs", include_str!("year_cache.rs")),
    ("validate/across_years.rs", include_str!("../validate/across_years.rs")),
    ("validate/cell.rs", include_str!("../validate/cell.rs")),
    ("validate/consistency.rs", include_str!("../validate/consistency.rs")),
    ("validate/finding.rs", include_str!("../validate/finding.rs")),
    ("validate/format.rs", include_str!("../validate/format.rs")),
    ("validate/mod.rs", include_str!("../validate/mod.rs")),
];

/// The first 16 hex digits of the digest: short enough for a file name.
pub fn digest() -> &'static str {
    static DIGEST: OnceLock<String> = OnceLock::new();
    DIGEST.get_or_init(|| {
        let mut h = Sha256::new();
        for (name, text) in SOURCES {
            h.update(name);
            h.update((text.len() as u64).to_le_bytes());
            h.update(text);
        }
        crate::store::digest::hex(&h.finalize()[..8])
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn every_source_of_reading_and_checking_is_in_the_digest() {
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut want: Vec<String> = Vec::new();
        for dir in ["extract", "ingest", "validate"] {
            for e in std::fs::read_dir(src.join(dir)).unwrap().flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if name.ends_with(".rs") && name != "spill.rs" {
                    want.push(format!("{dir}/{name}"));
                }
            }
        }
        let listed: Vec<&str> = SOURCES.iter().map(|(n, _)| *n).collect();
        for w in &want {
            assert!(listed.contains(&w.as_str()), "{w} is not in code::SOURCES");
        }
        assert_eq!(digest().len(), 16);
    }
}
