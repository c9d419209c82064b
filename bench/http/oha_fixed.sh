#!/usr/bin/env bash
# Fixed-rate (open-loop) load for POST /v1/track with oha, a compiled load
# generator (`cargo install oha --locked`), beside bench/http/fixed_rate.py:
# at 5,000 requests/s on two shared cores the Python generator may itself
# add to the latency tail it measures.
#
#   bench/http/oha_fixed.sh URL WRITE_KEY RATE DURATION_S CONNECTIONS PREFIX [USERS]
#
# oha sends each request at its due time (-q RATE) and, with
# --latency-correction, measures latency from that due time, so queueing
# counts as with fixed_rate.py. Bodies come from a file of one event per line
# (-Z), from which oha picks a line at random for each request: the file
# holds 50 lines per request sent so that about 1% of requests repeat a
# messageId (stored once, answered as a duplicate; the server's counters
# show how many). With MESSAGE_IDS=uuid the ids are random UUIDs, as real
# client libraries send them (see events.lua). Prints oha's report and the
# RESULT line bench/http/lib.sh reads.
set -euo pipefail
(($# >= 6)) || { echo "usage: $0 URL WRITE_KEY RATE DURATION_S CONNECTIONS PREFIX [USERS]" >&2; exit 2; }
url="$1" key="$2" rate="$3" duration="$4" connections="$5" prefix="$6" users="${7:-100000}"
command -v oha >/dev/null || { echo "oha is not installed (cargo install oha --locked)" >&2; exit 1; }
bodies="$(mktemp /tmp/oha-bodies.XXXXXX)"
json="$(mktemp /tmp/oha-result.XXXXXX)"
trap 'rm -f "$bodies" "$json"' EXIT
python3 - "$bodies" "$prefix" "$users" "$((${rate%.*} * ${duration%.*} * 50))" "$(dirname "$0")" <<'PY'
import os, random, sys, uuid
path, prefix, users, n, here = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
sys.path.insert(0, here)
from fixed_rate import EVENTS  # the same events as the Python generator sends
uuids = os.environ.get("MESSAGE_IDS") == "uuid"
with open(path, "w") as f:
    for i in range(n):
        message = uuid.uuid4() if uuids else f"{prefix}-{i}"
        f.write(f'{{"userId":"u{random.randrange(users)}","messageId":"{message}",{random.choice(EVENTS)}}}\n')
PY
oha --no-tui --output-format json -o "$json" -q "$rate" --latency-correction -z "${duration}s" \
    -c "$connections" -m POST -T application/json -a "$key:" -Z "$bodies" "$url" >/dev/null
python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, p = r["summary"], r["latencyPercentiles"]
codes = r.get("statusCodeDistribution", {})
non2xx = sum(v for k, v in codes.items() if not k.startswith("2"))
# Requests still in flight when the duration ends are cut off, not failed.
errors = sum(v for k, v in r.get("errorDistribution", {}).items() if "deadline" not in k)
ms = lambda v: (v or 0) * 1000
n = sum(codes.values())
print(f"oha: {n} answers in {s['total']:.2f} s ({s['requestsPerSec']:.0f} req/s), status {codes}, errors {r.get('errorDistribution', {})}")
print(f"latency from due time: p50 {ms(p['p50']):.2f} ms, p95 {ms(p['p95']):.2f}, p99 {ms(p['p99']):.2f}, p99.9 {ms(p['p99.9']):.2f}, max {ms(s['slowest']):.2f}")
print(f"RESULT requests={n} duration_s={s['total']:.3f} rps={n / s['total']:.1f} p50_ms={ms(p['p50']):.3f} "
      f"p95_ms={ms(p['p95']):.3f} p99_ms={ms(p['p99']):.3f} p999_ms={ms(p['p99.9']):.3f} "
      f"max_ms={ms(s['slowest']):.3f} non2xx={non2xx} socket_errors={errors}")
PY
