"""Detection: can a classifier tell synthetic rows from real ones? (a classifier two-sample test)

A gradient-boosting classifier (scikit-learn ``HistGradientBoostingClassifier``, categorical
columns handled natively) is trained to tell real rows (label 0) from synthetic rows
(label 1) on balanced, seeded samples of both tables, and its ROC AUC is cross-validated
(stratified folds). 0.5: the classifier cannot tell them apart; 1: every synthetic row is
given away. It sees the joint law, which sdmetrics' column shapes and pair trends do not
(rows whose columns are drawn independently of each other score well on shapes).

Which columns give the rows away, two ways, both measured on the held-out folds:

* ``importance``: how much the held-out AUC drops when that column alone is shuffled
  among the held-out rows (permutation importance). A column the classifier relies on,
  through its marginal or through its relations with other columns.
* ``marginal_auc``: the AUC of that column alone, scored by the share of synthetic rows in
  its category (or quantile bin, for a number) among the training folds. Near 0.5 with a
  high importance: the column's own law is right, its relations with others are not.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from ..errors import InvalidParameterError
from . import _validation as v
from ._downstream import as_categorical, is_numeric

__all__ = ["detection"]

_MAX_NATIVE_CATEGORIES = 255  # HistGradientBoosting's limit for native categorical columns
_MARGINAL_BINS = 20


def _encode(real: pd.DataFrame, synth: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, list]:
    """(X, categorical mask, columns): numerics as floats (NaN kept), other columns as
    ordinal codes over both tables' values (NaN kept: a category of its own for the model)."""
    columns = list(real.columns)
    both = pd.concat([real[columns], synth[columns]], ignore_index=True)
    x = np.empty((len(both), len(columns)), dtype=np.float64)
    categorical = np.zeros(len(columns), dtype=bool)
    for j, c in enumerate(columns):
        if is_numeric(real[c]):
            x[:, j] = pd.to_numeric(both[c], errors="coerce").to_numpy(dtype=np.float64)
            continue
        codes, uniques = pd.factorize(as_categorical(both[c]), sort=True)
        x[:, j] = np.where(codes < 0, np.nan, codes)
        categorical[j] = len(uniques) <= _MAX_NATIVE_CATEGORIES
    return x, categorical, columns


def _bins(col: np.ndarray, categorical: bool) -> np.ndarray:
    """Integer bin of each value: the category, or a quantile bin; NaN gets a bin of its own."""
    missing = np.isnan(col)
    if categorical:
        out = np.where(missing, -1, col).astype(np.int64) + 1
        return out
    present = col[~missing]
    if not len(present):
        return np.zeros(len(col), dtype=np.int64)
    edges = np.unique(np.quantile(present, np.linspace(0, 1, _MARGINAL_BINS + 1)[1:-1]))
    out = np.searchsorted(edges, np.where(missing, 0.0, col), side="right") + 1
    return np.where(missing, 0, out).astype(np.int64)


def _marginal_auc(bins: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray) -> float:
    k = int(bins.max()) + 1
    syn = np.bincount(bins[train], weights=y[train], minlength=k)
    tot = np.bincount(bins[train], minlength=k)
    share = (syn + 1.0) / (tot + 2.0)  # share of synthetic rows per bin, smoothed
    return float(roc_auc_score(y[test], share[bins[test]]))


def detection(
    synthetic: pd.DataFrame,
    real: pd.DataFrame,
    *,
    max_rows: int = 15_000,
    folds: int = 3,
    importance: bool = True,
    random_state: int = 0,
) -> dict[str, Any]:
    """Cross-validated ROC AUC of a GBM telling ``synthetic`` rows from ``real`` ones.

    ``n = min(len(real), len(synthetic), max_rows)`` rows of each table are drawn without
    replacement (seed ``random_state``), so the classes are balanced; ``folds``-fold
    stratified cross-validation, the same seed for the folds and the classifier.

    Returns ``{"auc", "auc_std", "fold_aucs", "n_real", "n_synthetic", "columns"}`` where
    ``columns`` lists ``{"column", "importance", "marginal_auc"}`` per column, the largest
    importance first (module docstring; importance is None with ``importance=False``).
    """
    v.check_table(synthetic, "the synthetic table")
    v.check_table(real, "the real table")
    v.check_has_columns(synthetic, list(real.columns), "the synthetic table")
    v.check_positive_int(max_rows, "max_rows", allow_none=False)
    if isinstance(folds, bool) or not isinstance(folds, int | np.integer) or folds < 2:
        raise InvalidParameterError(f"folds must be an integer >= 2, got {folds!r}")
    n = min(len(real), len(synthetic), int(max_rows))
    if n < folds:
        raise InvalidParameterError(
            f"detection needs at least {folds} rows in each table (folds={folds}); got {n}"
        )
    rng = np.random.default_rng(random_state)
    real_rows = real.iloc[np.sort(rng.choice(len(real), size=n, replace=False))]
    syn_rows = synthetic.iloc[np.sort(rng.choice(len(synthetic), size=n, replace=False))]
    x, categorical, columns = _encode(real_rows, syn_rows)
    y = np.r_[np.zeros(n), np.ones(n)]
    bins = [_bins(x[:, j], categorical[j]) for j in range(len(columns))]

    split = StratifiedKFold(n_splits=int(folds), shuffle=True, random_state=random_state)
    aucs: list[float] = []
    drops = np.zeros(len(columns))
    marginal = np.zeros(len(columns))
    for train, test in split.split(x, y):
        clf = HistGradientBoostingClassifier(
            categorical_features=categorical if categorical.any() else None,
            random_state=random_state,
        ).fit(x[train], y[train])
        xt = x[test]
        auc = float(roc_auc_score(y[test], clf.predict_proba(xt)[:, 1]))
        aucs.append(auc)
        for j in range(len(columns)):
            marginal[j] += _marginal_auc(bins[j], y, train, test) / folds
            if importance:
                shuffled = xt.copy()
                shuffled[:, j] = rng.permutation(shuffled[:, j])
                drops[j] += (
                    auc - roc_auc_score(y[test], clf.predict_proba(shuffled)[:, 1])
                ) / folds
    per_column = [
        {
            "column": c,
            "importance": float(drops[j]) if importance else None,
            "marginal_auc": float(marginal[j]),
        }
        for j, c in enumerate(columns)
    ]
    key = "importance" if importance else "marginal_auc"
    per_column.sort(key=lambda r: -r[key])
    return {
        "auc": float(np.mean(aucs)),
        "auc_std": float(np.std(aucs)),
        "fold_aucs": aucs,
        "n_real": n,
        "n_synthetic": n,
        "columns": per_column,
    }
