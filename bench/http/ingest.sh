#!/usr/bin/env bash
# HTTP ingestion benchmark of `leadscore serve`: the Segment endpoints under
# load, on SQLite and on PostgreSQL, each time on a fresh, empty database.
#
#   bench/http/ingest.sh                       # both backends, 20 s per run
#   BACKENDS=sqlite DURATION=10 bench/http/ingest.sh
#   LEADSCORE_REV=HEAD bench/http/ingest.sh    # build the last commit, not the work tree
#   LEADSCORE_BIN=/tmp/target-bench/release/leadscore bench/http/ingest.sh   # no build
#
# For each backend:
#   (a) POST /v1/track, one event per request, as fast as possible:
#       wrk -t2 -c64 --latency (requests/s, p50, p99);
#   (b) POST /v1/track at a fixed 5000 requests/s (open loop, latency from the
#       time each request was due) with bench/http/fixed_rate.py, because wrk
#       cannot hold a rate and wrk2 is not packaged in Debian, and/or with oha
#       (bench/http/oha_fixed.sh; FIXED="python oha" runs both, one after the
#       other, against the same server);
#   (c) POST /v1/batch, 100 events per request, as fast as possible (events/s).
# Every messageId is unique (prefix + thread + counter, or random UUIDs as
# real client libraries send them with MESSAGE_IDS=uuid), so every event is
# stored; userIds are spread over USERS (default 100000) leads. After each run
# the server's /metrics counters are compared with what was sent.
#
# Needs wrk, curl, python3 and psql (PostgreSQL at PG_URL, trust auth). Raw
# outputs go to OUT_DIR (default /tmp/bench-results)/ingest-<time>/; a summary
# table is printed at the end. The load generator runs on the same machine as
# the server and competes with it for the CPUs; the summary's CPU columns show
# how many cores leadscore, the load generator, PostgreSQL and the whole
# machine used during each run.
#
# Settings (environment): BACKENDS ("sqlite postgres"), DURATION (20),
# THREADS (2), CONNECTIONS (64), RATE (5000; a list such as "5000 2000"
# runs each rate in turn), FIXED ("python"; "oha", or "python oha" for both
# fixed-rate generators), BATCH_EVENTS (100),
# BATCH_CONNECTIONS (16), USERS (100000), and those of bench/http/lib.sh.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

BACKENDS="${BACKENDS:-sqlite postgres}"
DURATION="${DURATION:-20}"
THREADS="${THREADS:-2}"
CONNECTIONS="${CONNECTIONS:-64}"
RATE="${RATE:-5000}"
BATCH_EVENTS="${BATCH_EVENTS:-100}"
BATCH_CONNECTIONS="${BATCH_CONNECTIONS:-16}"
USERS="${USERS:-100000}"
FIXED="${FIXED:-python}"

need wrk curl python3 psql awk base64
[[ " $FIXED " != *" oha "* ]] || need oha
resolve_binary
out="$OUT_DIR/ingest-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
basic="Authorization: Basic $(printf '%s:' "$WRITE_KEY" | base64 -w0)"
hz="$(getconf CLK_TCK)"
accepted_metric='leadscore_ingest_events_total{outcome="accepted"}'
duplicate_metric='leadscore_ingest_events_total{outcome="duplicate"}'
rejected_metric='leadscore_ingest_events_total{outcome="rejected"}'

{
    echo "leadscore ingest benchmark, $(date -Is)"
    echo "binary: $LEADSCORE_BIN ($("$LEADSCORE_BIN" --version))"
    echo "built from: $BIN_SOURCE"
    echo "machine: $(nproc) CPUs ($(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo)), $(free -g | awk '/Mem:/ { print $2 }') GB RAM"
    echo "wrk: $(wrk -v 2>&1 | head -1)"
    echo "python: $(python3 --version)"
    echo "PostgreSQL: $(psql "$PG_URL/$PG_ADMIN_DB" -Atc 'show server_version')"
} | tee "$out/environment.txt"

summary=()

# phase BACKEND NAME EVENTS_PER_REQUEST COMMAND...: runs a load command against
# the current server, keeps its output, and adds a row to the summary.
phase() {
    local backend="$1" name="$2" per_request="$3"
    shift 3
    local file="$out/$backend-$name.txt" acc0 dup0 rej0 cpu0 sys0 pg0 t0 t1 acc dup rej cpu sys pg wall
    [[ "$name" == warmup ]] || wait_quiet
    log "$backend $name: $*"
    acc0="$(metric "$accepted_metric")"
    dup0="$(metric "$duplicate_metric")"
    rej0="$(metric "$rejected_metric")"
    cpu0="$(cpu_ticks "$SERVER_PID")"
    pg0="$(comm_ticks postgres)"
    sys0="$(sys_ticks)"
    t0="$(date +%s.%N)"
    echo "\$ $*" >"$file"
    # `times` in the subshell: the CPU time of the load generator it waited for.
    ("$@" && times >"$file.times") 2>&1 | tee -a "$file"
    t1="$(date +%s.%N)"
    sys="$(sys_ticks)"
    pg="$(comm_ticks postgres)"
    check_alive
    cpu="$(cpu_ticks "$SERVER_PID")"
    acc="$(metric "$accepted_metric")"
    dup="$(metric "$duplicate_metric")"
    rej="$(metric "$rejected_metric")"
    wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
    local result rps p50 p95 p99 non2xx errs srv_cores sys_cores load_cores pg_cores
    result="$(grep '^RESULT' "$file" || true)"
    [[ -n "$result" ]] || die "no RESULT line in $file"
    rps="$(field rps <<<"$result")"
    p50="$(field p50_ms <<<"$result")"
    p95="$(field p95_ms <<<"$result")"
    p99="$(field p99_ms <<<"$result")"
    non2xx="$(field non2xx <<<"$result")"
    errs="$(field socket_errors <<<"$result")"
    srv_cores="$(awk -v c="$((cpu - cpu0))" -v hz="$hz" -v w="$wall" 'BEGIN { printf "%.2f", c / hz / w }')"
    sys_cores="$(awk -v c="$((sys - sys0))" -v hz="$hz" -v w="$wall" 'BEGIN { printf "%.2f", c / hz / w }')"
    pg_cores="$(awk -v c="$((pg - pg0))" -v hz="$hz" -v w="$wall" 'BEGIN { printf "%.2f", c / hz / w }')"
    # Second line of `times`: children's user and system time, as 0m1.234s 0m0.567s.
    load_cores="$(awk -v w="$wall" 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, p, /[ms]/); t += p[1] * 60 + p[2] }
        printf "%.2f", t / w }' "$file.times")"
    rm -f "$file.times"
    {
        [[ "$name" == warmup ]] || echo "$QUIET_NOTE"
        echo "server: accepted +$((acc - acc0)) duplicate +$((dup - dup0)) rejected +$((rej - rej0)) events;" \
            "CPU in cores: leadscore $srv_cores, load generator $load_cores, postgres $pg_cores, whole machine $sys_cores of $(nproc);" \
            "$wall s wall; leadscore RSS $(rss_mb "$SERVER_PID") MB"
    } | tee -a "$file"
    if ((dup - dup0 > 0 || rej - rej0 > 0 || non2xx > 0 || errs > 0)); then
        log "WARNING: $backend $name: duplicates/rejections/errors, see $file"
    fi
    if [[ "$name" != warmup ]]; then
        summary+=("$(printf '%-9s %-18s %7.0f %8.0f %8.2f %8.2f %8.2f %6s %5s %5s %5s %5s %9d' \
            "$backend" "$name" "$rps" "$(awk -v r="$rps" -v n="$per_request" 'BEGIN { print r * n }')" \
            "$p50" "$p95" "$p99" "$((non2xx + errs))" "$srv_cores" "$load_cores" "$pg_cores" "$sys_cores" "$((acc - acc0))")")
    fi
}

for backend in $BACKENDS; do
    case "$backend" in
        sqlite) new_temp_dir && db_url="sqlite://$TEMP_DIR/bench.db" ;;
        postgres) new_pg_database ingest && db_url="$PG_DB_URL" ;;
        *) die "unknown backend $backend (sqlite or postgres)" ;;
    esac
    log "== $backend: fresh server on $db_url"
    start_server "$db_url" "$out/$backend-server.log"
    track="$BASE_URL/v1/track"

    # A short warm-up (connections, caches, the first leads), not reported.
    phase "$backend" warmup 1 \
        wrk -t"$THREADS" -c16 -d3s -H "$basic" -s "$bench_http_dir/track.lua" "$track" -- "$backend-warm" "$USERS"

    phase "$backend" "track-max-c$CONNECTIONS" 1 \
        wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "$basic" \
        -s "$bench_http_dir/track.lua" "$track" -- "$backend-max" "$USERS"

    for rate in $RATE; do
        for tool in $FIXED; do
            case "$tool" in
                python) phase "$backend" "track-fixed-$rate" 1 \
                    python3 "$bench_http_dir/fixed_rate.py" --url "$track" --write-key "$WRITE_KEY" \
                    --rate "$rate" --duration "$DURATION" --connections "$CONNECTIONS" --prefix "$backend-fixed$rate" --users "$USERS" ;;
                oha) phase "$backend" "track-oha-$rate" 1 \
                    "$bench_http_dir/oha_fixed.sh" "$track" "$WRITE_KEY" "$rate" "$DURATION" "$CONNECTIONS" \
                    "$backend-oha$rate" "$USERS" ;;
                *) die "unknown fixed-rate generator $tool (python or oha)" ;;
            esac
        done
    done

    phase "$backend" "batch$BATCH_EVENTS-c$BATCH_CONNECTIONS" "$BATCH_EVENTS" \
        wrk -t"$THREADS" -c"$BATCH_CONNECTIONS" -d"${DURATION}s" --latency -H "$basic" \
        -s "$bench_http_dir/batch.lua" "$BASE_URL/v1/batch" -- "$backend-batch" "$USERS" "$BATCH_EVENTS"

    curl -fsS "$BASE_URL/metrics" >"$out/$backend-metrics.txt"
    stop_server
done

{
    echo
    echo "== summary: $(nproc) CPUs shared by server and load generator; latencies in ms;"
    echo "   track-fixed latency is from each request's due time (open loop); CPU in cores busy:"
    echo "   srv = leadscore, load = wrk or fixed_rate.py, pg = PostgreSQL, sys = whole machine (all of them,"
    echo "   the kernel and anything else); errors = non-2xx answers + socket errors; accepted = events stored"
    printf '%-9s %-18s %7s %8s %8s %8s %8s %6s %5s %5s %5s %5s %9s\n' \
        backend test "req/s" "events/s" p50 p95 p99 errors srv load pg sys accepted
    printf '%s\n' "${summary[@]}"
} | tee "$out/summary.txt"
log "raw outputs in $out"
