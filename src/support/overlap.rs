//! "Compute item N while item N−1 is written": the ingest merges and checks a year while the year
//! before is written to Parquet, and the rollup sums a year while the one before is written. Both
//! gain the same: writing is a third to a half of a year's time and mostly one column after
//! another, so done one after the other a core sits idle.
//!
//! The hand-off holds one item, so at most three are alive at once (one being written, one
//! waiting, one being computed): memory stays bounded by three years whatever the number of years.

use std::sync::mpsc::{sync_channel, SyncSender};

/// Where `compute` hands each item to the writer.
pub struct Handoff<T>(SyncSender<T>);

impl<T> Handoff<T> {
    /// Hand `item` to the writer, waiting while it still holds one. `false` when the writer has
    /// stopped on an error: compute should stop too (the error comes out of [`compute_while_writing`]).
    pub fn send(&self, item: T) -> bool {
        self.0.send(item).is_ok()
    }
}

/// Run `compute` on this thread and `write` on a thread of its own, over the items `compute` hands
/// over, in order. Returns what `write` returned for each item, or the first error: compute's
/// when it failed (the writer is let finish first), else the writer's. A panic on the writer's
/// thread is resumed here.
pub fn compute_while_writing<T, W, E>(
    compute: impl FnOnce(&Handoff<T>) -> Result<(), E>,
    write: impl FnMut(T) -> Result<W, E> + Send,
) -> Result<Vec<W>, E>
where
    T: Send,
    W: Send,
    E: Send,
{
    std::thread::scope(|scope| {
        let (tx, rx) = sync_channel::<T>(1);
        let writer = scope.spawn(move || rx.into_iter().map(write).collect::<Result<Vec<W>, E>>());
        let handoff = Handoff(tx);
        let computed = compute(&handoff);
        drop(handoff);
        let written = writer.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        computed?;
        written
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_written_in_order_while_the_next_is_computed() {
        let out: Result<Vec<i32>, String> = compute_while_writing(
            |h| {
                for i in 0..5 {
                    if !h.send(i) {
                        break;
                    }
                }
                Ok(())
            },
            |i| Ok(i * 10),
        );
        assert_eq!(out, Ok(vec![0, 10, 20, 30, 40]));
    }

    #[test]
    fn a_writer_error_stops_compute_and_is_returned() {
        let mut sent = 0;
        let out: Result<Vec<i32>, String> = compute_while_writing(
            |h| {
                for i in 0..100 {
                    if !h.send(i) {
                        break;
                    }
                    sent += 1;
                }
                Ok(())
            },
            |i| if i == 2 { Err(format!("disk full at {i}")) } else { Ok(i) },
        );
        assert_eq!(out, Err("disk full at 2".to_string()));
        assert!(sent < 100, "compute stopped once the writer had failed");
    }

    #[test]
    fn a_compute_error_wins_over_what_was_written() {
        let out: Result<Vec<i32>, String> = compute_while_writing(
            |h| {
                h.send(1);
                Err("merge failed".to_string())
            },
            Ok,
        );
        assert_eq!(out, Err("merge failed".to_string()));
    }
}
