#!/usr/bin/env bash
# X Education on the fixed hold-out split: `leadscore train` (logistic
# regression and boosted trees) beside scikit-learn, in one run on one
# machine, for the three variants of the data set's README.
#
#   bench/xeducation/run.sh                    # builds leadscore (release)
#   LEADSCORE_BIN=target/release/leadscore bench/xeducation/run.sh
#   ROUNDS=3 nice -n 10 bench/xeducation/run.sh   # repeat, alternating the tools
#
# Needs python3; scikit-learn and pandas are installed into a virtual
# environment under $VENV (default /tmp/leadscore-sklearn) on first use.
set -euo pipefail
cd "$(dirname "$0")/../.."

DATA="${DATA:-../shared/datasets/x-education}"
VENV="${VENV:-/tmp/leadscore-sklearn}"
if [[ -z "${LEADSCORE_BIN:-}" ]]; then
    cargo build --release -p leadscore >&2
    LEADSCORE_BIN=target/release/leadscore
fi
if [[ ! -x "$VENV/bin/python" ]]; then
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install -q scikit-learn pandas lightgbm
fi

leaky=(--exclude Tags --exclude "Lead Quality" --exclude "Lead Profile" --exclude "Last Notable Activity")
mild=(--exclude "Last Activity" --exclude "Asymmetrique Activity Index" --exclude "Asymmetrique Profile Index"
      --exclude "Asymmetrique Activity Score" --exclude "Asymmetrique Profile Score")

echo "variant | model | ROC AUC | log loss | top 20% | fit ms"
for round in $(seq "${ROUNDS:-1}"); do
for variant in 1 2 3; do
    excludes=(--exclude "Lead Number")
    [[ $variant -ge 2 ]] && excludes+=("${leaky[@]}")
    [[ $variant -ge 3 ]] && excludes+=("${mild[@]}")
    for kind in logistic gbt; do
        "$LEADSCORE_BIN" train --data "$DATA/leads.csv" --outcome Converted --id "Prospect ID" \
            --not-answered Select --test-ids "$DATA/test-ids.csv" "${excludes[@]}" \
            --kind "$kind" ${TRAIN_ARGS:-} --json |
            python3 -c "import json,sys; r=json.load(sys.stdin); h=r['holdout']; print(f\"$variant | leadscore $kind | {h['roc_auc']:.4f} | {h['log_loss']:.4f} | {h['top_20']:.3f} | {r['fit_ms']:.0f}\")"
    done
    "$VENV/bin/python" bench/xeducation/sklearn_reference.py "$DATA" "$variant" |
        python3 -c "import json,sys
for line in sys.stdin:
    r=json.loads(line); print(f\"{r['variant']} | scikit-learn {r['model']} | {r['roc_auc']:.4f} | {r['log_loss']:.4f} | {r['top_20']:.3f} | {r['fit_ms']:.0f}\")"
done
done
