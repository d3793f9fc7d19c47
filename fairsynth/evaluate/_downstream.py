"""The downstream yardstick of docs/baselines.md: one-hot + standardised numerics, LR or GBM.

A classifier is trained on one table (synthetic or real) and scored on the real test table:
ROC AUC of the positive class, predictions at threshold 0.5 (``predict``), fairlearn's
demographic parity and equalized odds differences w.r.t. the sensitive column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from fairlearn.metrics import demographic_parity_difference, equalized_odds_difference
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from ..errors import InvalidDataError

_MISSING_GROUP = "(missing)"


def infer_positive(y: pd.Series, positive: Any = None) -> Any:
    """The positive label: ``positive`` if given (it must occur), else the minority label.

    Ties are broken by the label that sorts last as text, so the choice is deterministic.
    """
    values = y.dropna()
    if positive is not None:
        if not (values == positive).any():
            raise InvalidDataError(
                f"positive label {positive!r} does not occur in column {y.name!r} "
                f"(labels: {sorted(map(str, values.unique()))}); pass one of them as positive="
            )
        return positive
    counts = values.value_counts()
    rarest = counts[counts == counts.min()].index
    label = sorted(rarest, key=str)[-1]
    return label.item() if isinstance(label, np.generic) else label


def is_numeric(s: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)


def as_categorical(s: pd.Series) -> pd.Series:
    """Text labels with NaN for missing, so that one-hot sees one type per column.

    Works on positions, not labels, so a duplicated or shuffled index is harmless.
    """
    values = s.to_numpy(dtype=object, copy=True)
    mask = pd.notna(values)
    values[mask] = values[mask].astype(str)
    values[~mask] = np.nan
    return pd.Series(values, index=s.index, name=s.name, dtype=object)


@dataclass
class TestSet:
    """The real test table, prepared once and reused for every classifier and repeat.

    ``s`` holds each sensitive column's groups (missing ones as a group of their own) and
    ``keep`` the test rows whose group counts for that column's SP/EO (all rows unless
    ``groups`` restricted it); AUC always uses every row.
    """

    target: Any
    sensitive: list[Any]
    positive: Any
    features: list[Any]
    numeric: list[Any]
    categorical: list[Any]
    X: pd.DataFrame
    y: np.ndarray
    s: dict[Any, pd.Series]
    keep: dict[Any, np.ndarray]

    def features_of(self, table: pd.DataFrame) -> pd.DataFrame:
        """The feature block of any table, coerced to the test table's column types."""
        X = table[self.features].copy()
        for c in self.numeric:
            if not is_numeric(X[c]):
                X[c] = pd.to_numeric(X[c], errors="coerce")
        for c in self.categorical:
            X[c] = as_categorical(X[c])
        return X

    def labels_of(self, table: pd.DataFrame) -> np.ndarray:
        return (table[self.target] == self.positive).to_numpy(dtype=int)


def _as_list(sensitive: Any) -> list[Any]:
    if sensitive is None:
        return []
    return list(sensitive) if isinstance(sensitive, list | tuple) else [sensitive]


def prepare_test(
    real_test: pd.DataFrame,
    target: Any,
    sensitive: Any = None,
    positive: Any = None,
    unaware: bool = False,
    groups: dict[Any, list[Any]] | None = None,
) -> TestSet:
    """``sensitive``: one column or a list; ``unaware`` drops all of them from the features;
    ``groups`` (``{column: [values]}``, checked beforehand) restricts that column's SP/EO."""
    sensitive = _as_list(sensitive)
    groups = groups or {}
    test = real_test[real_test[target].notna()]
    positive = infer_positive(test[target], positive)
    drop = {target} | (set(sensitive) if unaware else set())
    features = [c for c in test.columns if c not in drop]
    if not features:
        raise InvalidDataError(
            f"the test table has no feature column besides {sorted(map(str, drop))}; "
            "the downstream classifier needs at least one"
        )
    numeric = [c for c in features if is_numeric(test[c])]
    categorical = [c for c in features if c not in set(numeric)]
    s, keep = {}, {}
    for column in sensitive:
        col = test[column]
        keep[column] = (
            col.isin(groups[column]).to_numpy() if column in groups else np.ones(len(col), bool)
        )
        if col.isna().any():
            col = as_categorical(col).fillna(_MISSING_GROUP)
        s[column] = col.reset_index(drop=True)
    ts = TestSet(
        target, sensitive, positive, features, numeric, categorical, pd.DataFrame(), np.empty(0),
        s, keep,
    )  # fmt: skip
    ts.X = ts.features_of(test)
    ts.y = ts.labels_of(test)
    return ts


def make_classifier(name: str, numeric: list[Any], categorical: list[Any], seed: int) -> Pipeline:
    if name == "lr":
        clf = LogisticRegression(max_iter=2000, random_state=seed)
        sparse_threshold = 0.3  # ColumnTransformer's default: LR takes the sparse one-hot
    else:
        clf = HistGradientBoostingClassifier(random_state=seed)
        sparse_threshold = 0.0  # HistGradientBoosting needs dense input
    pre = ColumnTransformer(
        [
            ("num", make_pipeline(SimpleImputer(strategy="mean"), StandardScaler()), numeric),
            (
                "cat",
                make_pipeline(
                    SimpleImputer(strategy="most_frequent"),
                    OneHotEncoder(handle_unknown="ignore"),
                ),
                categorical,
            ),
        ],
        sparse_threshold=sparse_threshold,
    )
    return make_pipeline(pre, clf)


@dataclass
class Predictions:
    y_true: np.ndarray
    proba: np.ndarray  # P(target = positive) for each test row
    y_pred: np.ndarray  # 0/1 at threshold 0.5


def fit_predict(train: pd.DataFrame, test: TestSet, classifier: str, seed: int) -> Predictions:
    """Train ``classifier`` on ``train`` (rows with a missing label dropped), predict ``test``."""
    train = train[train[test.target].notna()]
    y = test.labels_of(train)
    if len(np.unique(y)) < 2:
        raise InvalidDataError(
            f"the training table's target column {test.target!r} holds a single class "
            f"({'all' if len(y) and y[0] else 'no'} rows are {test.positive!r}); a classifier "
            "needs both: sample more rows or check the generator"
        )
    model = make_classifier(classifier, test.numeric, test.categorical, seed)
    model.fit(test.features_of(train), y)
    proba = model.predict_proba(test.X)[:, list(model.classes_).index(1)]
    return Predictions(test.y, proba, model.predict(test.X).astype(int))


def scores(pred: Predictions, s: pd.Series | None) -> dict[str, float]:
    out = {"auc": float(roc_auc_score(pred.y_true, pred.proba))}
    if s is not None:
        out |= parity(pred, s)
    return out


def parity(pred: Predictions, s: pd.Series, keep: np.ndarray | None = None) -> dict[str, float]:
    """fairlearn's SP and EO over the groups of ``s`` (max - min over all of them), on the
    test rows in ``keep`` only when given (the groups a user asked to compare)."""
    y_true, y_pred = pred.y_true, pred.y_pred
    if keep is not None:
        y_true, y_pred, s = y_true[keep], y_pred[keep], s[keep]
    return {
        "sp": float(demographic_parity_difference(y_true, y_pred, sensitive_features=s)),
        "eo": float(equalized_odds_difference(y_true, y_pred, sensitive_features=s)),
    }


def data_parity(
    table: pd.DataFrame, target: Any, sensitive: Any, positive: Any, groups: Any = None
) -> float:
    """max - min over groups of P(target = positive | sensitive) in ``table`` itself.

    Rows with a missing label or group are left out, and rows outside ``groups`` (a list of
    the sensitive column's values) when given; NaN when fewer than two groups remain.
    """
    d = table[[sensitive, target]].dropna()
    if groups is not None:
        d = d[d[sensitive].isin(list(groups))]
    hit = (d[target] == positive).to_numpy()
    rates = pd.Series(hit).groupby(d[sensitive].to_numpy()).mean()
    if len(rates) < 2:
        return float("nan")
    return float(rates.max() - rates.min())
