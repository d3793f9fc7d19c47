"""Checks at the end of a fit that say when a finished-looking model is not (issue 15).

:func:`check_fit` warns (:class:`~fairsynth.errors.FairsynthWarning`, one line on the CLI)

* when the time budget (``max_seconds``) ended the fit far from converged: fewer than
  :data:`MIN_EPOCHS` epochs, or early stopping's held-out score was still at its best on the
  last evaluation (still rising);
* when the generated target's class shares are far off the training table's: more than
  :data:`SHARE_TOLERANCE` (5 points) on any class, measured on :data:`SHARE_ROWS` rows
  sampled at α = 1 (the law the model learned) with a seed of their own (the model's state
  and the caller's random streams are untouched).

A FairPTGAN whose default α is below 1 records the target's shares at that α beside its
label constraint (``training_summary_["fairness"]["target_shares"]``): a constraint may move
them on purpose (the demographic-parity teacher lowers the positive share), which is not a
sign of a poor fit.
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
    seed = int(model.training_summary_.get("seed", 0)) + 2
    m = min(SHARE_ROWS, max(len(df), 200))
    table = target_shares(real)
    shares, gaps = _shares(model, m, 1.0, seed, target, table)
    worst = gaps.idxmax()
    if gaps[worst] > SHARE_TOLERANCE:
        text = (
            f"the generated target {target!r} is far off the training table: "
            f"{shares[worst]:.1%} {worst!r} in {m:,} rows at α = 1, "
            f"{table[worst]:.1%} in the table; the model is undertrained or unstable: "
            "fit for more epochs (or check the fit's losses)"
        )
        _warn(text)
    alpha = model._default_alpha()
    fairness = model.training_summary_.get("fairness")
    if alpha < 1 and fairness is not None and fairness.get("constraint") != "none":
        shares, gaps = _shares(model, m, alpha, seed, target, table)
        worst = gaps.idxmax()
        fairness["target_shares"] = {
            "alpha": alpha,
            "class": str(worst),
            "share": round(float(shares[worst]), 4),
            "table": round(float(table.get(worst, 0.0)), 4),
        }


def _shares(model, m: int, alpha: float, seed: int, target: str, table: pd.Series):
    """(class shares of m rows sampled at α, |share − table share| per class)."""
    got = target_shares(model.sample(m, alpha=alpha, random_state=seed)[target])
    labels = table.index.union(got.index)
    got = got.reindex(labels, fill_value=0.0)
    return got, (table.reindex(labels, fill_value=0.0) - got).abs()
