"""Columns an earlier column determines are decoded from it, not modelled (data/_derived.py)."""

import numpy as np
import pandas as pd
import pytest

from fairsynth.data import TableTransformer
from fairsynth.data._derived import ROWS_PER_VALUE, find_derived
from fairsynth.data.schema import detect_schema


def _table(n=600, seed=0):
    rng = np.random.default_rng(seed)
    level = rng.choice(["low", "mid", "high"], n, p=[0.5, 0.3, 0.2])
    return pd.DataFrame(
        {
            "level": level,
            "level_code": pd.Series(level).map({"low": 1, "mid": 2, "high": 3}),
            "label": pd.Series(level).map({"low": "L", "mid": "M", "high": "H"}),
            "noisy": np.where(rng.random(n) < 0.99, level, "low"),  # almost, not always
            "x": rng.normal(size=n),
        }
    )


def _derived(df, protected=()):
    return {k: e.source for k, e in find_derived(df, detect_schema(df), protected).items()}


def test_a_column_determined_by_an_earlier_one_is_derived_from_the_first_of_a_pair():
    # level ↔ label is one-to-one: the first column stays modelled, the second is derived
    assert _derived(_table()) == {"level_code": "level", "label": "level"}


def test_protected_columns_and_near_dependencies_stay_modelled():
    df = _table()
    assert _derived(df, protected={"label"}) == {"level_code": "level"}
    assert "noisy" not in _derived(df)


def test_a_dependency_seen_on_too_few_rows_per_value_is_not_taken():
    df = _table(n=3 * ROWS_PER_VALUE - 1)
    assert _derived(df) == {}


def test_derived_columns_decode_exactly_and_survive_the_transformer_state():
    df = _table()
    t = TableTransformer(continuous="mode", derive=True, random_state=0).fit(df)
    assert t.derived() == {"level_code": "level", "label": "level"}
    assert t.spans_of("level_code") == [] and t.spans_of("label") == []
    back = t.inverse_transform(t.transform(df), random_state=0)
    pd.testing.assert_frame_equal(back[["level", "level_code", "label"]], df[back.columns[:3]])
    again = TableTransformer.from_dict(t.to_dict())
    pd.testing.assert_frame_equal(again.inverse_transform(t.transform(df), random_state=0), back)


def test_without_derive_every_column_is_modelled():
    t = TableTransformer(continuous="mode", random_state=0).fit(_table())
    assert t.derived() == {} and t.spans_of("label")


@pytest.mark.parametrize("model", ["PTGAN", "FairPTGAN"])
def test_generated_rows_keep_the_dependency_and_the_summary_says_so(model, adult_small):
    import fairsynth

    kw = dict(epochs=1, generator_dims=(32,), critic_dims=(32,), random_state=0)
    if model == "FairPTGAN":
        kw.update(sensitive="sex", target="income")
    fitted = getattr(fairsynth, model)(**kw).fit(adult_small)
    assert fitted.training_summary_["derived_columns"] == {"education_num": "education"}
    rows = fitted.sample(500, random_state=0)
    truth = adult_small.groupby("education")["education_num"].first()
    assert (rows["education_num"] == rows["education"].map(truth)).all()
    assert rows["education_num"].dtype == adult_small["education_num"].dtype
