"""FairPTGAN with several sensitive columns: the groups are their value combinations."""

import numpy as np
import pandas as pd
import pytest

from fairsynth import GAP, FairPTGAN, load
from fairsynth.errors import FairsynthWarning, InvalidDataError, InvalidParameterError, cli_text

TINY = dict(epochs=3, generator_dims=(32,), critic_dims=(32,), random_state=0)


@pytest.fixture(scope="module")
def table() -> pd.DataFrame:
    """Two sensitive columns (text and boolean) apart from each other in the table; the
    combination ('q', True) never occurs; the label depends strongly on the group."""
    rng = np.random.default_rng(0)
    n = 1200
    a = rng.choice(["p", "q"], n, p=[0.6, 0.4])
    b = rng.random(n) < 0.5
    b[a == "q"] = False  # ('q', True) absent
    score = 1.5 * (a == "p") + 1.0 * b + rng.normal(size=n)
    return pd.DataFrame(
        {
            "x": score + rng.normal(scale=0.3, size=n),
            "a": a,
            "n": rng.integers(0, 50, n),
            "b": b,
            "c": rng.choice(["u", "v", "w"], n),
            "label": np.where(score > 1.5, "yes", "no"),
        }
    )


@pytest.fixture(scope="module")
def fitted(table):
    return FairPTGAN(sensitive=["a", "b"], target="label", **TINY).fit(table)


def _combos(frame) -> set:
    return set(map(tuple, frame[["a", "b"]].drop_duplicates().to_numpy().tolist()))


def _gap(frame) -> float:
    rate = (frame["label"] == "yes").groupby([frame["a"], frame["b"]]).mean()
    return float(rate.max() - rate.min())


def test_rows_keep_the_columns_their_dtypes_and_real_groups(fitted, table):
    assert fitted.group_labels_ == ["p & False", "p & True", "q & False", "q & True"]
    assert fitted.group_shares_[3] == 0  # ('q', True): no rows, never generated
    for alpha in (1.0, 0.6):
        rows = fitted.sample(2000, alpha=alpha, random_state=1)
        assert list(rows.columns) == list(table.columns)
        assert (rows.dtypes == table.dtypes).all()
        assert _combos(rows) == _combos(table) == {("p", False), ("p", True), ("q", False)}
    shares = rows.groupby(["a", "b"]).size() / len(rows)
    real = table.groupby(["a", "b"]).size() / len(table)
    assert (shares - real).abs().max() < 0.04


def test_half_alpha_equalises_the_label_share_of_the_combination_groups(fitted, table):
    gaps = {alpha: _gap(fitted.sample(6000, alpha=alpha, random_state=2)) for alpha in (1.0, 0.5)}
    assert _gap(table) > 0.4
    assert gaps[0.5] < 0.05 < 0.15 < gaps[1.0]  # the original law keeps much of its gap


def test_group_shares_name_combination_groups(fitted):
    rows = fitted.sample(300, random_state=0, group_shares={"q & False": 1.0})
    assert _combos(rows) == {("q", False)}
    with pytest.raises(InvalidParameterError, match="unknown groups"):
        fitted.sample(10, group_shares={"q": 1.0})
    with pytest.raises(InvalidParameterError, match=r"without training rows \['q & True'\]"):
        fitted.sample(10, group_shares={"q & True": 0.5, "p & True": 0.5})


def test_summary_repr_and_a_file_round_trip(fitted, tmp_path):
    summary = fitted.training_summary_["fairness"]
    assert summary["sensitive"] == ["a", "b"] and summary["groups"] == 3
    assert "3 groups of a × b" in repr(fitted)
    fitted.save(tmp_path / "m.fsz")
    again = load(tmp_path / "m.fsz")
    assert again.sensitive == ["a", "b"]  # a list again, not a tuple
    assert again.get_params() == fitted.get_params()
    assert again.group_labels_ == fitted.group_labels_
    pd.testing.assert_frame_equal(
        again.sample(500, alpha=0.7, random_state=3), fitted.sample(500, alpha=0.7, random_state=3)
    )


def test_gap_pairs_of_a_several_column_fairptgan(table):
    base = FairPTGAN(sensitive=("a", "b"), target="label", fairness="none", **TINY)
    model = GAP(base, n_pairs=2, random_state=0).fit(table)
    assert model.training_summary_["fairness"]["groups"] == 3
    assert _combos(model.sample(500, alpha=0.5, random_state=0)) <= _combos(table)


# --------------------------------------------------------------------------- errors
def _refused(error, table, match, cli=None, **params):
    model = FairPTGAN(**{"target": "label", **TINY, **params})
    with pytest.raises(error, match=match) as err:
        model.fit(table)
    assert not hasattr(model, "transformer_")  # refused before any long work
    if cli is not None:
        assert cli in cli_text(err.value)


def test_a_name_twice(table):
    _refused(
        InvalidParameterError,
        table,
        r"sensitive=\['a', 'b', 'a'\] names 'a' more than once",
        cli="--sensitive a,b,a names 'a' more than once",
        sensitive=["a", "b", "a"],
    )


@pytest.mark.parametrize("value", [[], ["a", 3], None])
def test_sensitive_must_be_names(table, value):
    match = "needs a sensitive" if value is None else "non-empty list or tuple of distinct column"
    _refused(InvalidParameterError, table, match, sensitive=value)


def test_the_target_among_them(table):
    _refused(
        InvalidParameterError,
        table,
        "'label' is both the target and a sensitive column",
        cli="--sensitive a,label --target label",
        sensitive=["a", "label"],
    )


def test_a_missing_column(table):
    _refused(
        InvalidDataError,
        table,
        r"'colour' is not in the table \(sensitive=\['a', 'colour'\]\)",
        cli="(--sensitive a,colour)",
        sensitive=["a", "colour"],
    )


def test_a_numeric_column(table):
    _refused(
        InvalidDataError,
        table,
        "'n' was detected as integer.*kinds=\\{'n': 'categorical'\\}",
        cli="--kind n=categorical",
        sensitive=["a", "n"],
    )


def test_too_many_combinations(table):
    wide = table.assign(n=table["n"].astype(str))  # 50 categories: 2 × 50 × 3 = 300 groups
    _refused(
        InvalidDataError,
        wide,
        "'a', 'n', 'c' make 2 × 50 × 3 = 300 combination groups, more than the 64",
        cli="list fewer columns in --sensitive a,n,c or merge rare categories",
        sensitive=["a", "n", "c"],
    )


def test_small_combination_groups_are_warned_about_smallest_first(table):
    small = table.copy()
    small.loc[:11, "c"] = "z"  # 'z' in 12 rows: groups of (a, c) with fewer than 30
    model = FairPTGAN(sensitive=["a", "c"], target="label", fairness="none", **TINY)
    with pytest.warns(FairsynthWarning, match=r"columns 'a', 'c': \d of their 8 combination") as w:
        model.fit(small)
    text = str(next(x.message for x in w if "combination" in str(x.message)))
    counts = small.groupby(["a", "c"]).size().sort_values()
    smallest = f"{counts.index[0][0]} & {counts.index[0][1]}"
    assert f"'{smallest}' ({counts.iloc[0]})" in text.split("rows (")[1].split(",")[0]
