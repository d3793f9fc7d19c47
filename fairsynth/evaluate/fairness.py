"""Fairness sweep: AUC, SP and EO of downstream classifiers across the temperature alpha."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FairsynthWarning, InvalidDataError
from ..fairness import model_target
from . import _validation as v
from ._downstream import TestSet, data_parity, fit_predict, parity, prepare_test, scores

__all__ = ["fairness_sweep", "evaluate_table", "data_parity", "model_sensitive"]

model_sensitive = v.model_sensitive  # public here: the CLI reads a model's sensitive columns

DEFAULT_ALPHAS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.0)
DEFAULT_CLASSIFIERS = ("lr", "gbm")
# Both protocols by default: a fair synthesizer is judged with the sensitive column as a
# feature (can the classifier still discriminate?) and without it (the usual deployment).
DEFAULT_FEATURES = ("aware", "unaware")
_METRICS = ("auc", "sp", "eo", "data_sp")
# One row of fairness.csv is one (alpha, classifier, features, sensitive) cell.
KEYS = ("alpha", "classifier", "features", "sensitive")
ALL_GROUPS = "all"


def default_sample_size(model: Any, fallback: int) -> int:
    n = getattr(model, "n_train_", None)
    return int(n) if n else fallback


def groups_label(groups: Mapping[Any, Sequence[Any]], column: Any) -> str:
    """How fairness.csv names the groups SP/EO compare: "White vs Black", or "all"."""
    if column not in groups:
        return ALL_GROUPS
    return " vs ".join(map(str, groups[column]))


def prepare_tests(
    real_test: pd.DataFrame,
    target: Any,
    sensitive: list[Any],
    positive: Any,
    features: Sequence[str],
    groups: Mapping[Any, list[Any]],
) -> dict[str, TestSet]:
    """One prepared test set per protocol ("aware", "unaware")."""
    return {
        f: prepare_test(real_test, target, sensitive, positive, f == "unaware", dict(groups))
        for f in features
    }


def score_rows(
    train: pd.DataFrame,
    tests: Mapping[str, TestSet],
    classifiers: Sequence[str],
    seed: int,
    groups: Mapping[Any, list[Any]],
    context: str | None,
) -> list[dict[str, Any]]:
    """Fit each classifier on ``train`` under each protocol and score the real test rows:
    one row per (classifier, features, sensitive column); AUC repeats across the sensitive
    columns of one fit. A fit that cannot run (one class) raises, or with a ``context``
    (a sweep's "alpha=..., repeat ...") gives NaN scores and a warning: one bad sample
    should not end a sweep."""
    any_test = next(iter(tests.values()))
    d_sp = {
        s: data_parity(train, any_test.target, s, any_test.positive, groups.get(s))
        for s in any_test.sensitive
    }
    rows = []
    for clf in classifiers:
        for feats, test in tests.items():
            try:
                pred = fit_predict(train, test, clf, seed)
            except InvalidDataError as e:
                if context is None:
                    raise
                warnings.warn(
                    f"{context}{clf} {feats}: {e}; scores set to NaN",
                    FairsynthWarning,
                    stacklevel=3,
                )
                pred = None
            auc = np.nan if pred is None else scores(pred, None)["auc"]
            for s in test.sensitive:
                fair = {"sp": np.nan, "eo": np.nan}
                if pred is not None:
                    fair = parity(pred, test.s[s], test.keep[s])
                rows.append(
                    {"classifier": clf, "features": feats, "sensitive": s}
                    | {"groups": groups_label(groups, s), "auc": auc}
                    | fair
                    | {"data_sp": d_sp[s]}
                )
    return rows


def fairness_sweep(
    model: Any,
    real_test: pd.DataFrame,
    target: Any = None,
    sensitive: Any = None,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    classifiers: Sequence[str] = DEFAULT_CLASSIFIERS,
    repeats: int = 3,
    n: int | None = None,
    unaware: bool = False,
    random_state: int = 0,
    *,
    features: Sequence[str] | None = None,
    groups: Mapping[Any, Sequence[Any]] | None = None,
    positive: Any = None,
    return_runs: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Sample at each alpha, train downstream classifiers on the rows, score the real test set.

    For each alpha and repeat ``r`` (seed ``random_state + r``, used for sampling and for the
    classifier) the model samples ``n`` rows (default ``model.n_train_``, else the size of
    the test table); each classifier is trained on them under each protocol of ``features``
    ("aware": the sensitive columns are features; "unaware": they are dropped; default
    both) and predicts ``real_test``.

    Returns one row per (alpha, classifier, features, sensitive) with ``groups`` (the groups
    SP/EO compare, "all" or e.g. "White vs Black"), ``auc_*``, ``sp_*`` (fairlearn
    ``demographic_parity_difference``: max - min over the groups), ``eo_*``
    (``equalized_odds_difference``) and ``data_sp_*`` (max - min over groups of
    P(target = positive | group) in the sampled rows) as ``_mean`` and ``_std`` (sample std
    over repeats, 0 for one repeat), plus ``repeats`` and ``n``. With ``return_runs=True``
    returns ``(summary, runs)`` where ``runs`` has one row per repeat of each of those.

    ``target``/``sensitive`` default to the model's attributes of the same name;
    ``sensitive`` is one column or a list (SP/EO are reported for each column separately:
    one row per column, so fairness.csv keeps the same columns whatever the table);
    ``groups={"race": ["White", "Black"]}`` restricts that column's SP/EO (and data_sp) to
    the listed groups (every test row still counts for AUC); ``positive`` defaults to the
    minority label of the test table's target; ``unaware=True`` is the older spelling of
    ``features=("unaware",)``.
    """
    target = model_target(model) if target is None else target
    sensitive = v.model_sensitive(model) if sensitive is None else sensitive
    alphas = v.check_alphas(alphas)
    classifiers = v.check_classifiers(classifiers)
    repeats = v.check_positive_int(repeats, "repeats", allow_none=False)
    n = v.check_positive_int(n, "n")
    feats = v.check_features(features, unaware, DEFAULT_FEATURES)
    sensitive = v.sensitive_list(sensitive)
    v.validate_model_and_test(model, real_test, target, sensitive, random_state)
    groups = v.check_groups(groups, sensitive, real_test)
    tests = prepare_tests(real_test, target, sensitive, positive, feats, groups)
    needed = [*next(iter(tests.values())).features, target, *sensitive]
    n = n or default_sample_size(model, len(real_test))

    rows = []
    for alpha in alphas:
        for r in range(repeats):
            seed = random_state + r
            synth = v.sample(model, n, alpha, seed)
            v.check_has_columns(synth, needed, "the synthetic sample")
            context = f"alpha={alpha}, repeat {r}, "
            for row in score_rows(synth, tests, classifiers, seed, groups, context):
                rows.append({"alpha": alpha, "repeat": r, "seed": seed, "n": n} | row)
    runs = pd.DataFrame(rows)
    runs = runs[[*KEYS, "groups", "repeat", "seed", "n", *_METRICS]]
    summary = summarise(runs)
    return (summary, runs) if return_runs else summary


def summarise(runs: pd.DataFrame) -> pd.DataFrame:
    """Mean and std over repeats of each metric, one row per (alpha, classifier, features,
    sensitive) (the keys a ``runs`` table has: older ones lack features and sensitive)."""
    keys = [k for k in KEYS if k in runs.columns]
    g = runs.groupby(keys, sort=False)
    extra = [c for c in ("groups", "n") if c in runs.columns]
    out = g[extra].first()
    for m in _METRICS:
        out[f"{m}_mean"] = g[m].mean()
        out[f"{m}_std"] = g[m].std(ddof=1).fillna(0.0)
    out["repeats"] = g.size()
    out = out.reset_index()
    cols = keys + [c for c in extra if c == "groups"]
    cols += [f"{m}_{s}" for m in _METRICS for s in ("mean", "std")]
    return out[[*cols, "repeats", *[c for c in extra if c == "n"]]]


def evaluate_table(
    synthetic_df: pd.DataFrame,
    real_test: pd.DataFrame,
    target: Any,
    sensitive: Any,
    classifiers: Sequence[str] = DEFAULT_CLASSIFIERS,
    unaware: bool = False,
    random_state: int = 0,
    *,
    features: Sequence[str] | None = None,
    groups: Mapping[Any, Sequence[Any]] | None = None,
    positive: Any = None,
) -> pd.DataFrame:
    """The sweep's yardstick for one ready table (another tool's output, or the real train set).

    Returns one row per (classifier, features, sensitive column): ``groups``, ``auc``,
    ``sp``, ``eo`` on the real test table and ``data_sp``, the table's own label parity;
    ``n`` is the number of training rows. ``features`` defaults to ("aware",) here (one
    protocol per call, as the benchmarks use it; ``run_report`` passes both), and
    ``sensitive``/``groups`` are as in :func:`fairness_sweep`.
    """
    classifiers = v.check_classifiers(classifiers)
    feats = v.check_features(features, unaware, ("aware",))
    sensitive = v.sensitive_list(sensitive)
    v.check_table(real_test, "the test table")
    v.check_target(real_test, target, "the test table")
    for column in sensitive or [None]:
        v.check_sensitive(real_test, column, "the test table")
    groups = v.check_groups(groups, sensitive, real_test)
    v.check_table(synthetic_df, "the evaluated table")
    tests = prepare_tests(real_test, target, sensitive, positive, feats, groups)
    needed = [*next(iter(tests.values())).features, target, *sensitive]
    v.check_has_columns(synthetic_df, needed, "the evaluated table")
    rows = score_rows(synthetic_df, tests, classifiers, random_state, groups, None)
    return pd.DataFrame(rows).assign(n=len(synthetic_df))
