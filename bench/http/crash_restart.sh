#!/usr/bin/env bash
# Recovery after a crash under load: `leadscore serve` on a fresh SQLite
# file takes /v1/batch load (100 events per request, `wrk -t1 -c16`) for
# DURATION seconds, is killed with SIGKILL, and is started again on the same
# file; prints the write-ahead log's size at the kill and the seconds until
# the restarted server is healthy (SQLite reads the log back, then the
# server loads the state and replays the events after the applied mark).
#
#   LEADSCORE_BIN=target/release/leadscore bench/http/crash_restart.sh
#   DURATION=25 LEADSCORE_BIN=/tmp/old/leadscore bench/http/crash_restart.sh
#
# Settings (environment): DURATION (25), USERS (100000), and those of
# bench/http/lib.sh.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # sets bench_http_dir

DURATION="${DURATION:-25}"
USERS="${USERS:-100000}"
need wrk curl base64
resolve_binary
out="$OUT_DIR/crash-restart-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
new_temp_dir
db="$TEMP_DIR/crash.db"
auth="Authorization: Basic $(printf '%s:' "$WRITE_KEY" | base64)"

wait_quiet
start_server "sqlite://$db" "$out/load.log"
wrk -t1 -c16 -d"${DURATION}s" -H "$auth" -s "$bench_http_dir/batch.lua" \
    "$BASE_URL/v1/batch" -- crash "$USERS" 100 >"$out/batch.txt"
log_bytes="$(stat -c %s "$db-wal")"
kill -9 "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null || true
start_server "sqlite://$db" "$out/restart.log" 600
echo "after ${DURATION} s of batch load ($(grep Requests/sec "$out/batch.txt" | awk '{ printf "%.0f", $2 * 100 }') events/s) and SIGKILL: log $((log_bytes / 1048576)) MB, healthy again after $SERVER_START_S s"
stop_server
