"""The joint-law yardstick: detection AUC and functional dependencies (evaluate/)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fairsynth.errors import InvalidParameterError
from fairsynth.evaluate import dependencies, detection, find_dependencies


def _table(n: int, seed: int) -> pd.DataFrame:
    """A categorical `level` that determines `code` exactly, `role` = 'h' implies `sex` =
    'M' (and 'w' implies 'F'), plus independent noise columns."""
    rng = np.random.default_rng(seed)
    level = rng.choice(list("abcdefgh"), size=n)
    role = rng.choice(["h", "w", "o"], size=n, p=[0.4, 0.2, 0.4])
    sex = np.where(role == "h", "M", np.where(role == "w", "F", rng.choice(["M", "F"], size=n)))
    return pd.DataFrame(
        {
            "level": level,
            "code": pd.Series(level).map({c: i for i, c in enumerate("abcdefgh")}).to_numpy(),
            "x": rng.normal(size=n),
            "role": role,
            "sex": sex,
        }
    )


def test_detection_cannot_tell_two_halves_of_one_table():
    df = _table(6000, 0)
    out = detection(df.iloc[3000:], df.iloc[:3000], random_state=0)
    assert abs(out["auc"] - 0.5) < 0.05
    assert out["n_real"] == out["n_synthetic"] == 3000 and len(out["fold_aucs"]) == 3
    assert {c["column"] for c in out["columns"]} == set(df.columns)


def test_detection_sees_a_shuffled_dependency_and_names_its_columns():
    df = _table(6000, 1)
    fake = df.iloc[3000:].copy()
    fake["code"] = np.random.default_rng(2).permutation(fake["code"].to_numpy())
    out = detection(fake, df.iloc[:3000], random_state=0)
    # a shuffled code still agrees with its level in 1/8 of the rows, which no classifier
    # can tell from real ones: the best AUC is 1 - 1/16 = 0.94
    assert out["auc"] > 0.9
    top = {c["column"] for c in out["columns"][:2]}
    assert top == {"level", "code"}
    # the shuffled column's own law is intact: its marginal AUC stays near 0.5
    marginal = {c["column"]: c["marginal_auc"] for c in out["columns"]}
    assert abs(marginal["code"] - 0.5) < 0.05


def test_detection_is_seeded_and_balanced():
    df = _table(3000, 3)
    a = detection(df.iloc[:2000], df.iloc[2000:], random_state=5, importance=False)
    b = detection(df.iloc[:2000], df.iloc[2000:], random_state=5, importance=False)
    assert a == b and a["n_real"] == a["n_synthetic"] == 1000
    assert all(c["importance"] is None for c in a["columns"])
    with pytest.raises(InvalidParameterError):
        detection(df, df, folds=1)


def test_dependencies_found_and_break_shares_exact():
    real = _table(5000, 4)
    found = find_dependencies(real)
    columns = {(d["determinant"], d["dependent"]) for d in found if d["kind"] == "column"}
    assert columns == {("level", "code"), ("code", "level")}
    rules = {(d["when"], d["then"]) for d in found if d["kind"] == "rule"}
    assert rules == {("h", "M"), ("w", "F")}
    # x is continuous (too many levels), never part of a dependency
    assert all("x" not in (d["determinant"], d["dependent"]) for d in found)

    synth = real.copy()
    synth.loc[:99, "code"] = (synth.loc[:99, "code"] + 1) % 8  # 100 rows break level -> code
    husbands = np.flatnonzero(synth["role"].to_numpy() == "h")
    synth.loc[husbands[:37], "sex"] = "F"  # 37 rows break role = h -> sex = M
    out = {d["name"]: d for d in dependencies(synth, real)["dependencies"]}
    assert out["level → code"]["break_share"] == 100 / 5000
    assert out["code → level"]["break_share"] == 100 / 5000
    rule = out["role = h → sex = M"]
    assert rule["break_share"] == 37 / 5000
    assert rule["break_rate"] == 37 / len(husbands)
    assert rule["real_break_share"] == 0.0
    assert out["role = w → sex = F"]["break_share"] == 0.0
    worst = dependencies(synth, real)["dependencies"]
    assert [d["break_share"] for d in worst] == sorted((d["break_share"] for d in worst), reverse=1)


def test_dependencies_ignore_near_constant_columns_and_unseen_values():
    real = _table(2000, 5)
    real["const"] = "k"
    real.loc[:4, "const"] = "z"  # 99.75 % one value: near-constant, never a dependent
    found = find_dependencies(real)
    assert all(d["dependent"] != "const" for d in found)
    synth = real.copy()
    synth.loc[:9, "level"] = "unseen"  # A unseen in the real rows: not a break
    dep = {d["name"]: d for d in dependencies(synth, real)["dependencies"]}["level → code"]
    assert dep["break_share"] == 0.0 and dep["applies_share"] == 1990 / 2000


@settings(max_examples=25, deadline=None)
@given(
    levels=st.integers(2, 12),
    n=st.integers(200, 800),
    broken=st.integers(0, 50),
    seed=st.integers(0, 10_000),
)
def test_property_injected_dependency_break_share(levels, n, broken, seed):
    """B = f(A) exactly (f one-to-one onto numbers) is always found, and a synthetic table
    with `broken` rows whose B was moved to another value breaks it in exactly those rows."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, levels, size=n)
    a[:levels] = np.arange(levels)  # every level present
    real = pd.DataFrame({"a": [f"v{i}" for i in a], "b": 10.0 * a + 1, "noise": rng.normal(size=n)})
    found = find_dependencies(real)
    assert any(
        d["kind"] == "column" and (d["determinant"], d["dependent"]) == ("a", "b") for d in found
    )
    synth = real.copy()
    synth.loc[: broken - 1, "b"] += 10.0 * levels  # a value no level maps to
    out = {d["name"]: d for d in dependencies(synth, real)["dependencies"]}
    assert out["a → b"]["break_share"] == broken / n
    assert out["a → b"]["real_break_share"] == 0.0
