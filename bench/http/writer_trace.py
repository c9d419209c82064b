#!/usr/bin/env python3
"""Sums the single writer's trace: where its time went, and how busy it was.

Start the server with `RUST_LOG=leadscore_server=trace` and its standard
error in a file, run a load, then:

    python3 bench/http/writer_trace.py trace.log            # the whole log
    python3 bench/http/writer_trace.py trace.log 0.5        # its second half
    python3 bench/http/writer_trace.py trace.log 1200 5400  # lines 1200 to 5399

Prints the seconds spent in each phase of the group commits ("Group
phases": inserting events, routing and scoring, writing derived rows when a
flush rides along, committing), the same per event committed ("Group
committed" lines, at debug level and above) and of the timed flushes ("Flush phases"),
then the writer's busy share before each flush (10th, 25th, 50th, 75th and
90th percentiles; `crates/server/src/writer/pace.rs`), the flush
intervals it chose, how long each flush held the writer (write and commit,
timed or riding with a group: 50th, 90th and 99th percentiles and the
longest) and the log steps ("Store housekeeping": how often, how long, how
many frames each copied; `crates/store/src/checkpoint.rs`).
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
    groups = flushes = events = committed = 0
    busy, next_ms, held, steps = [], [], [], []
    for line in lines:
        if "Group phases" in line:
            groups += 1
            for k in group:
                group[k] += field(line, f"{k}_us") or 0.0
            if "flushed=true" in line:
                held.append((field(line, "write_us") or 0.0) + (field(line, "commit_us") or 0.0))
                if field(line, "busy") is not None:
                    busy.append(field(line, "busy"))
        elif "Group committed" in line:
            committed += int(field(line, "events") or 0)
        elif "Store housekeeping" in line and field(line, "micros") is not None:
            left = re.search(r"\bleft: ([0-9]+)", line)
            steps.append((field(line, "micros"), left and float(left.group(1))))
        elif "Flush phases" in line:
            flushes += 1
            events += int(field(line, "events") or 0)
            for k in flush:
                flush[k] += field(line, f"{k}_us") or 0.0
            held.append(sum(field(line, f"{k}_us") or 0.0 for k in flush))
            if field(line, "busy") is not None:
                busy.append(field(line, "busy"))
            if field(line, "next_ms") is not None:
                next_ms.append(field(line, "next_ms"))
    print(f"{groups} group commits, seconds: " +
          ", ".join(f"{k} {v / 1e6:.3f}" for k, v in group.items()))
    if committed:
        print(f"per event committed ({committed}), microseconds: " +
              ", ".join(f"{k} {v / committed:.2f}" for k, v in group.items()) +
              f", all {sum(group.values()) / committed:.2f}")
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
    if held:
        held.sort()
        q = [held[int(f * (len(held) - 1))] / 1e3 for f in (0.5, 0.9, 0.99)]
        print(f"writer held by {len(held)} flushes, ms p50/p90/p99/max: " +
              " / ".join(f"{x:.1f}" for x in q + [held[-1] / 1e3]))
    if steps:
        ms = sorted(m / 1e3 for m, _ in steps)
        frames = sorted(f for _, f in steps if f is not None)
        copied = f", {frames[0]:.0f}-{frames[-1]:.0f} frames copied" if frames else ""
        print(f"{len(steps)} log steps, ms min/median/max: {ms[0]:.1f} / "
              f"{ms[len(ms) // 2]:.1f} / {ms[-1]:.1f}{copied}")


if __name__ == "__main__":
    main()
