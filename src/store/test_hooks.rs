//! Fault injection for the crash-safety tests, read from the environment. Unset in normal use, and
//! then each hook is one relaxed atomic load.
//!
//! - `XXGK_TEST_ABORT_AFTER=n`: abort the process once `n` Parquet files of the store are written,
//!   with `std::process::abort` (no unwinding, no destructors, no cleanup: as a crash or the OOM killer).
//! - `XXGK_TEST_SLOW_PARTITION_MS=ms`: sleep before writing each Parquet file, so a test can act
//!   (start a second run, `kill -9`) while a run holds the lock and is half-way through.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

struct Hooks {
    abort_after: Option<usize>,
    slow_ms: Option<u64>,
}

fn hooks() -> &'static Hooks {
    static HOOKS: OnceLock<Hooks> = OnceLock::new();
    HOOKS.get_or_init(|| {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<u64>().ok());
        Hooks {
            abort_after: var("XXGK_TEST_ABORT_AFTER").map(|n| n as usize),
            slow_ms: var("XXGK_TEST_SLOW_PARTITION_MS"),
        }
    })
}

static WRITTEN: AtomicUsize = AtomicUsize::new(0);

/// Called before a Parquet file is created.
pub fn before_parquet_file() {
    if let Some(ms) = hooks().slow_ms {
        std::thread::sleep(std::time::Duration::from_millis(ms));
    }
}

/// Called once a Parquet file is written and synced.
pub fn parquet_file_written() {
    if let Some(n) = hooks().abort_after {
        if WRITTEN.fetch_add(1, Ordering::SeqCst) + 1 >= n {
            eprintln!("XXGK_TEST_ABORT_AFTER={n}: aborting after {n} Parquet files");
            std::process::abort();
        }
    }
}
