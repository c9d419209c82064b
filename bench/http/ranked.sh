#!/usr/bin/env bash
# Ranked-list latency of `leadscore serve` on a large SQLite database:
# GET /api/leads?limit=50 and filtered variants, with about 1,000,000 leads.
#
#   bench/http/ranked.sh                         # 1,000,000 leads
#   LEADS=100000 DURATION=5 bench/http/ranked.sh # quicker
#   LEADSCORE_REV=HEAD bench/http/ranked.sh      # build the last commit, not the work tree
#   LEADSCORE_BIN=/tmp/target-bench/release/leadscore bench/http/ranked.sh   # no build
#
# Steps: `leadscore demo` generates LEADS synthetic leads (leads.csv) and
# EVENTS_PER_LEAD events per lead on average (events.jsonl); a fresh server
# on a new SQLite file imports both through POST /api/import/leads and
# /api/import/events, and the script waits for the jobs (timing them). The
# server is then restarted (timing the start-up load of the data), and each
# variant of the list is measured with wrk for DURATION seconds over
# CONNECTIONS connections (wrk --latency; p95 from bench/http/read.lua).
# If an import does not finish within IMPORT_TIMEOUT seconds the script
# goes on with what is loaded, and reports the real number of leads.
#
# Raw outputs go to OUT_DIR (default /tmp/bench-results)/ranked-<time>/.
# wrk and the server share the machine's CPUs.
#
# Settings (environment):
#   LEADS             1000000
#   EVENTS_PER_LEAD   1 (the generator's minimum: with anonymous visits and
#                     identify calls it writes about 2.4 events per lead)
#   EVENT_PART_LINES  250000 lines per events import (the body limit is 512 MB)
#   DURATION          15 seconds per wrk run
#   THREADS           2 wrk threads
#   CONNECTIONS       8
#   IMPORT_TIMEOUT    3600 seconds per import job
#   READ_TIMEOUT      30s, wrk's per-request timeout (slower answers count as errors)
#   DATA_DIR          reuse a directory with leads.csv and events.jsonl
# and those of bench/http/lib.sh.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LEADS="${LEADS:-1000000}"
EVENTS_PER_LEAD="${EVENTS_PER_LEAD:-1}"
EVENT_PART_LINES="${EVENT_PART_LINES:-250000}"
DURATION="${DURATION:-15}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-8}"
IMPORT_TIMEOUT="${IMPORT_TIMEOUT:-3600}"
READ_TIMEOUT="${READ_TIMEOUT:-30s}"

need wrk curl python3 awk
resolve_binary
out="$OUT_DIR/ranked-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
bearer="Authorization: Bearer $ADMIN_KEY"
new_temp_dir
work="$TEMP_DIR"
db="$work/ranked.db"

{
    echo "leadscore ranked-list benchmark, $(date -Is)"
    echo "binary: $LEADSCORE_BIN ($("$LEADSCORE_BIN" --version))"
    echo "built from: $BIN_SOURCE"
    echo "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(free -g | awk '/Mem:/ { print $2 }') GB RAM"
    echo "wrk: $(wrk -v 2>&1 | head -1)"
} | tee "$out/environment.txt"

# ---- data -------------------------------------------------------------------

if [[ -n "${DATA_DIR:-}" ]]; then
    data="$DATA_DIR"
    log "using the data in $data"
else
    data="$work/data"
    log "generating $LEADS leads, $EVENTS_PER_LEAD events per lead"
    SECONDS=0
    "$LEADSCORE_BIN" demo --leads "$LEADS" --events-per-lead "$EVENTS_PER_LEAD" --top 3 --out "$data" \
        >"$out/demo.txt" 2>&1 || { cat "$out/demo.txt" >&2; die "leadscore demo failed"; }
    log "generated in $SECONDS s"
fi
[[ -s "$data/leads.csv" && -s "$data/events.jsonl" ]] || die "$data needs leads.csv and events.jsonl"
csv_rows=$(($(wc -l <"$data/leads.csv") - 1))
event_lines=$(wc -l <"$data/events.jsonl")
log "leads.csv: $csv_rows rows ($(du -h "$data/leads.csv" | cut -f1)); events.jsonl: $event_lines lines ($(du -h "$data/events.jsonl" | cut -f1))"

# ---- import -------------------------------------------------------------------

wait_quiet
echo "import: $QUIET_NOTE" >>"$out/import-times.txt"
start_server "sqlite://$db" "$out/server-import.log"
import_file /api/import/leads "$data/leads.csv" text/csv leads
# The import body limit is 512 MB: events go in parts of EVENT_PART_LINES lines.
split -l "$EVENT_PART_LINES" -d -a 3 "$data/events.jsonl" "$work/events-part-"
t_events=$SECONDS
for part in "$work"/events-part-*; do
    import_file /api/import/events "$part" application/x-ndjson "events-${part##*-}"
done
echo "events, all parts: $((SECONDS - t_events)) s" >>"$out/import-times.txt"
log "server RSS after import: $(rss_mb "$SERVER_PID") MB"
stop_server

start_server "sqlite://$db" "$out/server.log" 1800
startup="$SERVER_START_S"
log "restart with the data: healthy after ${startup} s; RSS $(rss_mb "$SERVER_PID") MB" |& tee "$out/restart.txt"

python3 - "$db" <<'EOF' | tee "$out/database.txt"
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
one = lambda q: db.execute(q).fetchone()[0]
print(f"leads {one('select count(*) from leads')}, scores {one('select count(*) from scores')},"
      f" events {one('select count(*) from events')}, database {one('select page_count * page_size from pragma_page_count(), pragma_page_size()') / 2**20:.0f} MB")
print("stages:", dict(db.execute("select stage, count(*) from scores group by 1 order by 2 desc")))
print("cells:", dict(db.execute("select cell, count(*) from scores group by 1 order by 1")))
print("hot:", one("select count(*) from scores where hot"),
      " total>=10:", one("select count(*) from scores where total >= 10"),
      " distinct totals:", one("select count(distinct total) from scores"))
EOF
leads_loaded="$(python3 -c 'import sqlite3,sys; print(sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True).execute("select count(*) from leads").fetchone()[0])' "$db")"

# ---- the ranked list --------------------------------------------------------------

summary=()
# measure NAME CONNECTIONS QUERY
measure() {
    local name="$1" conns="$2" query="$3" url file result items threads first
    threads=$((conns < THREADS ? conns : THREADS))
    url="$BASE_URL/api/leads?$query"
    file="$out/list-$name.txt"
    # One request alone first: its row count and its time ("first").
    wait_quiet
    curl -fsS -o "$out/list-$name.json" -w '%{time_total}' -H "$bearer" "$url" >"$out/list-$name.time" ||
        die "GET $url failed"
    first="$(awk '{ printf "%.1f", $1 * 1000 }' "$out/list-$name.time")"
    items="$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["items"]))' "$out/list-$name.json")"
    rm -f "$out/list-$name.json" "$out/list-$name.time"
    log "$name: GET /api/leads?$query: $items items, first request alone $first ms"
    echo "\$ wrk -t$threads -c$conns -d${DURATION}s --timeout $READ_TIMEOUT --latency -H 'Authorization: Bearer ...' -s read.lua '$url'" >"$file"
    echo "$QUIET_NOTE" >>"$file"
    wrk -t"$threads" -c"$conns" -d"${DURATION}s" --timeout "$READ_TIMEOUT" --latency -H "$bearer" -s "$bench_http_dir/read.lua" "$url" |
        tee -a "$file"
    check_alive
    result="$(grep '^RESULT' "$file")"
    summary+=("$(printf '%-26s %8s %4s %5s %8s %9.1f %8.2f %8.2f %8.2f %8.2f %6s' "$query" "$first" "$conns" "$items" \
        "$(field requests <<<"$result")" "$(field rps <<<"$result")" "$(field p50_ms <<<"$result")" "$(field p95_ms <<<"$result")" \
        "$(field p99_ms <<<"$result")" "$(field max_ms <<<"$result")" \
        "$(($(field non2xx <<<"$result") + $(field socket_errors <<<"$result")))")")
}

measure all-c1 1 "limit=50"
measure all "$CONNECTIONS" "limit=50"
measure stage-lead "$CONNECTIONS" "limit=50&stage=lead"
measure cell-d4 "$CONNECTIONS" "limit=50&cell=D4"
measure hot-c1 1 "limit=50&hot=true"
measure hot "$CONNECTIONS" "limit=50&hot=true"
measure min-score-10 "$CONNECTIONS" "limit=50&min_score=10"
measure q-text "$CONNECTIONS" "limit=50&q=nguyen"

{
    echo
    echo "== summary: $leads_loaded leads in SQLite (of $csv_rows in the CSV), $(nproc) CPUs shared by server and wrk;"
    echo "   server start-up with the data ${startup} s; latencies in ms: first = one request alone before"
    echo "   the run, then wrk over conn connections for ${DURATION} s"
    printf '%-26s %8s %4s %5s %8s %9s %8s %8s %8s %8s %6s\n' query first conn items requests "req/s" p50 p95 p99 max errors
    printf '%s\n' "${summary[@]}"
} | tee "$out/summary.txt"
log "raw outputs in $out"
