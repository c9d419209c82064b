#!/usr/bin/env bash
# Start-up over a loaded SQLite database: how long `leadscore serve` takes to
# load and rescore every lead, and the largest size its write-ahead log
# reaches meanwhile (it must stay bounded, not grow with the database).
#
#   LEADS=200000 LEADSCORE_BIN=target/release/leadscore bench/http/restart.sh
#
# Steps: `leadscore demo` generates LEADS leads (about 2.4 events each), a
# fresh server imports them through the API, is stopped, and is started again
# on the same file while the log's size is sampled every 0.2 s.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

LEADS="${LEADS:-200000}"
IMPORT_TIMEOUT="${IMPORT_TIMEOUT:-3600}"

need curl python3 awk
resolve_binary
out="$OUT_DIR/restart-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$out"
bearer="Authorization: Bearer $ADMIN_KEY"
new_temp_dir
work="$TEMP_DIR"
db="$work/restart.db"

"$LEADSCORE_BIN" demo --leads "$LEADS" --events-per-lead 1 --top 0 --out "$work/data" >/dev/null
start_server "sqlite://$db" "$out/load.log"
import_file /api/import/leads "$work/data/leads.csv" text/csv leads
import_file /api/import/events "$work/data/events.jsonl" application/x-ndjson events
stop_server
log "database $(du -m "$db" | cut -f1) MB, log $(du -m "$db-wal" 2>/dev/null | cut -f1 || echo 0) MB after the import"

largest=0
(
    while :; do
        size=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
        ((size > largest)) && largest=$size && echo "$largest" >"$out/largest-wal"
        sleep 0.2
    done
) &
sampler=$!
start_server "sqlite://$db" "$out/restart.log" 3600
kill "$sampler"
stop_server
echo "leads: $LEADS; start-up (load and rescore): $SERVER_START_S s; largest log during start-up: $(( $(cat "$out/largest-wal" 2>/dev/null || echo 0) / 1048576 )) MB"
