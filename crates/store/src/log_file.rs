//! The event log in a SQLite file of its own, beside the main file
//! (`leadscore.db` keeps everything derived, `leadscore-events.db` the
//! events). SQLite has one write lock per file: with the log apart, the
//! writer's ingest commits never wait for a flush of derived rows, which
//! runs beside it on the main file's connection (`sqlite_tx::Writers`).
//!
//! Every read connection attaches the log file as `log`; SQLite resolves
//! the unqualified name `events` there once the main file has no such
//! table, so queries that join events with identities keep their text.
//! A database from before the split has its events moved at open
//! ([`move_events`]).

use crate::error::StoreError;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

/// The schema of the log file, versioned by `PRAGMA user_version`: the
/// table that migration 0001 made in the main file, where databases from
/// before the split still have it. A position can be handed out
/// again once an erasure removed the last events (SQLite numbers a row
/// after the largest present); an erasure therefore moves the applied mark
/// back to the log's end as its transaction sees it (`Tx::mark_applied`),
/// and nothing else removes events. Not `AUTOINCREMENT`, whose counter
/// would add a page write to every ingest commit.
const SCHEMA: &str = include_str!("../migrations/sqlite-events/schema.sql");

/// The columns of `events`, in both files' order.
const COLUMNS: &str =
    "seq, message_id, identity, user_id, anonymous_id, kind, name, ts, received_at, body";

/// Events copied per transaction when moving them out of the main file.
const MOVE_CHUNK: i64 = 100_000;

/// The log file beside the database file `main`: its name with `-events`
/// before the extension (`leadscore.db` gives `leadscore-events.db`).
pub(crate) fn path_beside(main: &Path) -> PathBuf {
    let stem = main.file_stem().unwrap_or_default().to_string_lossy();
    let name = match main.extension() {
        Some(ext) => format!("{stem}-events.{}", ext.to_string_lossy()),
        None => format!("{stem}-events"),
    };
    main.with_file_name(name)
}

/// Creates the log file and its schema if missing.
pub(crate) fn prepare(log: &Path) -> Result<(), StoreError> {
    let conn = Connection::open(log)?;
    conn.execute_batch(&crate::checkpoint::log_pragmas())?;
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if version > 1 {
        return Err(StoreError::Corrupt {
            what: "event log file",
            detail: format!(
                "{} has schema version {version}, newer than this build knows (1)",
                log.display()
            ),
        });
    }
    conn.execute_batch(SCHEMA)?;
    Ok(())
}

/// Moves the events of a database from before the split into the log
/// file, a chunk per transaction, then drops the main file's table. Each
/// step can be cut short and run again: copies skip events already there
/// (same position), and the table goes only once all are copied. Returns
/// how many events were moved.
pub(crate) fn move_events(main: &Path, log: &Path) -> Result<u64, StoreError> {
    let conn = Connection::open(main)?;
    conn.busy_timeout(crate::sqlite_tx::BUSY_TIMEOUT)?;
    let present: Option<i64> = conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'events'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if present.is_none() {
        return Ok(0);
    }
    conn.execute("ATTACH DATABASE ?1 AS log", [log.to_string_lossy()])?;
    let total: i64 = conn.query_row("SELECT COUNT(*) FROM main.events", [], |r| r.get(0))?;
    let mut after = 0i64;
    let mut moved = 0u64;
    loop {
        let tx = conn.unchecked_transaction()?;
        let copied = tx.execute(
            &format!(
                "INSERT OR IGNORE INTO log.events ({COLUMNS}) SELECT {COLUMNS} FROM main.events \
                 WHERE seq > ?1 ORDER BY seq LIMIT ?2"
            ),
            params![after, MOVE_CHUNK],
        )?;
        let last: Option<i64> = tx.query_row(
            "SELECT MAX(seq) FROM (SELECT seq FROM main.events WHERE seq > ?1 ORDER BY seq LIMIT ?2)",
            params![after, MOVE_CHUNK],
            |r| r.get(0),
        )?;
        tx.commit()?;
        let Some(last) = last else { break };
        after = last;
        moved += copied as u64;
        tracing::info!(moved, total, "Moving the event log into a file of its own");
    }
    conn.execute_batch("DROP TABLE main.events")?;
    Ok(moved)
}

/// Records, in the main part of an erasure, the identities whose events go;
/// returns them.
pub(crate) fn record_erasure(main: &Connection, lead_id: &str) -> Result<Vec<String>, StoreError> {
    let identities = main
        .prepare_cached("SELECT identity FROM identities WHERE lead_id = ?1")?
        .query_map([lead_id], |r| r.get::<_, String>(0))?
        .collect::<Result<Vec<_>, _>>()?;
    let listed = serde_json::to_string(&identities).unwrap_or_else(|_| "[]".into());
    main.prepare_cached(
        "INSERT INTO erasures (lead_id, identities) VALUES (?1, ?2) \
         ON CONFLICT (lead_id) DO UPDATE SET identities = excluded.identities",
    )?
    .execute(params![lead_id, listed])?;
    Ok(identities)
}

/// Deletes the events of `identities` from the log; returns how many.
pub(crate) fn delete_events(log: &Connection, identities: &[String]) -> Result<u64, StoreError> {
    let mut st = log.prepare_cached("DELETE FROM events WHERE identity = ?1")?;
    let mut n = 0u64;
    for id in identities {
        n += st.execute([id])? as u64;
    }
    Ok(n)
}

/// Drops the records of erasures whose both parts are committed.
pub(crate) fn forget_erasures(main: &Connection, leads: &[String]) -> Result<(), StoreError> {
    let mut st = main.prepare_cached("DELETE FROM erasures WHERE lead_id = ?1")?;
    for lead in leads {
        st.execute([lead])?;
    }
    Ok(())
}

/// Finishes erasures a crash cut short between their two commits: deletes
/// their identities' events from the log, then their records. Runs at
/// open, before anything writes. Returns how many erasures it finished.
pub(crate) fn finish_erasures(main: &Path, log: &Path) -> Result<usize, StoreError> {
    let main_conn = Connection::open(main)?;
    main_conn.busy_timeout(crate::sqlite_tx::BUSY_TIMEOUT)?;
    let left = main_conn
        .prepare("SELECT lead_id, identities FROM erasures")?
        .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
        .collect::<Result<Vec<_>, _>>()?;
    if left.is_empty() {
        return Ok(0);
    }
    let log_conn = Connection::open(log)?;
    log_conn.busy_timeout(crate::sqlite_tx::BUSY_TIMEOUT)?;
    for (lead, listed) in &left {
        let identities: Vec<String> =
            serde_json::from_str(listed).map_err(|e| StoreError::Corrupt {
                what: "erasure record",
                detail: format!("lead {lead}: {e}"),
            })?;
        let tx = log_conn.unchecked_transaction()?;
        let events = delete_events(&tx, &identities)?;
        tx.commit()?;
        tracing::info!(lead, events, "Finished an erasure cut short");
    }
    let leads: Vec<String> = left.into_iter().map(|(l, _)| l).collect();
    forget_erasures(&main_conn, &leads)?;
    Ok(leads.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A main file as a database from before the split has it: the tables
    /// of migration 0001, its own `events` among them, with `n` events.
    fn legacy(dir: &Path, n: i64) -> (PathBuf, PathBuf) {
        let main = dir.join("leadscore.db");
        let conn = Connection::open(&main).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0001_init.sql"))
            .unwrap();
        let tx = conn.unchecked_transaction().unwrap();
        for i in 1..=n {
            tx.execute(
                "INSERT INTO events VALUES (?1, ?2, ?3, ?3, NULL, 'track', 'Visit', ?1, ?1, '{}')",
                params![i * 2, format!("m{i}"), format!("u{}", i % 3)],
            )
            .unwrap();
        }
        tx.commit().unwrap();
        let log = path_beside(&main);
        prepare(&log).unwrap();
        (main, log)
    }

    fn count(path: &Path, sql: &str) -> i64 {
        Connection::open(path)
            .unwrap()
            .query_row(sql, [], |r| r.get(0))
            .unwrap()
    }

    #[test]
    fn events_of_an_older_database_move_to_the_log_file_once() {
        let dir = tempfile::tempdir().unwrap();
        let (main, log) = legacy(dir.path(), 250_001);
        // A move cut short: some events are in the log file already.
        let conn = Connection::open(&log).unwrap();
        conn.execute(
            "INSERT INTO events VALUES (4, 'm2', 'u2', 'u2', NULL, 'track', 'Visit', 4, 4, '{}')",
            [],
        )
        .unwrap();
        drop(conn);
        assert_eq!(move_events(&main, &log).unwrap(), 250_000);
        assert_eq!(count(&log, "SELECT COUNT(*) FROM events"), 250_001);
        assert_eq!(count(&log, "SELECT MAX(seq) FROM events"), 500_002);
        assert_eq!(
            count(
                &main,
                "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'events'"
            ),
            0
        );
        assert_eq!(move_events(&main, &log).unwrap(), 0, "nothing left to move");
        // Positions stay unique after the move: the next one follows.
        let conn = Connection::open(&log).unwrap();
        conn.execute(
            "INSERT INTO events (message_id, identity, kind, name, ts, received_at, body) \
             VALUES ('new', 'u1', 'track', 'Visit', 1, 1, '{}')",
            [],
        )
        .unwrap();
        assert_eq!(conn.last_insert_rowid(), 500_003);
    }

    #[test]
    fn an_erasure_cut_short_is_finished_at_open() {
        let dir = tempfile::tempdir().unwrap();
        let (main, log) = legacy(dir.path(), 9);
        move_events(&main, &log).unwrap();
        let conn = Connection::open(&main).unwrap();
        conn.execute_batch(include_str!("../migrations/sqlite/0009_erasures.sql"))
            .unwrap();
        conn.execute("INSERT INTO erasures VALUES ('lead-1', '[\"u1\"]')", [])
            .unwrap();
        assert_eq!(finish_erasures(&main, &log).unwrap(), 1);
        assert_eq!(
            count(&log, "SELECT COUNT(*) FROM events WHERE identity = 'u1'"),
            0
        );
        assert_eq!(count(&log, "SELECT COUNT(*) FROM events"), 6);
        assert_eq!(count(&main, "SELECT COUNT(*) FROM erasures"), 0);
        assert_eq!(finish_erasures(&main, &log).unwrap(), 0);
    }

    #[test]
    fn the_log_file_is_named_after_the_database() {
        assert_eq!(
            path_beside(Path::new("/data/leadscore.db")),
            Path::new("/data/leadscore-events.db")
        );
        assert_eq!(path_beside(Path::new("crm")), Path::new("crm-events"));
        assert_eq!(
            path_beside(Path::new("a.b/x.sqlite3")),
            Path::new("a.b/x-events.sqlite3")
        );
    }
}
