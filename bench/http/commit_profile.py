#!/usr/bin/env python3
"""Shares of the writer thread's CPU samples, from a perf profile with call
stacks, with the commits broken down by what SQLite does in them.

    perf record -F 999 -e cpu-clock --call-graph dwarf,16384 -p PID -o perf.data -- sleep 7
    perf script -i perf.data > stacks.txt
    python3 bench/http/commit_profile.py stacks.txt

Counts the samples of the `leadscore-write` thread, those whose stack
holds a commit (`commit_unsynced`), and within those: writing log frames
(`walWriteOneFrame`, `unixWrite`), SQLite's page-cache scan at the end of
the transaction (`pcache1Truncate`), checksums and the rest; then the
statements (score upserts, event inserts, history) and scoring.
"""
import re
import sys
from collections import Counter

FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.*)$")
IN_COMMIT = [
    ("page-cache scan", ("pcache1Truncate",)),
    ("log frame writes", ("walWriteOneFrame", "unixWrite")),
    ("checksums", ("walChecksumBytes",)),
    ("dirty-page sort", ("pcacheSortDirtyList", "sqlite3PcacheDirtyList")),
]
OUTSIDE = [
    ("score upserts", ("put_scores",)),
    ("event inserts", ("insert_events",)),
    ("history inserts", ("add_history",)),
    ("scoring", ("score_active",)),
]


def main():
    samples = open(sys.argv[1], errors="replace").read().split("\n\n")
    writer = 0
    shares = Counter()
    for sample in samples:
        lines = sample.strip().splitlines()
        if not lines or not lines[0].startswith("leadscore-write"):
            continue
        writer += 1
        stack = [m.group(1) for m in map(FRAME.match, lines[1:]) if m]
        if any("commit_unsynced" in f for f in stack):
            shares["commits"] += 1
            for name, marks in IN_COMMIT:
                if any(mark in f for f in stack for mark in marks):
                    shares[f"  commits: {name}"] += 1
                    break
        for name, marks in OUTSIDE:
            if any(mark in f for f in stack for mark in marks):
                shares[name] += 1
    print(f"{writer} samples of the writer thread")
    for name, n in sorted(shares.items()):
        print(f"{100 * n / max(writer, 1):5.1f}%  {name}")


if __name__ == "__main__":
    main()
