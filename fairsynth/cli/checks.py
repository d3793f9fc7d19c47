"""Guards of the command line's arguments that run before any long work (issue 15).

Each raises :class:`~fairsynth.errors.InvalidParameterError` /
:class:`~fairsynth.errors.InvalidDataError` in CLI spelling, or warns loudly.
"""

from __future__ import annotations

import warnings
from pathlib import Path

from ..errors import FairsynthWarning, InvalidDataError, InvalidParameterError

__all__ = [
    "check_new_folder",
    "check_table_suffix",
    "check_not_training_table",
    "check_label_target",
    "OVERLAP_ERROR",
    "OVERLAP_WARN",
]

# Share of --real rows equal to a training row (by row hash) that makes evaluate refuse the
# table, and the share that makes it warn. A genuinely held-out split shares only the
# table's natural duplicates with the training rows (Adult's test split: 0.3 %).
OVERLAP_ERROR = 0.5
OVERLAP_WARN = 0.05
# A target with more distinct values than this, of a numeric kind, is not a label.
MAX_LABEL_CLASSES = 20


def check_new_folder(path: Path, option: str) -> None:
    """`path` is a folder to create (or reuse); its parent must exist, as for fit/sample."""
    parent = path.parent
    if not parent.exists():
        raise InvalidParameterError(
            f"{option} {path}: folder {parent} does not exist; create it first"
        )
    if path.exists() and not path.is_dir():
        raise InvalidParameterError(f"{option} {path}: a file of that name exists; choose a folder")


def check_table_suffix(path: Path, option: str) -> None:
    from ..io import TABLE_SUFFIXES

    name = path.name.lower()
    if not name.endswith(TABLE_SUFFIXES):
        raise InvalidParameterError(
            f"{option} {path}: unsupported table format {path.suffix or '(no suffix)'!r}; "
            f"write one of {', '.join(TABLE_SUFFIXES)}"
        )


def check_not_training_table(model, real, option: str = "--real") -> float:
    """Refuse a `real` table that is (mostly) the model's training table, by the row hashes
    stored in the model file; warn on a partial overlap. Returns the overlap share."""
    import numpy as np

    from ..privacy import hashed_columns, row_hashes

    hashes = getattr(model, "train_hashes_", None)
    columns = hashed_columns(model.transformer_.schema)
    if hashes is None or not columns or not set(columns) <= set(real.columns):
        return 0.0
    try:
        share = float(np.isin(row_hashes(real, columns), hashes).mean())
    except (TypeError, ValueError):  # dtypes that do not hash like the training table's
        return 0.0
    if share >= OVERLAP_ERROR:
        raise InvalidDataError(
            f"{option}: {share:.0%} of its rows are rows the model was trained on; evaluation "
            "needs real rows the model never saw: pass a held-out split (e.g. the Adult test "
            "split: `fairsynth datasets export adult_test test.csv`), and the training table "
            "with --train"
        )
    if share >= OVERLAP_WARN:
        warnings.warn(
            FairsynthWarning(
                f"{option}: {share:.0%} of its rows are rows the model was trained on; the "
                "scores on them flatter the model: evaluate on rows held out of training"
            ),
            stacklevel=2,
        )
    return share


def check_label_target(model, real, target: str | None) -> None:
    """The evaluated target must be a label (a few classes), not a numeric column."""
    own = getattr(model, "target", None)
    target = target if target is not None else own
    if target is None:
        raise InvalidParameterError(
            "no target: the model was fitted without --target; pass --target COLUMN, a "
            "label column with a few classes (e.g. --target income)"
        )
    if target not in real.columns:
        raise InvalidDataError(
            f"--target {target}: no such column in the --real table; columns are: "
            f"{', '.join(map(str, real.columns))}"
        )
    schema = model.transformer_.schema
    kind = schema[target].kind if target in schema else None
    n = int(real[target].nunique(dropna=True))
    if kind in ("continuous", "integer", "datetime", "id") and n > MAX_LABEL_CLASSES:
        labels = sorted(
            (
                c
                for c in schema.columns
                if c.kind in ("categorical", "boolean") and 2 <= c.n_unique <= MAX_LABEL_CLASSES
            ),
            key=lambda c: (c.name != own, c.n_unique != 2),  # the model's target, binary ones
        )
        fix = f"e.g. --target {labels[0].name}" if labels else "a column of a few classes"
        raise InvalidParameterError(
            f"--target {target}: a numeric column ({kind}, {n:,} distinct values), not a label; "
            f"evaluate scores classifiers, so give a label column with 2 to "
            f"{MAX_LABEL_CLASSES} classes ({fix}), or bin {target} into classes first"
        )
