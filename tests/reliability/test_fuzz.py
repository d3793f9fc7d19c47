"""Issue 6 part 5: hypothesis-generated tables through fit -> sample -> schema check.

Every table either fits and samples rows with the same columns, dtypes and (for category
columns) categories within the training ones, or fails with a FairsynthError; never with
any other exception. The bounded run is part of `make test`; the campaign is `slow`.
"""

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from fairsynth import PTGAN
from fairsynth.errors import FairsynthError

TINY = dict(epochs=1, generator_dims=(8,), critic_dims=(8,), noise_dim=4, batch_size=64)

text = st.text(st.characters(exclude_categories=("Cs",)), max_size=6)
floats = st.floats(allow_nan=True, allow_infinity=False, width=64) | st.sampled_from(
    [1e308, -1e308, 5e-324, 0.0, -0.0]
)


@st.composite
def tables(draw):
    n = draw(st.integers(2, 40))
    ncols = draw(st.integers(1, 4))
    cols = {}
    for i in range(ncols):
        kind = draw(
            st.sampled_from(
                ["float", "int", "text", "bool", "datetime", "mixed", "single", "category", "nan"]
            )
        )
        if kind == "float":
            v = draw(st.lists(floats, min_size=n, max_size=n))
        elif kind == "int":
            v = draw(st.lists(st.integers(-(2**62), 2**62), min_size=n, max_size=n))
        elif kind == "text":
            v = draw(st.lists(st.none() | text, min_size=n, max_size=n))
        elif kind == "bool":
            v = draw(st.lists(st.booleans(), min_size=n, max_size=n))
        elif kind == "datetime":
            v = pd.to_datetime(
                draw(
                    st.lists(
                        st.none()
                        | st.datetimes(pd.Timestamp("1700-01-01"), pd.Timestamp("2200-01-01")),
                        min_size=n,
                        max_size=n,
                    )
                )
            )
        elif kind == "mixed":
            v = draw(
                st.lists(st.none() | st.integers(-5, 5) | text | floats, min_size=n, max_size=n)
            )
        elif kind == "single":
            v = [draw(st.integers() | text)] * n
        elif kind == "category":
            v = pd.Categorical(
                draw(st.lists(st.sampled_from(["a", "b", "ü", ""]), min_size=n, max_size=n))
            )
        else:
            v = [np.nan] * n
        cols[f"c{i}_{kind}"] = v
    return pd.DataFrame(cols)


def check_roundtrip(df: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            model = PTGAN(**TINY, random_state=0).fit(df)
            out = model.sample(17, random_state=0)
        except FairsynthError as exc:
            event(f"rejected: {type(exc).__name__}: {' '.join(str(exc).split()[2:6])}")
            return
    event("fitted and sampled")
    assert list(out.columns) == list(df.columns) and len(out) == 17
    for c in df.columns:
        assert out[c].dtype == df[c].dtype, (c, df[c].dtype, out[c].dtype)
        if isinstance(df[c].dtype, pd.CategoricalDtype):
            assert set(out[c].dropna()) <= set(df[c].dropna())


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tables())
def test_fuzz_fit_sample_schema(df):
    check_roundtrip(df)


@pytest.mark.slow
@settings(
    max_examples=2000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(tables())
def test_fuzz_campaign(df):
    check_roundtrip(df)
