#!/usr/bin/env bash
# What SQLite indexes cost the ingest path: the same binary on a fresh
# database with all its indexes, then on one where INDEXES were dropped
# before the load (nothing the loads run reads them: track and batch events
# never stitch identities, and no ranked list is read), alternated for
# ROUNDS rounds. Each run: `wrk -t2 -c64` on /v1/track (single events),
# then `wrk -t1 -c16` on /v1/batch (100 events per request) on the same
# server. An upper bound of what moving an index off the ingest path gains.
# With RATE set, each run instead measures the latency at that fixed rate:
# a 6 s `wrk -t2 -c64` warm-up on /v1/track, then bench/http/oha_fixed.sh
# at RATE requests/s for DURATION s (p50 / p95 / p99).
#
#   INDEXES="events_identity" bench/http/drop_indexes.sh
#   INDEXES="scores_stage scores_cell" ROUNDS=2 DURATION=8 LEADSCORE_BIN=target/release/leadscore bench/http/drop_indexes.sh
#   INDEXES="scores_rank scores_stage scores_cell scores_hot" RATE=5000 DURATION=10 ROUNDS=4 bench/http/drop_indexes.sh
#
# Settings (environment): INDEXES (required), ROUNDS (2), DURATION (8),
# RATE (unset), USERS (100000), and those of bench/http/lib.sh.
set -euo pipefail
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"  # sets bench_http_dir
INDEXES="${INDEXES:?name the indexes to drop, e.g. INDEXES=events_identity}"
ROUNDS="${ROUNDS:-2}"
DURATION="${DURATION:-8}"
USERS="${USERS:-100000}"
need wrk curl python3 base64
[[ -z "${RATE:-}" ]] || need oha
resolve_binary
out="$OUT_DIR/drop-indexes-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
new_temp_dir
auth="Authorization: Basic $(printf '%s:' "$WRITE_KEY" | base64)"
rate() { awk '/^RESULT/ { for (i = 1; i <= NF; i++) if ($i ~ /^rps=/) { sub("rps=", "", $i); print $i } }' "$1"; }
for round in $(seq "$ROUNDS"); do
    for variant in all dropped; do
        name="r$round-$variant"
        db="$TEMP_DIR/$name.db"
        # A first start applies the migrations; then the indexes go.
        start_server "sqlite://$db" "$out/$name.migrate.log"
        stop_server
        if [[ "$variant" == dropped ]]; then
            python3 - "$db" $INDEXES <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for index in sys.argv[2:]:
    db.execute(f"DROP INDEX {index}")
db.commit()
PY
        fi
        wait_quiet
        start_server "sqlite://$db" "$out/$name.server.log"
        if [[ -n "${RATE:-}" ]]; then
            wrk -t2 -c64 -d6s -H "$auth" -s "$bench_http_dir/track.lua" \
                "$BASE_URL/v1/track" -- "$name-w" "$USERS" >"$out/$name.warmup.txt"
            "$bench_http_dir/oha_fixed.sh" "$BASE_URL/v1/track" "$WRITE_KEY" "$RATE" "$DURATION" 64 \
                "$name-f" "$USERS" >"$out/$name.fixed.txt"
            stop_server
            echo "round $round, $variant indexes ($INDEXES): at $RATE/s p50 / p95 / p99 ms $(field p50_ms <"$out/$name.fixed.txt") / $(field p95_ms <"$out/$name.fixed.txt") / $(field p99_ms <"$out/$name.fixed.txt")"
            continue
        fi
        wrk -t2 -c64 -d"${DURATION}s" -H "$auth" -s "$bench_http_dir/track.lua" \
            "$BASE_URL/v1/track" -- "$name-t" "$USERS" >"$out/$name.track.txt"
        wrk -t1 -c16 -d"${DURATION}s" -H "$auth" -s "$bench_http_dir/batch.lua" \
            "$BASE_URL/v1/batch" -- "$name-b" "$USERS" 100 >"$out/$name.batch.txt"
        stop_server
        echo "round $round, $variant indexes ($INDEXES): track $(rate "$out/$name.track.txt") requests/s, batch $(awk -v r="$(rate "$out/$name.batch.txt")" 'BEGIN { printf "%.0f", r * 100 }') events/s"
    done
done
