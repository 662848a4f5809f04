//! Re-runs keep the charts whose picture would come out the same. Each chart file's digest covers
//! what it shows (its title, series and values), its format and name, and the build that draws it;
//! `charts/.digests` lists them. A chart whose digest equals the published one is
//! hard-linked from the published `charts/` instead of being drawn again, so a re-run after one
//! county's file changed draws only the charts of its prefecture and province.

use super::plan::Job;
use super::render::Format;
use crate::support::error::{IoContext, Result};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The list of chart digests inside `charts/`.
pub const DIGESTS: &str = ".digests";

/// What every file of one chart is drawn from: the build (its source, font and Cargo.lock:
/// `build.rs`) and the spec, whose Debug form spells out every title, name and value (floats in
/// their shortest exact form). Formatted straight into the hash, once per chart, not per format.
pub fn spec_digest(job: &Job) -> [u8; 32] {
    struct Hashing<'a>(&'a mut Sha256);
    impl std::fmt::Write for Hashing<'_> {
        fn write_str(&mut self, s: &str) -> std::fmt::Result {
            self.0.update(s);
            Ok(())
        }
    }
    let mut h = Sha256::new();
    h.update(crate::store::digest::build_digest());
    // Writing into a hash cannot fail.
    let _ = std::fmt::Write::write_fmt(&mut Hashing(&mut h), format_args!("{:?}", job.spec));
    h.finalize().into()
}

/// The digest of one chart file: `rel` (`653100-喀什地区/trend-licensing.svg`) in `format`, drawn
/// from what `spec_digest` covers.
pub fn digest(spec_digest: &[u8; 32], format: Format, rel: &str) -> String {
    let mut h = Sha256::new();
    h.update(spec_digest);
    h.update(format.ext());
    h.update(rel);
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
