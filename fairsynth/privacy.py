"""Privacy guard: do synthetic rows copy training rows? (issue 6, part 4)

* `row_hashes` — one int64 per row over the *modelled* columns (identifiers are left out:
  they are regenerated, so they never tell a copy apart). Stored in the model file as a
  tensor, so `sample(..., reject_copies=True)` can drop copies without the training table.
* `privacy_summary` — recorded by `fit` in `training_summary_["privacy"]`: the share of
  min(n_train, 10 000) synthetic rows at α = 1 that exactly copy a training row, and the
  distance to the closest record (DCR) of synthetic rows against that of real rows.

The DCR yardstick: a real row the model never saw would be best, but holding rows back
would change the model the user asked for. Instead the training table is split, for this
measurement only, into a reference part R and a query part Q (≤ 1 000 rows, ≤ 20 %): the
distance of Q's rows to their nearest row in R is what an unseen real row looks like; the
synthetic rows are measured against the same R. `median_ratio` (synthetic / real) near or
above 1 means the generator does not sit on training rows; well below 1 means it does.
Because the model saw Q, copies of Q rows are not caught by the ratio — the exact-copy
share, computed against the whole table, covers those. Tables under 50 rows get no DCR.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from .errors import InvalidDataError, InvalidParameterError

__all__ = ["row_hashes", "privacy_summary", "CopyFilter", "PRIVACY_ROWS"]

PRIVACY_ROWS = 10_000
_DCR_MIN_ROWS = 50
_DCR_QUERY_ROWS = 1_000


def hashed_columns(schema) -> list[str]:
    return [c.name for c in schema.columns if c.kind != "id"]


def row_hashes(df: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """int64 hash of each row over `columns` (vectorised; dtype-aware, so synthetic rows,
    which have the training table's dtypes, hash like the training rows they equal)."""
    if not columns:
        return np.zeros(len(df), dtype=np.int64)
    h = pd.util.hash_pandas_object(df[columns], index=False).to_numpy()
    return h.view(np.int64)


def is_copy(df: pd.DataFrame, columns: list[str], train_hashes: np.ndarray) -> np.ndarray:
    """Boolean mask of the rows of `df` that equal a training row."""
    return np.isin(row_hashes(df, columns), train_hashes)


class CopyFilter:
    """Drops synthetic rows equal to a training row (`reject_copies=True`)."""

    # Give up when this many rows were drawn per row asked for: the model reproduces its
    # training rows, and topping up would never end.
    MAX_DRAWS_PER_ROW = 20

    def __init__(self, model, n: int):
        if getattr(model, "train_hashes_", None) is None:
            raise InvalidParameterError(
                "reject_copies needs the training rows' hashes, which this model file lacks "
                "(written by an older fairsynth); refit the model"
            )
        self.hashes = np.asarray(model.train_hashes_)
        self.columns = hashed_columns(model.transformer_.schema)
        self.budget = self.MAX_DRAWS_PER_ROW * n + 10_000
        self.drawn = self.rejected = 0

    def __call__(self, rows: pd.DataFrame) -> pd.DataFrame:
        self.drawn += len(rows)
        copies = is_copy(rows, self.columns, self.hashes)
        self.rejected += int(copies.sum())
        if self.drawn > self.budget:
            raise InvalidDataError(
                f"reject_copies: {self.rejected:,} of {self.drawn:,} synthetic rows copy a "
                "training row; the model memorised its table: refit with fewer epochs or "
                "sample without reject_copies"
            )
        return rows[~copies].reset_index(drop=True) if copies.any() else rows


def privacy_summary(model, train: pd.DataFrame, seed: int) -> dict:
    """Exact-copy share and DCR of a freshly fitted model (see the module docstring)."""
    from .evaluate.fidelity import distance_to_closest_record, exact_copy_share

    columns = hashed_columns(model.transformer_.schema)
    n = min(len(train), PRIVACY_ROWS)
    synth = model.sample(n, alpha=1.0, random_state=seed + 1)
    out: dict = {
        "rows_checked": n,
        "alpha": 1.0,
        "exact_copy_share": round(exact_copy_share(synth[columns], train[columns]), 6)
        if columns
        else None,
        "dcr": None,
    }
    if len(train) >= _DCR_MIN_ROWS and columns:
        rng = np.random.default_rng(seed)
        q = min(_DCR_QUERY_ROWS, len(train) // 5)
        pick = np.zeros(len(train), dtype=bool)
        pick[rng.choice(len(train), size=q, replace=False)] = True
        ref, query = train.loc[~pick, columns], train.loc[pick, columns]
        with warnings.catch_warnings():
            # all-missing columns make sklearn's imputer warn; they are not a privacy matter
            warnings.simplefilter("ignore", UserWarning)
            dcr = distance_to_closest_record(
                synth[columns], ref, holdout=query, max_rows=_DCR_QUERY_ROWS, random_state=seed
            )
        out["dcr"] = {
            "synthetic_median": round(dcr["synthetic"]["median"], 4),
            "real_median": round(dcr["holdout"]["median"], 4),
            "median_ratio": None
            if dcr["median_ratio"] is None or np.isnan(dcr["median_ratio"])
            else round(dcr["median_ratio"], 4),
            "synthetic_p5": round(dcr["synthetic"]["p5"], 4),
            "real_p5": round(dcr["holdout"]["p5"], 4),
        }
    return out


def describe(summary: dict | None) -> str:
    """One line for `fairsynth info`."""
    if not summary:
        return "privacy: not recorded (model fitted before fairsynth recorded it)"
    text = f"privacy (α = 1, {summary['rows_checked']:,} rows): "
    share = summary.get("exact_copy_share")
    text += "exact copies n/a" if share is None else f"exact copies {share:.2%}"
    dcr = summary.get("dcr")
    if dcr:
        text += (
            f"; distance to closest record, median synthetic {dcr['synthetic_median']:.3g} vs "
            f"real unseen {dcr['real_median']:.3g} (ratio {dcr['median_ratio']})"
        )
    return text
