"""scikit-learn on the X Education hold-out split, timed the same way as
`leadscore train` (the fit alone, single-threaded), for the side-by-side
figures in docs/benchmarks.md.

    python3 bench/xeducation/sklearn_reference.py DATA_DIR VARIANT   # 1, 2 or 3

Prints one JSON line per model: variant, model, roc_auc, log_loss, top_20, fit_ms.
"""
import json
import os
import sys
import time

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import log_loss, roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

LEAKY = ["Tags", "Lead Quality", "Lead Profile", "Last Notable Activity"]
MILD = ["Last Activity", "Asymmetrique Activity Index", "Asymmetrique Profile Index",
        "Asymmetrique Activity Score", "Asymmetrique Profile Score"]


def top_share(y, p, share):
    k = int(round(len(y) * share))
    order = np.argsort(-p, kind="stable")
    return y[order[:k]].sum() / y.sum()


def features(df, variant):
    """The variant's feature columns (categories lower-cased, missing as a
    category of its own), the outcomes, and the numeric and categorical
    column names."""
    drop = ["Prospect ID", "Lead Number", "Converted"]
    if variant >= 2:
        drop += LEAKY
    if variant >= 3:
        drop += MILD
    x = df.drop(columns=drop)
    y = df["Converted"].to_numpy()
    numeric = [c for c in x.columns if x[c].dtype.kind in "if"]
    categorical = [c for c in x.columns if c not in numeric]
    x[categorical] = x[categorical].fillna("(missing)").apply(lambda s: s.str.lower())
    return x, y, numeric, categorical


def hist_gbt(numeric, categorical):
    """HistGradientBoosting with native categories, defaults otherwise."""
    return make_pipeline(
        ColumnTransformer([
            ("num", "passthrough", numeric),
            ("cat", OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1,
                                   encoded_missing_value=-2), categorical),
        ]),
        HistGradientBoostingClassifier(
            categorical_features=list(range(len(numeric), len(numeric) + len(categorical))),
            random_state=42),
    )


def main():
    data_dir, variant = sys.argv[1], int(sys.argv[2])
    df = pd.read_csv(os.path.join(data_dir, "leads.csv"))
    test_ids = set(pd.read_csv(os.path.join(data_dir, "test-ids.csv"))["Prospect ID"])
    x, y, numeric, categorical = features(df, variant)
    test = df["Prospect ID"].isin(test_ids).to_numpy()

    models = {
        "logistic": make_pipeline(
            ColumnTransformer([
                ("num", make_pipeline(SimpleImputer(add_indicator=True), StandardScaler()), numeric),
                ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
            ]),
            LogisticRegression(max_iter=1000),
        ),
        "hist_gbt": hist_gbt(numeric, categorical),
    }
    for name, model in models.items():
        start = time.perf_counter()
        model.fit(x[~test], y[~test])
        fit_ms = (time.perf_counter() - start) * 1000
        p = model.predict_proba(x[test])[:, 1]
        print(json.dumps({
            "variant": variant, "model": name,
            "roc_auc": round(roc_auc_score(y[test], p), 4),
            "log_loss": round(log_loss(y[test], p), 4),
            "top_20": round(top_share(y[test], p, 0.2), 3),
            "fit_ms": round(fit_ms, 1),
        }))


if __name__ == "__main__":
    main()
