"""Results tables shared by the benchmark scripts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd


def upsert_csv(new: pd.DataFrame, path: Path, key: list[str]) -> pd.DataFrame:
    """Write `new` to `path`, keeping the earlier rows whose `key` this run did not redo."""
    if path.exists():
        old = pd.read_csv(path)
        for column in key:  # a key column added after the file was written
            if column not in old:
                old[column] = pd.NA
        old = old[~old.set_index(key).index.isin(new.set_index(key).index)]
        new = pd.concat([old, new], ignore_index=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    new.to_csv(path, index=False)
    return new


def parse_settings(items: list[str]) -> dict:
    """`--set key=value` options as model keywords (JSON values, else the text itself)."""
    import json

    params = {}
    for item in items:
        key, value = item.split("=", 1)
        try:
            params[key] = json.loads(value)
        except json.JSONDecodeError:
            params[key] = value
    return params
