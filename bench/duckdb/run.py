"""Scores leadscore's exported benchmark data with DuckDB and checks the result.

`leadscore bench --export DIR` writes flat tables (leads.csv, events.csv) and
leadscore's own results (scores.csv). This script loads all three into an
in-memory DuckDB database, runs the model written as SQL (by default
b2b_saas.sql next to this file) with DuckDB's default number of threads (all
cores) and with one thread, keeping the best of several runs each, and then
compares DuckDB's fit, engagement and total with leadscore's, lead by lead.

Loading is timed and reported on its own; it is not part of the query times,
just as generating the data is not part of leadscore's. Each timed run
materialises the query result as a table.

Exits with status 1 if the results differ (a lead missing on either side, or
any score more than TOLERANCE apart; scores.csv has 6 decimals).

Usage: python run.py DIR [--sql FILE] [--runs N]
"""

import argparse
import sys
import time
from pathlib import Path

import duckdb

TOLERANCE = 1e-6

# Column types of the exported tables. Columns not listed here (the profile
# attributes and event properties the model reads) are loaded as text;
# [attributes] in the model declares budget and company_size as numbers.
COLUMN_TYPES = {
    "leads": {
        "lead": "INTEGER",
        "account": "INTEGER",
        "budget": "DOUBLE",
        "company_size": "DOUBLE",
    },
    "events": {"lead": "INTEGER", "ts": "BIGINT"},
    "scores": {
        "lead": "INTEGER",
        "fit": "DOUBLE",
        "engagement": "DOUBLE",
        "total": "DOUBLE",
    },
}


def load(con: duckdb.DuckDBPyConnection, table: str, path: Path) -> None:
    """Creates `table` from the CSV file at `path`, with explicit column types."""
    with path.open(encoding="utf-8") as f:
        header = f.readline().rstrip("\r\n").split(",")
    types = COLUMN_TYPES[table]
    columns = ", ".join(f"'{c}': '{types.get(c, 'VARCHAR')}'" for c in header)
    con.execute(
        f"CREATE TABLE {table} AS SELECT * FROM read_csv(?, header = true, "
        f"columns = {{{columns}}})",
        [str(path)],
    )


def best_time(con: duckdb.DuckDBPyConnection, sql: str, runs: int) -> float:
    """The shortest of `runs` executions of the model query, in seconds."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        con.execute(f"CREATE OR REPLACE TABLE duck_scores AS {sql}")
        best = min(best, time.perf_counter() - start)
    return best


def compare(con: duckdb.DuckDBPyConnection) -> tuple:
    """Compares duck_scores with leadscore's scores, lead by lead.

    Returns (rows in duck_scores, rows in scores, largest difference of fit,
    of engagement and of total, number of leads that differ) and up to five
    differing leads with both sides' values.
    """
    diff = "greatest(abs(d.fit - s.fit), abs(d.engagement - s.engagement), abs(d.total - s.total))"
    joined = "duck_scores d FULL JOIN scores s USING (lead)"
    summary = con.execute(
        f"""
        SELECT count(d.lead), count(s.lead),
               max(abs(d.fit - s.fit)), max(abs(d.engagement - s.engagement)),
               max(abs(d.total - s.total)),
               count(*) FILTER (WHERE d.lead IS NULL OR s.lead IS NULL OR {diff} > ?)
        FROM {joined}
        """,
        [TOLERANCE],
    ).fetchone()
    examples = con.execute(
        f"""
        SELECT lead, d.fit, s.fit, d.engagement, s.engagement, d.total, s.total
        FROM {joined}
        WHERE d.lead IS NULL OR s.lead IS NULL OR {diff} > ?
        ORDER BY lead
        LIMIT 5
        """,
        [TOLERANCE],
    ).fetchall()
    return summary, examples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path, help="directory written by `leadscore bench --export`")
    parser.add_argument(
        "--sql",
        type=Path,
        default=Path(__file__).with_name("b2b_saas.sql"),
        help="model query (default: %(default)s)",
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per setting; the best counts")
    args = parser.parse_args()
    sql = args.sql.read_text(encoding="utf-8").strip().rstrip(";")

    con = duckdb.connect()
    start = time.perf_counter()
    for table in ("leads", "events", "scores"):
        load(con, table, args.dir / f"{table}.csv")
    load_s = time.perf_counter() - start
    leads, events = con.execute(
        "SELECT (SELECT count(*) FROM leads), (SELECT count(*) FROM events)"
    ).fetchone()
    threads = con.execute("SELECT current_setting('threads')").fetchone()[0]

    all_s = best_time(con, sql, args.runs)
    con.execute("SET threads = 1")
    one_s = best_time(con, sql, args.runs)
    con.execute("RESET threads")
    (duck_n, ls_n, d_fit, d_eng, d_total, differing), examples = compare(con)

    def rate(seconds: float) -> float:
        return events / seconds / 1e6

    print(f"duckdb           {duckdb.__version__}")
    print(f"leads            {leads}")
    print(f"events           {events}")
    print(f"load             {load_s:.3f} s  (not timed below)")
    print(f"1 thread         {one_s:.3f} s  {rate(one_s):.2f} M events/s  (best of {args.runs})")
    print(
        f"{threads} threads        {all_s:.3f} s  {rate(all_s):.2f} M events/s  "
        f"(best of {args.runs}, {one_s / all_s:.2f}x)"
    )
    print(f"rows             duckdb {duck_n}, leadscore {ls_n}")
    print(f"max |diff|       fit {d_fit:.3g}  engagement {d_eng:.3g}  total {d_total:.3g}")
    print(f"leads > {TOLERANCE:g}    {differing}")
    for lead, dfit, sfit, deng, seng, dtot, stot in examples:
        print(
            f"  lead {lead}: duckdb fit {dfit} engagement {deng} total {dtot}; "
            f"leadscore fit {sfit} engagement {seng} total {stot}"
        )
    print(f"result           {'match' if differing == 0 else 'MISMATCH'}")
    return 0 if differing == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
