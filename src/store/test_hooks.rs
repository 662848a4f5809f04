//! Fault injection for the crash-safety tests, read from the environment. Unset in normal use, and
//! then each hook is one relaxed atomic load.
//!
//! - `XXGK_TEST_ABORT_AFTER=n`: abort the process once `n` Parquet files of the store are written,
//!   with `std::process::abort` (no unwinding, no destructors, no cleanup: as a crash or the OOM killer).
//! - `XXGK_TEST_SLOW_PARTITION_MS=ms`: sleep before writing each Parquet file, so a test can act
//!   (start a second run, `kill -9`) while a run holds the lock and is half-way through.
//! - `XXGK_TEST_PUBLISH_JOURNAL=1`: publish through the journal (as on Windows) even where
//!   `RENAME_EXCHANGE` works, so that Linux tests that path too.
//! - `XXGK_TEST_ABORT_AFTER_MOVES=n`: abort once `n` products are moved in by a journaled publish:
//!   a crash half-way through the renames, which the next run must roll forward.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

struct Hooks {
    abort_after: Option<usize>,
    slow_ms: Option<u64>,
    journal: bool,
    abort_after_moves: Option<usize>,
}

fn hooks() -> &'static Hooks {
    static HOOKS: OnceLock<Hooks> = OnceLock::new();
    HOOKS.get_or_init(|| {
        let var = |name: &str| std::env::var(name).ok().and_then(|v| v.trim().parse::<u64>().ok());
        Hooks {
            abort_after: var("XXGK_TEST_ABORT_AFTER").map(|n| n as usize),
            slow_ms: var("XXGK_TEST_SLOW_PARTITION_MS"),
            journal: var("XXGK_TEST_PUBLISH_JOURNAL") == Some(1),
            abort_after_moves: var("XXGK_TEST_ABORT_AFTER_MOVES").map(|n| n as usize),
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

/// Whether to publish through the journal even where folders can be exchanged.
pub fn force_journal() -> bool {
    hooks().journal
}

static MOVED: AtomicUsize = AtomicUsize::new(0);

/// Called once a journaled publish has moved a product in.
pub fn product_moved() {
    if let Some(n) = hooks().abort_after_moves {
        if MOVED.fetch_add(1, Ordering::SeqCst) + 1 >= n {
            eprintln!("XXGK_TEST_ABORT_AFTER_MOVES={n}: aborting after {n} products moved in");
            std::process::abort();
        }
    }
}
