"""Exact functional dependencies of a table: columns that an earlier categorical column
determines (education → education_num on Adult, a code beside its label, ...).

A generator that models both columns draws them with a small independent error per row
(measured on Adult: 15–19 % of rows broke education → education_num). A column found here
is not modelled at all: the transformer decodes it from its source's generated value
(`DerivedEncoder`), so every generated row keeps the dependency.

Only dependencies the table supports with many rows per source value are taken, so that
a coincidence of a small table is not frozen into every generated row.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from ._columns import DerivedEncoder
from .schema import Schema

# A source is a categorical column without missing cells with at most this many values,
# seen on average in at least ROWS_PER_VALUE rows per value.
MAX_SOURCE_VALUES = 1000
ROWS_PER_VALUE = 20
SOURCE_KINDS = ("categorical", "boolean")
DERIVED_KINDS = ("categorical", "boolean", "integer", "continuous")


def find_derived(
    df: pd.DataFrame, schema: Schema, protected: Collection[str] = ()
) -> dict[str, DerivedEncoder]:
    """{column: its DerivedEncoder} for each column that an earlier source column determines
    in every row of `df`. `protected` columns (the target, the sensitive ones) are always
    modelled. A source is never itself derived, so a one-to-one pair keeps its first column."""
    n = len(df)
    codes = {s.name: pd.factorize(df[s.name], use_na_sentinel=False)[0] for s in schema.columns}
    sources = [
        s
        for s in schema.columns
        if s.kind in SOURCE_KINDS
        and not s.has_missing
        and 2 <= s.n_unique <= MAX_SOURCE_VALUES
        and n >= ROWS_PER_VALUE * s.n_unique
    ]
    found: dict[str, DerivedEncoder] = {}
    for j, spec in enumerate(schema.columns):
        if spec.kind not in DERIVED_KINDS or spec.has_missing or spec.name in protected:
            continue
        for src in sources:
            if src.name in found or schema.names.index(src.name) >= j:
                continue
            if spec.n_unique > src.n_unique or not _determines(codes[src.name], codes[spec.name]):
                continue
            _, first = np.unique(codes[src.name], return_index=True)
            column = df[src.name].iloc[first]
            found[spec.name] = DerivedEncoder(
                spec, src.name, column.tolist(), df[spec.name].iloc[first].tolist()
            )
            break
    return found


def _determines(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether every value of the codes `a` comes with one value of `b` (the first rows
    first: most pairs of a wide table fail there)."""
    for rows in (slice(0, 2000), slice(None)):
        pairs = a[rows].astype(np.int64) * (int(b.max()) + 1) + b[rows]
        if np.unique(pairs).size != np.unique(a[rows]).size:
            return False
    return True
