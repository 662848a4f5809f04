//! How the process holds its memory: freed heap given back to the operating system between
//! pipeline stages, and no transparent huge pages.
//!
//! `xxgk run` holds every report in memory while it ingests, frees them, then lets polars roll the
//! facts up. glibc keeps the freed pages in its arenas, so without this the rollup's memory comes on
//! top of the ingest's instead of reusing it, and the run's peak is the sum of both stages.
//!
//! Only when the process is large ([`RELEASE_ABOVE`] resident): a trim walks every arena and
//! unmaps pages the next stage faults in again, with a TLB shootdown on the other core each time.
//! Trimming after every rollup year and stage, a national first run (peak 341 MB) took 3.10 s
//! against 2.99 s without (5 runs each, alternating; its peak then 428 MB), and a one-file re-run
//! 0.415 s against 0.385 s (8 each). The nation's every-body year, well over 1 GB while it
//! ingests, still trims. (Asking glibc how much is free, `mallinfo2`, walks the arenas too: 2 ms a
//! call on a re-run; the resident size is one read of `/proc/self/statm`.)
//!
//! The `xxgk` binary allocates with mimalloc (`src/main.rs`), which gives freed pages back by
//! itself; the trim then only concerns what C libraries (zstd) took from glibc, and the library
//! used with the system allocator.

/// For the rest of the process, no transparent huge pages (Linux; elsewhere nothing): the `xxgk`
/// binary calls it first thing.
///
/// Its allocator, mimalloc, asks for huge pages (`madvise(MADV_HUGEPAGE)`) on its large regions,
/// and each first touch of one zeroes 2 MB in the kernel, which under this system's
/// `defrag=madvise` may first compact memory to find them. A first run churns through far more
/// memory than it holds at once: on the national bench set that zeroing was a fifth of its CPU
/// samples (`perf`: `clear_page_erms` under `do_huge_pmd_anonymous_page`), and without huge pages
/// a first run took 2.70 s against 2.95 s of wall time and 4.70 s against 5.02 s of CPU (medians
/// of 6 alternating runs, 2026-12-07). A one-file re-run straight after a first run (an analyst
/// fixing a file) took 0.27–0.31 s against 0.33–0.39 s (4 each, alternating), with half the
/// system time; only on a machine idle for a while did huge pages make a re-run faster (0.254
/// against 0.289 s, medians of 14), with outliers to 0.52 s. The flag is the process's own
/// (`PR_SET_THP_DISABLE`), read at every page fault, so it covers the regions the allocator
/// already holds, and it leaves the system's setting alone.
pub fn no_huge_pages() {
    #[cfg(target_os = "linux")]
    // SAFETY: prctl with PR_SET_THP_DISABLE takes plain integers and touches no memory of ours; a
    // kernel without it returns an error, which changes nothing.
    unsafe {
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
}

/// Resident size, in bytes, above which [`release_freed`] trims.
pub const RELEASE_ABOVE: u64 = 1 << 30;

/// Return free heap pages to the OS when the process holds more than [`RELEASE_ABOVE`] (a no-op
/// where the allocator is not glibc's).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    if resident_bytes().is_some_and(|r| r > RELEASE_ABOVE) {
        // SAFETY: malloc_trim only walks glibc's own free lists; it has no preconditions.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

/// The process's resident size (Linux: `/proc/self/statm`, its second field in pages).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn resident_bytes() -> Option<u64> {
    let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
    let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
    // SAFETY: sysconf has no preconditions.
    let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    Some(pages * u64::try_from(page).ok()?)
}

#[cfg(all(test, target_os = "linux", target_env = "gnu"))]
mod tests {
    #[test]
    fn the_resident_size_is_read() {
        let r = super::resident_bytes().expect("statm");
        assert!(r > 1 << 20 && r < 1 << 40, "{r}");
    }
}
