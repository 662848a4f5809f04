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

/// Keep glibc to two malloc arenas. By default it opens up to eight per core as threads contend,
/// and rayon's workers, polars' and the writer threads each end up holding freed pages in their
/// own: a national 10-year run peaked at 560 MB with the default and 465 MB with two, at the same
/// speed. Call before any thread starts.
pub fn limit_arenas() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets a tunable of glibc's allocator; called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
    }
}
