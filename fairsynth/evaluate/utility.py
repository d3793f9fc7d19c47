"""Utility: train-on-synthetic / test-on-real (TSTR) against train-on-real (TRTR)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from . import _validation as v
from ._downstream import fit_predict, prepare_test, scores

__all__ = ["utility"]


def utility(
    model_or_table: Any,
    real_train: pd.DataFrame,
    real_test: pd.DataFrame,
    target: Any,
    classifiers: Sequence[str] = ("lr", "gbm"),
    n: int | None = None,
    random_state: int = 0,
    *,
    positive: Any = None,
) -> pd.DataFrame:
    """TSTR vs TRTR ROC AUC on ``real_test``, one row per classifier.

    ``model_or_table`` is a synthetic DataFrame, or a model sampled at alpha=1 with ``n`` rows
    (default ``model.n_train_``, else ``len(real_train)``) and seed ``random_state``.
    Columns: ``classifier, tstr_auc, trtr_auc, ratio`` (= tstr / trtr), ``n_synthetic``.
    """
    classifiers = v.check_classifiers(classifiers)
    n = v.check_positive_int(n, "n")
    v.check_table(real_train, "the real training table")
    v.check_table(real_test, "the test table")
    v.check_target(real_test, target, "the test table")
    v.check_target(real_train, target, "the real training table")
    if isinstance(model_or_table, pd.DataFrame):
        synth = v.check_table(model_or_table, "the synthetic table")
    else:
        v.check_model(model_or_table)
        v.check_same_columns(
            real_test,
            v.model_columns(model_or_table, random_state),
            "the test table",
            "the model's columns",
        )
        n = n or int(getattr(model_or_table, "n_train_", None) or len(real_train))
        synth = v.sample(model_or_table, n, 1.0, random_state)
    test = prepare_test(real_test, target, None, positive)
    v.check_has_columns(synth, [*test.features, target], "the synthetic table")
    v.check_has_columns(real_train, [*test.features, target], "the real training table")
    rows = []
    for clf in classifiers:
        tstr = scores(fit_predict(synth, test, clf, random_state), None)["auc"]
        trtr = scores(fit_predict(real_train, test, clf, random_state), None)["auc"]
        rows.append(
            {
                "classifier": clf,
                "tstr_auc": tstr,
                "trtr_auc": trtr,
                "ratio": tstr / trtr,
                "n_synthetic": len(synth),
            }
        )
    return pd.DataFrame(rows)
