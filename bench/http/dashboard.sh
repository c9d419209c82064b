#!/usr/bin/env bash
# Server time of every dashboard page of `leadscore serve` on a large SQLite
# database (about 1,000,000 leads by default).
#
#   bench/http/dashboard.sh                          # 1,000,000 leads
#   LEADS=100000 bench/http/dashboard.sh             # quicker
#   LOAD=direct EVENTS_PER_LEAD=30 KEEP_DB=/tmp/dash-30m.db bench/http/dashboard.sh
#                                                    # 30M events, written directly
#   KEEP_DB=/tmp/dash.db bench/http/dashboard.sh     # keep the loaded database
#   DB=/tmp/dash.db bench/http/dashboard.sh          # reuse a kept one
#   LEADSCORE_BIN=target/release/leadscore bench/http/dashboard.sh   # no build
#
# Steps: as bench/http/ranked.sh, `leadscore demo` generates the leads and
# events and a fresh server imports them through the API (LOAD=api, the
# default), or `leadscore demo --into` writes them straight into the
# database (LOAD=direct: minutes instead of hours for tens of millions of
# events; the server scores them as it starts); then the server
# is restarted with a dashboard admin (LEADSCORE_ADMIN_EMAIL/PASSWORD), curl
# logs in like a browser (login page token, session cookie), and every page
# is fetched REPEAT times one after another on the loopback: the first
# fetch of each page (caches empty) is reported apart, then the median, p95
# and max of the rest. curl's time_total on the loopback is the server's
# time plus well under a millisecond. A first view that found a summary
# over every lead still being made (the funnel and matrix after a start)
# is marked "computing"; the script then reports when those summaries were
# ready, and the server's peak memory (VmHWM).
#
# Settings (environment): LEADS (1000000), EVENTS_PER_LEAD (1: about 2.4
# events per lead), LOAD (api or direct), REPEAT (20), IMPORT_TIMEOUT (3600), EVENT_PART_LINES
# (250000), DATA_DIR, DB, KEEP_DB, and those of bench/http/lib.sh.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LEADS="${LEADS:-1000000}"
LOAD="${LOAD:-api}"
EVENTS_PER_LEAD="${EVENTS_PER_LEAD:-1}"
EVENT_PART_LINES="${EVENT_PART_LINES:-250000}"
REPEAT="${REPEAT:-20}"
IMPORT_TIMEOUT="${IMPORT_TIMEOUT:-3600}"
EMAIL="bench@leadscore.test"
# Fixed, so that a kept database (DB=) still logs in on the next run.
PASSWORD="${BENCH_PASSWORD:-bench password of leadscore}"

need curl python3 awk
resolve_binary
out="$OUT_DIR/dashboard-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
bearer="Authorization: Bearer $ADMIN_KEY"
new_temp_dir
work="$TEMP_DIR"

{
    echo "leadscore dashboard benchmark, $(date -Is)"
    echo "binary: $LEADSCORE_BIN ($("$LEADSCORE_BIN" --version))"
    echo "built from: $BIN_SOURCE"
    echo "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(free -g | awk '/Mem:/ { print $2 }') GB RAM"
} | tee "$out/environment.txt"

# ---- data -------------------------------------------------------------------

if [[ -n "${DB:-}" ]]; then
    db="$DB"
    [[ -s "$db" ]] || die "DB=$db does not exist"
    log "reusing the database $db"
else
    db="${KEEP_DB:-$work/dashboard.db}"
    rm -f "$db" "$db-wal" "$db-shm"
fi
if [[ -z "${DB:-}" && "$LOAD" == direct ]]; then
    log "writing $LEADS leads, $EVENTS_PER_LEAD events per lead straight into $db"
    /usr/bin/time -v "$LEADSCORE_BIN" demo --leads "$LEADS" --events-per-lead "$EVENTS_PER_LEAD" --into "sqlite://$db" \
        >"$out/demo.txt" 2>"$out/demo-time.txt" || { cat "$out/demo-time.txt" >&2; die "leadscore demo --into failed"; }
    cat "$out/demo.txt"
    grep -E 'Elapsed|Maximum resident' "$out/demo-time.txt" | sed 's/^\s*/demo --into: /'
elif [[ -z "${DB:-}" ]]; then
    data="${DATA_DIR:-$work/data}"
    if [[ ! -s "$data/leads.csv" ]]; then
        log "generating $LEADS leads, $EVENTS_PER_LEAD events per lead"
        "$LEADSCORE_BIN" demo --leads "$LEADS" --events-per-lead "$EVENTS_PER_LEAD" --top 3 --out "$data" \
            >"$out/demo.txt" 2>&1 || { cat "$out/demo.txt" >&2; die "leadscore demo failed"; }
    fi
    start_server "sqlite://$db" "$out/server-import.log"
    import_file /api/import/leads "$data/leads.csv" text/csv leads
    split -l "$EVENT_PART_LINES" -d -a 3 "$data/events.jsonl" "$work/events-part-"
    for part in "$work"/events-part-*; do
        import_file /api/import/events "$part" application/x-ndjson "events-${part##*-}"
    done
    stop_server
fi

export LEADSCORE_ADMIN_EMAIL="$EMAIL" LEADSCORE_ADMIN_PASSWORD="$PASSWORD"
start_server "sqlite://$db" "$out/server.log" "${START_TIMEOUT:-3600}"
healthy_at="$(date +%s.%N)"
log "server healthy after $SERVER_START_S s; RSS $(rss_mb "$SERVER_PID") MB, peak $(hwm_mb "$SERVER_PID") MB" | tee -a "$out/environment.txt"

python3 - "$db" <<'PY' | tee "$out/database.txt"
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
one = lambda q: db.execute(q).fetchone()[0]
print(f"leads {one('select count(*) from leads')}, events {one('select count(*) from events')},"
      f" history {one('select count(*) from score_history')}, accounts {one('select count(*) from account_scores')},"
      f" database {one('select page_count * page_size from pragma_page_count(), pragma_page_size()') / 2**20:.0f} MB")
PY

# ---- log in like a browser ---------------------------------------------------

jar="$work/cookies"
token="$(curl -fsS -c "$jar" "$BASE_URL/login" | sed -n 's/.*name="token" value="\([0-9a-f]*\)".*/\1/p')"
[[ -n "$token" ]] || die "no login token on /login"
code="$(curl -sS -o /dev/null -w '%{http_code}' -b "$jar" -c "$jar" \
    --data-urlencode "email=$EMAIL" --data-urlencode "password=$PASSWORD" --data-urlencode "token=$token" \
    "$BASE_URL/login")"
[[ "$code" == 303 ]] || die "login answered $code"

top="$(curl -fsS -H "$bearer" "$BASE_URL/api/leads?limit=1" | python3 -c 'import json,sys,urllib.parse; print(urllib.parse.quote(json.load(sys.stdin)["items"][0]["id"], safe=""))')"
account="$(curl -fsS -H "$bearer" "$BASE_URL/api/accounts?limit=1" | python3 -c 'import json,sys,urllib.parse; i=json.load(sys.stdin)["items"]; print(urllib.parse.quote(i[0]["account_id"], safe="") if i else "")')"

# ---- every page ----------------------------------------------------------------

pages=(
    "/leads"
    "/leads?hot=true"
    "/leads?stage=mql"
    "/leads?q=nguyen"
    "/leads/$top"
    "/accounts"
    "/accounts/$account"
    "/funnel"
    "/matrix"
    "/model"
    "/deliveries"
    "/users"
)
# The summaries over every lead right after the start: never waited for.
: >"$out/summary.txt"
for page in /funnel /matrix; do
    read -r status t < <(curl -sS -o "$work/body" -b "$jar" -w '%{http_code} %{time_total}\n' "$BASE_URL$page")
    state=ready
    grep -q 'id="computing"' "$work/body" && state=computing
    echo "$page right after the start: $status in $(awk -v t="$t" 'BEGIN { printf "%.1f", t * 1000 }') ms ($state)" | tee -a "$out/summary.txt"
done

# When the summaries over every lead were ready, counted from when the
# server answered its first health check.
for ((i = 0; i < 7200; i++)); do
    curl -sS -o "$work/body" -b "$jar" "$BASE_URL/funnel"
    grep -q 'id="computing"' "$work/body" || break
    sleep 0.5
done
echo "funnel summary ready $(awk -v a="$healthy_at" -v b="$(date +%s.%N)" 'BEGIN { printf "%.0f", b - a }') s after the server answered" | tee -a "$out/summary.txt"

wait_quiet
echo "$QUIET_NOTE" | tee -a "$out/summary.txt"
printf '%-28s %6s %9s %9s %9s %9s %7s\n' page status "first" median p95 max KB | tee -a "$out/summary.txt"
for page in "${pages[@]}"; do
    times="$work/times"
    : >"$times"
    status=""
    note=""
    for ((i = 0; i <= REPEAT; i++)); do
        read -r status t size < <(curl -sS -o "$work/body" -b "$jar" -w '%{http_code} %{time_total} %{size_download}\n' "$BASE_URL$page")
        echo "$t" >>"$times"
        if ((i == 0)) && grep -q 'id="computing"' "$work/body"; then note="first: computing"; fi
    done
    check_alive
    python3 - "$times" "$page" "$status" "$size" "$note" <<'PY' | tee -a "$out/summary.txt"
import sys
t = [float(x) * 1000 for x in open(sys.argv[1]).read().split()]
first, rest = t[0], sorted(t[1:])
p = lambda q: rest[min(len(rest) - 1, int(q * len(rest)))]
print(f"{sys.argv[2][:28]:<28} {sys.argv[3]:>6} {first:9.1f} {p(0.5):9.1f} {p(0.95):9.1f} {rest[-1]:9.1f} {int(sys.argv[4]) / 1024:7.1f} {sys.argv[5]}")
PY
done

echo "server RSS $(rss_mb "$SERVER_PID") MB, peak (VmHWM) $(hwm_mb "$SERVER_PID") MB" | tee -a "$out/summary.txt"
log "raw outputs in $out"
