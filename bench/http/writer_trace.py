#!/usr/bin/env python3
"""Sums the single writer's trace: where its time went, and how busy it was.

Start the server with `RUST_LOG=leadscore_server=trace` and its standard
error in a file, run a load, then:

    python3 bench/http/writer_trace.py trace.log            # the whole log
    python3 bench/http/writer_trace.py trace.log 0.5        # its second half
    python3 bench/http/writer_trace.py trace.log 1200 5400  # lines 1200 to 5399

Prints the seconds spent in each phase of the group commits ("Group
phases": inserting events, routing and scoring, writing derived rows when a
flush rides along, committing) and of the timed flushes ("Flush phases"),
then the writer's busy share before each flush (10th, 25th, 50th, 75th and
90th percentiles; `crates/server/src/writer/pace.rs`) and the flush
intervals it chose.
"""
import re
import sys

ANSI = re.compile(r"\x1b\[[0-9;]*m")


def field(line, name):
    m = re.search(rf"\b{name}=([0-9.]+)", line)
    return float(m.group(1)) if m else None


def main():
    lines = [ANSI.sub("", l) for l in open(sys.argv[1], errors="replace").read().splitlines()]
    if len(sys.argv) == 3:
        lines = lines[int(len(lines) * float(sys.argv[2])):]
    elif len(sys.argv) == 4:
        lines = lines[int(sys.argv[2]):int(sys.argv[3])]
    group = dict(insert=0.0, score=0.0, write=0.0, commit=0.0)
    flush = dict(write=0.0, commit=0.0)
    groups = flushes = events = 0
    busy, next_ms = [], []
    for line in lines:
        if "Group phases" in line:
            groups += 1
            for k in group:
                group[k] += field(line, f"{k}_us") or 0.0
            if "flushed=true" in line and field(line, "busy") is not None:
                busy.append(field(line, "busy"))
        elif "Flush phases" in line:
            flushes += 1
            events += int(field(line, "events") or 0)
            for k in flush:
                flush[k] += field(line, f"{k}_us") or 0.0
            if field(line, "busy") is not None:
                busy.append(field(line, "busy"))
            if field(line, "next_ms") is not None:
                next_ms.append(field(line, "next_ms"))
    print(f"{groups} group commits, seconds: " +
          ", ".join(f"{k} {v / 1e6:.3f}" for k, v in group.items()))
    print(f"{flushes} timed flushes of {events} events, seconds: " +
          ", ".join(f"{k} {v / 1e6:.3f}" for k, v in flush.items()))
    if busy:
        busy.sort()
        q = [busy[int(f * (len(busy) - 1))] for f in (0.1, 0.25, 0.5, 0.75, 0.9)]
        print(f"busy share before {len(busy)} flushes, p10/p25/p50/p75/p90: " +
              " / ".join(f"{x:.2f}" for x in q))
    if next_ms:
        next_ms.sort()
        print(f"next interval ms: median {next_ms[len(next_ms) // 2]:.0f}, max {next_ms[-1]:.0f}")


if __name__ == "__main__":
    main()
