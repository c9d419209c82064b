#!/usr/bin/env bash
# Where the single writer's time goes under saturating load: starts the
# server with the writer's trace on a fresh database, warms it up for 3 s,
# then runs 10 s of load (wrk -t2) while, with PERF=1, `perf record` samples
# the whole server for 8 s. Prints wrk's figures, the writer's phases
# (bench/http/writer_trace.py over the last 70% of the trace), how often it
# waited for a flush beside it, and, with
# PERF=1, the share of samples per thread and the writer thread's top
# functions.
#
#   bench/http/writer_profile.sh sqlite track          # 64 connections, one event each
#   PERF=1 bench/http/writer_profile.sh sqlite track
#   bench/http/writer_profile.sh postgres batch        # 16 connections, 100 events each
#
# Settings: those of bench/http/lib.sh (LEADSCORE_BIN, ...), USERS (100000).
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
(($# == 2)) || die "usage: $0 sqlite|postgres track|batch"
backend="$1" test="$2" users="${USERS:-100000}"
need wrk curl
resolve_binary
out="$OUT_DIR/writer-profile-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
if [[ "$backend" == sqlite ]]; then
    new_temp_dir
    url="sqlite://$TEMP_DIR/bench.db"
else
    new_pg_database profile
    url="$PG_DB_URL"
fi
RUST_LOG="info,leadscore_server=trace" start_server "$url" "$out/server.log"
basic="Authorization: Basic $(printf '%s:' "$WRITE_KEY" | base64 -w0)"
wrk -t2 -c16 -d3s -H "$basic" -s "$bench_http_dir/track.lua" "$BASE_URL/v1/track" -- warm "$users" >/dev/null
if [[ "${PERF:-}" == 1 ]]; then
    need perf
    perf record -F 999 -e cpu-clock -g -p "$SERVER_PID" -o "$out/perf.data" -- sleep 8 >/dev/null 2>&1 &
    perf_pid=$!
fi
case "$test" in
    track) wrk -t2 -c64 -d10s --latency -H "$basic" -s "$bench_http_dir/track.lua" "$BASE_URL/v1/track" -- sat "$users" ;;
    batch) wrk -t2 -c16 -d10s --latency -H "$basic" -s "$bench_http_dir/batch.lua" "$BASE_URL/v1/batch" -- sat "$users" 100 ;;
    *) die "unknown test $test" ;;
esac | grep -E "Requests/sec|RESULT"
[[ -z "${perf_pid:-}" ]] || wait "$perf_pid"
stop_server
python3 "$bench_http_dir/writer_trace.py" "$out/server.log" 0.3
# Where flushes run beside the writer (PostgreSQL): how often it waited for one.
echo "waits for a flush beside the writer: $(grep -c 'Waited for a flush beside the writer' "$out/server.log" || true)"
if [[ "${PERF:-}" == 1 ]]; then
    perf report -i "$out/perf.data" --no-children --sort comm -q -g none 2>/dev/null | grep -v '^$' | head -5
    perf report -i "$out/perf.data" --no-children --comm leadscore-write --sort sym -q -g none 2>/dev/null | grep -v '^$' | head -15
fi
log "raw outputs in $out"
