//! Checkpoints of SQLite's write-ahead log, kept off the single writer's
//! path.
//!
//! A checkpoint copies committed pages from the log into the database file;
//! SQLite starts the log over from its beginning only when a write begins
//! after a checkpoint that copied every frame, while no reader still uses
//! the old frames. Under steady ingest, checkpoints from another connection
//! never catch up with the end of the log (the writer appends while they
//! copy), so the log grew without bound (3.5 GB after 30 s of batch load,
//! docs/benchmarks.md). The writer then ran `PRAGMA wal_checkpoint(RESTART)`
//! itself once a second: that worked, but the copy of everything left and
//! its two disk flushes (73-181 ms measured) held up every ingest group
//! behind it.
//!
//! Now the work is split:
//!
//! - a thread of its own ([`Checkpointer::start`]), with its own connection,
//!   runs `PASSIVE` checkpoints a few times a second, and one after the
//!   other as the log nears its limit. They never wait for the writer or
//!   for readers, and do nearly all the copying and flushing;
//! - the writer, between two transactions ([`Checkpointer::maintain`]), only
//!   acts once the log is past [`RESTART_FRAMES`] and the thread's last pass
//!   copied all it saw: it pauses the thread and runs one `PASSIVE`
//!   checkpoint on its own connection, which copies just the frames written
//!   since that pass. Nothing can be appended meanwhile (the writer is the
//!   one appending), so the log is then fully copied, and the writer's next
//!   transaction starts it over;
//! - if the thread falls behind for good (readers holding old snapshots, a
//!   slow disk), the writer falls back to the former `RESTART` once the log
//!   passes [`FORCE_FRAMES`], which keeps the log bounded whatever happens.
//!
//! Durability does not depend on any of this: every checkpoint flushes the
//! log before copying and the database after, and SQLite restarts the log
//! only once the database holds everything in it.

use crate::error::StoreError;
use rusqlite::Connection;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Weak};
use std::time::{Duration, Instant};

/// Log length, in frames (one page each), past which the writer starts the
/// log over: 1 GiB of 4 KB pages, the `journal_size_limit` the file is cut
/// back to, so the file is reused rather than grown afresh. The writer's
/// step stalls ingestion for 10-25 ms whatever the log's length (it copies
/// what was written during the thread's last pass, and flushes the
/// database), and a single event wrote about ten pages to the log (before
/// the score indexes moved to memory, see `listing`), so the log filled at
/// about 190 MB/s at 5,000 events/s: at 256 MB a step every 1.4 s set the
/// p99 there. At 1 GiB the steps are four times rarer; p99
/// at 5,000/s 14-27 ms against 23-53 ms, batches 1.18x (docs/benchmarks.md,
/// "A 1 GiB log"). The cost: up to 1 GiB of disk (2 GiB if the thread falls
/// behind); recovery after a crash, which reads the log back, took no
/// measurably longer (`bench/http/crash_restart.sh`).
pub(crate) const RESTART_FRAMES: u64 = 262_144;
/// `journal_size_limit` of every connection, in bytes: the log file is cut
/// back to the length at which the writer starts it over.
pub(crate) const LOG_SIZE_LIMIT: u64 = RESTART_FRAMES * 4096;
/// The log settings every rusqlite connection to the file takes (the sqlx
/// pool sets the same in `SqliteStore::open`): write-ahead logging, no
/// automatic checkpoint inside a commit, and the file cut back to
/// [`LOG_SIZE_LIMIT`].
pub(crate) fn log_pragmas() -> String {
    format!(
        "PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; \
         PRAGMA journal_size_limit = {LOG_SIZE_LIMIT};"
    )
}
/// Log length past which the writer restarts the log even though the
/// thread's checkpoints have not caught up: twice the normal size.
pub(crate) const FORCE_FRAMES: u64 = 2 * RESTART_FRAMES;
/// Pause between two passes while the log is short. The same hot pages (a
/// table's last page, the upper levels of its indexes) are in the log many
/// times over and a pass copies each once, with two disk flushes: passes
/// every 20 ms instead made single-event ingest 5% slower side by side
/// (docs/benchmarks.md).
const PASS_EVERY: Duration = Duration::from_millis(250);
/// Pause between two passes near the restart, and while the writer holds
/// the thread.
const NEAR_PAUSE: Duration = Duration::from_millis(10);
/// How long a pause the writer asked for holds the thread, at most: if the
/// writer stops writing before finishing its step, the thread goes on.
const HOLD_AT_MOST: Duration = Duration::from_secs(1);

/// What [`Checkpointer::maintain`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Housekeeping {
    /// Nothing was due (always so on PostgreSQL).
    Nothing,
    /// The thread's pass was still running; the writer tries again after its
    /// next transaction.
    Deferred,
    /// The writer copied the last frames of the log; its next transaction
    /// starts the log over.
    CopiedLog {
        /// The log's length, in frames.
        log: u64,
        /// Frames the checkpoint thread had left, copied by the writer.
        left: u64,
    },
    /// The log had passed [`FORCE_FRAMES`]; the writer ran a `RESTART`
    /// checkpoint itself.
    RestartedLog {
        /// The log's length, in frames, at the thread's last pass.
        log: u64,
        /// Frames the checkpoint thread had left, at least.
        left: u64,
    },
}

/// What the thread and the writer share.
#[derive(Debug)]
struct Shared {
    /// [`RESTART_FRAMES`], but for tests.
    restart_frames: u64,
    /// The log's length in frames, as the thread's last pass saw it.
    log: AtomicU64,
    /// How many of those frames were in the database after that pass.
    copied: AtomicU64,
    /// Steps the writer has taken (see [`Checkpointer::maintain`]).
    steps: AtomicU64,
    /// The value of `steps` when the thread's last pass began: the writer
    /// acts again only on figures of a pass that began after its last step.
    seen_steps: AtomicU64,
    /// The log's length when the writer's last step left it all copied: a
    /// pass that finds it so has nothing new to say (the writer's next
    /// transaction starts the log over).
    finished: AtomicU64,
    /// While non-zero, the writer is finishing the log and the thread
    /// starts no pass: milliseconds since `epoch` when the hold ends.
    held_until: AtomicU64,
    epoch: Instant,
}

impl Shared {
    /// Log length past which the writer restarts the log even though the
    /// thread has not caught up ([`FORCE_FRAMES`]).
    fn force_frames(&self) -> u64 {
        self.restart_frames * (FORCE_FRAMES / RESTART_FRAMES)
    }

    /// Log length from which the passes follow each other closely, so that
    /// the last one is recent when the writer finishes the log.
    fn near_frames(&self) -> u64 {
        self.restart_frames * 3 / 4
    }

    fn millis(&self) -> u64 {
        self.epoch.elapsed().as_millis() as u64
    }

    fn held(&self) -> bool {
        self.held_until.load(Ordering::Acquire) > self.millis()
    }

    fn hold(&self) {
        let until = self.millis() + HOLD_AT_MOST.as_millis() as u64;
        self.held_until.store(until, Ordering::Release);
    }

    fn release(&self) {
        self.held_until.store(0, Ordering::Release);
    }
}

/// The checkpoint thread's handle; the thread stops once every handle is
/// gone.
#[derive(Debug, Clone)]
pub(crate) struct Checkpointer {
    shared: Arc<Shared>,
}

impl Checkpointer {
    /// Starts the checkpoint thread on a connection of its own to `path`.
    pub(crate) fn start(path: &std::path::Path) -> Result<Checkpointer, StoreError> {
        Checkpointer::start_with(path, RESTART_FRAMES)
    }

    /// [`Checkpointer::start`] with the log restarting past `restart_frames`.
    fn start_with(path: &std::path::Path, restart_frames: u64) -> Result<Checkpointer, StoreError> {
        let conn = Connection::open(path)?;
        // The same log settings as every other connection.
        conn.execute_batch(&format!("{} PRAGMA synchronous = FULL;", log_pragmas()))?;
        let shared = Arc::new(Shared {
            restart_frames,
            log: AtomicU64::new(0),
            copied: AtomicU64::new(0),
            steps: AtomicU64::new(0),
            seen_steps: AtomicU64::new(u64::MAX),
            finished: AtomicU64::new(0),
            held_until: AtomicU64::new(0),
            epoch: Instant::now(),
        });
        let weak = Arc::downgrade(&shared);
        std::thread::Builder::new()
            .name("leadscore-checkpoint".to_owned())
            .spawn(move || {
                crate::background::yield_to_foreground("leadscore-checkpoint");
                run(&conn, &weak)
            })
            .map_err(StoreError::Sync)?;
        Ok(Checkpointer { shared })
    }

    /// The writer's step between two transactions on its connection
    /// `writer`: cheap (two atomic reads) unless the log is due to start
    /// over. `restart_wait` bounds how long a forced `RESTART` waits for
    /// readers of the old log; `busy_timeout` is the connection's usual one,
    /// put back afterwards.
    pub(crate) fn maintain(
        &self,
        writer: &Connection,
        restart_wait: Duration,
        busy_timeout: Duration,
    ) -> Result<Housekeeping, StoreError> {
        let s = &self.shared;
        let steps = s.steps.load(Ordering::Acquire);
        let log = s.log.load(Ordering::Acquire);
        let copied = s.copied.load(Ordering::Acquire);
        let left = log.saturating_sub(copied);
        if log < s.restart_frames
            || s.seen_steps.load(Ordering::Acquire) != steps
            || (left == 0 && log == s.finished.load(Ordering::Acquire))
            || (left > 0 && log < s.force_frames())
        {
            // Also ends a hold left by a deferred step that is no longer due.
            s.release();
            return Ok(Housekeeping::Nothing);
        }
        // No new pass starts from here; one already running makes the
        // checkpoint below answer "busy" at once (a `PASSIVE` checkpoint
        // never waits), and the writer tries again after its next
        // transaction, by when that pass is over.
        s.hold();
        let done = if left == 0 {
            frames(writer).map(|f| match f {
                None => Housekeeping::Deferred,
                Some((now, _)) => {
                    s.finished.store(now, Ordering::Release);
                    Housekeeping::CopiedLog {
                        log: now,
                        left: now.saturating_sub(copied),
                    }
                }
            })
        } else {
            restart(writer, restart_wait, busy_timeout)
                .map(|()| Housekeeping::RestartedLog { log, left })
        };
        if !matches!(done, Ok(Housekeeping::Deferred)) {
            // Done, or failed (a later step tries again): either way the
            // thread goes on, and the writer waits for a pass begun now.
            s.steps.fetch_add(1, Ordering::AcqRel);
            s.release();
        }
        done
    }
}

/// The thread's loop: a `PASSIVE` checkpoint, then a pause, until the store
/// is dropped. Errors (a busy or locked database) just wait for the next
/// pass.
fn run(conn: &Connection, shared: &Weak<Shared>) {
    let mut last_log = 0;
    loop {
        let Some(s) = shared.upgrade() else { return };
        if s.held() {
            drop(s);
            std::thread::sleep(NEAR_PAUSE);
            continue;
        }
        let steps = s.steps.load(Ordering::Acquire);
        let pause = match frames(conn) {
            Ok(Some((log, copied))) => {
                s.log.store(log, Ordering::Release);
                s.copied.store(copied, Ordering::Release);
                s.seen_steps.store(steps, Ordering::Release);
                let grew = log != last_log;
                last_log = log;
                if log >= s.near_frames() && (grew || copied < log) {
                    NEAR_PAUSE
                } else {
                    PASS_EVERY
                }
            }
            Ok(None) | Err(_) => PASS_EVERY,
        };
        drop(s);
        std::thread::sleep(pause);
    }
}

/// One `PASSIVE` checkpoint: the log's length and how much of it is in the
/// database, or `None` if another checkpoint was running.
fn frames(conn: &Connection) -> Result<Option<(u64, u64)>, StoreError> {
    let (busy, log, copied): (i64, i64, i64) =
        conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
    if busy != 0 || log < 0 || copied < 0 {
        return Ok(None);
    }
    Ok(Some((log as u64, copied as u64)))
}

/// Copies the whole log into the database and starts it over, waiting at
/// most `wait` for readers of the old log (a long export would otherwise
/// stall the writer for the whole busy timeout); a busy answer just means a
/// later call tries again.
pub(crate) fn restart(
    conn: &Connection,
    wait: Duration,
    busy_timeout: Duration,
) -> Result<(), StoreError> {
    conn.busy_timeout(wait)?;
    let done = conn.query_row("PRAGMA wal_checkpoint(RESTART)", [], |_| Ok(()));
    conn.busy_timeout(busy_timeout)?;
    done?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes `rows` pages' worth of blobs in one transaction.
    fn write(conn: &Connection, rows: usize) {
        conn.execute_batch("BEGIN IMMEDIATE").unwrap();
        for _ in 0..rows {
            conn.execute("INSERT INTO t (b) VALUES (zeroblob(4000))", [])
                .unwrap();
        }
        conn.execute_batch("COMMIT").unwrap();
    }

    /// The log's length in frames, as a checkpoint that copies nothing new
    /// reports it.
    fn log_frames(conn: &Connection) -> u64 {
        frames(conn).unwrap().map_or(0, |(log, _)| log)
    }

    /// Regression test for the log that grew without bound under steady
    /// writes, and for the writer's share staying small: the thread copies
    /// the log, the writer only finishes it, and the next write starts the
    /// log over.
    #[test]
    fn log_starts_over_once_the_thread_has_copied_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ckpt.db");
        let writer = Connection::open(&path).unwrap();
        writer
            .execute_batch(
                "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
                 PRAGMA wal_autocheckpoint = 0; \
                 CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB);",
            )
            .unwrap();
        // 8 MB instead of 256: the same logic, a test of a second.
        let restart = 2_048;
        let checkpoints = Checkpointer::start_with(&path, restart).unwrap();
        let wait = Duration::from_millis(100);
        let busy = Duration::from_secs(10);
        let mut steps = Vec::new();
        let started = Instant::now();
        while !steps
            .iter()
            .any(|s| matches!(s, Housekeeping::CopiedLog { .. }))
        {
            assert!(started.elapsed() < Duration::from_secs(60), "{steps:?}");
            write(&writer, 100);
            // A steady writer (about 20 MB of log a second), not a flood.
            std::thread::sleep(Duration::from_millis(20));
            let step = checkpoints.maintain(&writer, wait, busy).unwrap();
            if step != Housekeeping::Nothing {
                steps.push(step);
            }
        }
        let Some(Housekeeping::CopiedLog { log, left }) = steps.last().copied() else {
            unreachable!()
        };
        assert!(log >= restart, "{steps:?}");
        // The thread copied part of the log; the writer only what was
        // written since its last pass.
        assert!(left < log, "{steps:?}");
        write(&writer, 1);
        assert!(log_frames(&writer) < 100, "the log did not start over");
        // Never forced: the thread kept up.
        assert!(
            !steps
                .iter()
                .any(|s| matches!(s, Housekeeping::RestartedLog { .. })),
            "{steps:?}"
        );
    }
}
