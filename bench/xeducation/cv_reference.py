"""LightGBM and scikit-learn's HistGradientBoosting cross-validated on the
very folds `xeducation_fit` dealt (its `FOLDS_OUT` file), so their mean ROC
AUC on the training rows compares with ours fold for fold; the hold-out rows
are not used.

    CV=5 CV_SEED=7 FOLDS_OUT=/tmp/folds.csv target/release/examples/xeducation_fit 2 gbt 0
    python3 bench/xeducation/cv_reference.py DATA_DIR 2 /tmp/folds.csv
    python3 bench/xeducation/cv_reference.py DATA_DIR 2   # the fixed hold-out split instead
    PREDICTIONS_OUT=/tmp/ours.csv target/release/examples/xeducation_fit 2 gbt 1
    OURS=/tmp/ours.csv python3 bench/xeducation/cv_reference.py DATA_DIR 2   # paired

Without a folds file, both are fitted on the training rows and scored on
the hold-out rows, to check that this set-up reproduces the README's
reference figures. Run it with the Python of run.sh's virtual environment
(`/tmp/leadscore-sklearn/bin/python`, which run.sh gives scikit-learn,
pandas and lightgbm).

LightGBM runs with its defaults (100 rounds, 31 leaves, learning rate 0.1),
the categorical columns as pandas categories, as the data set's README
reference presumably did; HistGradientBoosting as in sklearn_reference.py.
Prints one JSON line per model: variant, model, cv_roc_auc.

With `OURS=FILE` (the example's `PREDICTIONS_OUT`, hold-out mode only) it
also prints, per reference model, ours minus its hold-out ROC AUC with a
95% interval from a paired bootstrap (the same resampled rows for both
models, 2,000 resamples, fixed seed), and the interval of our AUC alone:
how much of a difference on 1,848 rows is the choice of rows.
"""
import json
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score

from sklearn_reference import features, hist_gbt


def main():
    data_dir, variant = sys.argv[1], int(sys.argv[2])
    df = pd.read_csv(os.path.join(data_dir, "leads.csv"))
    if len(sys.argv) > 3:
        folds = pd.read_csv(sys.argv[3]).set_index("id")["fold"]
        df = df[df["Prospect ID"].isin(folds.index)].reset_index(drop=True)
        fold = folds.loc[df["Prospect ID"]].to_numpy()
        metric = "cv_roc_auc"
    else:
        # "Fold" 0 is the training rows, 1 the hold-out; only 1 is scored.
        test_ids = set(pd.read_csv(os.path.join(data_dir, "test-ids.csv"))["Prospect ID"])
        fold = df["Prospect ID"].isin(test_ids).to_numpy().astype(int)
        metric = "holdout_roc_auc"
    x, y, numeric, categorical = features(df, variant)
    xl = x.copy()
    for c in categorical:
        xl[c] = xl[c].astype("category")

    ours = None
    if metric == "holdout_roc_auc" and os.environ.get("OURS"):
        ours = pd.read_csv(os.environ["OURS"]).set_index("id")["probability"]
        ours = ours.loc[df["Prospect ID"][fold == 1]].to_numpy()
    k = int(fold.max()) + 1
    for name in ["lightgbm", "hist_gbt"]:
        aucs = []
        for f in range(k) if metric == "cv_roc_auc" else [1]:
            fit, check = fold != f, fold == f
            if name == "lightgbm":
                m = lgb.LGBMClassifier(random_state=42, verbose=-1, n_jobs=1)
                m.fit(xl[fit], y[fit])
                p = m.predict_proba(xl[check])[:, 1]
            else:
                m = hist_gbt(numeric, categorical)
                m.fit(x[fit], y[fit])
                p = m.predict_proba(x[check])[:, 1]
            aucs.append(roc_auc_score(y[check], p))
        print(json.dumps({"variant": variant, "model": name,
                          metric: round(float(np.mean(aucs)), 4)}))
        if ours is not None:
            paired(ours, y[check], p, name, variant)


def paired(ours, y, theirs, name, variant, resamples=2000):
    y = np.asarray(y)
    rng = np.random.default_rng(42)
    diffs, alone = [], []
    for _ in range(resamples):
        rows = rng.integers(0, len(y), len(y))
        if y[rows].min() == y[rows].max():
            continue
        a = roc_auc_score(y[rows], ours[rows])
        diffs.append(a - roc_auc_score(y[rows], theirs[rows]))
        alone.append(a)
    lo, hi = np.percentile(diffs, [2.5, 97.5])
    alo, ahi = np.percentile(alone, [2.5, 97.5])
    print(json.dumps({
        "variant": variant, "ours_minus": name,
        "holdout_difference": round(roc_auc_score(y, ours) - roc_auc_score(y, theirs), 4),
        "interval_95": [round(float(lo), 4), round(float(hi), 4)],
        "ours_holdout_roc_auc": round(roc_auc_score(y, ours), 4),
        "ours_interval_95": [round(float(alo), 4), round(float(ahi), 4)],
    }))


if __name__ == "__main__":
    main()
