//! Incremental runs: what reading each input file produced is kept under `<out>/.xxgk-cache/`,
//! keyed by the file's SHA-256 and everything else reading depends on (xxgk's version and the
//! digest of its source, `build.rs`; the latest year accepted).
//!
//! Two levels, so that an unchanged file costs a `stat` and decoding its entry, and nothing more:
//! - the manifest (`manifest.bincode`, one file) holds, per input path, its size, mtime and SHA-256
//!   and everything reading it produced except the cells: findings, rejected rows, report keys,
//!   the years its cells fall in. A file whose size and mtime match is taken from here. It also
//!   holds the index of the cells: where each distinct content's cells are in the packs.
//! - the cells of each distinct content, one after another in pack files (`packs/*.pack`); they
//!   are read only when the file's years are merged again (`year_cache`).
//!
//! Why packs: a first run used to write one small file per input (11,384 for the national set, ten
//! times that for every body of the nation), and creating and renaming that many files cost more
//! system time on ext4 than the rest of the run's writing. A run now appends the cells of every file
//! it reads to one pack at a time (a new one past [`PACK_BYTES`]), written once and never changed.
//! A re-run that reads a few changed files writes a small pack of its own; a pack no content in the
//! manifest points into any more is removed when the manifest is saved. Bytes of replaced contents
//! stay in their pack until all of the pack's contents are gone: a pack holds the files read in one
//! run, and they are usually replaced together.
//!
//! A run that changed a few files does not rewrite the manifest (4 MB for the national set, its
//! encoding and writing 7 % of a one-file re-run's CPU): it writes what changed since the
//! manifest to the journal (`journal.bincode`), which the next run applies over the manifest. The
//! journal names the manifest it goes with (`Manifest::id`); once it holds more than an eighth of
//! the manifest's entries, the run writes a whole manifest again and the journal goes.
//!
//! The manifest and the journal are each written by rename after every pack they point into is
//! complete, so a crash leaves the old file (whose packs are still there) or the new one; a
//! journal left beside a newer manifest names another id and is not applied. Packs nothing names
//! are removed by the next save. A cache that cannot be read is a cache miss, never an error.
//!
//! Everything is serialized through [`encode`] and [`decode`].
//!
//! Why each entry keeps what reading gave as bytes ([`Entry::meta`]), decoded when the file is
//! looked up: a re-run looks every file up, on every core, while the manifest is read on one
//! before anything else can start. Decoded whole, the manifest's 11,384 entries of the national set
//! (some 100,000 strings and lists) took 20 ms, and each lookup then copied its entry (the
//! manifest kept its own for the next save); as bytes, the manifest is a few allocations an entry,
//! a lookup decodes its entry in place of the copy, and a save writes kept entries' bytes back as
//! they were.

use crate::model::{Cell, InputFile, ParsedFile};
use crate::support::codec;
use crate::support::error::{IoContext, Result};
use crate::support::hash::{HashMap, HashSet};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::UNIX_EPOCH;

/// Bump when what `parse_file` or `report::parse_report` produces for the same bytes changes
/// (2: the 2019 format; 3: `ParsedFile::extracted`, report files; 4: `ParsedFile::years`, the
/// manifest; 5: blobs of cells alone; 6: cells in packs; 7: a cell's declared body kind; 8: workbooks,
/// Chinese headers, units after numbers; 9: the journal; 10: entries kept encoded).
const CACHE_VERSION: u32 = 10;

const MANIFEST: &str = "manifest.bincode";
const JOURNAL: &str = "journal.bincode";
/// The whole manifest is written again when the journal would name more than this share of its
/// entries (and more than [`JOURNAL_MIN`]): every run reads the journal too.
const JOURNAL_SHARE: usize = 8;
const JOURNAL_MIN: usize = 64;
const PACKS: &str = "packs";
/// A pack is closed and the next one begun past this size: small enough that a pack is not much
/// to keep for a few live contents, large enough that a national run writes a handful.
const PACK_BYTES: u64 = 64 << 20;

/// The cache's only serialization (manifest and cells).
fn encode<T: Serialize>(value: &T) -> Option<Vec<u8>> {
    codec::encode(value).ok()
}

fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    codec::decode(bytes).ok()
}

/// Where one content's cells are: a byte range of a pack.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Slot {
    pack: String,
    offset: u64,
    len: u64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Entry {
    size: u64,
    mtime_ns: u128,
    /// The file's content digest: where its cells are (`Manifest::cells`).
    sha256: String,
    /// The file as read ([`ParsedFile`]), without its cells, header and digest, encoded
    /// ([`codec::encode_nested`]): decoded by the lookup that takes it.
    #[serde(with = "codec::bytes")]
    meta: Vec<u8>,
    /// Its header's place in the `headers` of the manifest or journal it is in.
    header: u32,
}

impl Entry {
    /// `parsed`, found at `size` and `mtime_ns` (its cells left out, its header kept by the caller);
    /// `None` if it cannot be encoded.
    fn of(parsed: &ParsedFile, (size, mtime_ns): (u64, u128)) -> Option<Entry> {
        let mut meta = parsed.without_cells();
        // Both kept beside the bytes.
        meta.header = Arc::from(Vec::new());
        meta.sha256 = String::new();
        let meta = codec::encode_nested(&meta).ok()?;
        Some(Entry { size, mtime_ns, sha256: parsed.sha256.clone(), meta, header: 0 })
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Manifest {
    context: String,
    /// Which manifest this is: the journal names it.
    id: String,
    /// Each distinct header once: a wide layout's is some 200 column names, and thousands of
    /// per-report files share a handful.
    headers: Vec<Vec<String>>,
    entries: BTreeMap<String, Entry>,
    /// Where the cells of each content (by SHA-256) are.
    cells: HashMap<String, Slot>,
}

/// What the runs since manifest `base` changed: entries added or replaced, paths gone, and where
/// the new entries' cells are.
#[derive(Debug, Default, Serialize, Deserialize)]
struct Journal {
    base: String,
    headers: Vec<Vec<String>>,
    entries: BTreeMap<String, Entry>,
    removed: BTreeSet<String>,
    cells: HashMap<String, Slot>,
}

/// Read a manifest or a journal. `Err` for one of another cache format (an older xxgk's),
/// `Ok(None)` for a damaged one.
fn read<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<Option<T>, codec::Error> {
    match codec::decode(bytes) {
        Ok(m) => Ok(Some(m)),
        Err(e @ codec::Error::OtherFormat { .. }) => Err(e),
        Err(_) => Ok(None),
    }
}

/// Where `header` is in `headers`, added at the end when it is not there.
fn place_of(headers: &mut Vec<Vec<String>>, header: Vec<String>) -> u32 {
    match headers.iter().position(|h| *h == header) {
        Some(i) => i as u32,
        None => {
            headers.push(header);
            (headers.len() - 1) as u32
        }
    }
}

/// The headers `entries` use, each once, and each entry numbered by its place there: a fresh
/// entry's header is in `fresh` (by path), a kept one's at its number in `kept`. An entry whose
/// number names no header is left out (it would be read again anyway).
fn number_headers(
    entries: &mut BTreeMap<String, Entry>,
    kept: &[Header],
    fresh: &HashMap<String, Header>,
) -> Vec<Vec<String>> {
    let mut headers = Vec::new();
    let mut by_ptr: HashMap<*const [String], u32> = HashMap::default();
    let mut by_content: HashMap<Vec<String>, u32> = HashMap::default();
    entries.retain(|path, e| {
        let Some(header) = fresh.get(path).or_else(|| kept.get(e.header as usize)) else { return false };
        // Every header here is held by `kept` or `fresh` until this returns: no address is reused.
        let ptr = Arc::as_ptr(header);
        e.header = match by_ptr.get(&ptr) {
            Some(&i) => i,
            None => {
                let next = headers.len() as u32;
                let i = *by_content.entry(header.to_vec()).or_insert(next);
                if i == next {
                    headers.push(header.to_vec());
                }
                by_ptr.insert(ptr, i);
                i
            }
        };
        true
    });
    headers
}

impl Manifest {
    /// `journal` applied, if it was written over this manifest: the paths it names. Its entries'
    /// headers are numbered in this manifest's `headers` (added there when new).
    fn apply(&mut self, journal: Option<Journal>) -> (BTreeSet<String>, BTreeSet<String>) {
        let Some(mut j) = journal.filter(|j| j.base == self.id) else { return Default::default() };
        if j.entries.values().any(|e| e.header as usize >= j.headers.len()) {
            return Default::default();
        }
        let places: Vec<u32> = j.headers.drain(..).map(|h| place_of(&mut self.headers, h)).collect();
        for e in j.entries.values_mut() {
            e.header = places[e.header as usize];
        }
        for gone in &j.removed {
            self.entries.remove(gone);
        }
        let named: BTreeSet<String> = j.entries.keys().cloned().collect();
        self.entries.extend(j.entries);
        self.cells.extend(j.cells);
        (named, j.removed)
    }
}

/// A file's header, shared by the files that have it.
type Header = Arc<[String]>;

#[derive(Debug)]
pub struct ParseCache {
    dir: PathBuf,
    context: String,
    old: Manifest,
    /// The headers of `old` (moved out of it), shared by the files looked up; entries number them.
    headers: Vec<Header>,
    /// Whether `old` is a manifest of this context (else every pack is checked when saving).
    old_loaded: bool,
    /// How many entries the manifest on disk has, and which paths the journal adds or replaces and
    /// removes over it.
    base_entries: usize,
    journal: (BTreeSet<String>, BTreeSet<String>),
    /// Paths whose old entry stands, as they are looked up.
    hits: Mutex<Vec<String>>,
    /// Entries of files read this run, with their headers.
    fresh: Mutex<BTreeMap<String, (Entry, Header)>>,
    /// The pack being written and where this run's contents went.
    packing: Mutex<Packing>,
    /// Why a manifest that was there is not used, when it was written in another format.
    discarded: Option<String>,
}

/// This run's packs.
#[derive(Debug, Default)]
struct Packing {
    /// The pack being appended to, its name and its length so far.
    open: Option<(std::io::BufWriter<std::fs::File>, String, u64)>,
    /// Packs begun this run.
    begun: u32,
    /// Where each content read this run went.
    slots: HashMap<String, Slot>,
    /// Set when a write failed: nothing more is packed this run (the next run reads those files).
    failed: bool,
}

impl Packing {
    /// Append `bytes` as the cells of `sha256`; best effort.
    fn append(&mut self, dir: &Path, sha256: &str, bytes: &[u8]) {
        use std::io::Write;
        if self.failed || self.slots.contains_key(sha256) {
            return;
        }
        if self.open.as_ref().is_some_and(|(_, _, len)| *len >= PACK_BYTES) {
            self.close();
        }
        if self.open.is_none() {
            // Unique among runs: a pack of an earlier run may still be in use.
            let name = format!("{}-{}.pack", stamp(), self.begun);
            self.begun += 1;
            let file = std::fs::create_dir_all(dir).and_then(|()| std::fs::File::create(dir.join(&name)));
            match file {
                Ok(f) => self.open = Some((std::io::BufWriter::with_capacity(1 << 20, f), name, 0)),
                Err(_) => {
                    self.failed = true;
                    return;
                }
            }
        }
        let Some((w, name, len)) = self.open.as_mut() else { return };
        if w.write_all(bytes).is_err() {
            self.failed = true;
            return;
        }
        self.slots
            .insert(sha256.to_string(), Slot { pack: name.clone(), offset: *len, len: bytes.len() as u64 });
        *len += bytes.len() as u64;
    }

    /// Flush the open pack; on failure none of this run's contents count as kept.
    fn close(&mut self) {
        use std::io::Write;
        if let Some((mut w, _, _)) = self.open.take() {
            if w.flush().is_err() {
                self.failed = true;
            }
        }
    }

    /// Where this run's contents are, once every pack is complete.
    fn finish(&mut self) -> HashMap<String, Slot> {
        self.close();
        if self.failed {
            return HashMap::default();
        }
        std::mem::take(&mut self.slots)
    }
}

/// What names a run's packs and its manifest apart from every other run's: the time in
/// nanoseconds and the process id.
fn stamp() -> String {
    let nanos = std::time::SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    format!("{nanos}-{}", std::process::id())
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

/// Read a slot of a pack.
fn read_slot(dir: &Path, slot: &Slot) -> Option<Vec<u8>> {
    use std::io::{Read, Seek, SeekFrom};
    let mut f = std::fs::File::open(dir.join(&slot.pack)).ok()?;
    f.seek(SeekFrom::Start(slot.offset)).ok()?;
    let mut bytes = vec![0; usize::try_from(slot.len).ok()?];
    f.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

/// `file`'s size and modification time: as the folder walk saw them, or from a `stat` of its path.
/// The walk's are taken before the file is read, so a file changed while it was being read is
/// stored under its old stamp, and read again next time.
fn stat(file: &InputFile) -> Option<(u64, u128)> {
    file.seen.or_else(|| crate::model::file::size_and_mtime(&std::fs::metadata(&file.path).ok()?))
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
        // The journal is read while the manifest is decoded.
        let (base, journal) = rayon::join(
            || std::fs::read(dir.join(MANIFEST)).map(|b| read::<Manifest>(&b)),
            || std::fs::read(dir.join(JOURNAL)).ok().and_then(|b| read::<Journal>(&b).ok().flatten()),
        );
        let (mut old, discarded) = match base {
            Ok(Ok(m)) => (m.filter(|m| m.context == context), None),
            Ok(Err(e)) => (None, Some(format!("{}: {e}", dir.join(MANIFEST).display()))),
            Err(_) => (None, None),
        };
        let base_entries = old.as_ref().map_or(0, |m| m.entries.len());
        let journal = old.as_mut().map(|m| m.apply(journal)).unwrap_or_default();
        // Moved out of the manifest: a save numbers its headers afresh (`number_headers`).
        let headers = old
            .as_mut()
            .map_or(Vec::new(), |m| std::mem::take(&mut m.headers).into_iter().map(Arc::from).collect());
        ParseCache {
            headers,
            discarded,
            dir,
            context,
            old_loaded: old.is_some(),
            base_entries,
            journal,
            old: old.unwrap_or_default(),
            hits: Mutex::new(Vec::new()),
            fresh: Mutex::new(BTreeMap::new()),
            packing: Mutex::new(Packing::default()),
        }
    }

    fn packs(&self) -> PathBuf {
        self.dir.join(PACKS)
    }

    /// Why the cache on disk was discarded (written by another xxgk's cache format), if it was: the
    /// run reads every file again and replaces it.
    pub fn discarded(&self) -> Option<&str> {
        self.discarded.as_deref()
    }

    /// The folder the cache lives in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What xxgk's reading depends on besides the bytes read.
    pub fn context(&self) -> &str {
        &self.context
    }

    /// `file` as read last time, without its cells, if its size and mtime are unchanged.
    pub fn lookup(&self, file: &InputFile) -> Option<ParsedFile> {
        let (size, mtime_ns) = stat(file)?;
        // Whether its pack is still there is not looked at: the cells are needed only if the file's
        // year is merged again, and `cells` falls back to reading the file when the pack is gone.
        let known =
            self.old.entries.get(&file.display).filter(|e| e.size == size && e.mtime_ns == mtime_ns)?;
        let mut parsed: ParsedFile = codec::decode_nested(&known.meta).ok()?;
        parsed.header = Arc::clone(self.headers.get(known.header as usize)?);
        parsed.sha256 = known.sha256.clone();
        parsed.file = file.clone();
        parsed.from_cache = true;
        for f in &mut parsed.findings {
            f.file = file.display.clone();
        }
        self.hits.lock().unwrap_or_else(|p| p.into_inner()).push(file.display.clone());
        Some(parsed)
    }

    /// The cells of a file `lookup` gave without them; `None` when its pack is gone or unreadable
    /// (the caller reads the file again).
    pub fn cells(&self, parsed: &ParsedFile) -> Option<Vec<Cell>> {
        let slot = self.old.cells.get(&parsed.sha256)?;
        decode(&read_slot(&self.packs(), slot)?)
    }

    /// Keep a fresh result (read just now, cells and all, before anything else touched it).
    /// Failing to cache is not failing the run: the next run reads the file again.
    pub fn store(&self, parsed: &ParsedFile) {
        if parsed.sha256.is_empty() {
            return;
        }
        if let Some(entry) = stat(&parsed.file).and_then(|at| Entry::of(parsed, at)) {
            self.fresh
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .insert(parsed.file.display.clone(), (entry, Arc::clone(&parsed.header)));
        }
        // A content kept already (another path with the same bytes, or this one touched) is not
        // packed again.
        if self.old.cells.contains_key(&parsed.sha256) {
            return;
        }
        // The rest of what reading produced is in the manifest: the pack gets the cells alone.
        // Serialized before taking the lock: the lock only covers the append.
        if let Some(bytes) = encode(&parsed.cells) {
            self.packing.lock().unwrap_or_else(|p| p.into_inner()).append(
                &self.packs(),
                &parsed.sha256,
                &bytes,
            );
        }
    }

    /// This run's manifest or journal, ready to be written (`PendingSave::write`, on a thread of
    /// its own if the caller likes: nothing else reads it), or `None` when what is on disk is this
    /// run's already.
    pub fn save(&mut self) -> Option<PendingSave> {
        let hits = std::mem::take(&mut *self.hits.lock().unwrap_or_else(|p| p.into_inner()));
        let fresh = std::mem::take(&mut *self.fresh.lock().unwrap_or_else(|p| p.into_inner()));
        let mut fresh_headers: HashMap<String, Header> = HashMap::default();
        let fresh: BTreeMap<String, Entry> = fresh
            .into_iter()
            .map(|(path, (e, header))| {
                fresh_headers.insert(path.clone(), header);
                (path, e)
            })
            .collect();
        let headers = Headers { kept: self.headers.clone(), fresh: fresh_headers };
        let mut packed = self.packing.lock().unwrap_or_else(|p| p.into_inner()).finish();
        if self.old_loaded && fresh.is_empty() && hits.len() == self.old.entries.len() {
            return None;
        }
        let replaced = fresh.keys().filter(|k| self.old.entries.contains_key(*k)).count();
        // Paths of the manifest or journal neither found unchanged nor read again: gone.
        let gone: BTreeSet<String> = if hits.len() + replaced == self.old.entries.len() {
            BTreeSet::new()
        } else {
            let seen: HashSet<&str> = hits.iter().chain(fresh.keys()).map(String::as_str).collect();
            self.old.entries.keys().filter(|k| !seen.contains(k.as_str())).cloned().collect()
        };
        let (named, removed) = std::mem::take(&mut self.journal);
        // What the journal said that still holds.
        let still: Vec<&String> =
            named.iter().filter(|k| !fresh.contains_key(*k) && !gone.contains(*k)).collect();
        let small = still.len() + fresh.len() + removed.len() + gone.len()
            <= (self.base_entries / JOURNAL_SHARE).max(JOURNAL_MIN);
        let cells_of = |entries: &BTreeMap<String, Entry>, packed: &mut HashMap<String, Slot>| {
            // Each entry's cells: packed this run, or where the old manifest had them; an entry
            // whose cells were not packed (a failed write) reads its file again if its year is merged.
            let mut cells = HashMap::with_capacity_and_hasher(entries.len(), Default::default());
            for e in entries.values() {
                let sha = &e.sha256;
                if let Some(slot) = packed.remove(sha).or_else(|| self.old.cells.get(sha).cloned()) {
                    cells.insert(sha.clone(), slot);
                }
            }
            cells
        };
        let dir = self.dir.clone();
        if self.old_loaded && small {
            // Every pack a path still there points into, as the manifest and journal had it or as
            // this run packed it.
            let mut keep: HashSet<String> = HashSet::default();
            let live = self.old.entries.iter().filter(|(k, _)| !fresh.contains_key(*k) && !gone.contains(*k));
            for (_, e) in live.chain(fresh.iter()) {
                let sha = &e.sha256;
                if let Some(slot) = packed.get(sha).or_else(|| self.old.cells.get(sha)) {
                    if !keep.contains(&slot.pack) {
                        keep.insert(slot.pack.clone());
                    }
                }
            }
            // What the journal said and still holds, and this run's changes.
            let mut entries = fresh;
            for k in still {
                if let Some(e) = self.old.entries.remove(k) {
                    entries.insert(k.clone(), e);
                }
            }
            let mut removed: BTreeSet<String> = removed.into_iter().chain(gone).collect();
            removed.retain(|k| !entries.contains_key(k));
            let cells = cells_of(&entries, &mut packed);
            let journal = Journal { base: self.old.id.clone(), headers: Vec::new(), entries, removed, cells };
            return Some(PendingSave { dir, keep, headers, write: Write::Journal(journal) });
        }
        let mut old = std::mem::take(&mut self.old.entries);
        let mut entries = fresh;
        for display in hits {
            if let Some(e) = old.remove(&display) {
                entries.insert(display, e);
            }
        }
        let cells = cells_of(&entries, &mut packed);
        // A new manifest keeps only the packs it points into.
        let keep = cells.values().map(|s| s.pack.clone()).collect();
        let manifest =
            Manifest { context: self.context.clone(), id: stamp(), headers: Vec::new(), entries, cells };
        Some(PendingSave { dir, keep, headers, write: Write::Manifest(manifest) })
    }
}

/// What a save writes.
enum Write {
    Manifest(Manifest),
    Journal(Journal),
}

/// A manifest or journal to write, and the packs to keep.
pub struct PendingSave {
    dir: PathBuf,
    keep: HashSet<String>,
    headers: Headers,
    write: Write,
}

/// The headers of the entries a save writes, to number when it is written.
struct Headers {
    /// Those the entries kept from the manifest (and journal) read number.
    kept: Vec<Header>,
    /// Those of the files read this run, by path.
    fresh: HashMap<String, Header>,
}

impl PendingSave {
    /// Best effort, like `ParseCache::store`: a full disk here must not fail the run (the Parquet
    /// writes report that), and an unsaved manifest only means the next run reads every file again.
    pub fn write(mut self) {
        match &mut self.write {
            Write::Manifest(m) => {
                m.headers = number_headers(&mut m.entries, &self.headers.kept, &self.headers.fresh)
            }
            Write::Journal(j) => {
                j.headers = number_headers(&mut j.entries, &self.headers.kept, &self.headers.fresh)
            }
        }
        let _ = self.try_write();
    }

    fn try_write(&self) -> Result<()> {
        std::fs::create_dir_all(&self.dir).at(&self.dir)?;
        let (manifest, journal) = (self.dir.join(MANIFEST), self.dir.join(JOURNAL));
        match &self.write {
            Write::Manifest(m) => {
                write_by_rename(&manifest, &encode(m).unwrap_or_default()).at(&manifest)?;
                // It names the manifest replaced: it would not be applied, but it is no use either.
                let _ = std::fs::remove_file(&journal);
            }
            Write::Journal(j) => write_by_rename(&journal, &encode(j).unwrap_or_default()).at(&journal)?,
        }
        // Packs nothing points into any more, and what xxgk before packs kept: blobs of cells
        // (`*.bin`) and the JSON manifest of cache version 3.
        let packs = self.dir.join(PACKS);
        for e in std::fs::read_dir(&packs).into_iter().flatten().flatten() {
            if !e.file_name().to_str().is_some_and(|n| self.keep.contains(n)) {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let _ = std::fs::remove_file(self.dir.join("manifest.json"));
        for e in std::fs::read_dir(&self.dir).at(&self.dir)?.flatten() {
            let p = e.path();
            if p.extension().is_some_and(|x| x == "bin") {
                let _ = std::fs::remove_file(p);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_stored_once_and_come_back_shared() {
        let out = tempfile::tempdir().unwrap();
        let inputs = tempfile::tempdir().unwrap();
        let wide: Arc<[String]> = Arc::from(vec!["region_code".to_string(), "licensing.decisions".into()]);
        let same_content: Arc<[String]> = Arc::from(wide.to_vec());
        let long: Arc<[String]> = Arc::from(vec!["metric".to_string(), "value".into()]);
        let mut c = ParseCache::open(out.path(), 2030);
        let mut files = Vec::new();
        for (name, h) in [("a.csv", &wide), ("b.csv", &long), ("c.csv", &wide), ("d.csv", &same_content)] {
            let mut p = parsed(inputs.path(), name, name, 1, 1.0);
            p.header = Arc::clone(h);
            c.store(&p);
            files.push(p);
        }
        c.save().unwrap().write();
        let m = read::<Manifest>(&std::fs::read(cache_file(out.path(), MANIFEST)).unwrap()).unwrap().unwrap();
        assert_eq!(m.headers.len(), 2, "one copy per distinct header");
        let c = ParseCache::open(out.path(), 2030);
        let header = |i: usize| c.lookup(&files[i].file).expect("unchanged").header;
        assert_eq!(&*header(0), &*wide);
        assert_eq!(&*header(1), &*long);
        assert!(Arc::ptr_eq(&header(0), &header(3)), "equal headers share one allocation");
    }

    #[test]
    fn a_file_comes_back_as_it_was_read_but_its_cells() {
        let out = tempfile::tempdir().unwrap();
        let inputs = tempfile::tempdir().unwrap();
        let mut p = parsed(inputs.path(), "a.csv", "aa", 3, 1.5);
        p.rows_read = 7;
        p.years = vec![2022, 2023];
        p.year_digests = vec![(2022, "d22".into()), (2023, "d23".into())];
        p.file_error = Some("why".into());
        let mut c = ParseCache::open(out.path(), 2030);
        c.store(&p);
        c.save().unwrap().write();
        let c = ParseCache::open(out.path(), 2030);
        let back = c.lookup(&p.file).expect("unchanged");
        assert!(back.from_cache && back.cells.is_empty());
        assert_eq!(back.file.display, "a.csv");
        assert_eq!((back.sha256.as_str(), back.rows_read), ("aa", 7));
        assert_eq!(back.years, p.years);
        assert_eq!(back.year_digests, p.year_digests);
        assert_eq!(back.file_error, p.file_error);
        assert_eq!(&*back.header, &*p.header);
    }

    /// A parsed file at a real path (the cache `stat`s it), with `n` cells of value `v`.
    fn parsed(dir: &Path, name: &str, sha: &str, n: u32, v: f64) -> ParsedFile {
        let path = dir.join(name);
        std::fs::write(&path, format!("{name}{v}")).unwrap();
        let mut p = ParsedFile::new(&InputFile {
            path,
            rel: PathBuf::from(name),
            display: name.to_string(),
            kind: Default::default(),
            seen: None,
        });
        p.sha256 = sha.to_string();
        p.cells = (0..n)
            .map(|i| Cell {
                report: 0,
                metric: i as u16,
                col: 1,
                record: i,
                line: i + 2,
                value: Some(v),
                declared: None,
                kind: None,
            })
            .collect();
        p
    }

    fn packs_in(out: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(out.join(".xxgk-cache").join(PACKS))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn cells_come_back_from_packs_and_a_pack_nothing_points_into_goes() {
        let out = tempfile::tempdir().unwrap();
        let inputs = tempfile::tempdir().unwrap();
        let (a, b) =
            (parsed(inputs.path(), "a.csv", "aa", 3, 1.5), parsed(inputs.path(), "b.csv", "bb", 2, 7.0));
        let mut c = ParseCache::open(out.path(), 2030);
        c.store(&a);
        c.store(&b);
        c.save().unwrap().write();
        let first = packs_in(out.path());
        assert_eq!(first.len(), 1, "one pack for the whole run: {first:?}");
        assert!(!out
            .path()
            .join(".xxgk-cache")
            .read_dir()
            .unwrap()
            .any(|e| { e.unwrap().path().extension().is_some_and(|x| x == "bin") }));

        // The next run: both unchanged, their cells read back from the pack.
        let c = ParseCache::open(out.path(), 2030);
        for (p, v) in [(&a, 1.5), (&b, 7.0)] {
            let hit = c.lookup(&p.file).expect("unchanged");
            assert!(hit.cells.is_empty() && hit.from_cache);
            let cells = c.cells(&hit).expect("in the pack");
            assert_eq!(cells.len(), p.cells.len());
            assert!(cells.iter().enumerate().all(|(i, x)| x.value == Some(v) && x.line == i as u32 + 2));
        }

        // A run where a changed: its cells go to a new pack; the old one still holds b's.
        let mut c = ParseCache::open(out.path(), 2030);
        let a2 = parsed(inputs.path(), "a.csv", "a2", 1, 9.0);
        assert!(c.lookup(&b.file).is_some());
        c.store(&a2);
        c.save().unwrap().write();
        let second = packs_in(out.path());
        assert_eq!(second.len(), 2, "{second:?}");
        assert!(second.contains(&first[0]));
        let c = ParseCache::open(out.path(), 2030);
        assert_eq!(c.cells(&c.lookup(&a2.file).unwrap()).unwrap()[0].value, Some(9.0));

        // b changed as well: nothing points into the first pack any more, and it is removed.
        let mut c = ParseCache::open(out.path(), 2030);
        let b2 = parsed(inputs.path(), "b.csv", "b2", 1, 4.0);
        assert!(c.lookup(&a2.file).is_some());
        c.store(&b2);
        c.save().unwrap().write();
        let third = packs_in(out.path());
        assert_eq!(third.len(), 2, "{third:?}");
        assert!(!third.contains(&first[0]), "{third:?}");
        let c = ParseCache::open(out.path(), 2030);
        assert_eq!(c.cells(&c.lookup(&b2.file).unwrap()).unwrap()[0].value, Some(4.0));
        assert_eq!(c.cells(&c.lookup(&a2.file).unwrap()).unwrap()[0].value, Some(9.0));
    }

    fn cache_file(out: &Path, name: &str) -> PathBuf {
        out.join(".xxgk-cache").join(name)
    }

    #[test]
    fn a_few_changes_go_to_the_journal_and_the_next_run_sees_them() {
        let out = tempfile::tempdir().unwrap();
        let inputs = tempfile::tempdir().unwrap();
        let files: Vec<ParsedFile> = (0..10)
            .map(|i| parsed(inputs.path(), &format!("f{i}.csv"), &format!("s{i}"), 2, i as f64))
            .collect();
        let mut c = ParseCache::open(out.path(), 2030);
        files.iter().for_each(|f| c.store(f));
        c.save().unwrap().write();
        let manifest = std::fs::read(cache_file(out.path(), MANIFEST)).unwrap();
        assert!(!cache_file(out.path(), JOURNAL).exists());

        // f0 changed, f9 gone, f10 new: the manifest stays as it was, the journal says so.
        let mut c = ParseCache::open(out.path(), 2030);
        for f in &files[1..9] {
            assert!(c.lookup(&f.file).is_some());
        }
        // f0 now has a header the manifest has not: the journal's numbering of headers is its own.
        let other: Arc<[String]> = Arc::from(vec!["region_code".to_string(), "x".into()]);
        let mut f0 = parsed(inputs.path(), "f0.csv", "s0'", 1, 50.0);
        f0.header = Arc::clone(&other);
        c.store(&f0);
        let f10 = parsed(inputs.path(), "f10.csv", "s10", 1, 60.0);
        c.store(&f10);
        c.save().unwrap().write();
        assert_eq!(std::fs::read(cache_file(out.path(), MANIFEST)).unwrap(), manifest, "not rewritten");
        assert!(cache_file(out.path(), JOURNAL).is_file());

        // The next run sees the manifest with the journal over it, and a run after it too (the
        // journal keeps what it said while adding this run's change).
        for round in 0..2 {
            let mut c = ParseCache::open(out.path(), 2030);
            let f0 = c.lookup(&files[0].file).expect("f0 as read again");
            assert_eq!(f0.sha256, "s0'");
            assert_eq!(&*f0.header, &*other);
            assert_eq!(&*c.lookup(&f10.file).unwrap().header, &*files[2].header);
            assert_eq!(&*c.lookup(&files[2].file).unwrap().header, &*files[2].header);
            assert_eq!(c.cells(&f0).unwrap()[0].value, Some(50.0));
            assert_eq!(c.cells(&c.lookup(&f10.file).expect("f10 kept")).unwrap()[0].value, Some(60.0));
            assert!(c.lookup(&files[9].file).is_none(), "f9 is gone from the cache");
            for f in &files[2..9] {
                let hit = c.lookup(&f.file).expect("unchanged");
                assert_eq!(c.cells(&hit).unwrap().len(), 2);
            }
            if round == 0 {
                assert!(c.lookup(&files[1].file).is_some());
                c.store(&parsed(inputs.path(), "f1.csv", "s1'", 1, 70.0));
                c.save().unwrap().write();
            } else {
                assert_eq!(c.lookup(&files[1].file).unwrap().sha256, "s1'");
            }
        }
        assert_eq!(std::fs::read(cache_file(out.path(), MANIFEST)).unwrap(), manifest);
    }

    #[test]
    fn a_long_journal_is_folded_into_a_new_manifest_and_a_stale_one_is_not_applied() {
        let out = tempfile::tempdir().unwrap();
        let inputs = tempfile::tempdir().unwrap();
        let n = JOURNAL_MIN + 6;
        let files: Vec<ParsedFile> =
            (0..n).map(|i| parsed(inputs.path(), &format!("f{i}.csv"), &format!("s{i}"), 1, 1.0)).collect();
        let mut c = ParseCache::open(out.path(), 2030);
        files.iter().for_each(|f| c.store(f));
        c.save().unwrap().write();
        // One change: journal.
        let mut c = ParseCache::open(out.path(), 2030);
        files[1..].iter().for_each(|f| assert!(c.lookup(&f.file).is_some()));
        c.store(&parsed(inputs.path(), "f0.csv", "t0", 1, 2.0));
        c.save().unwrap().write();
        let stale = std::fs::read(cache_file(out.path(), JOURNAL)).unwrap();
        // Every file changed: more than the journal takes, so a new manifest and no journal.
        let mut c = ParseCache::open(out.path(), 2030);
        for i in 0..n {
            c.store(&parsed(inputs.path(), &format!("f{i}.csv"), &format!("u{i}"), 1, 3.0));
        }
        c.save().unwrap().write();
        assert!(!cache_file(out.path(), JOURNAL).exists());
        // A journal of the manifest before (a crash between writing the manifest and removing
        // it) is not applied: f0 stays as the new manifest has it.
        std::fs::write(cache_file(out.path(), JOURNAL), stale).unwrap();
        let c = ParseCache::open(out.path(), 2030);
        let f0 = c.lookup(&files[0].file).unwrap();
        assert_eq!(f0.sha256, "u0");
        assert_eq!(c.cells(&f0).unwrap()[0].value, Some(3.0));
        assert_eq!(packs_in(out.path()).len(), 1, "only the last run's pack is pointed into");
    }
}
