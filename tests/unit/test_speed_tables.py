"""The generated tables of benchmarks/speed.py: documented shape and kinds, deterministic."""

import importlib.util
from collections import Counter
from pathlib import Path

import pandas as pd
import pytest

from fairsynth.data import detect_schema

SPEED = Path(__file__).resolve().parents[2] / "benchmarks" / "speed.py"


@pytest.fixture(scope="module")
def speed():
    spec = importlib.util.spec_from_file_location("speed_benchmark", SPEED)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_wide_table_shape_and_kinds(speed):
    df = speed.wide_table(10_000, seed=0)
    assert df.shape == (10_000, 50)
    kinds = {c.name: c.kind for c in detect_schema(df).columns}
    numeric = [c for c in df if c.startswith("num_")]
    assert len(numeric) == 20
    assert all(kinds[c] in ("continuous", "integer") for c in numeric)
    assert Counter(kinds[c] for c in numeric)["integer"] >= 4  # counts, spikes, ages
    assert not df[numeric].isna().any().any()  # CTGAN refuses missing numbers
    low = [c for c in df if c.startswith("cat_")]
    assert len(low) == 23 and df["sex"].nunique() == 2
    assert [df[c].nunique() for c in low] == speed.category_counts(24)
    assert min(speed.category_counts(24)) == 3 and max(speed.category_counts(24)) == 50
    high = [c for c in df if c.startswith("hc_")]
    assert len(high) == 5 and all(900 < df[c].nunique() <= 1000 for c in high)
    assert sorted(df["target"].unique()) == ["no", "yes"]
    assert all(kinds[c] == "categorical" for c in [*low, *high, "sex", "target"])
    assert sorted(speed.discrete_columns(df)) == sorted([*low, *high, "sex", "target"])


def test_tables_are_deterministic(speed):
    pd.testing.assert_frame_equal(speed.wide_table(500, seed=1), speed.wide_table(500, seed=1))
    assert not speed.wide_table(500, seed=1).equals(speed.wide_table(500, seed=2))


def test_other_tables_have_documented_widths(speed):
    assert speed.preprocess_table(1000).shape == (1000, 20)
    assert speed.scale_table(1000).shape == (1000, 40)
    assert speed.preprocess_table(1000).select_dtypes("number").shape[1] == 10
