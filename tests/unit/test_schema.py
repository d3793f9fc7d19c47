"""Column-kind detection, overrides and errors of fairsynth.data.schema."""

import json

import numpy as np
import pandas as pd
import pytest

from fairsynth.data import KINDS, ColumnSpec, Schema, detect_schema
from fairsynth.errors import InvalidDataError, InvalidParameterError


def _frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "cont": rng.normal(size=n),
            "int": rng.integers(0, 5, size=n),
            "int_nan": np.where(np.arange(n) % 7 == 0, np.nan, rng.integers(0, 9, size=n)),
            "nullable": pd.array(
                np.where(np.arange(n) % 5 == 0, None, 3 + np.arange(n) % 4), dtype="Int64"
            ),
            "cat": rng.choice(["a", "b", "c"], size=n),
            "catdtype": pd.Categorical(rng.choice(["x", "y"], size=n), categories=["x", "y", "z"]),
            "text": pd.array(rng.choice(["u", "v"], size=n), dtype="string"),
            "flag": rng.random(n) > 0.5,
            "nflag": pd.array(
                np.where(np.arange(n) % 3 == 0, None, np.arange(n) % 2 == 0), dtype="boolean"
            ),
            "when": pd.date_range("2020-01-01", periods=n, freq="D"),
            "row_id": np.arange(100, 100 + n),
            "code": [f"C-{i:04d}" for i in range(n)],
            "const": 7,
            "const_nan": np.where(np.arange(n) % 2 == 0, "k", None),
            "all_nan": np.full(n, np.nan),
            "float_unique": rng.normal(size=n),
        }
    )


def test_detects_every_kind():
    schema = detect_schema(_frame())
    got = {c.name: c.kind for c in schema.columns}
    assert got == {
        "cont": "continuous",
        "int": "integer",
        "int_nan": "integer",
        "nullable": "integer",
        "cat": "categorical",
        "catdtype": "categorical",
        "text": "categorical",
        "flag": "boolean",
        "nflag": "boolean",
        "when": "datetime",
        "row_id": "id",
        "code": "id",
        "const": "constant",
        "const_nan": "constant",
        "all_nan": "constant",
        "float_unique": "continuous",  # a float column is never an id
    }
    assert set(got.values()) == set(KINDS)
    assert schema["int_nan"].dtype == "float64" and schema["int_nan"].has_missing
    assert schema["nullable"].dtype == "Int64"
    assert schema["catdtype"].categories == ["x", "y", "z"]
    assert schema["when"].unit == "ns" and schema["when"].tz is None
    assert schema["const_nan"].has_missing and not schema["const"].has_missing
    assert schema.names == list(_frame().columns)


def test_id_needs_50_rows():
    small = _frame(20)
    schema = detect_schema(small)
    assert schema["row_id"].kind == "integer"
    assert schema["code"].kind == "categorical"


def test_tz_datetime():
    df = pd.DataFrame({"t": pd.date_range("2021-03-01", periods=5, freq="h", tz="Europe/Paris")})
    spec = detect_schema(df)["t"]
    assert spec.kind == "datetime" and spec.tz == "Europe/Paris"


def test_overrides():
    df = _frame()
    df["numtext"] = [str(i % 9) for i in range(len(df))]
    df["datetext"] = [f"2020-01-{1 + i % 28:02d}" for i in range(len(df))]
    schema = detect_schema(
        df,
        kinds={
            "int": "categorical",
            "row_id": "integer",
            "numtext": "continuous",
            "datetext": "datetime",
            "cont": "id",
        },
    )
    assert schema["int"].kind == "categorical"
    assert schema["row_id"].kind == "integer"
    assert schema["numtext"].kind == "continuous"
    assert schema["datetext"].kind == "datetime"
    assert schema["cont"].kind == "id"


def test_override_errors():
    df = _frame()
    with pytest.raises(InvalidParameterError, match="nope"):
        detect_schema(df, kinds={"nope": "integer"})
    with pytest.raises(InvalidParameterError, match="allowed kinds"):
        detect_schema(df, kinds={"cat": "text"})
    with pytest.raises(InvalidDataError, match="'cat'"):
        detect_schema(df, kinds={"cat": "continuous"})
    with pytest.raises(InvalidDataError, match="'cat'"):
        detect_schema(df, kinds={"cat": "datetime"})
    with pytest.raises(InvalidDataError, match="'int'"):
        detect_schema(df, kinds={"int": "boolean"})
    with pytest.raises(InvalidDataError, match="'flag'"):
        detect_schema(df, kinds={"flag": "integer"})


def test_table_errors():
    with pytest.raises(InvalidDataError, match="DataFrame"):
        detect_schema([[1, 2]])
    with pytest.raises(InvalidDataError, match="empty"):
        detect_schema(pd.DataFrame({"a": []}))
    with pytest.raises(InvalidDataError, match="empty"):
        detect_schema(pd.DataFrame())
    dup = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(InvalidDataError, match="duplicate"):
        detect_schema(dup)
    with pytest.raises(InvalidDataError, match="strings"):
        detect_schema(pd.DataFrame([[1, 2]]))
    with pytest.raises(InvalidDataError, match="infinite"):
        detect_schema(pd.DataFrame({"x": [1.5, np.inf, 2.5]}))


def test_categorical_candidates():
    schema = detect_schema(_frame())
    assert schema.categorical_candidates() == ["cat", "catdtype", "text", "flag", "nflag"]
    assert schema.categorical_candidates(max_categories=2) == ["catdtype", "text", "flag", "nflag"]


def test_dict_round_trip():
    schema = detect_schema(_frame())
    d = json.loads(json.dumps(schema.to_dict(), allow_nan=False))
    assert Schema.from_dict(d) == schema
    spec = ColumnSpec("c", "categorical", "category", False, 3, [1, 2.5, "x", True])
    assert ColumnSpec.from_dict(json.loads(json.dumps(spec.to_dict()))) == spec
