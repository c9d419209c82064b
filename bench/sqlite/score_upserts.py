#!/usr/bin/env python3
"""What one flush of score rows costs per row in SQLite, by flush size.

Builds a `scores` table shaped like leadscore's (crates/store/migrations/
sqlite/0001_init.sql and 0002_hot_index.sql: the primary key and the rank,
stage, cell and hot indexes) with LEADS rows, then upserts FLUSHES batches of
N random leads (sorted by lead id, as the write set sorts them), each in one
transaction, with the server's settings (WAL, synchronous NORMAL, 64 MB
cache, no automatic checkpoint: the server checkpoints on a thread of its
own). Prints microseconds per row for each N.

    python3 bench/sqlite/score_upserts.py            # N = 500 3000 30000
    LEADS=1000000 SIZES="500 5000 50000" python3 bench/sqlite/score_upserts.py

Python's own overhead per row (about 1-2 us) is included in every figure
alike; the ratios between flush sizes are what this is for.
"""
import os
import random
import sqlite3
import tempfile
import time

LEADS = int(os.environ.get("LEADS", "100000"))
SIZES = [int(n) for n in os.environ.get("SIZES", "500 3000 30000").split()]
ROWS_PER_SIZE = int(os.environ.get("ROWS_PER_SIZE", "60000"))

SCHEMA = """
CREATE TABLE scores (model_version INTEGER NOT NULL, lead_id TEXT NOT NULL,
  total REAL NOT NULL, fit REAL NOT NULL, engagement REAL NOT NULL, groups TEXT NOT NULL,
  bant INTEGER NOT NULL, cell TEXT NOT NULL, hot INTEGER NOT NULL, stage TEXT NOT NULL,
  manual_stage INTEGER NOT NULL, email_quality TEXT NOT NULL, last_activity INTEGER,
  events INTEGER NOT NULL, reasons TEXT NOT NULL, scored_at INTEGER NOT NULL,
  PRIMARY KEY (model_version, lead_id));
CREATE INDEX scores_rank ON scores (model_version, total DESC, lead_id);
CREATE INDEX scores_stage ON scores (model_version, stage, total DESC, lead_id);
CREATE INDEX scores_cell ON scores (model_version, cell, total DESC, lead_id);
CREATE INDEX scores_hot ON scores (model_version, total DESC, lead_id) WHERE hot;
"""
UPSERT = """INSERT INTO scores VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)
ON CONFLICT (model_version, lead_id) DO UPDATE SET total = excluded.total,
  fit = excluded.fit, engagement = excluded.engagement, groups = excluded.groups,
  bant = excluded.bant, cell = excluded.cell, hot = excluded.hot, stage = excluded.stage,
  manual_stage = excluded.manual_stage, email_quality = excluded.email_quality,
  last_activity = excluded.last_activity, events = excluded.events,
  reasons = excluded.reasons, scored_at = excluded.scored_at"""
# A typical stored explanation: three reasons, about 120 bytes (as measured
# on the HTTP benchmark's database).
REASONS = '[{"points":15.0,"rule":"Webinar attended"},{"points":6.0,"rule":"Cross-channel"},{"points":5.0,"rule":"Other download"}]'


def row(lead):
    total = random.random() * 100
    return (1, f"u{lead}", total, 0.0, total, '{"analytics":0.0,"crm":0.0}', 0,
            random.choice(["D3", "D4", "C4", "C3"]), 0, "lead", 0, "missing",
            1795897638000, 4, REASONS, 1795897638441)


def main():
    random.seed(1)
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(os.path.join(tmp, "scores.db"), isolation_level=None)
        for pragma in ("journal_mode = WAL", "synchronous = NORMAL", "cache_size = -65536",
                       "wal_autocheckpoint = 0"):
            db.execute(f"PRAGMA {pragma}")
        db.executescript(SCHEMA)
        db.execute("BEGIN")
        db.executemany(UPSERT, (row(i) for i in range(LEADS)))
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        print(f"SQLite {sqlite3.sqlite_version}, {LEADS} leads")
        print("rows per flush | us per row | ms per flush")
        for n in SIZES:
            flushes = max(1, ROWS_PER_SIZE // n)
            spent = 0.0
            for _ in range(flushes):
                rows = sorted((row(random.randrange(LEADS)) for _ in range(n)), key=lambda r: r[1])
                t = time.perf_counter()
                db.execute("BEGIN")
                db.executemany(UPSERT, rows)
                db.execute("COMMIT")
                spent += time.perf_counter() - t
            print(f"{n} | {spent / flushes / n * 1e6:.1f} | {spent / flushes * 1e3:.1f}")


if __name__ == "__main__":
    main()
