#!/usr/bin/env bash
# Two leadscore binaries side by side on SQLite: the same ingest runs,
# alternated, each on a fresh database, so that both see the same machine
# (its other load, its disk) and their ratio means something.
#
#   bench/http/compare.sh OLD_BINARY NEW_BINARY
#   ROUNDS=3 DURATION=10 bench/http/compare.sh /tmp/leadscore-before target/release/leadscore
#
# Per round and binary: a fresh SQLite file, a warm-up on /v1/track (WARMUP
# seconds of wrk -t2 -cWARMUP_CONNECTIONS), a pause of SETTLE seconds, then
#   track: POST /v1/track, one event per request, wrk -t2 -cCONNECTIONS;
#   batch: POST /v1/batch, BATCH_EVENTS events per request, wrk -t2 -cBATCH_CONNECTIONS;
#   fixed: POST /v1/track at a fixed RATE requests/s over 64 connections,
#          bench/http/oha_fixed.sh (latency from each request's due time).
# Prints requests/s, events/s, p50, p95 and p99 for each, then the new/old
# ratio of the medians (of events/s; for `fixed`, of p95 and p99).
#
#   TESTS=fixed RATE=5000 ROUNDS=6 bench/http/compare.sh OLD NEW
#
# A steady rate right after a burst and after a pause are different tests:
# the burst leaves writes behind that the steady load then pays for.
#
#   TESTS=fixed WARMUP=6 WARMUP_CONNECTIONS=64 SETTLE=3 bench/http/compare.sh OLD NEW
#
# Settings (environment): ROUNDS (3), DURATION (10), CONNECTIONS (64),
# BATCH_EVENTS (100), BATCH_CONNECTIONS (16), USERS (100000), TESTS
# ("track batch"), RATE (5000), WARMUP (3), WARMUP_CONNECTIONS (16),
# SETTLE (0), and those of bench/http/lib.sh.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

(($# == 2)) || die "usage: $0 OLD_BINARY NEW_BINARY"
ROUNDS="${ROUNDS:-3}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
BATCH_EVENTS="${BATCH_EVENTS:-100}"
BATCH_CONNECTIONS="${BATCH_CONNECTIONS:-16}"
USERS="${USERS:-100000}"
TESTS="${TESTS:-track batch}"
RATE="${RATE:-5000}"
WARMUP="${WARMUP:-3}"
WARMUP_CONNECTIONS="${WARMUP_CONNECTIONS:-16}"
SETTLE="${SETTLE:-0}"
need wrk curl awk base64
[[ "$TESTS" != *fixed* ]] || need oha
out="$OUT_DIR/compare-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
basic="Authorization: Basic $(printf '%s:' "$WRITE_KEY" | base64 -w0)"
declare -A binary=([old]="$1" [new]="$2")
rows=()

for round in $(seq "$ROUNDS"); do
    for which in old new; do
        LEADSCORE_BIN="${binary[$which]}"
        new_temp_dir
        start_server "sqlite://$TEMP_DIR/bench.db" "$out/$which-$round-server.log"
        wrk -t2 -c"$WARMUP_CONNECTIONS" -d"${WARMUP}s" -H "$basic" -s "$bench_http_dir/track.lua" \
            "$BASE_URL/v1/track" -- "warm$round$which" "$USERS" >/dev/null
        sleep "$SETTLE"
        for test in $TESTS; do
            file="$out/$which-$round-$test.txt"
            case "$test" in
                track) wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -H "$basic" \
                    -s "$bench_http_dir/track.lua" "$BASE_URL/v1/track" -- "track$round" "$USERS" >"$file"
                    per=1 ;;
                batch) wrk -t2 -c"$BATCH_CONNECTIONS" -d"${DURATION}s" --latency -H "$basic" \
                    -s "$bench_http_dir/batch.lua" "$BASE_URL/v1/batch" -- "batch$round" "$USERS" "$BATCH_EVENTS" >"$file"
                    per="$BATCH_EVENTS" ;;
                fixed) "$bench_http_dir/oha_fixed.sh" "$BASE_URL/v1/track" "$WRITE_KEY" "$RATE" "$DURATION" 64 \
                    "fixed$round$which" "$USERS" >"$file"
                    per=1 ;;
                *) die "unknown test $test (track, batch or fixed)" ;;
            esac
            result="$(grep '^RESULT' "$file")"
            rps="$(field rps <<<"$result")"
            row="$(printf '%-6s %-4s %-6s %9.0f %9.0f %8.2f %8.2f %8.2f %6s' "$round" "$which" "$test" "$rps" \
                "$(awk -v r="$rps" -v n="$per" 'BEGIN { print r * n }')" \
                "$(field p50_ms <<<"$result")" "$(field p95_ms <<<"$result")" "$(field p99_ms <<<"$result")" \
                "$(($(field non2xx <<<"$result") + $(field socket_errors <<<"$result") + 0))")"
            rows+=("$row")
            log "$row"
        done
        stop_server
    done
done

{
    echo "== $ROUNDS rounds of $DURATION s; old = ${binary[old]}, new = ${binary[new]}"
    printf '%-6s %-4s %-6s %9s %9s %8s %8s %8s %6s\n' round bin test "req/s" "events/s" p50_ms p95_ms p99_ms errors
    printf '%s\n' "${rows[@]}"
    echo "== medians, new / old"
    for test in $TESTS; do
        # Columns: 5 events/s; for the fixed rate, 7 p95 and 8 p99.
        cols=5
        [[ "$test" != fixed ]] || cols="7 8"
        for col in $cols; do
            printf '%s\n' "${rows[@]}" | awk -v t="$test" -v c="$col" '
                function median(a, k,   i, j, x) {
                    for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
                    return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
                }
                $3 == t && $2 == "old" { o[++no] = $c }
                $3 == t && $2 == "new" { w[++nw] = $c }
                END { a = median(o, no); b = median(w, nw); name = c == 5 ? "events/s" : c == 7 ? "p95 ms" : "p99 ms"
                      printf "%-6s %-8s old %9.2f  new %9.2f  ratio %.2f\n", t, name, a, b, b / a }'
        done
    done
} | tee "$out/summary.txt"
