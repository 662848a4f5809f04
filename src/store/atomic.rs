//! Atomic replacement of output products. Everything is written into a staging folder inside the
//! output folder (same filesystem), then each product is swapped in with one `renameat2(EXCHANGE)`,
//! so a reader sees the old product or the new one, never a mix, and a crash leaves the old one.
//! A lock file keeps two runs from writing the same output folder at once.

use crate::support::error::{Error, IoContext, Result};
use std::fs::{self, File};
use std::path::{Path, PathBuf};

const STAGING_PREFIX: &str = ".xxgk-staging-";

/// Held for the whole run; the kernel drops the lock if the process dies.
#[derive(Debug)]
pub struct OutputLock {
    _file: File,
}

pub fn lock(out: &Path) -> Result<OutputLock> {
    fs::create_dir_all(out).at(out)?;
    let path = out.join(".xxgk.lock");
    let file = fs::OpenOptions::new().create(true).truncate(false).write(true).open(&path).at(&path)?;
    match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {}
        Err(e) if e == rustix::io::Errno::WOULDBLOCK || e == rustix::io::Errno::AGAIN => {
            return Err(Error::Locked { out: out.to_path_buf(), lock: path });
        }
        Err(e) => return Err(Error::Io { path, source: e.into() }),
    }
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
        for rel in products {
            swap_in(&self.root.join(rel), &self.out.join(rel))?;
        }
        self.committed = true;
        crate::support::timing::mark(|| "publish: swapped in".into());
        remove_tree(&self.root);
        crate::support::timing::mark(|| "publish: what was published before removed".into());
        Ok(())
    }
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
fn sync_parquet(root: &Path) -> Result<()> {
    let files: Vec<PathBuf> = walkdir::WalkDir::new(root)
        .into_iter()
        .flatten()
        .filter(|e| e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "parquet"))
        .map(|e| e.into_path())
        .collect();
    let failed = std::sync::Mutex::new(None);
    on_disk_threads(&files, |f| {
        if let Err(e) = File::open(f).and_then(|file| file.sync_all()) {
            failed.lock().unwrap_or_else(|p| p.into_inner()).get_or_insert((f.clone(), e));
        }
    });
    match failed.into_inner().unwrap_or_else(|p| p.into_inner()) {
        Some((path, source)) => Err(Error::Io { path, source }),
        None => Ok(()),
    }
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

fn swap_in(new: &Path, target: &Path) -> Result<()> {
    if let Some(parent) = target.parent() {
        fs::create_dir_all(parent).at(parent)?;
    }
    if fs::symlink_metadata(target).is_err() {
        return fs::rename(new, target).at(target);
    }
    let flags = rustix::fs::RenameFlags::EXCHANGE;
    match rustix::fs::renameat_with(rustix::fs::CWD, new, rustix::fs::CWD, target, flags) {
        // `new` now holds the old product, removed with the staging folder once every product is
        // in: the products are swapped one right after another, not with a deletion between.
        Ok(()) => Ok(()),
        Err(_) => {
            // Filesystems without RENAME_EXCHANGE: move the old one aside first. A crash between the
            // two renames leaves no product rather than a mixed one.
            let aside = new.with_extension("old");
            fs::rename(target, &aside).at(target)?;
            fs::rename(new, target).at(target)
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
