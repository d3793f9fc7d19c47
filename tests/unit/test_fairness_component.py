"""fairsynth.fairness: target inference, targets of every kind, the label constraints."""

import subprocess
import sys
import warnings

import numpy as np
import pandas as pd
import pytest
import torch

from fairsynth import GAP, FairPTGAN, load
from fairsynth.data import detect_schema
from fairsynth.errors import FairsynthWarning, InvalidDataError, InvalidParameterError
from fairsynth.fairness import (
    NoConstraint,
    QuantileMapConstraint,
    TeacherConstraint,
    infer_target,
    quantile_map,
)

TINY = dict(epochs=1, generator_dims=(32,), critic_dims=(32,), random_state=0)


def _infer(df, sensitive="s"):
    return infer_target(df, detect_schema(df), sensitive)[0]


# ------------------------------------------------------------------- inference rule
def test_infer_target_rule():
    rng = np.random.default_rng(0)
    n = 200
    base = pd.DataFrame({"s": rng.choice(["a", "b"], n), "x": rng.normal(size=n)})
    # a label-like name wins wherever the column is
    assert _infer(base.assign(Income=rng.choice(["<=50K", ">50K"], n), z=rng.normal(size=n))) == (
        "Income"
    )
    assert _infer(base.assign(is_churn=rng.integers(0, 2, n), flag=rng.integers(0, 2, n))) == (
        "is_churn"
    )
    # else the last column when it is binary (0/1 integers count)
    assert _infer(base.assign(w=rng.normal(size=n), passed=rng.integers(0, 2, n))) == "passed"
    # ambiguous: two label-like names; a binary column that is neither named nor last
    assert _infer(base.assign(y=rng.integers(0, 2, n), label=rng.integers(0, 2, n))) is None
    assert _infer(base.assign(flag=rng.integers(0, 2, n), w=rng.normal(size=n))) is None
    # the sensitive column itself is never the target
    assert _infer(base[["x", "s"]]) is None


def test_fit_without_target_infers_it_says_so_and_shows_it(adult_small):
    with pytest.warns(FairsynthWarning, match="acts on 'income'.*--target COLUMN"):
        model = FairPTGAN(sensitive="sex", **TINY).fit(adult_small)
    assert model.target is None and model.target_ == "income"
    assert isinstance(model.fairness_, TeacherConstraint)
    summary = model.training_summary_["fairness"]
    assert summary["constraint"] == "teacher" and summary["target_from"].startswith("inferred")
    assert "label constraint teacher on 'income'" in repr(model)


def test_no_inferable_target_warns_loudly_or_refuses_a_named_constraint(adult_small):
    table = adult_small.drop(columns=["income"])  # no binary column but sex
    with pytest.warns(FairsynthWarning, match="NO label constraint runs"):
        model = FairPTGAN(sensitive="sex", **TINY).fit(table)
    assert isinstance(model.fairness_, NoConstraint)
    assert model.training_summary_["fairness"]["constraint"] == "none"
    for name in ("teacher", "quantile"):
        with pytest.raises(InvalidParameterError, match="no target was given.*--target"):
            FairPTGAN(sensitive="sex", fairness=name, **TINY).fit(table)
    # fairness='none' without a target: tempering asked for, nothing to warn about
    with warnings.catch_warnings():
        warnings.simplefilter("error", FairsynthWarning)
        FairPTGAN(sensitive="sex", fairness="none", **TINY).fit(table)


# ----------------------------------------------------------------------- targets
@pytest.mark.parametrize("kind", ["int", "bool"])
def test_binary_integer_and_boolean_targets(adult_small, kind):
    y = adult_small["income"] == ">50K"
    table = adult_small.assign(income=y.astype(int) if kind == "int" else y)
    model = FairPTGAN(sensitive="sex", target="income", **TINY).fit(table)
    rows = model.sample(400, alpha=0.5, random_state=0)
    assert rows["income"].dtype == table["income"].dtype
    assert set(rows["income"]) <= set(table["income"])
    assert isinstance(model.fairness_, TeacherConstraint)


def test_numeric_target_is_refused_with_the_fix(adult_small):
    with pytest.raises(InvalidDataError, match="'age' is numeric.*bin it.*--fairness none"):
        FairPTGAN(sensitive="sex", target="age", **TINY).fit(adult_small)
    FairPTGAN(sensitive="sex", target="age", fairness="none", **TINY).fit(adult_small)


def test_three_class_target_takes_the_quantile_map(adult_small):
    table = adult_small.assign(y=np.digitize(adult_small["age"], [30, 45]))  # 0/1/2 ints
    model = FairPTGAN(sensitive="sex", target="y", **TINY).fit(table)
    assert isinstance(model.fairness_, QuantileMapConstraint)
    rows = model.sample(3000, alpha=0.5, random_state=0)
    assert set(rows["y"]) <= {0, 1, 2} and rows["y"].dtype == table["y"].dtype
    shares = pd.crosstab(rows["sex"], rows["y"], normalize="index")
    assert (shares.max() - shares.min()).max() < 0.03  # each class rate equal across groups
    with pytest.raises(InvalidDataError, match="binary targets only"):
        FairPTGAN(sensitive="sex", target="y", fairness="teacher", **TINY).fit(table)


# ------------------------------------------------------------------ quantile map
def test_quantile_map_gives_each_group_the_pooled_law_and_keeps_ranks():
    gen = torch.Generator().manual_seed(0)
    groups = (torch.rand(4000, generator=gen) < 0.3).long()
    p1 = torch.sigmoid(torch.randn(4000, generator=gen) + 2.0 * groups)  # group 1 much higher
    p = torch.stack([1 - p1, p1], 1)
    mapped = quantile_map(p, groups)
    means = [float(mapped[groups == g, 1].mean()) for g in (0, 1)]
    assert abs(means[0] - means[1]) < 0.01 and abs(float(p1[groups == 1].mean()) - means[1]) > 0.1
    torch.testing.assert_close(mapped.sum(1), torch.ones(4000))
    for g in (0, 1):  # the order of the rows within a group is kept
        idx = groups == g
        assert torch.equal(torch.argsort(p1[idx]), torch.argsort(mapped[idx, 1]))


def test_quantile_constraint_dial(adult_small):
    model = FairPTGAN(sensitive="sex", target="income", fairness="quantile", **TINY)
    model.fit(adult_small)
    gap = {}
    for alpha in (1.0, 0.5):
        rows = model.sample(4000, alpha=alpha, random_state=0)
        rate = (rows["income"] == ">50K").groupby(rows["sex"]).mean()
        gap[alpha] = rate.max() - rate.min()
    assert gap[0.5] < 0.03 and gap[0.5] < gap[1.0]
    # on the real rows, the free classifier keeps their gap at α = 1 and maps it away at 1/2
    enc = torch.as_tensor(model.transformer_.transform(adult_small))
    groups = model._group_codes(enc)
    real = (adult_small["income"] == ">50K").groupby(adult_small["sex"]).mean()
    for alpha, expected in ((1.0, real.max() - real.min()), (0.5, 0.0)):
        p = model.fairness_.probabilities(enc, groups, alpha)[:, 1].numpy()
        by_sex = pd.Series(p).groupby(adult_small["sex"].to_numpy()).mean()
        assert by_sex.max() - by_sex.min() == pytest.approx(expected, abs=0.03)


def test_constraint_object_round_trips_through_a_file(adult_small, tmp_path):
    constraint = QuantileMapConstraint("mlp", epochs=2)
    model = FairPTGAN(sensitive="sex", target="income", fairness=constraint, **TINY)
    model.fit(adult_small)
    assert constraint.model is None  # the parameter is never fitted in place
    model.save(tmp_path / "q.fsz")
    again = load(tmp_path / "q.fsz")
    assert isinstance(again.fairness, QuantileMapConstraint) and again.fairness.classifier == "mlp"
    pd.testing.assert_frame_equal(
        again.sample(500, alpha=0.6, random_state=3), model.sample(500, alpha=0.6, random_state=3)
    )


def test_gap_of_fairptgan_keeps_its_label_constraint_through_a_file(adult_small, tmp_path):
    base = FairPTGAN(
        sensitive="sex", target="income", **{k: v for k, v in TINY.items() if k != "random_state"}
    )
    model = GAP(base, n_pairs=2, random_state=0).fit(adult_small)
    assert model.training_summary_["fairness"]["constraint"] == "teacher"
    model.save(tmp_path / "g.fsz")
    pd.testing.assert_frame_equal(
        load(tmp_path / "g.fsz").sample(300, alpha=0.5, random_state=0),
        model.sample(300, alpha=0.5, random_state=0),
    )


# --------------------------------------------------------------------------- CLI
def test_cli_fit_without_target_names_the_inferred_one_and_info_shows_it(adult_small, tmp_path):
    adult_small.to_csv(tmp_path / "adult.csv", index=False)

    def run(*args):
        return subprocess.run(
            [sys.executable, "-m", "fairsynth", *args],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
        )

    fit = run("fit", "adult.csv", "--sensitive", "sex", "--epochs", "1", "--quiet")
    assert fit.returncode == 0, fit.stderr
    err = " ".join(fit.stderr.split())
    assert "warning:" in err and "acts on 'income'" in err
    assert "label constraint: teacher on 'income'" in err
    info = " ".join(run("info").stdout.split())
    assert "label constraint: teacher on 'income'" in info
    adult_small.drop(columns=["income"]).to_csv(tmp_path / "nolabel.csv", index=False)
    refused = run(
        "fit", "nolabel.csv", "--sensitive", "sex", "--fairness", "teacher", "--epochs", "1"
    )
    assert refused.returncode == 2 and "no target was given" in refused.stderr


def test_groups_too_small_to_learn_are_warned_about(adult_small):
    table = adult_small.assign(race=adult_small["race"].astype(str))
    with pytest.warns(FairsynthWarning, match="sensitive column 'race'.*fewer than 30 rows"):
        FairPTGAN(sensitive="race", target="income", fairness="none", **TINY).fit(table)


# --------------------------------------------------------------- auto on a binary target
def _label_table(nonlinear: bool, n: int = 3000, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    a, b = rng.normal(size=n), rng.normal(size=n)
    y = ((a > 0) ^ (b > 0)) if nonlinear else (a + b + rng.normal(scale=0.5, size=n) > 0)
    return pd.DataFrame({"a": a, "b": b, "s": rng.choice(["g0", "g1"], n), "y": y.astype(int)})


@pytest.mark.parametrize(
    "nonlinear, chosen", [(True, QuantileMapConstraint), (False, TeacherConstraint)]
)
def test_auto_takes_the_quantile_map_when_the_label_is_non_linear(nonlinear, chosen):
    m = FairPTGAN(sensitive="s", target="y", **TINY).fit(_label_table(nonlinear))
    assert isinstance(m.fairness_, chosen)
    summary = m.training_summary_["fairness"]
    assert summary["constraint"] == chosen.name and "held-out AUC" in summary["auto"]
    if chosen is QuantileMapConstraint:
        assert m.fairness_.classifier == "mlp"
    # a named constraint is kept as named
    named = FairPTGAN(sensitive="s", target="y", fairness="teacher", **TINY)
    assert isinstance(named.fit(_label_table(nonlinear)).fairness_, TeacherConstraint)


def test_auto_takes_the_quantile_map_for_more_than_two_groups():
    table = _label_table(nonlinear=False)  # a linear label: two groups would get the teacher
    table["s"] = np.random.default_rng(1).choice(["g0", "g1", "g2"], len(table))
    m = FairPTGAN(sensitive="s", target="y", **TINY).fit(table)
    assert isinstance(m.fairness_, QuantileMapConstraint)
    assert m.training_summary_["fairness"]["auto"] == "quantile: 3 groups (more than two)"


def test_wide_one_hots_are_collapsed_for_the_label_models_which_still_read_the_row():
    from fairsynth.fairness import collapse_wide_onehots
    from fairsynth.fairness.teachers import FairTeacher, MLPTeacher

    rng = np.random.default_rng(0)
    n, width = 3000, 80  # one categorical wider than COLLAPSE_WIDTH, one numeric
    cat = rng.integers(0, width, n)
    y = (rng.random(n) < np.where(cat < 20, 0.8, 0.2)).astype(int)
    x = np.concatenate([rng.normal(size=(n, 1)), np.eye(width)[cat]], axis=1).astype(np.float32)
    columns = torch.arange(1, 1 + x.shape[1])  # the features sit at 1.. in the encoded row
    projection = collapse_wide_onehots(x, y, columns, ((1, 2), (2, 2 + width)))
    assert projection.shape == (1 + width, 2)  # the numeric, and one rate column
    assert collapse_wide_onehots(x, y, columns, ((2, 12),)) is None  # nothing wide
    groups = rng.integers(0, 2, n)
    fair = FairTeacher.fit(x, y, groups, 0.01, 10_000, 0, projection=projection)
    mlp = MLPTeacher.fit(x, y, 2, 10_000, 0, projection=projection)
    assert fair.coef.shape[1] == mlp.w1.shape[1] == x.shape[1]  # they read the whole row
    p = mlp.class_probabilities(torch.as_tensor(x))[:, 1].numpy()
    assert p[cat < 20].mean() > p[cat >= 20].mean() + 0.3  # the category effect is kept


def test_tempering_swaps_whole_rows_between_groups_and_alpha_half_mixes_the_laws():
    import torch

    from fairsynth.fairness.tempering import temper

    def rows_of(groups):  # a row of group g is (g, 10·g + 1): its columns tied together
        g = groups.to(torch.float32)[:, None]
        return torch.cat([g, 10 * g + 1], dim=1)

    groups = torch.tensor([0, 1] * 5000)
    shares = torch.tensor([0.5, 0.5])
    gen = torch.Generator().manual_seed(0)
    assert torch.equal(temper(rows_of, groups, shares, 1.0, gen), rows_of(groups))
    rows = temper(rows_of, groups, shares, 0.7, gen)
    assert torch.equal(rows[:, 1], 10 * rows[:, 0] + 1)  # whole rows, never interpolated
    own = rows[:, 0] == groups
    assert abs(float(own.float().mean()) - 0.7) < 0.02
    half = temper(rows_of, groups, shares, 0.5, gen)
    for g in (0, 1):  # the same law in both groups at α = 1/2
        assert abs(float(half[groups == g, 0].mean()) - 0.5) < 0.03


def test_tempering_moves_every_group_towards_the_pooled_law_whatever_the_groups():
    import torch

    from fairsynth.fairness.tempering import temper

    def rows_of(groups):  # a row's only column is its group's code
        return groups.to(torch.float32)[:, None]

    shares = torch.tensor([0.7, 0.2, 0.1])
    groups = torch.multinomial(shares, 60_000, replacement=True, generator=torch.Generator())
    gen = torch.Generator().manual_seed(0)

    def law(rows, g):  # each group's share of rows per code
        codes = rows[groups == g, 0].long()
        return torch.bincount(codes, minlength=3).float() / len(codes)

    for alpha in (0.75, 0.5):
        rows = temper(rows_of, groups, shares, alpha, gen)
        t = 2 * (1 - alpha)
        for g in range(3):
            expected = (1 - t) * torch.nn.functional.one_hot(torch.tensor(g), 3) + t * shares
            assert torch.allclose(law(rows, g), expected, atol=0.02), (alpha, g)
    others = temper(rows_of, groups, shares, 0.5, gen, scheme="others")
    # swapping with the other groups only: the majority and a minority stay apart
    assert (law(others, 0) - law(others, 2)).abs().max() > 0.2
    two = torch.tensor([0, 1] * 5000)
    swapped = temper(rows_of, two, torch.tensor([0.5, 0.5]), 0.0, gen)
    assert torch.equal(swapped[:, 0].long(), 1 - two)  # α = 0: two groups' laws swapped


def test_model_files_keep_the_tempering_they_were_written_with(fitted_fair):
    import copy

    model = copy.deepcopy(fitted_fair)
    state = model._file_state()
    assert state["tempering"] == "pooled"
    model._restore_state({**state, "tempering": "whole rows"})  # sixth, seventh sessions
    assert model.layout_.tempering == "others"
    model._restore_state({k: v for k, v in state.items() if k != "tempering"})
    assert model.layout_.tempering == "interpolate"  # fairsynth 0.1
