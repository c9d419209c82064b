#!/usr/bin/env bash
# The write-behind flush interval (`serve --flush-ms`) against latency and
# throughput on SQLite: for each interval, in turn, and for ROUNDS rounds,
#   (a) a fresh database at a fixed RATE requests/s with oha
#       (bench/http/oha_fixed.sh): p50, p95, p99 from each request's due time;
#   (b) a fresh database with `wrk -t2 -c64` on /v1/track (single events,
#       as fast as possible), then on the same server `wrk -t1 -c16` on
#       /v1/batch with 100 events per request.
#
#   bench/http/flush_interval.sh                      # 200 100 50 25 ms, 2 rounds
#   INTERVALS="25 10" bench/http/flush_interval.sh
#   INTERVALS="200 25" ROUNDS=3 LEADSCORE_BIN=target/release/leadscore bench/http/flush_interval.sh
#
# Settings (environment): INTERVALS ("200 100 50 25"), ROUNDS (2), RATE
# (5000), DURATION (8), USERS (100000), and those of bench/http/lib.sh.
# Prints one line per run; raw outputs go to OUT_DIR.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # sets bench_http_dir

INTERVALS="${INTERVALS:-200 100 50 25}"
ROUNDS="${ROUNDS:-2}"
RATE="${RATE:-5000}"
DURATION="${DURATION:-8}"
USERS="${USERS:-100000}"

need wrk curl oha python3 base64
resolve_binary
out="$OUT_DIR/flush-interval-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
new_temp_dir
auth="Authorization: Basic $(printf '%s:' "$WRITE_KEY" | base64)"

# fresh_server NAME: a server over a new SQLite file.
fresh_server() {
    start_server "sqlite://$TEMP_DIR/$1.db" "$out/$1.server.log"
}

for round in $(seq "$ROUNDS"); do
    for ms in $INTERVALS; do
        export LEADSCORE_FLUSH_MS="$ms"
        name="r$round-$ms"
        fresh_server "$name-fixed"
        "$bench_http_dir/oha_fixed.sh" "$BASE_URL/v1/track" "$WRITE_KEY" "$RATE" "$DURATION" 64 \
            "$name-fixed" "$USERS" >"$out/$name.fixed.txt"
        stop_server
        fixed="$(grep -o 'p50_ms=[0-9.]* p95_ms=[0-9.]* p99_ms=[0-9.]*' "$out/$name.fixed.txt")"

        fresh_server "$name-max"
        wrk -t2 -c64 -d"${DURATION}s" --latency -H "$auth" -s "$bench_http_dir/track.lua" \
            "$BASE_URL/v1/track" -- "$name-max" "$USERS" >"$out/$name.track.txt"
        wrk -t1 -c16 -d"${DURATION}s" --latency -H "$auth" -s "$bench_http_dir/batch.lua" \
            "$BASE_URL/v1/batch" -- "$name-batch" "$USERS" 100 >"$out/$name.batch.txt"
        check_alive
        stop_server
        track="$(awk '/Requests\/sec/ { printf "%.0f", $2 }' "$out/$name.track.txt")"
        batch="$(awk '/Requests\/sec/ { printf "%.0f", $2 * 100 }' "$out/$name.batch.txt")"
        echo "flush-ms $ms round $round | fixed $RATE/s: $fixed | track requests/s $track | batch events/s $batch"
    done
done
log "raw outputs in $out"
