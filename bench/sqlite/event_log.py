#!/usr/bin/env python3
"""What storing the event log alone costs per event in SQLite: the ceiling
under any ingest design that keeps each event as a row, before HTTP,
parsing, scoring or any derived row.

Builds the `events` table exactly as leadscore's migration does
(crates/store/migrations/sqlite/0001_init.sql: the sequence as row id, the
unique message id, the (identity, ts) index), grown to BASE events first,
then inserts EVENTS more in transactions of N events with the writer's
settings (WAL, synchronous NORMAL, 64 MB cache, no automatic checkpoint).
Each shape is run on its own fresh file:

- `table`: no index besides the row id (appends only);
- `+message`: the unique message-id index, message ids as the HTTP
  benchmark sends them (a prefix and a counter, so appended);
- `+message uuid`: the same with random UUIDs, as real client libraries
  send them;
- `schema`: the real schema (both indexes, sequential message ids, user
  ids spread over USERS leads as in bench/http/track.lua).

The commits are not flushed to disk (the server flushes the log beside the
writer), so this is CPU and page-cache work. Python's own overhead per row
(about 1-2 us) is in every figure: the real floor is a little lower.

    python3 bench/sqlite/event_log.py
    SIZES="10 1000" EVENTS=200000 python3 bench/sqlite/event_log.py
"""
import os
import random
import sqlite3
import tempfile
import time
import uuid

BASE = int(os.environ.get("BASE", "200000"))
EVENTS = int(os.environ.get("EVENTS", "100000"))
USERS = int(os.environ.get("USERS", "100000"))
SIZES = [int(n) for n in os.environ.get("SIZES", "10 100 1000").split()]

TABLE = """
CREATE TABLE events (
    seq INTEGER PRIMARY KEY, message_id TEXT NOT NULL {unique}, identity TEXT NOT NULL,
    user_id TEXT, anonymous_id TEXT, kind TEXT NOT NULL, name TEXT NOT NULL,
    ts INTEGER NOT NULL, received_at INTEGER NOT NULL, body TEXT NOT NULL);
"""
IDENTITY = "CREATE INDEX events_identity ON events (identity, ts);"
INSERT = """INSERT INTO events (message_id, identity, user_id, anonymous_id, kind, name, ts,
  received_at, body) VALUES (?,?,?,?,?,?,?,?,?)"""
SHAPES = {
    "table": (False, False, False),
    "+message": (True, False, False),
    "+message uuid": (True, True, False),
    "schema": (True, False, True),
}


def body(user, message, ts):
    # The shape `segment::to_json` stores for bench/http/track.lua's events.
    return ('{"type":"track","event":"Email Clicked","userId":"%s","messageId":"%s",'
            '"timestamp":"2026-11-28T22:30:00.000Z","properties":{"campaign":"nov-newsletter",'
            '"url":"/pricing"},"context":{},"receivedAt":%d}' % (user, message, ts))


class Source:
    def __init__(self, uuids):
        self.uuids = uuids
        self.n = 0

    def rows(self, count):
        out = []
        for _ in range(count):
            self.n += 1
            message = str(uuid.uuid4()) if self.uuids else f"run1-1-{self.n}"
            user = f"u{random.randrange(USERS)}"
            ts = 1795897638000 + self.n
            out.append((message, user, user, None, "track", "Email Clicked", ts, ts,
                        body(user, message, ts)))
        return out


def run(tmp, shape, size):
    unique, uuids, identity = SHAPES[shape]
    path = os.path.join(tmp, f"events-{len(os.listdir(tmp))}.db")
    db = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -65536",
                   "wal_autocheckpoint = 0"):
        db.execute(f"PRAGMA {pragma}")
    db.executescript(TABLE.format(unique="UNIQUE" if unique else "") + (IDENTITY if identity else ""))
    source = Source(uuids)
    db.execute("BEGIN")
    db.executemany(INSERT, source.rows(BASE))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    spent = 0.0
    for i in range(EVENTS // size):
        if i % 100 == 0:
            # The server's checkpointer thread keeps the log short; untimed.
            db.execute("PRAGMA wal_checkpoint(PASSIVE)")
        rows = source.rows(size)
        t = time.perf_counter()
        db.execute("BEGIN")
        db.executemany(INSERT, rows)
        db.execute("COMMIT")
        spent += time.perf_counter() - t
    db.close()
    os.remove(path)
    return spent / (EVENTS // size * size) * 1e6


def main():
    random.seed(1)
    print(f"SQLite {sqlite3.sqlite_version}, {BASE} events stored first, {EVENTS} inserted")
    print("shape | " + " | ".join(f"us per event, {n} per commit" for n in SIZES))
    with tempfile.TemporaryDirectory(dir=os.environ.get("TMPDIR", "/tmp")) as tmp:
        for shape in SHAPES:
            figures = [run(tmp, shape, n) for n in SIZES]
            print(f"{shape} | " + " | ".join(f"{f:.1f}" for f in figures))


if __name__ == "__main__":
    main()
