"""Issue 6 part 1 through the API: every bad input is a typed error (or a warning) that
names the column and the fix, raised before training starts."""

import warnings

import numpy as np
import pandas as pd
import pytest

from fairsynth import PTGAN, FairPTGAN
from fairsynth.errors import FairsynthWarning, InvalidDataError, InvalidParameterError

from .conftest import TINY


def _fit(df, cls=PTGAN, **kw):
    return cls(**{**TINY, **kw}).fit(df)


def _base(n=60):
    rng = np.random.default_rng(0)
    return pd.DataFrame({"x": rng.normal(size=n), "g": rng.choice(["a", "b"], n)})


@pytest.mark.parametrize(
    "table, message",
    [
        (pd.DataFrame(), "no columns"),
        (pd.DataFrame({"x": []}), "header but no rows"),
        (pd.DataFrame({"x": [1.0]}), "single row"),
        (pd.DataFrame([[1, 2], [3, 4]], columns=["a", "a"]), "duplicate column names"),
        (pd.DataFrame({"": [1, 2], "b": [1, 2]}), "has no name"),
        (pd.DataFrame({"x": [1.0, np.inf, 2.0]}), "'x' has infinite values"),
        (pd.DataFrame({"x": [1, "a", 2, 3]}), "'x' mixes numbers and text"),
        (pd.DataFrame({"x": ["1", "2", "?", "4"]}), r"kinds=\{'x': 'categorical'\}"),
        ([[1, 2]], "expects a pandas DataFrame"),
    ],
)
def test_bad_tables_raise_invalid_data(table, message):
    with pytest.raises(InvalidDataError, match=message):
        _fit(table)


def test_mixed_column_is_accepted_with_an_explicit_kind():
    df = pd.DataFrame({"x": ["1", "2", "?", "4"] * 5, "y": range(20)})
    out = _fit(df, kinds={"x": "categorical"}).sample(10, random_state=0)
    assert set(out["x"]) <= {"1", "2", "?", "4"}


@pytest.mark.parametrize(
    "column, message",
    [
        (pd.Series([np.nan] * 60), "entirely missing"),
        (pd.Series(["k"] * 60), "is constant"),
        (pd.Series([f"C-{i:04d}" for i in range(60)]), "treated as an identifier"),
    ],
)
def test_surprising_columns_warn_and_fit(column, message):
    df = _base().assign(c=column)
    with pytest.warns(FairsynthWarning, match=message):
        out = _fit(df).sample(20, random_state=0)
    assert list(out.columns) == list(df.columns)
    if message == "entirely missing":
        assert out["c"].isna().all()  # kept, reproduced as all missing
    if message == "treated as an identifier":
        assert out["c"].is_unique and out["c"].str.startswith("C-").all()


def test_many_categories_warn_with_the_memory_before_training():
    df = pd.DataFrame({"city": [f"c{i % 1500}" for i in range(3000)], "x": np.arange(3000.0)})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(df, epochs=1, batch_size=1000)
    text = " ".join(str(w.message) for w in caught if w.category is FairsynthWarning)
    assert "'city' has 1,500 categories" in text and "MB for 3,000 rows" in text


@pytest.mark.parametrize(
    "role, column, message",
    [
        ("sensitive", pd.Series(["a"] * 60), "single group"),
        ("sensitive", pd.Series(["a", None] * 30), "missing values"),
        ("target", pd.Series(["y"] * 60), "single group"),
        ("target", pd.Series(["y", None] * 30), "missing values"),
    ],
)
def test_role_columns_missing_one_group_or_nan(role, column, message):
    df = _base().assign(r=column)
    kw = {"sensitive": "g", "target": "r"} if role == "target" else {"sensitive": "r"}
    with pytest.raises(InvalidDataError, match=f"{role} column 'r' .*{message}"):
        _fit(df, FairPTGAN, **kw)


@pytest.mark.parametrize("role", ["sensitive", "target"])
def test_role_column_not_in_table(role):
    kw = {"sensitive": "g", "target": "nope"} if role == "target" else {"sensitive": "nope"}
    with pytest.raises(InvalidDataError, match=f"{role} column 'nope' is not in the table"):
        _fit(_base(), FairPTGAN, **kw)


def test_bad_alpha_and_n():
    with pytest.raises(InvalidParameterError, match=r"alpha=1.5 must lie in \[0, 1\]"):
        _fit(_base(), FairPTGAN, sensitive="g", alpha=1.5)
    model = _fit(_base())
    for n in (0, -3):
        with pytest.raises(InvalidParameterError, match="positive integer"):
            model.sample(n)
    with pytest.raises(InvalidParameterError, match=r"must lie in \[0, 1\]"):
        model.sample(5, alpha=-0.1)


def test_validation_runs_before_any_training(monkeypatch):
    from fairsynth.train import loop

    def boom(*a, **k):
        raise AssertionError("training started")

    monkeypatch.setattr(loop.TrainingLoop, "run", boom)
    with pytest.raises(InvalidDataError):
        _fit(pd.DataFrame({"x": [1.0, np.inf, 3.0]}))


def test_fuzz_finding_range_overflowing_float64_is_a_typed_error():
    df = pd.DataFrame({"x": [1e308, -7.976931e307]})
    message = "'x' has values as large as 1e.308, beyond the ±1e300"
    with pytest.raises(InvalidDataError, match=message):
        _fit(df)


def test_training_divergence_is_a_typed_error():
    from fairsynth.errors import FairsynthError, TrainingDivergedError

    assert issubclass(TrainingDivergedError, FairsynthError)
    assert issubclass(TrainingDivergedError, FloatingPointError)
