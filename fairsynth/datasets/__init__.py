"""Bundled public tables, shipped as package data beside this file; toys: `fairsynth.toy`.

The tables and their cards (README.md, adult.md, german_credit.md) live inside the package
so that an installed wheel has them, not only a source checkout.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import InvalidParameterError

__all__ = ["list_datasets", "load", "path", "DATASETS_DIR"]

DATASETS_DIR = Path(__file__).resolve().parent

_CARDS = {
    "adult": "UCI Adult, training split: 32,561 rows x 15 columns; target income (>50K); "
    "sensitive sex, race",
    "adult_test": "UCI Adult, test split: 16,281 rows x 15 columns; target income (>50K); "
    "sensitive sex, race",
    "german_credit": "UCI Statlog German Credit: 1,000 rows x 22 columns; target credit_risk "
    "(good); sensitive sex, age",
}


def list_datasets() -> dict[str, str]:
    """Names of the bundled tables with a one-line description of each."""
    return dict(_CARDS)


def path(name: str) -> Path:
    """Path of the compressed CSV of a bundled table."""
    if name not in _CARDS:
        raise InvalidParameterError(
            f"unknown dataset {name!r}; bundled datasets are: {', '.join(_CARDS)}"
        )
    return DATASETS_DIR / f"{name}.csv.gz"


def load(name: str) -> pd.DataFrame:
    """Load a bundled table as a DataFrame (missing values as NaN)."""
    return pd.read_csv(path(name))
