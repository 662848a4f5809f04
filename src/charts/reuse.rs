//! Re-runs keep the charts whose picture would come out the same. Each chart file's digest covers
//! what it shows (its title, series and values), its format and name, and the code and font that
//! draw it; `charts/.digests` lists them. A chart whose digest equals the published one is
//! hard-linked from the published `charts/` instead of being drawn again, so a re-run after one
//! county's file changed draws only the charts of its prefecture and province.

use super::plan::Job;
use super::render::Format;
use crate::error::{IoContext, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The list of chart digests inside `charts/`.
pub const DIGESTS: &str = ".digests";

/// Every source file of the chart drawing, compiled in: a change to any of them, to the font or to
/// a dependency's version (`Cargo.lock`) changes every chart's digest, with nobody having to
/// remember to bump a number.
const SOURCES: [(&str, &str); 21] = [
    ("bars.rs", include_str!("bars.rs")),
    ("bitmap.rs", include_str!("bitmap.rs")),
    ("canvas.rs", include_str!("canvas.rs")),
    ("compare.rs", include_str!("compare.rs")),
    ("data.rs", include_str!("data.rs")),
    ("font.rs", include_str!("font.rs")),
    ("glyphs.rs", include_str!("glyphs.rs")),
    ("html.rs", include_str!("html.rs")),
    ("load.rs", include_str!("load.rs")),
    ("metrics.rs", include_str!("metrics.rs")),
    ("mod.rs", include_str!("mod.rs")),
    ("outcomes.rs", include_str!("outcomes.rs")),
    ("palette.rs", include_str!("palette.rs")),
    ("plan.rs", include_str!("plan.rs")),
    ("pngfile.rs", include_str!("pngfile.rs")),
    ("polygon.rs", include_str!("polygon.rs")),
    ("render.rs", include_str!("render.rs")),
    ("reuse.rs", include_str!("reuse.rs")),
    ("style.rs", include_str!("style.rs")),
    ("trend.rs", include_str!("trend.rs")),
    ("yoy.rs", include_str!("yoy.rs")),
];

fn drawing_digest() -> &'static [u8; 32] {
    static DIGEST: OnceLock<[u8; 32]> = OnceLock::new();
    DIGEST.get_or_init(|| {
        let mut h = Sha256::new();
        h.update(env!("CARGO_PKG_VERSION"));
        h.update(include_str!("../../Cargo.lock"));
        h.update(super::font::FONT);
        for (name, text) in SOURCES {
            h.update(name);
            h.update((text.len() as u64).to_le_bytes());
            h.update(text);
        }
        h.finalize().into()
    })
}

/// The digest of one chart file: `rel` (`653100-喀什地区/trend-licensing.svg`) as `job` draws it.
pub fn digest(job: &Job, format: Format, rel: &str) -> String {
    let mut h = Sha256::new();
    h.update(drawing_digest());
    h.update(format.ext());
    h.update(rel);
    // The spec's Debug form spells out every title, name and value (floats in their shortest
    // exact form), which is all a chart is drawn from.
    h.update(format!("{:?}", job.spec));
    crate::store::digest::hex(&h.finalize())
}

/// The charts published last time, with their digests.
pub struct Published {
    dir: PathBuf,
    digests: HashMap<String, String>,
}

impl Published {
    /// The published `charts/` folder; a folder without a readable list keeps nothing.
    pub fn open(dir: &Path) -> Published {
        let digests = std::fs::read_to_string(dir.join(DIGESTS))
            .unwrap_or_default()
            .lines()
            .filter_map(|l| l.split_once('\t'))
            .map(|(rel, d)| (rel.to_string(), d.to_string()))
            .collect();
        Published { dir: dir.to_path_buf(), digests }
    }

    /// Link the published `rel` to `to` when it was drawn with `digest`; `false` when it was not,
    /// or cannot be linked or copied (the chart is then drawn).
    pub fn keep(&self, rel: &str, digest: &str, to: &Path) -> bool {
        if self.digests.get(rel).map(String::as_str) != Some(digest) {
            return false;
        }
        let from = self.dir.join(rel);
        std::fs::hard_link(&from, to).is_ok() || std::fs::copy(&from, to).is_ok()
    }
}

/// Write the list of this run's chart digests, sorted by file.
pub fn write_digests(charts_dir: &Path, digests: &mut [(String, String)]) -> Result<()> {
    digests.sort_unstable();
    let text: String = digests.iter().map(|(rel, d)| format!("{rel}\t{d}\n")).collect();
    let path = charts_dir.join(DIGESTS);
    std::fs::write(&path, text).at(&path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_chart_source_is_in_the_drawing_digest() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/charts");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".rs"))
            .collect();
        on_disk.sort();
        let listed: Vec<String> = SOURCES.iter().map(|(n, _)| n.to_string()).collect();
        assert_eq!(on_disk, listed, "list every file of src/charts in SOURCES");
    }
}
