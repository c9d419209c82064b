#!/usr/bin/env bash
# Start-up of two builds on the same database, alternately: each run copies
# the database (so each starts from the same rows), starts `leadscore serve`
# on the copy, and reports the time until /health answers, split at the
# log line "Loaded scoring state" (reading and replaying the log; then
# scoring every lead and writing the scores), with the process's CPU time
# and memory.
#
#   OLD=/tmp/base/leadscore NEW=target/release/leadscore DB=/tmp/m.db bench/http/startup-ab.sh
#
# DB: a SQLite database, e.g. from `leadscore demo --into` (each run copies
# it under /tmp). ROUNDS (2): pairs of runs.
set -euo pipefail

# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

need curl python3 awk
[[ -x "${OLD:-}" && -x "${NEW:-}" && -s "${DB:-}" ]] || die "set OLD, NEW (binaries) and DB (a database file)"
ROUNDS="${ROUNDS:-2}"
new_temp_dir
work="$TEMP_DIR"

one() {
    local label="$1" bin="$2" copy="$work/startup.db" t0 t1 loaded hwm rss cpu
    rm -f "$copy" "$copy-wal" "$copy-shm"
    cp "$DB" "$copy"
    t0="$(date +%s.%N)"
    start_server "sqlite://$copy" "$work/$label.log" 3600 >/dev/null
    t1="$(date +%s.%N)"
    loaded="$(sed 's/\x1b\[[0-9;]*m//g' "$work/$label.log" | awk '/Loaded scoring state/ { print $1; exit }')"
    hwm="$(hwm_mb "$SERVER_PID")"
    rss="$(rss_mb "$SERVER_PID")"
    cpu="$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.1f", ($14 + $15) / hz }' "/proc/$SERVER_PID/stat")"
    stop_server
    python3 - "$label" "$t0" "$t1" "$loaded" "$cpu" "$rss" "$hwm" <<'PY'
import datetime, sys
label, t0, t1, loaded, cpu, rss, hwm = sys.argv[1:]
t0, t1 = float(t0), float(t1)
l = datetime.datetime.fromisoformat(loaded.replace("Z", "+00:00")).timestamp()
print(f"{label}: healthy after {t1 - t0:.1f} s (loaded {l - t0:.1f} s, scored and written {t1 - l:.1f} s);"
      f" CPU {cpu} s; RSS {rss} MB, peak {hwm} MB")
PY
}

for ((r = 1; r <= ROUNDS; r++)); do
    LEADSCORE_BIN="$OLD" one old "$OLD"
    LEADSCORE_BIN="$NEW" one new "$NEW"
done
