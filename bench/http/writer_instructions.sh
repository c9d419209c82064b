#!/usr/bin/env bash
# Instructions one writer function costs per call, counted by callgrind
# (repeatable whatever else the machine does, unlike a timed load):
# `leadscore serve` runs under valgrind on a fresh SQLite file with only
# FUNCTION collected, EVENTS single events (users spread over USERS) are sent
# one at a time, then the counts are dumped.
#
#   bench/http/writer_instructions.sh BIN [BIN2 ...]
#   FUNCTION='*score_row*' EVENTS=3000 USERS=1000 bench/http/writer_instructions.sh OLD NEW
#   BATCH=100 FUNCTION='*Task>::write' bench/http/writer_instructions.sh OLD NEW
#
# With BATCH=N the events go to /v1/batch, N per request, so the writer
# scores groups of them as under batch load. With ANNOTATE=N the N largest
# functions inside FUNCTION are listed too, each with its inclusive share
# (callgrind_annotate --inclusive=yes).
#
# Prints, per binary, the instructions inside FUNCTION, its calls, and the
# instructions per call and per event. Needs valgrind, curl and python3.
set -euo pipefail
(($# >= 1)) || { echo "usage: $0 BIN [BIN2 ...]" >&2; exit 2; }
here="$(cd "$(dirname "$0")" && pwd)"
FUNCTION="${FUNCTION:-*score_row*}" EVENTS="${EVENTS:-3000}" USERS="${USERS:-1000}"
PORT="${PORT:-18931}" BATCH="${BATCH:-}" ANNOTATE="${ANNOTATE:-}"
for bin in "$@"; do
    dir="$(mktemp -d /tmp/writer-instructions.XXXXXX)"
    LEADSCORE_ADMIN_KEY=ak LEADSCORE_WRITE_KEY=wk RUST_LOG=warn \
        valgrind --tool=callgrind --callgrind-out-file="$dir/cg.out" --toggle-collect="$FUNCTION" \
        "$bin" serve --database-url "sqlite://$dir/leadscore.db" --listen "127.0.0.1:$PORT" \
        >"$dir/server.log" 2>&1 &
    vpid=$!
    for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/health" >/dev/null && break; sleep 0.5; done
    python3 - "$EVENTS" "$USERS" "$here" "${BATCH:-0}" >"$dir/bodies" <<'PY'
import random, sys
n, users, here, batch = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
sys.path.insert(0, here)
from fixed_rate import EVENTS  # the events the load scripts send
random.seed(7)
events = ['{"userId":"u%d","messageId":"wi-%d",%s}'
          % (random.randrange(users), i, random.choice(EVENTS)) for i in range(n)]
if batch:
    for i in range(0, n, batch):
        print('{"batch":[' + ",".join('{"type":"track",' + e[1:] for e in events[i:i + batch]) + ']}')
else:
    print("\n".join(events))
PY
    path=/v1/track
    [[ -z "$BATCH" ]] || path=/v1/batch
    while read -r body; do
        curl -s -o /dev/null -u wk: -H 'Content-Type: application/json' -d "$body" \
            "http://127.0.0.1:$PORT$path"
    done <"$dir/bodies"
    # A read writes whatever is still pending before it answers.
    curl -s -o /dev/null -u ak: "http://127.0.0.1:$PORT/api/leads?limit=1"
    callgrind_control -d "$vpid" >/dev/null 2>&1
    sleep 3
    kill -9 "$vpid" 2>/dev/null || true
    wait "$vpid" 2>/dev/null || true
    python3 - "$bin" "$dir" "$FUNCTION" "$EVENTS" <<'PY'
import glob, re, sys
bin_, d, pattern, events = sys.argv[1], sys.argv[2], sys.argv[3].strip('*'), int(sys.argv[4])
names, calls, total = {}, 0, 0
for path in glob.glob(d + '/cg.out.*'):
    lines = open(path).read().split('\n')
    for i, line in enumerate(lines):
        m = re.match(r'c?fn=\((\d+)\)(?: (.*))?', line)
        if m and m.group(2):
            names[m.group(1)] = m.group(2)
        if line.startswith('cfn=') and names.get(m.group(1), '').endswith(pattern):
            c = re.match(r'calls=(\d+)', lines[i + 1])
            calls += int(c.group(1)) if c else 0
        if line.startswith('totals:'):
            total += int(line.split()[1])
print(f"{bin_}: {total:,} instructions in {pattern}, {calls:,} calls, {total / max(calls, 1):,.0f} per call, "
      f"{total / events:,.0f} per event")
PY
    if [[ -n "$ANNOTATE" ]]; then
        for out in "$dir"/cg.out.*; do
            callgrind_annotate --inclusive=yes "$out" 2>/dev/null
        done | python3 -c '
import re, sys
n, seen = int(sys.argv[1]), set()
for line in sys.stdin:
    m = re.match(r"\s*[\d,]+ \(\s*([\d.]+)%\)\s+\S*?:(.+?)(?: \[.*\])?$", line)
    if not m or float(m.group(1)) >= 99.0:
        continue
    name = re.sub(r"^.*?([^ ]*::)?([^:]+::[^:]+)$", r"\2", m.group(2))
    if name in seen:
        continue
    seen.add(name)
    print(f"  {float(m.group(1)):5.1f}%  {name}")
    if len(seen) == n:
        break' "$ANNOTATE"
    fi
    rm -rf "$dir"
done
