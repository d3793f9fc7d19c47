"""TableTransformer: round trips on Adult, tempered decoding, persistence, both modes."""

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from fairsynth.data import Span, TableTransformer, detect_schema
from fairsynth.datasets import load
from fairsynth.errors import (
    FairsynthWarning,
    InvalidDataError,
    InvalidParameterError,
    NotFittedError,
)


@pytest.fixture(scope="module")
def adult():
    return load("adult")


@pytest.fixture(scope="module")
def fitted(adult):
    return TableTransformer(random_state=0).fit(adult)


def _assert_same_table(a: pd.DataFrame, b: pd.DataFrame, exact_numeric=True):
    assert list(a.columns) == list(b.columns)
    assert (a.dtypes == b.dtypes).all(), (a.dtypes, b.dtypes)
    for c in a.columns:
        assert (a[c].isna().to_numpy() == b[c].isna().to_numpy()).all(), c
        if exact_numeric or not pd.api.types.is_numeric_dtype(a[c]):
            pd.testing.assert_series_equal(a[c], b[c], check_names=False)


def test_spans_layout(fitted, adult):
    spans = fitted.spans
    assert all(isinstance(s, Span) for s in spans)
    assert spans[0].start == 0 and spans[-1].stop == fitted.output_dim
    assert all(s.stop == t.start for s, t in zip(spans, spans[1:], strict=False))
    (age,) = fitted.spans_of("age")
    assert (age.kind, age.role, age.width) == ("scalar", "value", 1)
    (wc,) = fitted.spans_of("workclass")
    # NaN is one extra category of a categorical column
    assert (wc.kind, wc.role, wc.width) == ("onehot", "value", adult["workclass"].nunique() + 1)
    (sex,) = fitted.spans_of("sex")
    assert sex.width == 2


def test_adult_round_trip_argmax(fitted, adult):
    X = fitted.transform(adult)
    assert X.dtype == np.float32 and X.shape == (len(adult), fitted.output_dim)
    assert np.abs(X).max() <= 1.0
    for s in fitted.spans:
        if s.kind == "onehot":
            block = X[:, s.start : s.stop]
            assert set(np.unique(block)) <= {0.0, 1.0}
            assert (block.sum(axis=1) == 1).all()
    out = fitted.inverse_transform(X, decode="argmax")
    _assert_same_table(adult, out)  # integer columns exact, categories and NaN exact
    for c in adult.columns:
        if adult[c].dtype == object:
            assert set(out[c].dropna()) <= set(adult[c].dropna())


def test_spike_maps_to_one_value(fitted, adult):
    X = fitted.transform(adult)
    (span,) = fitted.spans_of("capital_gain")
    zero = X[adult["capital_gain"].to_numpy() == 0, span.start]
    assert np.unique(zero).size == 1


def test_soft_onehot_decodes_to_a_mixed_category(fitted, adult):
    rng = np.random.default_rng(1)
    X = fitted.transform(adult)
    i = rng.integers(0, len(adult), 2000)
    j = rng.integers(0, len(adult), 2000)
    alpha = rng.uniform(0.05, 0.95, (2000, 1)).astype(np.float32)
    Xt = alpha * X[i] + (1 - alpha) * X[j]
    for decode in ("argmax", "sample"):
        out = fitted.inverse_transform(Xt, decode=decode, random_state=3)
        assert (out.dtypes == adult.dtypes).all()
        for c in ("workclass", "education", "race", "sex", "native_country", "income"):
            a, b = adult[c].to_numpy()[i], adult[c].to_numpy()[j]
            got = out[c].to_numpy()
            ok = (got == a) | (got == b) | (pd.isna(got) & (pd.isna(a) | pd.isna(b)))
            assert ok.all(), c
        for c in ("age", "fnlwgt", "capital_gain", "hours_per_week"):
            assert out[c].between(adult[c].min(), adult[c].max()).all()


def test_sample_frequencies(fitted):
    (span,) = fitted.spans_of("income")
    X = np.zeros((20_000, fitted.output_dim), dtype=np.float32)
    X[:, span.start] = 0.7
    X[:, span.start + 1] = 0.3
    cats = fitted.inverse_transform(X[:1], decode="argmax")["income"].iloc[0]
    out = fitted.inverse_transform(X, decode="sample", random_state=0)["income"]
    share = (out == cats).mean()
    assert abs(share - 0.7) < 0.02
    # any positive sum is normalised; the same seed gives the same draw
    out2 = fitted.inverse_transform(X * 5, decode="sample", random_state=0)["income"]
    assert out.equals(out2)


def test_tempered_garbage_is_tolerated(fitted):
    rng = np.random.default_rng(0)
    X = rng.normal(0, 3, (500, fitted.output_dim)).astype(np.float32)
    X[0, :] = np.nan
    out = fitted.inverse_transform(X, decode="sample", random_state=0)
    assert len(out) == 500 and not out["age"].isna().any()


def test_json_round_trip(fitted, adult):
    d = fitted.to_dict()
    text = json.dumps(d, allow_nan=False)
    again = TableTransformer.from_dict(json.loads(text))
    assert again.spans == fitted.spans and again.output_dim == fitted.output_dim
    assert again.schema == fitted.schema
    X = fitted.transform(adult.head(3000))
    np.testing.assert_array_equal(again.transform(adult.head(3000)), X)
    Xt = 0.6 * X + 0.4 * X[::-1]
    for decode in ("argmax", "sample"):
        a = fitted.inverse_transform(Xt, decode=decode, random_state=5)
        b = again.inverse_transform(Xt, decode=decode, random_state=5)
        pd.testing.assert_frame_equal(a, b)


def test_mode_specific(adult):
    df = adult.sample(4000, random_state=0).reset_index(drop=True)
    tt = TableTransformer(continuous="mode", max_modes=5, random_state=0).fit(df)
    (value, mode) = tt.spans_of("age")
    assert (value.kind, mode.kind, mode.role) == ("scalar", "onehot", "mode")
    X = tt.transform(df)
    out = tt.inverse_transform(X, decode="argmax")
    _assert_same_table(df, out, exact_numeric=False)
    for c in ("age", "education_num", "hours_per_week"):
        # CTGAN clips values beyond 4 std of their mode: nearly all rows are exact
        assert (out[c] == df[c]).mean() > 0.99, c
    again = TableTransformer.from_dict(json.loads(json.dumps(tt.to_dict())))
    pd.testing.assert_frame_equal(again.inverse_transform(X, decode="argmax"), out)


def test_mode_specific_atoms_are_exact_zero_width_modes():
    # capital_gain: 0 in ~92 % of the rows. A generated row in the atom's mode must decode
    # to exactly 0 whatever its scalar, and the nonzero tail keeps its own Gaussian modes.
    rng = np.random.default_rng(0)
    gain = np.where(rng.random(5000) < 0.9, 0.0, rng.lognormal(8, 1, 5000).round())
    df = pd.DataFrame({"gain": gain, "hours": rng.choice([40.0, 20.0, 50.0], 5000)})
    df.loc[:99, "hours"] = rng.uniform(1, 99, 100).round()  # 2 % spread values: no atom
    tt = TableTransformer(continuous="mode", max_modes=6, random_state=0).fit(df)
    X = tt.transform(df)
    value, mode = tt.spans_of("gain")
    out = tt.inverse_transform(X, decode="argmax")
    assert (out["gain"] == df["gain"]).all() and (out["hours"] == df["hours"]).all()
    zero_mode = X[df["gain"].to_numpy() == 0, mode.start : mode.stop].argmax(1)
    assert len(set(zero_mode)) == 1  # every zero in one mode ...
    noisy = X.copy()
    noisy[:, value.start] = rng.uniform(-0.25, 0.25, len(X))  # ... that ignores its scalar
    again = tt.inverse_transform(noisy, decode="argmax")
    assert (again["gain"][df["gain"] == 0] == 0).all()
    assert (again["gain"][df["gain"] > 0] > 0).mean() > 0.9  # the tail stays a tail


def test_missing_spans_and_other_dtypes():
    n = 80
    rng = np.random.default_rng(0)
    df = pd.DataFrame(
        {
            "x": np.where(np.arange(n) % 4 == 0, np.nan, rng.normal(size=n).round(3)),
            "k": np.where(np.arange(n) % 5 == 0, np.nan, rng.integers(0, 50, n)),
            "n": pd.array(
                np.where(np.arange(n) % 3 == 0, None, rng.integers(0, 9, n)), dtype="Int64"
            ),
            "t": pd.Series(pd.date_range("2020-01-01", periods=n, freq="h")).where(
                np.arange(n) % 6 != 0
            ),
            "c": pd.Categorical(rng.choice(["a", "b"], n), categories=["a", "b", "z"]),
            "b": rng.random(n) > 0.5,
            "s": pd.array(rng.choice(["p", "", "ü"], n), dtype="string"),
            "id": np.arange(1000, 1000 + n),
            "code": [f"U{i:05d}" for i in range(n)],
            "const": "same",
            "const_nan": np.where(np.arange(n) % 2 == 0, 3.0, np.nan),
        }
    )
    tt = TableTransformer(random_state=0).fit(df)
    kinds = {c.name: c.kind for c in tt.schema.columns}
    assert kinds["id"] == "id" and kinds["code"] == "id" and kinds["const_nan"] == "constant"
    assert [s.role for s in tt.spans_of("x")] == ["value", "missing"]
    assert [s.role for s in tt.spans_of("const_nan")] == ["missing"]
    assert tt.spans_of("id") == [] and tt.spans_of("const") == []
    X = tt.transform(df)
    (xs, xm) = tt.spans_of("x")
    assert (X[df["x"].isna().to_numpy(), xs.start] == 0).all()
    out = tt.inverse_transform(X, decode="argmax")
    assert list(out.columns) == list(df.columns)
    assert (out.dtypes == df.dtypes).all()
    for c in ("x", "k", "n", "t", "c", "b", "s", "const", "const_nan"):
        pd.testing.assert_series_equal(out[c], df[c], check_names=False)
    assert out["id"].tolist() == list(range(1000, 1000 + n))
    assert out["code"].is_unique and out["code"].str.match(r"^U\d{5}$").all()
    assert list(out["c"].cat.categories) == ["a", "b", "z"]
    big = tt.inverse_transform(np.zeros((3 * n, tt.output_dim), np.float32), decode="sample")
    assert big["id"].is_unique and big["code"].is_unique


def test_wide_categorical_warns():
    df = pd.DataFrame({"c": [f"v{i % 1200}" for i in range(2400)], "x": np.arange(2400) % 7})
    with pytest.warns(FairsynthWarning, match="1201|1200"):
        TableTransformer().fit(df)


def test_errors(fitted, adult):
    with pytest.raises(NotFittedError):
        TableTransformer().transform(adult)
    with pytest.raises(InvalidParameterError):
        TableTransformer(continuous="gmm")
    with pytest.raises(InvalidParameterError):
        TableTransformer(n_quantiles=1)
    with pytest.raises(InvalidParameterError):
        fitted.inverse_transform(np.zeros((2, fitted.output_dim)), decode="mode")
    with pytest.raises(InvalidDataError, match="shape"):
        fitted.inverse_transform(np.zeros((2, 3)))
    with pytest.raises(InvalidDataError, match="workclass"):
        bad = adult.head(10).copy()
        bad.loc[0, "workclass"] = "Astronaut"
        fitted.transform(bad)
    with pytest.raises(InvalidDataError, match="lacks"):
        fitted.transform(adult.drop(columns="age"))
    with pytest.raises(InvalidParameterError):
        fitted.spans_of("nope")
    with pytest.raises(InvalidDataError):
        TableTransformer().fit(adult, detect_schema(adult.drop(columns="age")))


def test_subsampled_fit_is_seeded(adult):
    a = TableTransformer(max_fit_rows=500, random_state=1).fit(adult).to_dict()
    b = TableTransformer(max_fit_rows=500, random_state=1).fit(adult).to_dict()
    assert a == b
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tt = TableTransformer(max_fit_rows=500, random_state=1).fit(adult)
    out = tt.inverse_transform(tt.transform(adult), decode="argmax")
    assert out["fnlwgt"].min() == adult["fnlwgt"].min()
    assert out["fnlwgt"].max() == adult["fnlwgt"].max()
