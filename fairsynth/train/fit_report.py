"""Checks at the end of a fit that say when a finished-looking model is not (issue 15).

:func:`check_fit` warns (:class:`~fairsynth.errors.FairsynthWarning`, one line on the CLI)

* when the time budget (``max_seconds``) ended the fit far from converged: fewer than
  :data:`MIN_EPOCHS` epochs, or early stopping's held-out score was still at its best on the
  last evaluation (still rising);
* when the generated target's class shares are far off the training table's: more than
  :data:`SHARE_TOLERANCE` (5 points) on any class, measured on :data:`SHARE_ROWS` rows
  sampled at the model's default α with a seed of their own (the model's state and the
  caller's random streams are untouched).
"""

from __future__ import annotations

import warnings

import pandas as pd

from ..errors import FairsynthWarning

__all__ = ["check_fit", "target_shares", "MIN_EPOCHS", "SHARE_TOLERANCE", "SHARE_ROWS"]

MIN_EPOCHS = 10
SHARE_TOLERANCE = 0.05
SHARE_ROWS = 2_000
# a target with more classes than this is not checked (shares of rare classes are noise)
MAX_CLASSES = 10


def _warn(text: str, cli: str | None = None) -> None:
    warnings.warn(FairsynthWarning(text, cli=cli), stacklevel=5)


def check_fit(model, df: pd.DataFrame) -> None:
    summary = model.training_summary_
    stop = summary.get("stop_reason") or {}
    if stop.get("reason") == "time_budget":
        _check_budget(model, summary, stop)
    target = getattr(model, "target", None)
    if target is not None and target in df.columns:
        _check_target_share(model, df, target)


def _check_budget(model, summary: dict, stop: dict) -> None:
    epochs = int(stop.get("epoch", summary.get("epochs_run", 0)))
    es = summary.get("early_stopping") or {}
    rising = bool(es.get("best_epoch")) and es.get("best_epoch") == _last_evaluated(model)
    if epochs >= MIN_EPOCHS and not rising:
        return
    why = (
        f"only {epochs} epoch{'s' if epochs != 1 else ''}"
        if epochs < MIN_EPOCHS
        else f"the held-out score was still rising at epoch {epochs}"
    )
    text = (
        f"the time budget ended the fit far from converged ({why} in {model.max_seconds:g} s); "
        "the rows may be poor: raise {} or drop it"
    )
    _warn(text.format("max_seconds"), cli=text.format("--max-seconds"))


def _last_evaluated(model) -> int | None:
    h = getattr(model, "history_", None)
    if h is None or "holdout_quality" not in h:
        return None
    scored = h.dropna(subset=["holdout_quality"])
    return int(scored["epoch"].iloc[-1]) if len(scored) else None


def target_shares(values: pd.Series) -> pd.Series:
    return values.astype(str).value_counts(normalize=True, dropna=False)


def _check_target_share(model, df: pd.DataFrame, target: str) -> None:
    real = df[target]
    if real.nunique(dropna=False) > MAX_CLASSES:
        return
    alpha = model._default_alpha()
    seed = int(getattr(model, "_fit_seed", 0)) + 2
    synth = model.sample(min(SHARE_ROWS, max(len(df), 200)), alpha=alpha, random_state=seed)
    a, b = target_shares(real), target_shares(synth[target])
    labels = a.index.union(b.index)
    a, b = a.reindex(labels, fill_value=0.0), b.reindex(labels, fill_value=0.0)
    gaps = (a - b).abs()
    worst = gaps.idxmax()
    if gaps[worst] <= SHARE_TOLERANCE:
        return
    text = (
        f"the generated target {target!r} is far off the training table: "
        f"{b[worst]:.1%} {worst!r} in {len(synth):,} rows at α = {alpha:g}, "
        f"{a[worst]:.1%} in the table; the model is undertrained or unstable: "
        "fit for more epochs (or check the fit's losses)"
    )
    _warn(text)
