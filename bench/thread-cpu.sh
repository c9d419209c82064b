#!/usr/bin/env bash
# CPU time of each thread of a `leadscore bench` run, polled from /proc while
# it runs: for comparing a build that predates the `1-thread CPU` line of
# `leadscore bench` with one that has it, on a machine too busy for
# wall-clock times. The one-thread pool is built first, so its thread is the
# second-lowest id (after the main thread); its CPU time is the one-thread
# scoring time (within a few tenths of a percent: the last poll may miss the
# end).
#
#   bench/thread-cpu.sh /tmp/old/leadscore --leads 200000
set -euo pipefail

bin=$1
shift
out=$(mktemp)
"$bin" bench "$@" >"$out" &
pid=$!
declare -A cpu_ns
while kill -0 "$pid" 2>/dev/null; do
    for f in /proc/"$pid"/task/*/schedstat; do
        tid=${f#/proc/"$pid"/task/}
        tid=${tid%/schedstat}
        if v=$(cut -d' ' -f1 "$f" 2>/dev/null) && [[ -n "$v" ]]; then
            cpu_ns[$tid]=$v
        fi
    done
    sleep 0.1
done
wait "$pid"
grep -E "thread|^events" "$out"
rm -f "$out"
for tid in $(printf '%s\n' "${!cpu_ns[@]}" | sort -n); do
    awk -v t="$tid" -v ns="${cpu_ns[$tid]}" 'BEGIN { printf "thread %s  %.3f s CPU\n", t, ns / 1e9 }'
done
