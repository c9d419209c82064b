-- The event log file of a SQLite database (`log_file` in the store crate),
-- versioned by PRAGMA user_version; the table and index that migration
-- 0001 of the main file made there before the log had a file of its own.
CREATE TABLE IF NOT EXISTS events (
    seq          INTEGER PRIMARY KEY,
    message_id   TEXT    NOT NULL UNIQUE,
    identity     TEXT    NOT NULL,
    user_id      TEXT,
    anonymous_id TEXT,
    kind         TEXT    NOT NULL,
    name         TEXT    NOT NULL,
    ts           INTEGER NOT NULL,
    received_at  INTEGER NOT NULL,
    body         TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS events_identity ON events (identity, ts);
PRAGMA user_version = 1;
