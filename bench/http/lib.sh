# Shared helpers of bench/http/*.sh; sourced, not run.
#
# Environment:
#   LEADSCORE_BIN     use this binary instead of building one
#   LEADSCORE_REV     build this commit (via git archive) instead of the work tree
#   CARGO_TARGET_DIR  where to build (default /tmp/target-bench)
#   OUT_DIR           raw outputs (default /tmp/bench-results)
#   PG_URL            PostgreSQL server, no database (default postgres://postgres@127.0.0.1:5432)
#   PG_ADMIN_DB       database to connect to for CREATE/DROP DATABASE (default test)

bench_http_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$bench_http_dir/../.." && pwd)"
OUT_DIR="${OUT_DIR:-/tmp/bench-results}"
PG_URL="${PG_URL:-postgres://postgres@127.0.0.1:5432}"
PG_ADMIN_DB="${PG_ADMIN_DB:-test}"
ADMIN_KEY="${ADMIN_KEY:-bench-admin-$RANDOM$RANDOM}"
WRITE_KEY="${WRITE_KEY:-bench-write-$RANDOM$RANDOM}"
mkdir -p "$OUT_DIR"

_server_pids=()
_temp_dirs=()
_pg_dbs=()

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "FATAL: $*"; exit 1; }

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || die "$tool is not installed (apt-get install -y $tool)"
    done
}

cleanup() {
    local status=$? pid d db
    for pid in "${_server_pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${_server_pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
    for db in "${_pg_dbs[@]}"; do
        psql "$PG_URL/$PG_ADMIN_DB" -qc "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 ||
            log "could not drop database $db"
    done
    for d in "${_temp_dirs[@]}"; do
        rm -rf "$d"
    done
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Sets LEADSCORE_BIN and BIN_SOURCE (what the binary was built from):
#   LEADSCORE_BIN=path   use that binary as it is;
#   LEADSCORE_REV=rev    build that commit, exported with `git archive` to
#                        /tmp/leadscore-src-<commit> (the work tree is not touched);
#   neither              build the work tree as it is.
resolve_binary() {
    local rev src
    export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/tmp/target-bench}"
    if [[ -n "${LEADSCORE_BIN:-}" ]]; then
        [[ -x "$LEADSCORE_BIN" ]] || die "LEADSCORE_BIN=$LEADSCORE_BIN is not executable"
        BIN_SOURCE="given binary, built $(date -r "$LEADSCORE_BIN" -Is); the repository is now at $(git -C "$repo_root" rev-parse --short HEAD)"
    elif [[ -n "${LEADSCORE_REV:-}" ]]; then
        rev="$(git -C "$repo_root" rev-parse --short "$LEADSCORE_REV^{commit}")"
        src="/tmp/leadscore-src-$rev"
        if [[ ! -f "$src/Cargo.toml" ]]; then
            mkdir -p "$src"
            git -C "$repo_root" archive "$rev" | tar -x -C "$src"
        fi
        log "building leadscore (release) from commit $rev in $src"
        (cd "$src" && cargo build --release --quiet -p leadscore)
        LEADSCORE_BIN="$CARGO_TARGET_DIR/release/leadscore"
        BIN_SOURCE="commit $rev ($(git -C "$repo_root" log -1 --format=%s "$rev"))"
    else
        log "building leadscore (release) from the work tree"
        (cd "$repo_root" && cargo build --release --quiet -p leadscore)
        LEADSCORE_BIN="$CARGO_TARGET_DIR/release/leadscore"
        BIN_SOURCE="work tree at $(git -C "$repo_root" rev-parse --short HEAD) with $(git -C "$repo_root" status --porcelain -- crates Cargo.toml Cargo.lock | wc -l) changed files in crates/ and Cargo.*"
    fi
    log "binary: $LEADSCORE_BIN ($("$LEADSCORE_BIN" --version)): $BIN_SOURCE"
}

# A new temporary directory in TEMP_DIR, removed on exit. (Not `$(...)`: the
# registration must happen in this shell, not in a subshell.)
new_temp_dir() {
    TEMP_DIR="$(mktemp -d /tmp/leadscore-bench.XXXXXX)"
    _temp_dirs+=("$TEMP_DIR")
}

# A fresh, empty PostgreSQL database; its URL in PG_DB_URL. Dropped on exit.
new_pg_database() {
    local name="bench_${1}_$$_$RANDOM"
    psql "$PG_URL/$PG_ADMIN_DB" -v ON_ERROR_STOP=1 -qc "CREATE DATABASE $name" >/dev/null
    _pg_dbs+=("$name")
    PG_DB_URL="$PG_URL/$name"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_server DATABASE_URL LOGFILE [TIMEOUT_S]: starts `leadscore serve` on a
# free port and waits for /health. Sets SERVER_PID, BASE_URL and
# SERVER_START_S (seconds until healthy).
start_server() {
    local url="$1" logfile="$2" timeout="${3:-120}" port i t0
    port="$(free_port)"
    t0="$(date +%s.%N)"
    LEADSCORE_ADMIN_KEY="$ADMIN_KEY" LEADSCORE_WRITE_KEY="$WRITE_KEY" RUST_LOG="${RUST_LOG:-info}" \
        "$LEADSCORE_BIN" serve --database-url "$url" --listen "127.0.0.1:$port" >"$logfile" 2>&1 &
    SERVER_PID=$!
    _server_pids+=("$SERVER_PID")
    BASE_URL="http://127.0.0.1:$port"
    for ((i = 0; i < timeout * 5; i++)); do
        if curl -fsS "$BASE_URL/health" >/dev/null 2>&1; then
            SERVER_START_S="$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')"
            log "server pid $SERVER_PID ready at $BASE_URL ($url) after $SERVER_START_S s"
            return 0
        fi
        kill -0 "$SERVER_PID" 2>/dev/null || { tail -20 "$logfile" >&2; die "server exited during start-up"; }
        sleep 0.2
    done
    tail -20 "$logfile" >&2
    die "server not healthy after $timeout s"
}

stop_server() {
    kill "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
}

# Fails loudly if the server died (e.g. during a load run).
check_alive() {
    kill -0 "$SERVER_PID" 2>/dev/null || die "server pid $SERVER_PID is gone; see its log"
}

# CPU time (user + system) of a process in clock ticks.
cpu_ticks() {
    awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# CPU time (user + system) of all processes named NAME (e.g. postgres), in
# clock ticks; processes that exit in between are not counted.
comm_ticks() {
    cat /proc/[0-9]*/stat 2>/dev/null | awk -v n="($1)" '$2 == n { t += $14 + $15 } END { print t + 0 }'
}

# Busy CPU time of the whole machine (all CPUs) in clock ticks.
sys_ticks() {
    awk '$1 == "cpu" { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat
}

# wait_quiet: the machine shares its CPUs with whatever else runs on it (builds,
# tests). Samples for 3 s; while more than QUIET_MAX cores (default 0.25) are
# busy, logs the busiest processes and waits, for at most WAIT_QUIET seconds
# (default 600), then goes on with a warning. Sets QUIET_NOTE.
wait_quiet() {
    local hz t0=$SECONDS busy a b
    hz="$(getconf CLK_TCK)"
    while :; do
        a="$(sys_ticks)"
        sleep 3
        b="$(sys_ticks)"
        busy="$(awk -v d="$((b - a))" -v hz="$hz" 'BEGIN { printf "%.2f", d / hz / 3 }')"
        if awk -v b="$busy" -v m="${QUIET_MAX:-0.25}" 'BEGIN { exit !(b <= m) }'; then
            QUIET_NOTE="machine quiet before the run ($busy cores busy)"
            return 0
        fi
        if ((SECONDS - t0 >= ${WAIT_QUIET:-600})); then
            QUIET_NOTE="WARNING: machine busy before the run ($busy cores busy by other processes); figures are disturbed"
            log "$QUIET_NOTE"
            return 0
        fi
        log "machine busy ($busy cores), waiting; busiest: $(ps -eo pcpu=,comm= --sort=-pcpu | head -3 | xargs)"
        sleep 10
    done
}

rss_mb() {
    awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}

# The process's peak resident memory so far (MB).
hwm_mb() {
    awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status"
}

# metric NAME_WITH_LABELS: one value from /metrics (0 if absent).
metric() {
    curl -fsS "$BASE_URL/metrics" | awk -v m="$1" '$1 == m { v = $2 } END { print v + 0 }'
}

# field KEY < "RESULT k=v k=v ...": one value of the RESULT line that
# bench/http/*.lua and fixed_rate.py print.
field() {
    awk -v k="$1" '$1 == "RESULT" { for (i = 2; i <= NF; i++) { split($i, kv, "="); if (kv[1] == k) print kv[2] } }'
}

# wait_job ID NAME (uses $out, $bearer and IMPORT_TIMEOUT): polls GET /api/jobs/ID until it is done or failed, or the
# timeout; prints progress. Returns 1 on timeout.
wait_job() {
    local id="$1" name="$2" t0=$SECONDS status state last=0
    while :; do
        status="$(curl -fsS -H "$bearer" "$BASE_URL/api/jobs/$id")"
        state="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["state"])' <<<"$status")"
        if [[ "$state" != running ]]; then
            echo "$status" >"$out/job-$name.json"
            log "$name: job $id $state after $((SECONDS - t0)) s: $status"
            [[ "$state" == done ]] || die "$name import $state"
            return 0
        fi
        if ((SECONDS - last >= 30)); then
            last=$SECONDS
            log "$name: $(python3 -c 'import json,sys; j=json.load(sys.stdin); print(j["done"], "of", j["total"])' <<<"$status")"
        fi
        if ((SECONDS - t0 > IMPORT_TIMEOUT)); then
            echo "$status" >"$out/job-$name.json"
            log "$name: job $id still running after $IMPORT_TIMEOUT s, going on with what is loaded"
            return 1
        fi
        check_alive
        sleep 2
    done
}

# import_file PATH FILE CONTENT_TYPE NAME: posts FILE and waits for its job.
import_file() {
    local path="$1" file="$2" type="$3" name="$4" t0=$SECONDS response job
    response="$(curl -sS -w '\n%{http_code} %{time_total}' -H "$bearer" -H "Content-Type: $type" \
        --data-binary "@$file" "$BASE_URL$path")"
    log "$name: POST $path answered $(tail -1 <<<"$response") s: $(head -1 <<<"$response")"
    job="$(head -1 <<<"$response" | python3 -c 'import json,sys; print(json.load(sys.stdin)["job"])')" ||
        die "$name: no job in the answer"
    wait_job "$job" "$name" || true
    echo "$name: $((SECONDS - t0)) s" >>"$out/import-times.txt"
}
