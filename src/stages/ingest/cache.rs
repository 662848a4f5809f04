//! Incremental runs: what reading each input file produced is kept under `<out>/.xxgk-cache/`,
//! keyed by the file's SHA-256 and everything else reading depends on (xxgk's version and the
//! digest of its source, `build.rs`; the latest year accepted).
//!
//! Two levels, so that an unchanged file costs a `stat` and nothing more:
//! - the manifest (`manifest.bincode`, one file) holds, per input path, its size, mtime and SHA-256
//!   and everything reading it produced except the cells: findings, rejected rows, report keys,
//!   the years its cells fall in. A file whose size and mtime match is taken from here.
//! - one blob per distinct content (`<sha256>-<context>.bin`) holds the cells; it is read only when
//!   the file's years are merged again (`year_cache`).
//!
//! Cache files are written by rename, so a crash cannot corrupt one; blobs no longer referenced are
//! removed when the manifest is saved. A cache that cannot be read is a cache miss, never an error.

use crate::model::{Cell, InputFile, ParsedFile};
use crate::support::error::{IoContext, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

/// Bump when what `parse_file` or `report::parse_report` produces for the same bytes changes
/// (2: the 2019 format; 3: `ParsedFile::extracted`, report files; 4: `ParsedFile::years`, the
/// manifest; 5: blobs of cells alone; 6: workbooks, Chinese headers, units after numbers).
const CACHE_VERSION: u32 = 6;

const MANIFEST: &str = "manifest.bincode";

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    size: u64,
    mtime_ns: u128,
    /// The file as read, without its cells and with its header in `Manifest::headers`.
    meta: ParsedFile,
    header: u32,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    context: String,
    /// Each distinct header once: a wide layout's is some 200 column names, and thousands of
    /// per-report files share a handful.
    headers: Vec<Vec<String>>,
    entries: BTreeMap<String, Entry>,
}

impl Manifest {
    /// Read one, its entries' headers shared again.
    fn read(bytes: &[u8]) -> Option<Manifest> {
        let mut m: Manifest = bincode::deserialize(bytes).ok()?;
        let shared: Vec<Arc<[String]>> = m.headers.drain(..).map(Arc::from).collect();
        for e in m.entries.values_mut() {
            e.meta.header = Arc::clone(shared.get(e.header as usize)?);
        }
        Some(m)
    }

    /// The entries' headers moved into `headers` (a header met again by pointer or by content is
    /// stored once).
    fn intern_headers(&mut self) {
        let mut by_ptr: HashMap<*const [String], u32> = HashMap::new();
        let mut by_content: HashMap<Vec<String>, u32> = HashMap::new();
        // Held until every header is interned, so that no address in `by_ptr` is freed and reused.
        let mut taken = Vec::with_capacity(self.entries.len());
        for e in self.entries.values_mut() {
            let header = std::mem::replace(&mut e.meta.header, Arc::from(Vec::new()));
            let ptr = Arc::as_ptr(&header);
            e.header = match by_ptr.get(&ptr) {
                Some(&i) => i,
                None => {
                    let next = self.headers.len() as u32;
                    let i = *by_content.entry(header.to_vec()).or_insert(next);
                    if i == next {
                        self.headers.push(header.to_vec());
                    }
                    by_ptr.insert(ptr, i);
                    i
                }
            };
            taken.push(header);
        }
    }
}

#[derive(Debug)]
pub struct ParseCache {
    dir: PathBuf,
    context: String,
    old: Manifest,
    /// Whether `old` is a manifest of this context (else every blob is checked when saving).
    old_loaded: bool,
    /// Paths whose old entry stands, as they are looked up.
    hits: Mutex<Vec<String>>,
    /// Entries of files read this run.
    fresh: Mutex<BTreeMap<String, Entry>>,
}

/// Write `bytes` to `target` through a temporary file renamed over it, so that a crash leaves the
/// old file or the new one; the temporary file does not outlive a failure.
pub fn write_by_rename(target: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = target.with_extension(format!("tmp{}", std::process::id()));
    let written = std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, target));
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Where the cells of a content are kept.
fn blob_path(dir: &Path, sha256: &str, context: &str) -> PathBuf {
    dir.join(format!("{sha256}-{context}.bin"))
}

fn stat(path: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
    Some((meta.len(), mtime))
}

impl ParseCache {
    pub fn open(out: &Path, max_year: i32) -> ParseCache {
        let dir = out.join(".xxgk-cache");
        let context = format!(
            "v{CACHE_VERSION}-{}-{}-{max_year}{}",
            env!("CARGO_PKG_VERSION"),
            env!("XXGK_SOURCE_DIGEST"),
            // A `--columns` map changes what a header means: files read under another map are read again.
            match crate::stages::ingest::aliases::column_map_digest() {
                "" => String::new(),
                d => format!("-columns:{:x}", <sha2::Sha256 as sha2::Digest>::digest(d.as_bytes())),
            }
        );
        let old = std::fs::read(dir.join(MANIFEST))
            .ok()
            .and_then(|b| Manifest::read(&b))
            .filter(|m| m.context == context);
        ParseCache {
            dir,
            context,
            old_loaded: old.is_some(),
            old: old.unwrap_or_default(),
            hits: Mutex::new(Vec::new()),
            fresh: Mutex::new(BTreeMap::new()),
        }
    }

    /// The folder the cache lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What xxgk's reading depends on besides the bytes read.
    pub fn context(&self) -> &str {
        &self.context
    }

    fn blob(&self, sha256: &str) -> PathBuf {
        blob_path(&self.dir, sha256, &self.context)
    }

    /// `file` as read last time, without its cells, if its size and mtime are unchanged and its
    /// content's blob is still there.
    pub fn lookup(&self, file: &InputFile) -> Option<ParsedFile> {
        let (size, mtime_ns) = stat(&file.path)?;
        // Whether its blob is still there is not looked at (a second `stat` per file): the cells
        // are needed only if the file's year is merged again, and `cells` falls back to reading the
        // file when the blob is gone.
        let known =
            self.old.entries.get(&file.display).filter(|e| e.size == size && e.mtime_ns == mtime_ns)?;
        let mut parsed = known.meta.without_cells();
        parsed.file = file.clone();
        parsed.from_cache = true;
        for f in &mut parsed.findings {
            f.file = file.display.clone();
        }
        self.hits.lock().unwrap_or_else(|p| p.into_inner()).push(file.display.clone());
        Some(parsed)
    }

    /// The cells of a file `lookup` gave without them; `None` when the blob is gone or unreadable
    /// (the caller reads the file again).
    pub fn cells(&self, parsed: &ParsedFile) -> Option<Vec<Cell>> {
        let bytes = std::fs::read(self.blob(&parsed.sha256)).ok()?;
        bincode::deserialize(&bytes).ok()
    }

    /// Keep a fresh result (read just now, cells and all, before anything else touched it).
    /// Failing to cache is not failing the run: the next run reads the file again.
    pub fn store(&self, parsed: &ParsedFile) {
        if parsed.sha256.is_empty() {
            return;
        }
        if let Some((size, mtime_ns)) = stat(&parsed.file.path) {
            self.fresh.lock().unwrap_or_else(|p| p.into_inner()).insert(
                parsed.file.display.clone(),
                Entry { size, mtime_ns, meta: parsed.without_cells(), header: 0 },
            );
        }
        let target = self.blob(&parsed.sha256);
        if target.exists() || std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        // The rest of what reading produced is in the manifest: the blob is the cells alone.
        if let Ok(bytes) = bincode::serialize(&parsed.cells) {
            let _ = write_by_rename(&target, &bytes);
        }
    }

    /// This run's manifest, ready to be written (`PendingSave::write`, on a thread of its own if the
    /// caller likes: nothing else reads it), or `None` when the one on disk is this run's already.
    pub fn save(&mut self) -> Option<PendingSave> {
        let hits = std::mem::take(&mut *self.hits.lock().unwrap_or_else(|p| p.into_inner()));
        let fresh = std::mem::take(&mut *self.fresh.lock().unwrap_or_else(|p| p.into_inner()));
        if self.old_loaded && fresh.is_empty() && hits.len() == self.old.entries.len() {
            return None;
        }
        let mut old = std::mem::take(&mut self.old.entries);
        let mut entries = fresh;
        for display in hits {
            if let Some(e) = old.remove(&display) {
                entries.insert(display, e);
            }
        }
        Some(PendingSave {
            dir: self.dir.clone(),
            manifest: Manifest { context: self.context.clone(), headers: Vec::new(), entries },
            replaced: self.old_loaded.then_some(old),
        })
    }
}

/// A manifest to write, and what it replaces.
pub struct PendingSave {
    dir: PathBuf,
    manifest: Manifest,
    /// The old manifest's entries no file of this run took over; `None` when there was no old
    /// manifest of this context.
    replaced: Option<BTreeMap<String, Entry>>,
}

impl PendingSave {
    /// Best effort, like `ParseCache::store`: a full disk here must not fail the run (the Parquet
    /// writes report that), and an unsaved manifest only means the next run reads every file again.
    pub fn write(mut self) {
        self.manifest.intern_headers();
        let _ = self.try_write();
    }

    fn try_write(&self) -> Result<()> {
        std::fs::create_dir_all(&self.dir).at(&self.dir)?;
        let path = self.dir.join(MANIFEST);
        write_by_rename(&path, &bincode::serialize(&self.manifest).unwrap_or_default()).at(&path)?;
        let blob = |sha: &str| blob_path(&self.dir, sha, &self.manifest.context);
        let keep: HashSet<&str> = self.manifest.entries.values().map(|e| e.meta.sha256.as_str()).collect();
        match &self.replaced {
            // Only the blobs of entries replaced or gone can have lost their last reference.
            Some(replaced) => {
                for e in replaced.values().filter(|e| !keep.contains(e.meta.sha256.as_str())) {
                    let _ = std::fs::remove_file(blob(&e.meta.sha256));
                }
            }
            // Without a manifest of this context, blobs of another xxgk build or year limit may be
            // here, and the JSON manifest of xxgk before cache version 4.
            None => {
                let _ = std::fs::remove_file(self.dir.join("manifest.json"));
                let keep: HashSet<PathBuf> = keep.into_iter().map(blob).collect();
                for e in std::fs::read_dir(&self.dir).at(&self.dir)?.flatten() {
                    let p = e.path();
                    if p.extension().is_some_and(|x| x == "bin") && !keep.contains(&p) {
                        let _ = std::fs::remove_file(p);
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(header: &Arc<[String]>) -> Entry {
        let mut meta = ParsedFile::new(&InputFile::named("a.csv"));
        meta.header = Arc::clone(header);
        Entry { size: 1, mtime_ns: 2, meta, header: 0 }
    }

    #[test]
    fn headers_are_stored_once_and_come_back_shared() {
        let wide: Arc<[String]> = Arc::from(vec!["region_code".to_string(), "licensing.decisions".into()]);
        let same_content: Arc<[String]> = Arc::from(wide.to_vec());
        let long: Arc<[String]> = Arc::from(vec!["metric".to_string(), "value".into()]);
        let mut m = Manifest { context: "c".into(), headers: Vec::new(), entries: BTreeMap::new() };
        for (name, h) in [("a", &wide), ("b", &long), ("c", &wide), ("d", &same_content)] {
            m.entries.insert(name.into(), entry(h));
        }
        m.intern_headers();
        assert_eq!(m.headers.len(), 2, "one copy per distinct header");
        let back = Manifest::read(&bincode::serialize(&m).unwrap()).unwrap();
        let header = |n: &str| back.entries[n].meta.header.clone();
        assert_eq!(&*header("a"), &*wide);
        assert_eq!(&*header("b"), &*long);
        assert!(Arc::ptr_eq(&header("a"), &header("d")), "equal headers share one allocation");
        assert!(back.headers.is_empty());
    }
}
