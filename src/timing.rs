//! Stage timings and peak memory on standard error when `XXGK_TIMINGS` is set: where a run's time
//! and memory go, without a profiler, for the benchmark notes. Off, a mark is one check of a cached
//! flag.

use std::sync::OnceLock;
use std::time::Instant;

fn start() -> Option<&'static Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    START.get_or_init(|| std::env::var_os("XXGK_TIMINGS").map(|_| Instant::now())).as_ref()
}

/// Note that `what` is done, with the time since the first mark and the peak memory so far.
pub fn mark(what: impl FnOnce() -> String) {
    if let Some(t) = start() {
        eprintln!("[{:>8.3} s {:>5} MB] {}", t.elapsed().as_secs_f64(), peak_mb(), what());
    }
}

/// The process's peak resident memory so far (Linux), in MB; 0 where unknown.
fn peak_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
