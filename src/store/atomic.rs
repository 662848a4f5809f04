//! Atomic replacement of output products. Everything is written into a staging folder inside the
//! output folder (same filesystem), its Parquet files synced, then each product (a folder such as
//! `parquet/facts`) is swapped in:
//!
//! - **Linux**: one `renameat2(RENAME_EXCHANGE)` per product. A reader sees the old product or the
//!   new one, never a mix and never nothing; a crash leaves each product old or new.
//! - **Elsewhere** (Windows, macOS) and on Linux filesystems without `RENAME_EXCHANGE`: there is no
//!   call that swaps two folders, so the swap is two renames (old product aside into the staging
//!   folder, new one in), made crash-safe by a journal: before the first rename, a small file
//!   `.xxgk-publish` naming the staging folder and the products is written and synced. A crash
//!   between renames leaves the journal; whoever takes the lock next (any xxgk command that writes
//!   the folder) first rolls the publish forward from it (the staged data is already on disk), so a
//!   product is never left half-swapped or missing past the next start. A reader looking during
//!   the instant between a product's two renames finds it missing, never mixed.
//!
//! A lock file (`.xxgk.lock`, the standard library's `File::try_lock`: `flock` on Unix,
//! `LockFileEx` on Windows; the system drops it when the process dies) keeps two runs from writing
//! the same output folder at once. `docs/platforms.md` states the guarantee per system.

use crate::support::error::{Error, IoContext, Result};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

const STAGING_PREFIX: &str = ".xxgk-staging-";

/// Written before a journaled swap's first rename, removed after its last.
const JOURNAL: &str = ".xxgk-publish";
const JOURNAL_HEADER: &str = "xxgk-publish 1";

/// Where a journaled swap puts the products it replaces, inside the staging folder.
const REPLACED: &str = ".replaced";

/// Held for the whole run; the system drops the lock if the process dies.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

pub fn lock(out: &Path) -> Result<OutputLock> {
    fs::create_dir_all(out).at(out)?;
    let path = out.join(".xxgk.lock");
    let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).at(&path)?;
    match file.try_lock() {
        Ok(()) => {}
        Err(fs::TryLockError::WouldBlock) => {
            return Err(Error::Locked { out: out.to_path_buf(), lock: path })
        }
        Err(fs::TryLockError::Error(source)) => return Err(Error::Io { path, source }),
    }
    // A publish a crash interrupted is finished before anything else looks at the folder.
    roll_forward(out)?;
    // Staging folders left by a run that crashed are ours to clean now that we hold the lock.
    if let Ok(entries) = fs::read_dir(out) {
        for e in entries.flatten() {
            if e.file_name().to_string_lossy().starts_with(STAGING_PREFIX) {
                let _ = fs::remove_dir_all(e.path());
            }
        }
    }
    Ok(OutputLock { _file: file })
}

#[derive(Debug)]
pub struct Staging {
    root: PathBuf,
    out: PathBuf,
    committed: bool,
}

impl Staging {
    /// Needs the output lock: staging folders are cleaned by whoever takes it next.
    pub fn new(out: &Path, _lock: &OutputLock) -> Result<Staging> {
        let root = out.join(format!("{STAGING_PREFIX}{}", std::process::id()));
        if root.exists() {
            fs::remove_dir_all(&root).at(&root)?;
        }
        fs::create_dir_all(&root).at(&root)?;
        Ok(Staging { root, out: out.to_path_buf(), committed: false })
    }

    /// Where to write `rel` (e.g. `parquet/facts`) before the commit.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.root.join(rel)
    }

    /// Swap each product in. A product the run did not write replaces the old one as an empty
    /// folder, so nothing stale survives.
    pub fn commit(mut self, products: &[&str]) -> Result<()> {
        for rel in products {
            let new = self.root.join(rel);
            if !new.exists() {
                fs::create_dir_all(&new).at(&new)?;
            }
        }
        // The renames that publish the products must not overtake their data on disk.
        sync_parquet(&self.root)?;
        crate::support::timing::mark(|| "publish: staged files on disk".into());
        let mut journal = None;
        for (i, rel) in products.iter().enumerate() {
            let (new, target) = (self.root.join(rel), self.out.join(rel));
            if let Some(parent) = target.parent() {
                fs::create_dir_all(parent).at(parent)?;
            }
            if journal.is_none() && (super::test_hooks::force_journal() || !exchange(&new, &target)?) {
                // No exchange here: the rest of the products go through the journal.
                journal = Some(Journal::write(&self.out, &self.root, &products[i..])?);
            }
            if journal.is_some() {
                move_in(&self.root, &self.out, rel)?;
                super::test_hooks::product_moved();
            }
        }
        if let Some(j) = journal {
            j.done()?;
        }
        self.committed = true;
        crate::support::timing::mark(|| "publish: swapped in".into());
        remove_tree(&self.root);
        crate::support::timing::mark(|| "publish: what was published before removed".into());
        Ok(())
    }
}

/// Swap `new` and `target` in one step where the system can: `Ok(true)` when done (`new` then
/// holds the old product, removed with the staging folder once every product is in), `Ok(false)`
/// when it cannot and the caller must move them.
#[cfg(target_os = "linux")]
fn exchange(new: &Path, target: &Path) -> Result<bool> {
    if fs::symlink_metadata(target).is_err() {
        fs::rename(new, target).at(target)?;
        return Ok(true);
    }
    let flags = rustix::fs::RenameFlags::EXCHANGE;
    Ok(rustix::fs::renameat_with(rustix::fs::CWD, new, rustix::fs::CWD, target, flags).is_ok())
}

#[cfg(not(target_os = "linux"))]
fn exchange(_new: &Path, _target: &Path) -> Result<bool> {
    Ok(false)
}

/// One product moved in by two renames: the old one aside into the staging folder's
/// [`REPLACED`], the new one into its place. Safe to repeat after a crash at any point: each step
/// is skipped when done already.
fn move_in(root: &Path, out: &Path, rel: &str) -> Result<()> {
    let (new, target, aside) = (root.join(rel), out.join(rel), root.join(REPLACED).join(rel));
    if !new.exists() {
        // Moved in already (by the run that crashed, before its journal was removed).
        return Ok(());
    }
    if fs::symlink_metadata(&target).is_ok() {
        if let Some(parent) = aside.parent() {
            fs::create_dir_all(parent).at(parent)?;
        }
        // Nothing is there in any order of events; whatever is would only be in the way.
        let _ = fs::remove_dir_all(&aside);
        fs::rename(&target, &aside).at(&target)?;
    }
    fs::rename(&new, &target).at(&target)
}

/// The journal of a swap in progress.
struct Journal {
    path: PathBuf,
}

impl Journal {
    /// Written and synced (with its folder, where the system can) before the first rename.
    fn write(out: &Path, root: &Path, products: &[&str]) -> Result<Journal> {
        use std::io::Write;
        let path = out.join(JOURNAL);
        let staging = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let mut text = format!("{JOURNAL_HEADER}\nstaging {staging}\n");
        for rel in products {
            text.push_str(&format!("product {rel}\n"));
        }
        let tmp = out.join(format!("{JOURNAL}.tmp"));
        let mut f = File::create(&tmp).at(&tmp)?;
        f.write_all(text.as_bytes()).at(&tmp)?;
        f.sync_all().at(&tmp)?;
        drop(f);
        fs::rename(&tmp, &path).at(&path)?;
        sync_dir(out);
        Ok(Journal { path })
    }

    /// Every product is in: the journal goes.
    fn done(self) -> Result<()> {
        fs::remove_file(&self.path).at(&self.path)?;
        if let Some(out) = self.path.parent() {
            sync_dir(out);
        }
        Ok(())
    }
}

/// The rest of a journaled swap a crash interrupted, from its journal. A journal that cannot be
/// read whole (a crash while it was written, before its rename) never started a swap: it goes.
fn roll_forward(out: &Path) -> Result<()> {
    let _ = fs::remove_file(out.join(format!("{JOURNAL}.tmp")));
    let path = out.join(JOURNAL);
    let Ok(text) = fs::read_to_string(&path) else { return Ok(()) };
    let mut lines = text.lines();
    let staging = match (lines.next(), lines.next().and_then(|l| l.strip_prefix("staging "))) {
        (Some(JOURNAL_HEADER), Some(s)) if s.starts_with(STAGING_PREFIX) && !s.contains(['/', '\\']) => s,
        _ => {
            return Err(Error::Usage(format!(
                "{}: not a publish journal xxgk can read (expected a first line `{JOURNAL_HEADER}` and a \
                 staging folder): look at the output folder, then remove the file and run again",
                path.display()
            )))
        }
    };
    let root = out.join(staging);
    for rel in lines.filter_map(|l| l.strip_prefix("product ")) {
        if rel.split(['/', '\\']).any(|part| part == ".." || part.is_empty()) {
            return Err(Error::Usage(format!(
                "{}: product `{rel}` is not a folder inside the output folder",
                path.display()
            )));
        }
        move_in(&root, out, rel)?;
    }
    Journal { path }.done()
}

/// Sync a folder's entries (the renames in it), where the system lets a folder be opened for that;
/// best effort.
fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Remove a folder of what was published before, its subfolders two levels down in parallel: a
/// national run replaces some 14,000 charts in 360 folders, and deleting them one after another
/// waited on the disk for a second. Best effort, like any cleanup after publishing.
fn remove_tree(root: &Path) {
    let dirs: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .min_depth(2)
        .max_depth(2)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_dir())
        .map(|e| e.into_path())
        .collect();
    on_disk_threads(&dirs, |d| {
        let _ = fs::remove_dir_all(d);
    });
    let _ = fs::remove_dir_all(root);
}

/// `fsync` every Parquet file under `root`, several at once: a national run stages some 400, and
/// one after another (as each was written) cost 1.6 s on ext4, where concurrent ones share journal
/// commits. A `syncfs` of the whole filesystem instead also waited for the 28,460 cache entries a
/// first run writes, which need no such care. Charts and the page are derived and not synced.
/// (Opened for writing: Windows flushes only a handle that may write.)
///
/// On Unix a file with more than one link is a published file a re-run kept (`store::reuse`): its
/// data went to disk before it was first published, and is not synced again (a one-file re-run
/// keeps 145 of its 164; syncing them was 3 ms of its 0.23 s).
fn sync_parquet(root: &Path) -> Result<()> {
    let files = to_sync(root);
    let failed = std::sync::Mutex::new(None);
    on_disk_threads(&files, |f| {
        if let Err(e) = fs::OpenOptions::new().write(true).open(f).and_then(|file| file.sync_all()) {
            failed.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert((f.clone(), e));
        }
    });
    match failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some((path, source)) => Err(Error::Io { path, source }),
        None => Ok(()),
    }
}

/// The Parquet files under `root` that [`sync_parquet`] syncs: all of them but, on Unix, those
/// with another link (kept from what was published).
fn to_sync(root: &Path) -> Vec<PathBuf> {
    let files = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "parquet"))
        .map(|e| e.into_path());
    #[cfg(unix)]
    let files = {
        use std::os::unix::fs::MetadataExt;
        files.filter(|f| fs::metadata(f).map_or(true, |m| m.nlink() < 2))
    };
    files.collect()
}

/// Threads deleting what was published before, or syncing what is about to be published.
const DISK_THREADS: usize = 8;

/// `f` on every item, [`DISK_THREADS`] at a time: deleting and syncing files mostly wait on the
/// disk, so more threads than cores keep it busy.
fn on_disk_threads<T: Sync>(items: &[T], f: impl Fn(&T) + Sync) {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..DISK_THREADS.min(items.len()) {
            scope.spawn(|| {
                while let Some(item) = items.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
                    f(item);
                }
            });
        }
    });
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.committed {
            let _ = fs::remove_dir_all(&self.root);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_products_and_leaves_no_staging() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::create_dir_all(out.join("parquet/facts/year=2020")).unwrap();
        fs::write(out.join("parquet/facts/year=2020/old.parquet"), b"old").unwrap();
        let lock = lock(out).unwrap();
        let s = Staging::new(out, &lock).unwrap();
        fs::create_dir_all(s.path("parquet/facts/year=2023")).unwrap();
        fs::write(s.path("parquet/facts/year=2023/part-0.parquet"), b"new").unwrap();
        s.commit(&["parquet/facts", "validation"]).unwrap();
        assert!(!out.join("parquet/facts/year=2020").exists(), "stale partition survived");
        assert_eq!(fs::read(out.join("parquet/facts/year=2023/part-0.parquet")).unwrap(), b"new");
        assert!(out.join("validation").is_dir());
        let left: Vec<_> = fs::read_dir(out)
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(STAGING_PREFIX))
            .collect();
        assert!(left.is_empty());
    }

    /// What publishing syncs: every Parquet file written for this run, but on Unix not one kept
    /// from what was published (a hard link to it), whose data is on disk already.
    #[test]
    fn publishing_syncs_the_files_written_and_not_those_kept() {
        let dir = tempfile::tempdir().unwrap();
        let (published, staged) = (dir.path().join("published"), dir.path().join("staged"));
        for d in [&published, &staged] {
            fs::create_dir_all(d.join("year=2023")).unwrap();
        }
        fs::write(published.join("year=2023/part-1.parquet"), b"kept").unwrap();
        fs::hard_link(published.join("year=2023/part-1.parquet"), staged.join("year=2023/part-1.parquet"))
            .unwrap();
        fs::write(staged.join("year=2023/part-2.parquet"), b"written").unwrap();
        fs::write(staged.join("year=2023/notes.txt"), b"not parquet").unwrap();
        let mut synced: Vec<String> = to_sync(&staged)
            .iter()
            .map(|p| p.strip_prefix(&staged).unwrap().to_string_lossy().replace('\\', "/"))
            .collect();
        synced.sort();
        let expected: &[&str] = if cfg!(unix) {
            &["year=2023/part-2.parquet"]
        } else {
            &["year=2023/part-1.parquet", "year=2023/part-2.parquet"]
        };
        assert_eq!(synced, expected);
    }

    /// A journaled publish that crashed after moving the first of three products in: the next
    /// lock rolls it forward, every product new, nothing of the old left, journal and staging gone.
    #[test]
    fn a_publish_cut_short_is_rolled_forward_by_the_next_lock() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        let products = ["parquet/facts", "parquet/reports", "validation"];
        for rel in products {
            fs::create_dir_all(out.join(rel)).unwrap();
            fs::write(out.join(rel).join("f"), format!("old {rel}")).unwrap();
        }
        let root = {
            let guard = lock(out).unwrap();
            let s = Staging::new(out, &guard).unwrap();
            for rel in products {
                fs::create_dir_all(s.path(rel)).unwrap();
                fs::write(s.path(rel).join("f"), format!("new {rel}")).unwrap();
            }
            let root = s.root.clone();
            let _journal = Journal::write(out, &root, &products).unwrap();
            move_in(&root, out, products[0]).unwrap();
            // The second product's first rename only: the old one aside, the new one not yet in.
            fs::create_dir_all(root.join(REPLACED).join("parquet")).unwrap();
            fs::rename(out.join(products[1]), root.join(REPLACED).join(products[1])).unwrap();
            std::mem::forget(s); // a crash: no destructor
            root
        };
        assert!(!out.join(products[1]).exists(), "half-way: the second product is aside");
        let _guard = lock(out).unwrap();
        for rel in products {
            assert_eq!(fs::read_to_string(out.join(rel).join("f")).unwrap(), format!("new {rel}"));
        }
        assert!(!out.join(JOURNAL).exists(), "journal removed once rolled forward");
        assert!(!root.exists(), "staging folder cleaned");
    }

    #[test]
    fn a_journal_xxgk_cannot_read_is_refused_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join(JOURNAL), "something else\n").unwrap();
        let e = lock(dir.path()).unwrap_err().to_string();
        assert!(e.contains(".xxgk-publish: not a publish journal xxgk can read"), "{e}");
        fs::write(
            dir.path().join(JOURNAL),
            format!("{JOURNAL_HEADER}\nstaging {STAGING_PREFIX}1\nproduct ../../etc\n"),
        )
        .unwrap();
        let e = lock(dir.path()).unwrap_err().to_string();
        assert!(e.contains("product `../../etc` is not a folder inside the output folder"), "{e}");
    }

    #[test]
    fn dropped_staging_leaves_the_old_output() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::create_dir_all(out.join("validation")).unwrap();
        fs::write(out.join("validation/findings.csv"), b"old").unwrap();
        let lock = lock(out).unwrap();
        {
            let s = Staging::new(out, &lock).unwrap();
            fs::create_dir_all(s.path("validation")).unwrap();
            fs::write(s.path("validation/findings.csv"), b"half").unwrap();
        }
        assert_eq!(fs::read(out.join("validation/findings.csv")).unwrap(), b"old");
    }
}
