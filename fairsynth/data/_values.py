"""JSON-safe encoding of cell values (category labels, constants) and dtype helpers.

Model files must never pickle, so every value the data layer stores goes through
:func:`encode_value` / :func:`decode_value`: ``str``, ``bool``, ``int`` and finite ``float``
are stored as themselves (JSON keeps the distinction between them); non-finite floats,
timestamps and timedeltas get a one-key tagged dict; anything else is stored as its ``str``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["encode_value", "decode_value", "is_missing", "is_string_like"]


def is_missing(v: Any) -> bool:
    """True for None, NaN, NaT and pd.NA (scalars only)."""
    if v is None or v is pd.NA or v is pd.NaT:
        return True
    try:
        return bool(isinstance(v, float | np.floating) and math.isnan(v))
    except TypeError:  # pragma: no cover - exotic objects
        return False


def encode_value(v: Any) -> Any:
    """Map one cell value to a JSON-safe object (see module docstring)."""
    if is_missing(v):
        return {"__missing__": True}
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return f if math.isfinite(f) else {"__float__": repr(f)}
    if isinstance(v, str):
        return v
    if isinstance(v, pd.Timestamp | np.datetime64):
        return {"__timestamp__": pd.Timestamp(v).isoformat()}
    if isinstance(v, pd.Timedelta | np.timedelta64):
        return {"__timedelta__": int(pd.Timedelta(v).value)}
    return {"__str__": str(v)}


def decode_value(v: Any) -> Any:
    """Inverse of :func:`encode_value`."""
    if isinstance(v, dict):
        if "__missing__" in v:
            return np.nan
        if "__float__" in v:
            return float(v["__float__"])
        if "__timestamp__" in v:
            return pd.Timestamp(v["__timestamp__"])
        if "__timedelta__" in v:
            return pd.Timedelta(int(v["__timedelta__"]))
        if "__str__" in v:
            return str(v["__str__"])
        raise ValueError(f"unknown encoded value {v!r}")
    return v


def is_string_like(s: pd.Series) -> bool:
    """True for a string-dtype column or an object column whose non-null cells are all str."""
    if isinstance(s.dtype, pd.StringDtype):
        return True
    if s.dtype == object:
        nonnull = s.dropna()
        return len(nonnull) > 0 and bool(nonnull.map(type).eq(str).all())
    return False
