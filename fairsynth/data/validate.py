"""Checks of a training table that run before any long work (issue 6).

`validate_table` raises :class:`InvalidDataError` for tables that cannot be modelled and
emits :class:`FairsynthWarning` for tables that can, but surprise (a constant or
all-missing column, an identifier; thousands of categories are warned about, with the
memory they take, by the transformer that pays that cost). `check_group_column` is the
one check of a role column (sensitive attribute or target) that every model shares.

Decisions: an all-missing column is *kept* (warned; it is reproduced as all missing, so the
output keeps the input's columns); an identifier is *excluded* from the model (warned; new
unique values in the same style are generated); a column mixing numbers and text is an
*error* unless its kind is given explicitly, because guessing either way silently corrupts
it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from ..errors import FairsynthWarning, InvalidDataError, spelled

__all__ = ["validate_table", "check_group_column", "mixed_types", "one_hot_memory"]

_ENCODED_BYTES = 4  # float32 per encoded cell


def _human(nbytes: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if nbytes < 1024 or unit == "GB":
            return f"{nbytes:.0f} {unit}" if unit == "B" else f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    return f"{nbytes:.1f} TB"  # pragma: no cover


def one_hot_memory(n_rows: int, n_categories: int) -> str:
    """Memory of the encoded one-hot block of a column (the training matrix is float32)."""
    return _human(n_rows * n_categories * _ENCODED_BYTES)


def mixed_types(s: pd.Series) -> tuple[object, object] | None:
    """(a number, a text) found in an object column that mixes both, else None.

    Numbers are real Python/numpy numbers or text that parses as one ("12", "3.5"); a column
    is mixed when numbers are the majority but some cells are other text ("?", "n/a"), or
    when real numbers and real strings share the column (only possible through the API).
    """
    if s.dtype != object:
        return None
    nonnull = s.dropna()
    if nonnull.empty:
        return None
    types = nonnull.map(type)
    is_real_num = types.map(lambda t: issubclass(t, int | float | np.number) and t is not bool)
    is_str = types.eq(str)
    if is_real_num.any() and is_str.any():
        return nonnull[is_real_num].iloc[0], nonnull[is_str].iloc[0]
    if not is_str.all():
        return None
    text = nonnull.astype(str).str.strip()
    parsed = pd.to_numeric(text, errors="coerce")
    numeric = parsed.notna() & text.ne("")
    if numeric.mean() >= 0.5 and not numeric.all():
        return text[numeric].iloc[0], nonnull[~numeric].iloc[0]
    return None


def check_group_column(
    df: pd.DataFrame, name: str, role: str, hint: str = "", given: tuple[str, str] | None = None
) -> None:
    """The role column (`sensitive` or `target`) exists, has no missing value, ≥ 2 groups.

    given: how the caller wrote the role, in Python and CLI spelling, when it is not
    `role=name` (FairPTGAN's several sensitive columns: the list they came in)."""
    flag = {"sensitive": "--sensitive", "target": "--target"}.get(role, "--" + role)
    if name not in df.columns:
        more = hint or f"columns are: {', '.join(map(str, df.columns))}"
        raise spelled(
            InvalidDataError,
            f"{role} column {name!r} is not in the table (",
            given or (f"{role}={name!r}", f"{flag} {name}"),
            f"); {more}",
        )
    col = df[name]
    n_missing = int(col.isna().sum())
    if n_missing:
        raise InvalidDataError(
            f"{role} column {name!r} has {n_missing} missing values; drop those rows or fill "
            "them with an explicit group such as 'unknown'"
        )
    if col.nunique() < 2:
        raise InvalidDataError(
            f"{role} column {name!r} has a single group ({col.iloc[0]!r}); "
            f"{'fairness' if role == 'sensitive' else 'a label'} needs at least two groups"
        )


def _check_names(df: pd.DataFrame) -> None:
    names = [str(c) for c in df.columns]
    empty = [i for i, c in enumerate(df.columns) if str(c).strip() == "" or _unnamed(c)]
    if empty:
        raise InvalidDataError(
            f"column {empty[0] + 1} of the header has no name; give every column a name "
            "(or drop an index column written by pandas with index=False)"
        )
    seen, dup = set(), []
    for c in names:
        if c in seen and c not in dup:
            dup.append(c)
        seen.add(c)
    if dup:
        raise InvalidDataError(
            f"duplicate column names {dup}; rename them so that every column name is unique"
        )


def _unnamed(c) -> bool:
    # pandas.read_csv names a header cell left empty "Unnamed: 3"
    return isinstance(c, str) and c.startswith("Unnamed: ") and c[9:].isdigit()


def validate_table(df, kinds: dict[str, str] | None = None) -> None:
    """Raise on tables that cannot be fitted; warn about costly or surprising columns."""
    if not isinstance(df, pd.DataFrame):
        raise InvalidDataError(
            f"fit expects a pandas DataFrame, got {type(df).__name__}; "
            "load a CSV with pandas.read_csv first"
        )
    if df.shape[1] == 0:
        raise InvalidDataError("the table has no columns; fit needs at least one column")
    if len(df) == 0:
        raise InvalidDataError("the table has a header but no rows; fit needs at least 2 rows")
    if len(df) < 2:
        raise InvalidDataError(
            "the table has a single row; fit needs at least 2 rows (and many more for a "
            "useful model)"
        )
    _check_names(df)
    kinds = kinds or {}
    from .schema import ID_MIN_ROWS  # local: schema imports nothing from here

    for name in df.columns:
        s = df[name]
        n_missing = int(s.isna().sum())
        if n_missing == len(s):
            warnings.warn(
                f"column {name!r} is entirely missing; it is not modelled and comes out "
                "all missing (drop it to silence this warning)",
                FairsynthWarning,
                stacklevel=3,
            )
            continue
        if (
            pd.api.types.is_float_dtype(s.dtype)
            and name not in kinds
            and np.isinf(s.to_numpy(dtype=np.float64, na_value=np.nan)).any()
        ):
            raise InvalidDataError(
                f"column {name!r} has infinite values; replace them (e.g. with NaN)"
            )
        if (
            pd.api.types.is_numeric_dtype(s.dtype)
            and not pd.api.types.is_bool_dtype(s.dtype)
            and kinds.get(name) in (None, "continuous", "integer")
        ):
            _check_span(s, name)
        if name not in kinds:
            mixed = mixed_types(s)
            if mixed is not None:
                raise spelled(
                    InvalidDataError,
                    f"column {name!r} mixes numbers and text (e.g. {mixed[0]!r} and "
                    f"{mixed[1]!r}); to model it as categories pass ",
                    _categorical(name),
                    ", or make it numeric by replacing the text with NaN",
                )
        try:
            n_unique = int(s.nunique(dropna=True))
        except TypeError:
            continue  # unhashable cells: detect_schema raises the explanatory error
        if n_unique == 1 and kinds.get(name) is None:
            warnings.warn(
                f"column {name!r} is constant ({s.dropna().iloc[0]!r}); it is not modelled, "
                "only copied to the output",
                FairsynthWarning,
                stacklevel=3,
            )
        elif _looks_like_id(s, n_unique, len(df) - n_missing, len(df), ID_MIN_ROWS, kinds, name):
            warning = spelled(
                FairsynthWarning,
                f"column {name!r} has a distinct value in every row: treated as an identifier, "
                "excluded from the model and regenerated as new unique values; to model it "
                "pass ",
                _categorical(name),
                " (or integer)",
            )
            warnings.warn(warning, stacklevel=3)


# Found by the fuzz campaign: a column from -8e307 to 1e308 overflows float64 inside the
# encoding (ranges, quantile interpolation), the encoded rows become NaN and training
# diverges. Magnitudes up to 1e300 leave ample headroom.
MAX_MAGNITUDE = 1e300


def _categorical(name) -> tuple[str, str]:
    """`name` declared categorical, in Python and in CLI spelling."""
    return f"kinds={{{name!r}: 'categorical'}}", f"--kind {name}=categorical"


def _check_span(s: pd.Series, name) -> None:
    v = s.to_numpy(dtype=np.float64, na_value=np.nan)
    v = v[np.isfinite(v)]
    if len(v) and np.abs(v).max() > MAX_MAGNITUDE:
        raise spelled(
            InvalidDataError,
            f"column {name!r} has values as large as {np.abs(v).max():.3g}, beyond the ±1e300 "
            "fairsynth can encode without overflow; rescale it (e.g. divide by 1e300) or pass ",
            _categorical(name),
        )


def _looks_like_id(s, n_unique, n_nonnull, n_rows, min_rows, kinds, name) -> bool:
    if name in kinds:  # the user chose the kind: nothing to warn about
        return False
    from ._values import is_string_like

    integer = pd.api.types.is_integer_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype)
    textual = not isinstance(s.dtype, pd.CategoricalDtype) and is_string_like(s)
    if not (n_rows >= min_rows and n_unique == n_nonnull and (integer or textual)):
        return False
    from ._dates import date_format

    return not textual or date_format(s) is None  # unique timestamps are datetimes
