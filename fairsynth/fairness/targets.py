"""The label a constraint acts on: which column (given or inferred) and which classes.

Inference rule (FairPTGAN without `target`): among the columns other than the sensitive
one, a *label candidate* is a column without missing values that has exactly two distinct
values and is categorical, boolean or integer. The target is inferred when

1. exactly one candidate has a label-like name (`LABEL_NAMES`, compared case-insensitively
   without separators: "income", "Label", "is_target", "y", "class", ...), or else
2. no candidate has such a name and the table's *last* column is a candidate.

Anything else (no candidate, several label-like ones, a last column that is not binary) is
ambiguous: nothing is inferred and the caller says so loudly.

A target is usable by a label constraint when it is categorical or boolean with 2 to
`MAX_CLASSES` classes, or integer-valued with that many distinct values (a 0/1 integer
label is the common case; it is then modelled as a categorical column, so every generated
value is one of the observed classes and keeps the integer dtype). A continuous target, or
an integer one with more distinct values, is refused with the fix (bin it, or
fairness='none').
"""

from __future__ import annotations

import re

import pandas as pd

from ..errors import InvalidDataError

__all__ = ["LABEL_NAMES", "MAX_CLASSES", "infer_target", "label_classes"]

LABEL_NAMES = (
    "income", "label", "target", "y", "class", "outcome", "response", "default", "churn",
    "approved", "approval", "decision", "hired", "admitted", "credit", "risk", "recidivism",
    "twoyearrecid", "survived", "diagnosis",
)  # fmt: skip
MAX_CLASSES = 10


def _key(name) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _label_like(name) -> bool:
    key = _key(name)
    if key in LABEL_NAMES:
        return True
    # is_target, has_churn, income_gt_50k, y_true, ... (prefix/suffix words only)
    words = [w for w in re.split(r"[^a-z0-9]+", str(name).lower()) if w]
    return any(w in LABEL_NAMES for w in words) and len(words) <= 3


def _binary_candidate(df: pd.DataFrame, spec) -> bool:
    s = df[spec.name]
    return (
        spec.kind in ("categorical", "boolean", "integer")
        and not s.isna().any()
        and s.nunique() == 2
    )


def infer_target(df: pd.DataFrame, schema, sensitive) -> tuple[str | None, str]:
    """(the inferred target or None, the reason in words)."""
    exclude = set(sensitive) if isinstance(sensitive, list | tuple) else {sensitive}
    candidates = [c.name for c in schema if c.name not in exclude and _binary_candidate(df, c)]
    named = [c for c in candidates if _label_like(c)]
    if len(named) == 1:
        return named[0], f"the only binary column with a label-like name ({named[0]!r})"
    if len(named) > 1:
        names = ", ".join(map(repr, named))
        return None, f"several binary columns have label-like names ({names})"
    last = df.columns[-1]
    if last in candidates:
        return last, f"the last column, and it is binary ({last!r})"
    if not candidates:
        return None, "no column besides the sensitive one is binary"
    return None, (
        f"{len(candidates)} binary columns and none has a label-like name or is the last "
        f"column ({', '.join(map(repr, candidates[:5]))}{', ...' if len(candidates) > 5 else ''})"
    )


# The opt-out a FairPTGAN names when its target cannot take a label constraint.
NO_LABEL_CONSTRAINT = "fairness='none' (--fairness none) for tempering without a label constraint"


def label_classes(df: pd.DataFrame, schema, target, opt_out: str = NO_LABEL_CONSTRAINT) -> int:
    """The number of classes of a usable target; makes an integer target categorical in
    `schema` (so that it is encoded as a one-hot of its classes). Raises with the fix
    otherwise: reshape the target, or pass `opt_out` (the caller's keyword and flag)."""
    spec = schema[target]
    k = int(df[target].nunique())
    if spec.kind in ("categorical", "boolean", "integer") and 2 <= k <= MAX_CLASSES:
        if spec.kind == "integer":
            spec.kind = "categorical"
        return k
    if spec.kind in ("continuous", "integer"):
        raise InvalidDataError(
            f"target {target!r} is numeric ({spec.kind}, {k:,} distinct values); a label "
            f"constraint needs classes (at most {MAX_CLASSES}): bin it into classes first (e.g. "
            f"pandas.cut), or pass {opt_out}"
        )
    if spec.kind in ("categorical", "boolean"):
        raise InvalidDataError(
            f"target {target!r} has {k:,} classes; a label constraint takes at most "
            f"{MAX_CLASSES}: group them first, or pass {opt_out}"
        )
    raise InvalidDataError(
        f"target {target!r} was detected as {spec.kind}; a label constraint needs a column of "
        f"classes: pass kinds={{{target!r}: 'categorical'}} (CLI: --kind {target}=categorical), "
        f"or {opt_out}"
    )
