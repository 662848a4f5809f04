//! Incremental runs: a partition whose content digest ([`super::digest`]) equals the one in the
//! footer of the file already published is hard-linked from the previous output into the staging
//! folder instead of being written again. Published files are never changed in place (every run
//! writes new files and swaps folders), so a second link to one is as good as a copy.

use crate::support::error::{IoContext, Result};
use parquet::file::reader::{FileReader, SerializedFileReader};
use std::path::{Path, PathBuf};

/// The footer key that holds a partition's digest.
pub const DIGEST_KEY: &str = "xxgk.content_sha256";

/// What an incremental run reads of a file's footer: its `xxgk.*` digests (not the input list)
/// and its row count.
#[derive(Debug, Default)]
struct Footer {
    values: Vec<(String, String)>,
    rows: usize,
}

/// Which file a footer was read from: its size and modification time (in nanoseconds), and on
/// Unix its device and inode, elsewhere its path. A re-run looks at each published file several
/// times (planning, linking, the rollup's keys, row counts), and on Unix under the staging folder's
/// hard links too; xxgk never changes a file in place, so a file with the same identity has the
/// same footer. (Windows has a file index too, but not through the stable standard library: there
/// a hard link is read once more under its own path.)
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FileId {
    size: u64,
    modified_ns: u128,
    #[cfg(unix)]
    inode: (u64, u64),
    #[cfg(not(unix))]
    path: PathBuf,
}

fn file_id(path: &Path) -> Option<FileId> {
    let m = std::fs::metadata(path).ok()?;
    if !m.is_file() {
        return None;
    }
    let (size, modified_ns) = crate::model::file::size_and_mtime(&m)?;
    #[cfg(unix)]
    let id = {
        use std::os::unix::fs::MetadataExt;
        FileId { size, modified_ns, inode: (m.dev(), m.ino()) }
    };
    #[cfg(not(unix))]
    let id = FileId { size, modified_ns, path: std::path::absolute(path).ok()? };
    Some(id)
}

fn read_footer(path: &Path) -> Option<Footer> {
    let file = std::fs::File::open(path).ok()?;
    let reader = SerializedFileReader::new(file).ok()?;
    let meta = reader.metadata().file_metadata();
    let values = meta
        .key_value_metadata()
        .into_iter()
        .flatten()
        .filter(|e| e.key.starts_with("xxgk.") && e.key != "xxgk.inputs")
        .filter_map(|e| Some((e.key.clone(), e.value.clone()?)))
        .collect();
    Some(Footer { values, rows: meta.num_rows() as usize })
}

/// A readable Parquet file's footer, parsed once per file a process.
fn footer(path: &Path) -> Option<std::sync::Arc<Footer>> {
    use std::collections::HashMap;
    use std::sync::{Arc, Mutex, OnceLock};
    static SEEN: OnceLock<Mutex<HashMap<FileId, Arc<Footer>>>> = OnceLock::new();
    let id = file_id(path)?;
    let seen = SEEN.get_or_init(Default::default);
    if let Some(f) = seen.lock().unwrap_or_else(|p| p.into_inner()).get(&id) {
        return Some(Arc::clone(f));
    }
    let f = Arc::new(read_footer(path)?);
    seen.lock().unwrap_or_else(|p| p.into_inner()).insert(id, Arc::clone(&f));
    Some(f)
}

/// A file's footer value for `key` (an `xxgk.*` key other than the input list), if the file is a
/// readable Parquet file that has one.
pub fn footer_value(path: &Path, key: &str) -> Option<String> {
    footer(path)?.values.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone())
}

/// Rows in a Parquet file, from its footer.
pub fn footer_rows(path: &Path) -> Option<usize> {
    Some(footer(path)?.rows)
}

/// Replace the freshly written `file` by a hard link to the published `old` when their bytes are
/// the same, so that a re-run leaves an unchanged small file (coverage, dimension tables) as it was
/// published, like every kept partition. A copy where the file system cannot link.
pub fn keep_if_same(file: &Path, old: &Path) -> crate::support::error::Result<()> {
    use crate::support::error::IoContext;
    if std::fs::read(old).ok() == Some(std::fs::read(file).at(file)?) {
        std::fs::remove_file(file).at(file)?;
        if std::fs::hard_link(old, file).is_err() {
            std::fs::copy(old, file).at(file)?;
        }
    }
    Ok(())
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

    /// Link every file of `rels` (relative to the product roots) into `into` when the first of
    /// them carries `digest`; otherwise link none and say so. The others are its twins, written in
    /// the same call under the same digest (a long table's wide twin, two hundred columns whose
    /// footer costs ten times as much to read), and a published folder is swapped in whole, so they
    /// are not read again. A link that fails falls back to a copy; a copy that fails (a twin gone)
    /// leaves the files to be written again.
    pub fn link_if_unchanged(&self, into: &Path, rels: &[String], digest: &str) -> Result<bool> {
        if rels.is_empty() || !self.carries(&rels[..1], digest) {
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
