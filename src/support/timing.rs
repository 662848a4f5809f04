//! Stage timings and peak memory on standard error when `XXGK_TIMINGS` is set: where a run's time
//! and memory go, without a profiler, for the benchmark notes. Off, a mark is one check of a cached
//! flag.

use std::sync::OnceLock;
use std::time::Instant;

fn start() -> Option<&'static Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    START.get_or_init(|| std::env::var_os("XXGK_TIMINGS").map(|_| Instant::now())).as_ref()
}

/// Note that `what` is done, with the time since the first mark, the memory in use and its peak.
pub fn mark(what: impl FnOnce() -> String) {
    if let Some(t) = start() {
        let (now, peak) = (status_mb("VmRSS:"), status_mb("VmHWM:"));
        eprintln!(
            "[{:>8.3} s, CPU {:>7.3} s, {now:>5} MB, peak {peak:>5} MB] {}",
            t.elapsed().as_secs_f64(),
            cpu_seconds(),
            what()
        );
    }
}

/// The process's CPU time so far, user and system, in seconds (Linux `/proc/self/stat`, in clock
/// ticks of 1/100 s); 0 where unknown. Against the wall time it shows how well a stage keeps the
/// cores busy.
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // The fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let ticks: u64 = rest.split_whitespace().skip(11).take(2).filter_map(|v| v.parse::<u64>().ok()).sum();
    ticks as f64 / 100.0
}

/// A memory figure of `/proc/self/status` (Linux; `VmRSS:` now, `VmHWM:` the peak), in MB; 0
/// where unknown.
fn status_mb(key: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
