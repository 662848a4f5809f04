//! Stage timings on standard error when `XXGK_TIMINGS` is set: where a run's time goes, without a
//! profiler, for the benchmark notes. Off, a mark is one check of a cached flag.

use std::sync::OnceLock;
use std::time::Instant;

fn start() -> Option<&'static Instant> {
    static START: OnceLock<Option<Instant>> = OnceLock::new();
    START.get_or_init(|| std::env::var_os("XXGK_TIMINGS").map(|_| Instant::now())).as_ref()
}

/// Note that `what` is done, with the time since the first mark.
pub fn mark(what: impl FnOnce() -> String) {
    if let Some(t) = start() {
        eprintln!("[{:>8.3} s] {}", t.elapsed().as_secs_f64(), what());
    }
}
