#!/usr/bin/env bash
# The tail at a steady rate on a fresh server (SQLite; see BACKENDS), as the idle-class
# measurements in docs/benchmarks.md took it: a 3 s warm-up (`wrk -c16`),
# a 2 s pause, with SAT=1 a 10 s saturating `wrk -c64` run first, then
# `oha_fixed.sh` at RATE for DURATION s; with READS=1 the ranked list is
# read 20 times a second beside it (`oha -q 20 -c 2`); with IDLE_THREADS
# (a regex such as '^leadscore-(check|flush)') the matching threads are put
# in the idle class from outside (`chrt --idle`) before the load; with
# WINDOWS=N the fixed rate runs N times DURATION s back to back on the same
# server and each window is reported, to see the tail over minutes (the
# write-ahead logs filling and starting over) rather than in one burst.
#
#   bench/http/steady.sh BIN [BIN2 ...]               # alternate binaries, ROUNDS times
#   SAT=1 ROUNDS=3 bench/http/steady.sh OLD NEW
#   IDLE_THREADS='^leadscore-(check|flush)' bench/http/steady.sh BIN
#   WINDOWS=12 bench/http/steady.sh BIN              # two minutes, window by window
#   BACKENDS="postgres sqlite" ROUNDS=3 bench/http/steady.sh BIN   # both databases, alternated
#
# BACKENDS (default sqlite) lists the databases each binary runs on in every
# round: a fresh SQLite file, or a fresh database on the PostgreSQL server at
# PG_URL (default postgres://postgres@127.0.0.1:5432), dropped afterwards.
#
# Prints one line per run: the saturating rate, oha's RESULT line and the
# reads' percentiles. Needs wrk, oha, curl and python3 (and psql for PostgreSQL).
set -euo pipefail
(($# >= 1)) || { echo "usage: $0 BIN [BIN2 ...]" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
RATE="${RATE:-5000}" DURATION="${DURATION:-10}" ROUNDS="${ROUNDS:-1}" PORT="${PORT:-18932}"
WINDOWS="${WINDOWS:-1}" BACKENDS="${BACKENDS:-sqlite}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
url="http://127.0.0.1:$PORT"
basic="Authorization: Basic $(printf wk: | base64 -w0)"
for round in $(seq "$ROUNDS"); do
    for bin in "$@"; do
        for backend in $BACKENDS; do
            dir="$(mktemp -d /tmp/steady.XXXXXX)"
            case "$backend" in
                sqlite) database="sqlite://$dir/leadscore.db" ;;
                postgres)
                    pg_db="steady_$$_$RANDOM"
                    psql -q "$PG_URL/postgres" -c "CREATE DATABASE $pg_db"
                    database="$PG_URL/$pg_db" ;;
                *) echo "unknown backend $backend" >&2; exit 2 ;;
            esac
            LEADSCORE_ADMIN_KEY=ak LEADSCORE_WRITE_KEY=wk RUST_LOG=warn \
                "$bin" serve --database-url "$database" --listen "127.0.0.1:$PORT" \
                >"$dir/server.log" 2>&1 &
            pid=$!
            for _ in $(seq 100); do curl -sf "$url/health" >/dev/null && break; sleep 0.1; done
            if [[ -n "${IDLE_THREADS:-}" ]]; then
                for t in /proc/"$pid"/task/*; do
                    if [[ "$(cat "$t/comm")" =~ $IDLE_THREADS ]]; then chrt --idle -p 0 "$(basename "$t")"; fi
                done
            fi
            tag="s$round-$RANDOM"
            wrk -t2 -c16 -d3s -H "$basic" -s "$here/track.lua" "$url/v1/track" -- "w$tag" 100000 >/dev/null
            sleep 2
            saturated=""
            if [[ -n "${SAT:-}" ]]; then
                saturated="$(wrk -t2 -c64 -d10s -H "$basic" -s "$here/track.lua" "$url/v1/track" -- "x$tag" 100000 |
                    awk '/Requests\/sec/ {print "saturated=" $2}')"
            fi
            reads=""
            if [[ -n "${READS:-}" ]]; then
                oha --no-tui --output-format json -q 20 -c 2 -z "$((DURATION * WINDOWS - 2))s" -H "Authorization: Bearer ak" \
                    "$url/api/leads?limit=20" >"$dir/reads.json" &
                reader=$!
            fi
            for window in $(seq "$WINDOWS"); do
                result="$("$here/oha_fixed.sh" "$url/v1/track" wk "$RATE" "$DURATION" 64 "f$window$tag" | grep RESULT)"
                if ((WINDOWS > 1)); then
                    logs="$(find "$dir" -name '*-wal' -printf '%f=%sB\n' | sort | tr '\n' ' ')"
                    echo "$bin $backend round $round window $window: $result $logs"
                fi
            done
            if [[ -n "${READS:-}" ]]; then
                wait "$reader"
                reads="$(python3 -c "
import json, sys
r = json.load(open(sys.argv[1])); p = r['latencyPercentiles']
print('reads_p50_ms=%.1f reads_p99_ms=%.1f' % (p['p50'] * 1000, p['p99'] * 1000))" "$dir/reads.json")"
            fi
            echo "$bin $backend round $round: $saturated $result $reads"
            kill "$pid"; wait "$pid" 2>/dev/null || true
            rm -rf "$dir"
            if [[ "$backend" == postgres ]]; then psql -q "$PG_URL/postgres" -c "DROP DATABASE $pg_db"; fi
        done
    done
done
