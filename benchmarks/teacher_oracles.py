"""Candidates for FairPTGAN's fairness constraint, built on the *real* Adult rows.

    python benchmarks/teacher_oracles.py

Each candidate relabels the real training rows; logistic regression is trained on them and
tested on adult_test.csv (AUC against the true labels, fairlearn statistical parity by sex
at threshold 0.5), with and without the sex column among the features. This isolates the
labelling rule from the generator: a candidate that is not fair here cannot be fair on
generated rows. Writes benchmarks/results/teacher_oracles.csv.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from fairlearn.metrics import demographic_parity_difference
from fairlearn.reductions import DemographicParity, ExponentiatedGradient
from scipy.optimize import brentq
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from fairsynth import datasets

ROOT = Path(__file__).resolve().parent.parent


def _classifier(train: pd.DataFrame, columns: list[str]):
    cats = [c for c in columns if not pd.api.types.is_numeric_dtype(train[c])]
    nums = [c for c in columns if c not in cats]
    encode = ColumnTransformer(
        [
            ("cat", OneHotEncoder(handle_unknown="ignore", sparse_output=False), cats),
            ("num", StandardScaler(), nums),
        ]
    )
    return make_pipeline(encode, LogisticRegression(max_iter=1000))


def main() -> None:
    warnings.filterwarnings("ignore")
    train, test = datasets.load("adult"), datasets.load("adult_test")
    y = (train["income"].astype(str) == ">50K").to_numpy().astype(int)
    y_test = (test["income"].astype(str) == ">50K").to_numpy().astype(int)
    sex = train["sex"].astype(str).to_numpy()
    features = [c for c in train.columns if c != "income"]
    no_sex = [c for c in features if c != "sex"]
    rng = np.random.default_rng(0)

    def downstream(labels: np.ndarray, columns: list[str]) -> tuple[float, float]:
        model = _classifier(train, columns).fit(train[columns], labels)
        p = model.predict_proba(test[columns])[:, 1]
        sp = demographic_parity_difference(
            y_test, (p > 0.5).astype(int), sensitive_features=test["sex"]
        )
        return roc_auc_score(y_test, p), sp

    # The calibrated teacher's score: every column but the target and the group.
    scorer = _classifier(train, no_sex).fit(train[no_sex], y)
    logit = scorer.decision_function(train[no_sex])
    rate = y.mean()

    def calibrated() -> np.ndarray:
        labels = np.zeros(len(y), dtype=int)
        for g in np.unique(sex):
            rows = sex == g
            offset = brentq(
                lambda o, r=rows: np.mean(1 / (1 + np.exp(-logit[r] - o))) - rate, -30, 30
            )
            labels[rows] = rng.random(rows.sum()) < 1 / (1 + np.exp(-logit[rows] - offset))
        return labels

    def exponentiated_gradient(bound: float) -> np.ndarray:
        prep = _classifier(train, no_sex)[0].fit(train[no_sex])
        x = prep.transform(train[no_sex])
        eg = ExponentiatedGradient(
            LogisticRegression(max_iter=1000), DemographicParity(difference_bound=bound)
        )
        eg.fit(x, y, sensitive_features=sex)
        return eg.predict(x, random_state=0).astype(int)

    def label_independent_of_sex() -> np.ndarray:
        # each group's labels resampled (within group) to the overall rate
        labels = y.copy()
        for g in np.unique(sex):
            rows = np.flatnonzero(sex == g)
            k = int(round(rate * len(rows)))
            order = rows[np.argsort(-logit[rows] - rng.gumbel(size=len(rows)))]
            labels[rows] = 0
            labels[order[:k]] = 1
        return labels

    candidates = {
        "real labels": y,
        "ExponentiatedGradient teacher, bound 0.01": exponentiated_gradient(0.01),
        "ExponentiatedGradient teacher, bound 0.003": exponentiated_gradient(0.003),
        "calibrated teacher (group offsets)": calibrated(),
        "label ⟂ sex by score-ranked resampling": label_independent_of_sex(),
    }
    rows = []
    for name, labels in candidates.items():
        auc, sp = downstream(labels, features)
        auc_u, sp_u = downstream(labels, no_sex)
        gap = labels[sex == "Male"].mean() - labels[sex == "Female"].mean()
        rows.append(
            {
                "labels": name,
                "auc": auc,
                "sp": sp,
                "auc_unaware": auc_u,
                "sp_unaware": sp_u,
                "table_gap": gap,
            }
        )
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows).round(3)
    out = ROOT / "benchmarks" / "results" / "teacher_oracles.csv"
    table.to_csv(out, index=False)
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
