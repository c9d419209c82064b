"""How much the data set README's reference figures depend on preprocessing
choices the README does not state: LightGBM and HistGradientBoosting (their
defaults, native categories) on the fixed hold-out split, for every
combination of three choices: the `Lead Number` column (a sequential
number given as leads arrive) kept as a feature or dropped; categories
lower-cased (`Google` / `google`) or not; the form's default answer
`Select` kept as a category or read as missing.

    /tmp/leadscore-sklearn/bin/python bench/xeducation/reference_preprocessing.py ../shared/datasets/x-education

Prints one line per variant and combination: the two hold-out ROC AUCs.
"""
import itertools
import os
import sys

os.environ.setdefault("OMP_NUM_THREADS", "1")

import lightgbm as lgb
import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score

from sklearn_reference import LEAKY, MILD


def columns(df, variant, lead_number, lower, select_missing):
    drop = ["Prospect ID", "Converted"] + ([] if lead_number else ["Lead Number"])
    drop += LEAKY if variant >= 2 else []
    drop += MILD if variant >= 3 else []
    x = df.drop(columns=drop).copy()
    for c in [c for c in x.columns if x[c].dtype.kind not in "if"]:
        s = x[c].replace("Select", np.nan) if select_missing else x[c]
        x[c] = (s.str.lower() if lower else s).astype("category")
    return x


def main():
    data_dir = sys.argv[1]
    df = pd.read_csv(os.path.join(data_dir, "leads.csv"))
    test_ids = set(pd.read_csv(os.path.join(data_dir, "test-ids.csv"))["Prospect ID"])
    test = df["Prospect ID"].isin(test_ids).to_numpy()
    y = df["Converted"].to_numpy()
    for variant in [1, 2, 3]:
        for choice in itertools.product([False, True], repeat=3):
            x = columns(df, variant, *choice)
            lgbm = lgb.LGBMClassifier(random_state=42, verbose=-1, n_jobs=1)
            hist = HistGradientBoostingClassifier(categorical_features="from_dtype", random_state=42)
            aucs = []
            for m in [lgbm, hist]:
                m.fit(x[~test], y[~test])
                aucs.append(roc_auc_score(y[test], m.predict_proba(x[test])[:, 1]))
            names = ["lead_number", "lower", "select_missing"]
            chosen = ",".join(n for n, c in zip(names, choice) if c) or "-"
            print(f"variant {variant} {chosen:34} lightgbm {aucs[0]:.4f} hist_gbt {aucs[1]:.4f}", flush=True)


if __name__ == "__main__":
    main()
