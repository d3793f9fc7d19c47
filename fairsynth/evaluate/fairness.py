"""Fairness sweep: AUC, SP and EO of downstream classifiers across the temperature alpha."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FairsynthWarning, InvalidDataError
from ..fairness import model_target
from . import _validation as v
from ._downstream import data_parity, fit_predict, prepare_test, scores

__all__ = ["fairness_sweep", "evaluate_table", "data_parity"]

DEFAULT_ALPHAS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
_METRICS = ("auc", "sp", "eo", "data_sp")


def default_sample_size(model: Any, fallback: int) -> int:
    n = getattr(model, "n_train_", None)
    return int(n) if n else fallback


def fairness_sweep(
    model: Any,
    real_test: pd.DataFrame,
    target: Any = None,
    sensitive: Any = None,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    classifiers: Sequence[str] = ("lr",),
    repeats: int = 3,
    n: int | None = None,
    unaware: bool = False,
    random_state: int = 0,
    *,
    positive: Any = None,
    return_runs: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Sample at each alpha, train downstream classifiers on the rows, score the real test set.

    For each alpha and repeat ``r`` (seed ``random_state + r``, used for sampling and for the
    classifier) the model samples ``n`` rows (default ``model.n_train_``, else the size of
    the test table); each classifier is trained on them and predicts ``real_test``.

    Returns one row per (alpha, classifier) with ``auc_*``, ``sp_*`` (fairlearn
    ``demographic_parity_difference``), ``eo_*`` (``equalized_odds_difference``) and
    ``data_sp_*`` (max - min over groups of P(target = positive | sensitive) in the sampled
    rows) as ``_mean`` and ``_std`` (sample std over repeats, 0 for one repeat), plus
    ``repeats`` and ``n``. With ``return_runs=True`` returns ``(summary, runs)`` where
    ``runs`` has one row per (alpha, repeat, classifier).

    ``target``/``sensitive`` default to the model's attributes of the same name;
    ``positive`` defaults to the minority label of the test table's target;
    ``unaware=True`` drops the sensitive column from the classifier's features.
    """
    target = model_target(model) if target is None else target
    sensitive = getattr(model, "sensitive", None) if sensitive is None else sensitive
    alphas = v.check_alphas(alphas)
    classifiers = v.check_classifiers(classifiers)
    repeats = v.check_positive_int(repeats, "repeats", allow_none=False)
    n = v.check_positive_int(n, "n")
    v.validate_model_and_test(model, real_test, target, sensitive, random_state)
    test = prepare_test(real_test, target, sensitive, positive, unaware)
    n = n or default_sample_size(model, len(real_test))

    rows = []
    for alpha in alphas:
        for r in range(repeats):
            seed = random_state + r
            synth = v.sample(model, n, alpha, seed)
            v.check_has_columns(synth, [*test.features, target, sensitive], "the synthetic sample")
            d_sp = data_parity(synth, target, sensitive, test.positive)
            for clf in classifiers:
                row = {"alpha": alpha, "classifier": clf, "repeat": r, "seed": seed, "n": n}
                try:
                    row |= scores(fit_predict(synth, test, clf, seed), test.s)
                except InvalidDataError as e:
                    warnings.warn(
                        f"alpha={alpha}, repeat {r}, {clf}: {e}; scores set to NaN",
                        FairsynthWarning,
                        stacklevel=2,
                    )
                    row |= {"auc": np.nan, "sp": np.nan, "eo": np.nan}
                row["data_sp"] = d_sp
                rows.append(row)
    runs = pd.DataFrame(rows)
    summary = summarise(runs)
    return (summary, runs) if return_runs else summary


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over repeats of each metric, one row per (alpha, classifier)."""
    g = runs.groupby(["alpha", "classifier"], sort=False)
    out = g[["n"]].first()
    for m in _METRICS:
        out[f"{m}_mean"] = g[m].mean()
        out[f"{m}_std"] = g[m].std(ddof=1).fillna(0.0)
    out["repeats"] = g.size()
    out = out.reset_index()
    cols = ["alpha", "classifier"]
    cols += [f"{m}_{s}" for m in _METRICS for s in ("mean", "std")]
    return out[[*cols, "repeats", "n"]]


def evaluate_table(
    synthetic_df: pd.DataFrame,
    real_test: pd.DataFrame,
    target: Any,
    sensitive: Any,
    classifiers: Sequence[str] = ("lr", "gbm"),
    unaware: bool = False,
    random_state: int = 0,
    *,
    positive: Any = None,
) -> pd.DataFrame:
    """The sweep's yardstick for one ready table (another tool's output, or the real train set).

    Returns one row per classifier: ``auc``, ``sp``, ``eo`` on the real test table and
    ``data_sp``, the table's own label parity; ``n`` is the number of training rows.
    """
    classifiers = v.check_classifiers(classifiers)
    v.check_table(real_test, "the test table")
    v.check_target(real_test, target, "the test table")
    v.check_sensitive(real_test, sensitive, "the test table")
    v.check_table(synthetic_df, "the evaluated table")
    test = prepare_test(real_test, target, sensitive, positive, unaware)
    v.check_has_columns(synthetic_df, [*test.features, target, sensitive], "the evaluated table")
    d_sp = data_parity(synthetic_df, target, sensitive, test.positive)
    rows = []
    for clf in classifiers:
        row = {"classifier": clf}
        row |= scores(fit_predict(synthetic_df, test, clf, random_state), test.s)
        rows.append(row | {"data_sp": d_sp, "n": len(synthetic_df)})
    return pd.DataFrame(rows)
