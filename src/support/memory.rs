//! Give freed heap back to the operating system between pipeline stages.
//!
//! `xxgk run` holds every report in memory while it ingests, frees them, then lets polars roll the
//! facts up. glibc keeps the freed pages in its arenas, so without this the rollup's memory comes on
//! top of the ingest's instead of reusing it, and the run's peak is the sum of both stages.

/// Return free heap pages to the OS (a no-op where the allocator is not glibc's).
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own free lists; it has no preconditions.
    unsafe {
        libc::malloc_trim(0);
    }
}
