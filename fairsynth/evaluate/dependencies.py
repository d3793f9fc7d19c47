"""Functional dependencies of the real table, and the share of synthetic rows that break them.

Found on the real table, among its categorical columns and its numeric columns with few
distinct values (at most ``max_levels``, missing counted as a value of its own):

* a **column dependency** A → B: A determines B, exactly or nearly: the share of real rows
  whose B is the modal B of their A is at least ``min_confidence`` (education →
  education_num on Adult: one value per education). The dependency is the map
  a ↦ modal B given a.
* a **value rule** A = a → B = b, for pairs that are not column dependencies: among the
  real rows with A = a (at least ``min_support`` of all rows), the share with B = b is at
  least ``min_confidence`` (relationship = Husband → sex = Male on Adult).

Both must be non-trivial: B (for a rule: B = b) is not near-constant, its share among all
real rows is below ``max_base_share``, so that A says something a constant would not.

A synthetic row *breaks* a column dependency when its A is a value seen in the real rows
and its B is not the real modal B of that A; it breaks a rule when A = a and B ≠ b. Shares
are of all synthetic rows (``break_share``, the figure comparable across dependencies)
and, for a rule, also of the synthetic rows with A = a (``break_rate``); ``real_break_share``
is the same measure on the real rows (the exceptions the real table itself has).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidParameterError
from . import _validation as v
from ._downstream import is_numeric

__all__ = ["find_dependencies", "dependency_breaks", "dependencies"]

_MISSING = "(missing)"


def _values(s: pd.Series, numeric: bool) -> np.ndarray:
    """Comparable values: floats for a numeric column (so 13 and 13.0 agree), text otherwise,
    the one token ``(missing)`` for NaN in either."""
    if numeric:
        x = pd.to_numeric(s, errors="coerce").to_numpy(dtype=np.float64)
        out = x.astype(object)
        out[np.isnan(x)] = _MISSING
        return out
    out = s.to_numpy(dtype=object, copy=True)
    mask = pd.notna(out)
    out[mask] = out[mask].astype(str)
    out[~mask] = _MISSING
    return out


def _plain(value: Any) -> Any:
    """JSON-friendly: 13.0 -> 13, numpy scalars -> Python."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    return value.item() if isinstance(value, np.generic) else value


def find_dependencies(
    real: pd.DataFrame,
    *,
    max_levels: int = 50,
    min_confidence: float = 0.99,
    min_support: float = 0.01,
    max_base_share: float = 0.9,
) -> list[dict[str, Any]]:
    """Column dependencies and value rules of ``real`` (module docstring).

    Each is ``{"kind": "column", "determinant", "dependent", "map": {a: b}, "support",
    "confidence"}`` or ``{"kind": "rule", "determinant", "dependent", "when": a, "then": b,
    "support", "confidence"}``; ``support`` is the share of real rows it covers,
    ``confidence`` the share of those that agree.
    """
    v.check_table(real, "the real table")
    v.check_positive_int(max_levels, "max_levels", allow_none=False)
    for name, x in (
        ("min_confidence", min_confidence),
        ("min_support", min_support),
        ("max_base_share", max_base_share),
    ):
        if not 0.0 < float(x) <= 1.0:
            raise InvalidParameterError(f"{name} must be in (0, 1], got {x!r}")
    n = len(real)
    if n == 0:
        return []
    coded: dict[Any, tuple[np.ndarray, np.ndarray]] = {}
    for c in real.columns:
        codes, uniques = pd.factorize(_values(real[c], is_numeric(real[c])))
        if 2 <= len(uniques) <= max_levels:
            coded[c] = (codes, np.asarray(uniques, dtype=object))
    found: list[dict[str, Any]] = []
    for a, (ca, ua) in coded.items():
        count_a = np.bincount(ca, minlength=len(ua))
        for b, (cb, ub) in coded.items():
            if a == b:
                continue
            kb = len(ub)
            base = np.bincount(cb, minlength=kb) / n
            table = np.bincount(ca * kb + cb, minlength=len(ua) * kb).reshape(len(ua), kb)
            modal = table.argmax(1)
            agree = table[np.arange(len(ua)), modal]
            if base.max() < max_base_share and agree.sum() / n >= min_confidence:
                found.append(
                    {
                        "kind": "column",
                        "determinant": a,
                        "dependent": b,
                        "map": {_plain(ua[i]): _plain(ub[modal[i]]) for i in range(len(ua))},
                        "support": 1.0,
                        "confidence": float(agree.sum() / n),
                    }
                )
                continue
            conf = agree / np.maximum(count_a, 1)
            keep = (
                (count_a >= min_support * n)
                & (conf >= min_confidence)
                & (base[modal] < max_base_share)
            )
            for i in np.flatnonzero(keep):
                found.append(
                    {
                        "kind": "rule",
                        "determinant": a,
                        "dependent": b,
                        "when": _plain(ua[i]),
                        "then": _plain(ub[modal[i]]),
                        "support": float(count_a[i] / n),
                        "confidence": float(conf[i]),
                    }
                )
    return found


def _breaks(table: pd.DataFrame, dep: dict[str, Any], numeric: dict[Any, bool]) -> dict:
    a, b = dep["determinant"], dep["dependent"]
    va = _values(table[a], numeric[a])
    vb = _values(table[b], numeric[b])
    n = len(table)
    if dep["kind"] == "column":
        # keys as _values gives them (floats for numbers), values compared the same way
        key = {_as_value(k, numeric[a]): _as_value(x, numeric[b]) for k, x in dep["map"].items()}
        expected = np.array([key.get(x, _UNSEEN) for x in va], dtype=object)
        seen = np.array([e is not _UNSEEN for e in expected])
        broken = seen & (expected != vb)
        return {"rows": int(seen.sum()), "broken": int(broken.sum()), "n": n}
    when = va == _as_value(dep["when"], numeric[a])
    broken = when & (vb != _as_value(dep["then"], numeric[b]))
    return {"rows": int(when.sum()), "broken": int(broken.sum()), "n": n}


_UNSEEN = object()


def _as_value(x: Any, numeric: bool) -> Any:
    if x == _MISSING:
        return _MISSING
    return float(x) if numeric else str(x)


def _name(dep: dict[str, Any]) -> str:
    if dep["kind"] == "column":
        return f"{dep['determinant']} → {dep['dependent']}"
    return f"{dep['determinant']} = {dep['when']} → {dep['dependent']} = {dep['then']}"


def dependency_breaks(
    synthetic: pd.DataFrame, real: pd.DataFrame, found: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Each dependency of ``found`` (from :func:`find_dependencies` on ``real``) with the
    share of ``synthetic`` (and real) rows that break it, the worst first: the largest
    excess ``break_share − real_break_share``.

    Adds ``name``, ``break_share`` (broken / all synthetic rows), ``break_rate`` (broken /
    synthetic rows it applies to: A seen in the real rows, or A = a), ``applies_share``
    (those rows / all synthetic rows) and ``real_break_share``; the map of a column
    dependency is left out (it is in find_dependencies' answer).
    """
    v.check_table(synthetic, "the synthetic table")
    numeric = {c: is_numeric(real[c]) for c in real.columns}
    out = []
    for dep in found:
        v.check_has_columns(
            synthetic, [dep["determinant"], dep["dependent"]], "the synthetic table"
        )
        s, r = _breaks(synthetic, dep, numeric), _breaks(real, dep, numeric)
        row = {k: x for k, x in dep.items() if k != "map"}
        row.update(
            name=_name(dep),
            break_share=s["broken"] / s["n"] if s["n"] else float("nan"),
            break_rate=s["broken"] / s["rows"] if s["rows"] else float("nan"),
            applies_share=s["rows"] / s["n"] if s["n"] else float("nan"),
            real_break_share=r["broken"] / r["n"] if r["n"] else float("nan"),
        )
        out.append(row)
    out.sort(key=lambda d: -np.nan_to_num(d["break_share"] - d["real_break_share"], nan=-1.0))
    return out


def dependencies(synthetic: pd.DataFrame, real: pd.DataFrame, **options) -> dict[str, Any]:
    """Dependencies found on ``real`` (``options``: those of :func:`find_dependencies`) and
    how ``synthetic`` breaks them: ``{"dependencies": [worst first], "n_synthetic",
    "n_real", "worst_break_share"}``."""
    found = find_dependencies(real, **options)
    rows = dependency_breaks(synthetic, real, found)
    worst = max((d["break_share"] for d in rows), default=None)
    return {
        "dependencies": rows,
        "n_synthetic": len(synthetic),
        "n_real": len(real),
        "worst_break_share": worst,
    }
