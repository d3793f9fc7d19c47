"""Column kinds of a table and how they are detected.

A :class:`Schema` is the list of :class:`ColumnSpec` of a table, in column order. It records
for each column its *kind* (how it is modelled), its pandas dtype (so decoding returns the
same dtype) and whatever else decoding needs (the categories of a ``category`` dtype, the
time zone and unit of a datetime column). Everything is JSON-safe through ``to_dict``.

Detection rules (:func:`detect_schema`), applied in this order to each column:

1. **constant** — exactly one distinct non-null value, or every cell missing. A constant
   column that also has missing cells keeps ``has_missing=True`` (the transformer models
   only its missing pattern).
2. **boolean** — ``bool`` or ``boolean`` dtype.
3. **datetime** — ``datetime64`` dtype (tz-naive or tz-aware, any unit), or text whose
   every cell is an ISO-like date or timestamp in one format (``2021-03-04``,
   ``2021-03-04 12:30:00``, ``2021-03-04T12:30:00Z``...: ``_dates.py``), whose format is
   recorded so the output writes them back the same way. Unique timestamps are not ids.
4. **id** — an integer-dtype or string column (``string`` dtype, or ``object`` whose non-null
   cells are all ``str``) whose non-null values are all distinct, in a table of at least
   :data:`ID_MIN_ROWS` (50) rows. A float column is never an id.
5. **integer** — an integer dtype (``int64``, ``Int64``, ``uint8``...), or a float dtype
   whose non-null values are all integral (e.g. an integer column with NaN read by
   ``read_csv``).
6. **continuous** — any other float dtype.
7. **categorical** — ``object``, ``string`` and ``category`` dtypes (and anything else).

``kinds={"col": "kind"}`` overrides the rules for the named columns.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError
from ._dates import date_format
from ._values import decode_value, encode_value, is_string_like

__all__ = ["KINDS", "ID_MIN_ROWS", "ColumnSpec", "Schema", "detect_schema"]

KINDS = ("continuous", "integer", "categorical", "boolean", "datetime", "id", "constant")
ID_MIN_ROWS = 50


@dataclass
class ColumnSpec:
    """One column of a table.

    Attributes:
        name: column name.
        kind: one of :data:`KINDS`.
        dtype: ``str`` of the pandas dtype (``"int64"``, ``"object"``, ``"category"``,
            ``"datetime64[ns, UTC]"``...).
        has_missing: whether the column has missing cells (NaN/None/NA/NaT).
        n_unique: number of distinct non-null values.
        categories: the categories of a ``category`` dtype (in dtype order), else None.
        ordered: whether that ``category`` dtype is ordered.
        tz: time zone name of a tz-aware datetime column, else None.
        unit: resolution of a datetime column (``"ns"``, ``"us"``, ``"ms"``, ``"s"``).
        format: the text format of a datetime column read from text (``"%Y-%m-%d"``...),
            else None.
    """

    name: str
    kind: str
    dtype: str
    has_missing: bool
    n_unique: int = 0
    categories: list[Any] | None = None
    ordered: bool = False
    tz: str | None = None
    unit: str | None = None
    format: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe dict (category labels through ``encode_value``)."""
        return {
            "name": self.name,
            "kind": self.kind,
            "dtype": self.dtype,
            "has_missing": bool(self.has_missing),
            "n_unique": int(self.n_unique),
            "categories": None
            if self.categories is None
            else [encode_value(c) for c in self.categories],
            "ordered": bool(self.ordered),
            "tz": self.tz,
            "unit": self.unit,
            "format": self.format,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> ColumnSpec:
        cats = d.get("categories")
        return cls(
            name=d["name"],
            kind=d["kind"],
            dtype=d["dtype"],
            has_missing=bool(d["has_missing"]),
            n_unique=int(d.get("n_unique", 0)),
            categories=None if cats is None else [decode_value(c) for c in cats],
            ordered=bool(d.get("ordered", False)),
            tz=d.get("tz"),
            unit=d.get("unit"),
            format=d.get("format"),
        )


@dataclass
class Schema:
    """The ordered list of column specs of a table."""

    columns: list[ColumnSpec] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def __getitem__(self, name: str) -> ColumnSpec:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"no column {name!r} in the schema; columns are: {', '.join(self.names)}")

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self.columns)

    def __iter__(self):
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def categorical_candidates(self, max_categories: int = 10) -> list[str]:
        """Names of categorical/boolean columns with 2..``max_categories`` distinct values.

        These are the columns a user could pick as the sensitive attribute.
        """
        return [
            c.name
            for c in self.columns
            if c.kind in ("categorical", "boolean") and 2 <= c.n_unique <= max_categories
        ]

    def to_dict(self) -> dict[str, Any]:
        return {"columns": [c.to_dict() for c in self.columns]}

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Schema:
        return cls(columns=[ColumnSpec.from_dict(c) for c in d["columns"]])


# --------------------------------------------------------------------------------------
# detection


def check_table(df: Any) -> None:
    if not isinstance(df, pd.DataFrame):
        raise InvalidDataError(
            f"expected a pandas DataFrame, got {type(df).__name__}; "
            "load your CSV with pandas.read_csv first"
        )
    if df.shape[0] == 0 or df.shape[1] == 0:
        raise InvalidDataError(
            f"the table is empty ({df.shape[0]} rows x {df.shape[1]} columns); "
            "fairsynth needs at least one row and one column"
        )
    dup = df.columns[df.columns.duplicated()].unique().tolist()
    if dup:
        raise InvalidDataError(
            f"duplicate column names {dup!r}; rename them so that every column name is unique"
        )
    bad = [c for c in df.columns if not isinstance(c, str)]
    if bad:
        raise InvalidDataError(
            f"column names must be strings, got {bad[:5]!r}; "
            "rename them, e.g. df.columns = df.columns.astype(str)"
        )


def _is_float(s: pd.Series) -> bool:
    return pd.api.types.is_float_dtype(s.dtype)


def _is_int(s: pd.Series) -> bool:
    return pd.api.types.is_integer_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)


def _is_bool(s: pd.Series) -> bool:
    return pd.api.types.is_bool_dtype(s.dtype)


def _is_datetime(s: pd.Series) -> bool:
    return pd.api.types.is_datetime64_any_dtype(s.dtype)


def _float_values(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


def _all_integral(s: pd.Series) -> bool:
    v = _float_values(s)
    v = v[~np.isnan(v)]
    return bool(np.all(np.isfinite(v)) and np.all(v == np.round(v)))


def _detect_kind(s: pd.Series, n_unique: int, n_nonnull: int, n_rows: int) -> str:
    if n_unique <= 1:
        return "constant"
    if _is_bool(s):
        return "boolean"
    if _is_datetime(s):
        return "datetime"
    if (
        n_rows >= ID_MIN_ROWS
        and n_unique == n_nonnull
        and (_is_int(s) or (not isinstance(s.dtype, pd.CategoricalDtype) and is_string_like(s)))
    ):
        return "id"
    if _is_int(s):
        return "integer"
    if _is_float(s):
        return "integer" if _all_integral(s) else "continuous"
    return "categorical"


def _is_date_text_candidate(s: pd.Series) -> bool:
    return not isinstance(s.dtype, pd.CategoricalDtype) and is_string_like(s)


def _check_override(s: pd.Series, name: str, kind: str, n_unique: int) -> None:
    """Raise InvalidDataError when ``kind`` cannot model column ``s``."""
    if kind in ("continuous", "integer"):
        if _is_bool(s) or _is_datetime(s) or isinstance(s.dtype, pd.CategoricalDtype):
            raise InvalidDataError(
                f"column {name!r} ({s.dtype}) cannot be modelled as {kind!r}; "
                "use 'categorical' (or 'boolean' / 'datetime' for those dtypes)"
            )
        if pd.api.types.is_numeric_dtype(s.dtype):
            v = _float_values(s)
            if np.isinf(v).any():
                raise InvalidDataError(f"column {name!r} has infinite values; replace them")
            return
        nonnull = s.dropna()
        try:
            v = pd.to_numeric(nonnull.astype(object), errors="raise")
        except (ValueError, TypeError) as exc:
            raise InvalidDataError(
                f"column {name!r} cannot be modelled as {kind!r}: its values do not all "
                f"parse as numbers ({exc}); use 'categorical'"
            ) from None
        if not np.isfinite(np.asarray(v, dtype=np.float64)).all():
            raise InvalidDataError(f"column {name!r} has infinite values; replace them")
    elif kind == "datetime":
        if _is_datetime(s):
            return
        if not is_string_like(s):
            raise InvalidDataError(
                f"column {name!r} ({s.dtype}) cannot be modelled as 'datetime': only datetime64 "
                "columns and text columns of dates can; convert it with pandas.to_datetime"
            )
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # "could not infer format"
                pd.to_datetime(s.dropna(), errors="raise")
        except (ValueError, TypeError) as exc:
            raise InvalidDataError(
                f"column {name!r} cannot be modelled as 'datetime': its values do not all parse "
                f"as dates ({exc}); use 'categorical'"
            ) from None
    elif kind == "id" and not (
        (pd.api.types.is_numeric_dtype(s.dtype) and not _is_bool(s)) or is_string_like(s)
    ):
        raise InvalidDataError(
            f"column {name!r} ({s.dtype}) cannot be modelled as 'id': only numeric and text "
            "columns can be regenerated as identifiers"
        )
    elif kind == "boolean" and n_unique > 2:
        raise InvalidDataError(
            f"column {name!r} has {n_unique} distinct values and cannot be modelled as "
            "'boolean'; use 'categorical'"
        )


def detect_schema(df: pd.DataFrame, kinds: dict[str, str] | None = None) -> Schema:
    """Detect the kind of every column of ``df`` (rules in the module docstring).

    Args:
        df: the table.
        kinds: optional ``{column: kind}`` overrides; each kind one of :data:`KINDS`.

    Raises:
        InvalidDataError: ``df`` is not a non-empty DataFrame, has duplicate or non-string
            column names, or an override cannot model its column (e.g. ``"continuous"`` on
            text that does not parse as numbers).
        InvalidParameterError: ``kinds`` names an unknown column or an unknown kind.
    """
    check_table(df)
    kinds = dict(kinds or {})
    for col, kind in kinds.items():
        if col not in df.columns:
            raise InvalidParameterError(
                f"kinds names column {col!r}, which is not in the table; "
                f"columns are: {', '.join(map(str, df.columns))}"
            )
        if kind not in KINDS:
            raise InvalidParameterError(
                f"unknown kind {kind!r} for column {col!r}; allowed kinds: {', '.join(KINDS)}"
            )
    n_rows = len(df)
    specs: list[ColumnSpec] = []
    for name in df.columns:
        s = df[name]
        isna = s.isna()
        n_missing = int(isna.sum())
        n_nonnull = n_rows - n_missing
        try:
            n_unique = int(s.nunique(dropna=True))
        except TypeError:  # unhashable cells (lists, dicts)
            raise InvalidDataError(
                f"column {name!r} holds unhashable values (lists or dicts); "
                "convert them to strings or drop the column"
            ) from None
        fmt = None
        if name in kinds:
            kind = kinds[name]
            _check_override(s, name, kind, n_unique)
            if kind == "datetime" and not _is_datetime(s):
                fmt = date_format(s)
        else:
            kind = _detect_kind(s, n_unique, n_nonnull, n_rows)
            if kind in ("id", "categorical") and _is_date_text_candidate(s):
                fmt = date_format(s)
                kind = "datetime" if fmt is not None else kind
            if kind in ("integer", "continuous") and np.isinf(_float_values(s)).any():
                raise InvalidDataError(
                    f"column {name!r} has infinite values; replace them (e.g. with NaN)"
                )
        spec = ColumnSpec(
            name=name,
            kind=kind,
            dtype=str(s.dtype),
            has_missing=n_missing > 0,
            n_unique=n_unique,
            format=fmt,
        )
        if isinstance(s.dtype, pd.CategoricalDtype):
            spec.categories = list(s.dtype.categories)
            spec.ordered = bool(s.dtype.ordered)
        if _is_datetime(s):
            tz = getattr(s.dtype, "tz", None)
            spec.tz = None if tz is None else str(tz)
            spec.unit = str(s.dt.unit)
        specs.append(spec)
    return Schema(columns=specs)
