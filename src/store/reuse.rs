//! Incremental runs: a partition whose content digest ([`super::digest`]) equals the one in the
//! footer of the file already published is hard-linked from the previous output into the staging
//! folder instead of being written again. Published files are never changed in place (every run
//! writes new files and swaps folders), so a second link to one is as good as a copy.

use crate::error::{IoContext, Result};
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::path::{Path, PathBuf};

/// The footer key that holds a partition's digest.
pub const DIGEST_KEY: &str = "xxgk.content_sha256";

/// A file's footer value for `key`, if the file is a readable Parquet file that has one.
pub fn footer_value(path: &Path, key: &str) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let reader = SerializedFileReader::new(file).ok()?;
    let kv = reader.metadata().file_metadata().key_value_metadata()?;
    kv.iter().find(|e| e.key == key).and_then(|e| e.value.clone())
}

/// Rows in a Parquet file, from its footer.
pub fn footer_rows(path: &Path) -> Option<usize> {
    let file = std::fs::File::open(path).ok()?;
    let reader = SerializedFileReader::new(file).ok()?;
    Some(reader.metadata().file_metadata().num_rows() as usize)
}

/// Where the previous run's products are, for a run that may reuse them.
#[derive(Debug, Clone)]
pub struct Previous {
    root: PathBuf,
}

impl Previous {
    /// `root` is the folder the products are published in (the output folder, or its `parquet/`).
    pub fn new(root: &Path) -> Previous {
        Previous { root: root.to_path_buf() }
    }

    /// Whether every file of `rels` is there and carries `digest`.
    pub fn carries(&self, rels: &[String], digest: &str) -> bool {
        rels.iter().all(|r| footer_value(&self.root.join(r), DIGEST_KEY).as_deref() == Some(digest))
    }

    /// Link every file of `rels` (relative to the product roots) into `into` when each of them
    /// carries `digest`; otherwise link none and say so. A link that fails falls back to a copy;
    /// a copy that fails leaves the partition to be written again.
    pub fn link_if_unchanged(&self, into: &Path, rels: &[String], digest: &str) -> Result<bool> {
        if rels.is_empty() || !self.carries(rels, digest) {
            return Ok(false);
        }
        let mut done: Vec<PathBuf> = Vec::new();
        for rel in rels {
            let (from, to) = (self.root.join(rel), into.join(rel));
            if let Some(parent) = to.parent() {
                std::fs::create_dir_all(parent).at(parent)?;
            }
            if std::fs::hard_link(&from, &to).is_err() && std::fs::copy(&from, &to).is_err() {
                for d in done {
                    let _ = std::fs::remove_file(d);
                }
                return Ok(false);
            }
            done.push(to);
        }
        Ok(true)
    }

    /// Where a published file is.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    pub fn has(&self, rel: &str) -> bool {
        self.root.join(rel).is_file()
    }

    /// Rows of a published file, from its footer.
    pub fn rows(&self, rel: &str) -> Option<usize> {
        footer_rows(&self.root.join(rel))
    }
}
