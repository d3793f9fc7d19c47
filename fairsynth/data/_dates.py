"""ISO-like date and timestamp text: detection, parsing and writing back (issue 15).

A text column is a date column when every non-null cell matches one pattern of the form
``YYYY-MM-DD`` (or ``YYYY/MM/DD``), optionally followed by ``T`` or a space and
``HH:MM``, ``HH:MM:SS`` or ``HH:MM:SS.fff…`` (1 to 9 digits), optionally followed by
``Z`` or a UTC offset (``+02:00``, ``+0200``) — the same pattern in every cell, and every
cell a real date. :func:`date_format` returns that pattern as a format string, stored in
the column's spec; :func:`format_dates` writes datetimes back in it, so a column read as
``2021-03-04 12:30:00`` comes out as ``2021-03-04 12:30:00``, not ``2021-03-04T12:30:00``
nor ``2021-03-04 12:30:00.000000``.

The format string is strftime's, with two additions that strftime lacks: ``%<n>f`` (n
fractional digits, 1 to 9) and, for offsets, the literal offset of the input when every
cell has the same one (cells with offsets are parsed in UTC; with several offsets the
values are written in UTC, ``+00:00``).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

__all__ = ["date_format", "parse_dates", "format_dates"]

_PATTERN = re.compile(
    r"(?P<date>\d{4}(?P<dsep>[-/])\d{2}(?P=dsep)\d{2})"
    r"(?:(?P<tsep>[T ])(?P<hm>\d{2}:\d{2})(?P<sec>:\d{2}(?P<frac>\.\d{1,9})?)?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?)?"
)
# cells probed before the whole column is matched (a quick no for most text columns)
_PROBE = 50


def _shape(m: re.Match) -> tuple:
    frac = m.group("frac")
    return (
        m.group("dsep"),
        m.group("tsep"),
        m.group("sec") is not None,
        0 if frac is None else len(frac) - 1,
        m.group("zone"),
    )


def date_format(s: pd.Series) -> str | None:
    """The format of a text column of ISO-like dates (module docstring), else None."""
    values = s.dropna()
    if values.empty or not all(isinstance(v, str) for v in values.iloc[:_PROBE]):
        return None
    uniq = pd.unique(values.to_numpy(dtype=object))
    if not all(isinstance(v, str) for v in uniq):
        return None
    first = _PATTERN.fullmatch(uniq[0])
    if first is None:
        return None
    dsep, tsep, sec, frac, zone = _shape(first)
    zones = set()
    for v in uniq:
        m = _PATTERN.fullmatch(v)
        if m is None:
            return None
        shape = _shape(m)
        if shape[:4] != (dsep, tsep, sec, frac) or (shape[4] is None) != (zone is None):
            return None
        zones.add(shape[4])
    fmt = f"%Y{dsep}%m{dsep}%d"
    if tsep is not None:
        fmt += f"{tsep}%H:%M" + (":%S" if sec else "") + (f".%{frac}f" if frac else "")
        if zone is not None:
            fmt += zone if len(zones) == 1 and zone == "Z" else _one_offset(zones)
    if parse_dates(pd.Series(uniq, dtype=object), fmt).isna().any():
        return None  # e.g. 2021-02-30: looks like a date, is not one
    return fmt


def _one_offset(zones: set[str]) -> str:
    if len(zones) == 1:
        return next(iter(zones))
    return "+00:00"


_OFFSET = re.compile(r"([+-])(\d{2}):?(\d{2})$")


def _has_zone(fmt: str | None) -> bool:
    return fmt is not None and (fmt.endswith("Z") or _OFFSET.search(fmt) is not None)


def parse_dates(s: pd.Series, fmt: str | None) -> pd.Series:
    """Datetimes of text `s` (naive, in UTC when the text has a zone); NaT where missing or
    not a date."""
    text = s.astype(object).where(s.notna(), None)
    if fmt is not None and fmt.startswith("%Y/"):
        text = text.str.replace("/", "-", n=2)
    has_zone = _has_zone(fmt)
    out = pd.to_datetime(text, errors="coerce", format="ISO8601", utc=has_zone)
    if has_zone:
        out = out.dt.tz_localize(None)
    return out


def format_dates(idx: pd.DatetimeIndex, fmt: str) -> np.ndarray:
    """Text of `idx` in format `fmt` (object array; None where NaT). `idx` is naive, in UTC
    when `fmt` ends with a zone (shifted here to the format's offset)."""
    off = _OFFSET.search(fmt) if not fmt.endswith("Z") else None
    if off is not None:
        sign = 1 if off.group(1) == "+" else -1
        idx = idx + sign * pd.Timedelta(hours=int(off.group(2)), minutes=int(off.group(3)))
    m = re.search(r"%(\d)f", fmt)
    if m is None:
        out = idx.strftime(fmt)
    else:
        digits = int(m.group(1))
        head, tail = fmt[: m.start()], fmt[m.end() :]
        ns = (idx.asi8 % 10**9) // 10 ** (9 - digits)
        frac = pd.Index(ns).astype(str).str.zfill(digits)
        out = idx.strftime(head) + frac + idx.strftime(tail) if tail else idx.strftime(head) + frac
    arr = np.asarray(out, dtype=object)
    arr[np.asarray(idx.isna())] = None
    return arr
