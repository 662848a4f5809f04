//! Incremental runs: what reading each input file produced is kept under `<out>/.xxgk-cache/`,
//! keyed by the file's SHA-256 and everything else reading depends on (xxgk's version, the latest
//! year accepted). A manifest of (path, size, mtime, SHA-256) lets the next run skip even hashing a
//! file whose size and mtime are unchanged; a changed file is hashed and, if its content is new,
//! read again. Cache entries are immutable and written by rename, so a crash cannot corrupt one;
//! entries no longer referenced are removed when the manifest is saved.

use super::discover::InputFile;
use super::parse::ParsedFile;
use crate::error::{IoContext, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::UNIX_EPOCH;

/// Bump when what `parse_file` or `report::parse_report` produces for the same bytes changes
/// (2: the 2019 format; 3: `ParsedFile::extracted`, report files).
const CACHE_VERSION: u32 = 3;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ManifestEntry {
    pub size: u64,
    pub mtime_ns: u128,
    pub sha256: String,
}

#[derive(Debug)]
pub struct ParseCache {
    dir: PathBuf,
    context: String,
    old: BTreeMap<String, ManifestEntry>,
}

fn stat(path: &Path) -> Option<(u64, u128)> {
    let meta = std::fs::metadata(path).ok()?;
    let mtime = meta.modified().ok()?.duration_since(UNIX_EPOCH).ok()?.as_nanos();
    Some((meta.len(), mtime))
}

impl ParseCache {
    pub fn open(out: &Path, max_year: i32) -> ParseCache {
        let dir = out.join(".xxgk-cache");
        let old = std::fs::read(dir.join("manifest.json"))
            .ok()
            .and_then(|b| serde_json::from_slice(&b).ok())
            .unwrap_or_default();
        let context = format!("v{CACHE_VERSION}-{}-{max_year}", env!("CARGO_PKG_VERSION"));
        ParseCache { dir, context, old }
    }

    fn blob(&self, sha256: &str) -> PathBuf {
        self.dir.join(format!("{sha256}-{}.bin", self.context))
    }

    /// The cached result for `file`, if its content was read before in this context.
    pub fn lookup(&self, file: &InputFile) -> Option<ParsedFile> {
        let (size, mtime_ns) = stat(&file.path)?;
        let known = self.old.get(&file.display).filter(|e| e.size == size && e.mtime_ns == mtime_ns)?;
        let bytes = std::fs::read(self.blob(&known.sha256)).ok()?;
        let mut parsed: ParsedFile = bincode::deserialize(&bytes).ok()?;
        // The same content may sit under another name this time.
        parsed.file = file.clone();
        parsed.from_cache = true;
        for f in &mut parsed.findings {
            f.file = file.display.clone();
        }
        Some(parsed)
    }

    /// Keep a fresh result. Failing to cache is not failing the run: the next run reads again.
    pub fn store(&self, parsed: &ParsedFile) {
        if parsed.sha256.is_empty() {
            return;
        }
        let target = self.blob(&parsed.sha256);
        if target.exists() || std::fs::create_dir_all(&self.dir).is_err() {
            return;
        }
        let Ok(bytes) = bincode::serialize(parsed) else { return };
        let tmp = target.with_extension(format!("tmp{}", std::process::id()));
        if std::fs::write(&tmp, bytes).and_then(|()| std::fs::rename(&tmp, &target)).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    /// Record this run's inputs and drop entries nothing refers to any more. Like `store`, this is
    /// best effort: a full disk here must not fail the run (the Parquet writes report that), and an
    /// unsaved manifest only means the next run reads every file again.
    pub fn save(&self, files: &[ParsedFile]) {
        let tmp = self.dir.join("manifest.json.tmp");
        if self.try_save(files, &tmp).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }

    fn try_save(&self, files: &[ParsedFile], tmp: &Path) -> Result<()> {
        let mut manifest = BTreeMap::new();
        for f in files.iter().filter(|f| !f.sha256.is_empty()) {
            if let Some((size, mtime_ns)) = stat(&f.file.path) {
                manifest.insert(
                    f.file.display.clone(),
                    ManifestEntry { size, mtime_ns, sha256: f.sha256.clone() },
                );
            }
        }
        std::fs::create_dir_all(&self.dir).at(&self.dir)?;
        let keep: std::collections::HashSet<PathBuf> =
            manifest.values().map(|e| self.blob(&e.sha256)).collect();
        let path = self.dir.join("manifest.json");
        std::fs::write(tmp, serde_json::to_vec(&manifest).unwrap_or_default()).at(tmp)?;
        std::fs::rename(tmp, &path).at(&path)?;
        for e in std::fs::read_dir(&self.dir).at(&self.dir)?.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "bin") && !keep.contains(&p) {
                let _ = std::fs::remove_file(p);
            }
        }
        Ok(())
    }
}
