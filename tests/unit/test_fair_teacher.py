import numpy as np
import pytest
import torch

from fairsynth import FairPTGAN
from fairsynth.models.fair_teacher import FairTeacher, teacher_strength


def _biased_table(n=3000, seed=0):
    rng = np.random.default_rng(seed)
    group = rng.integers(0, 2, n)
    proxy = group + rng.normal(0, 0.5, n)  # a feature that reveals the group
    skill = rng.normal(0, 1, n)
    y = (skill + 1.5 * group + rng.normal(0, 0.5, n) > 1).astype(int)
    return np.column_stack([proxy, skill]), y, group


def test_calibrated_offsets_give_every_group_the_real_positive_rate():
    x, y, g = _biased_table()
    data_gap = abs(y[g == 1].mean() - y[g == 0].mean())
    teacher = FairTeacher.fit(x, y, max_rows=10_000, random_state=0)
    logits = teacher.logits(torch.tensor(x, dtype=torch.float32))
    groups = torch.as_tensor(g)
    offsets = teacher.calibrate(logits, groups, 3)  # group 2 has no rows: offset 0
    p = teacher.positive_probability(torch.tensor(x, dtype=torch.float32), groups, offsets)
    rates = [p[groups == k].mean().item() for k in (0, 1)]
    assert data_gap > 0.4
    assert rates == pytest.approx([y.mean(), y.mean()], abs=1e-4)
    assert offsets[2].item() == 0.0
    # the score still ranks rows within a group: labels stay informative
    within = np.corrcoef(p[groups == 0].numpy(), y[g == 0])[0, 1]
    assert within > 0.3


def test_strength_grows_from_alpha_one_to_one_half():
    assert [teacher_strength(a) for a in (1.0, 0.75, 0.5, 0.2)] == [0.0, 0.5, 1.0, 1.0]


def _gap(df):
    r = (df["income"] == ">50K").groupby(df["sex"]).mean()
    return r.max() - r.min()


def test_teacher_removes_the_label_gap_at_alpha_one_half_and_keeps_alpha_one(fitted_fair):
    assert fitted_fair.teacher_ is not None
    fair = fitted_fair.sample(6000, alpha=0.5, random_state=0)
    assert _gap(fair) < 0.03


def test_fairness_none_and_non_binary_target(adult_small):
    from fairsynth.errors import InvalidDataError

    m = FairPTGAN(sensitive="sex", target="income", fairness="none", epochs=1, random_state=0)
    assert m.fit(adult_small).teacher_ is None
    with pytest.raises(InvalidDataError, match="binary target"):
        FairPTGAN(sensitive="sex", target="race", epochs=1).fit(adult_small)
