#!/usr/bin/env bash
# Full rescoring, leadscore against DuckDB, on the same generated data.
#
#   bench/rescore.sh                 # 1,000,000 leads, 20 events per lead
#   LEADS=100000 bench/rescore.sh    # smaller
#   BASELINE=/tmp/old/leadscore bench/rescore.sh
#                                    # also times another build (say, of an
#                                    # earlier commit) on the same data,
#                                    # right after this one
#
# Builds leadscore (release), runs `leadscore bench`, which generates the
# data, times leadscore's rescoring on 1 thread and on all threads and
# exports the data and leadscore's scores to bench/out; then runs the same
# model as SQL in DuckDB on that data (bench/duckdb/run.py), checks that the
# scores agree, and prints both times and their ratio. Python packages go to
# a virtual environment in bench/.venv (created on first use).
#
# Exits non-zero if anything fails or the scores differ.
set -euo pipefail

bench_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$bench_dir")"
out="$bench_dir/out"
venv="$bench_dir/.venv"
leads="${LEADS:-1000000}"
events_per_lead=20

cd "$root"
mkdir -p "$out"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$bench_dir/requirements.txt"

cargo build --release -p leadscore

echo "== leadscore: $leads leads, $events_per_lead events per lead"
cargo run --release --quiet -p leadscore -- bench \
    --leads "$leads" --events-per-lead "$events_per_lead" --export "$out" |
    tee "$out/leadscore.txt"

if [[ -n "${BASELINE:-}" ]]; then
    echo "== baseline: $BASELINE"
    "$BASELINE" bench --leads "$leads" --events-per-lead "$events_per_lead" |
        tee "$out/baseline.txt"
fi

echo "== duckdb"
status=0
"$venv/bin/python" "$bench_dir/duckdb/run.py" "$out" | tee "$out/duckdb.txt" || status=$?

# The reports have lines "1 thread   <seconds> s ..." and "<n> threads   <seconds> s ...".
baseline_report="$out/baseline.txt"
[[ -n "${BASELINE:-}" ]] || baseline_report=/dev/null
awk '
    FILENAME == ARGV[1] && $1 == "1" && $2 == "thread"  { ls1 = $3 }
    FILENAME == ARGV[1] && $2 == "threads"              { lsn = $3; n = $1 }
    FILENAME == ARGV[2] && $1 == "1" && $2 == "thread"  { dd1 = $3 }
    FILENAME == ARGV[2] && $2 == "threads"              { ddn = $3 }
    FILENAME == ARGV[2] && $1 == "result"               { result = $2 }
    FILENAME == ARGV[3] && $1 == "1" && $2 == "thread"  { bl1 = $3 }
    FILENAME == ARGV[3] && $2 == "threads"              { bln = $3 }
    END {
        if (ls1 == "" || lsn == "" || dd1 == "" || ddn == "") {
            print "summary: could not read the times from the reports" > "/dev/stderr"
            exit 1
        }
        print "== summary (seconds; ratio = duckdb / leadscore, above 1 means leadscore is faster)"
        printf "%-12s %12s %12s %8s", "", "leadscore", "duckdb", "ratio"
        if (bl1 != "") printf " %12s %8s", "baseline", "speed-up"
        printf "\n"
        printf "%-12s %12.3f %12.3f %7.2fx", "1 thread", ls1, dd1, dd1 / ls1
        if (bl1 != "") printf " %12.3f %7.2fx", bl1, bl1 / ls1
        printf "\n"
        printf "%-12s %12.3f %12.3f %7.2fx", n " threads", lsn, ddn, ddn / lsn
        if (bln != "") printf " %12.3f %7.2fx", bln, bln / lsn
        printf "\n"
        printf "%-12s %s\n", "scores", result
    }
' "$out/leadscore.txt" "$out/duckdb.txt" "$baseline_report"

exit "$status"
