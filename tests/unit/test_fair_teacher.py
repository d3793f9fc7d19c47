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


def test_teacher_labels_have_small_parity_gap_where_the_data_has_a_large_one():
    x, y, g = _biased_table()
    data_gap = abs(y[g == 1].mean() - y[g == 0].mean())
    teacher = FairTeacher.fit(x, y, g, bound=0.01, max_rows=10_000, random_state=0)
    p = teacher.positive_probability(torch.tensor(x, dtype=torch.float32)).numpy()
    teacher_gap = abs(p[g == 1].mean() - p[g == 0].mean())
    assert data_gap > 0.4 and teacher_gap < 0.05
    assert torch.isclose(teacher.weights.sum(), torch.tensor(1.0))


def test_strength_grows_from_alpha_one_to_one_half():
    assert [teacher_strength(a) for a in (1.0, 0.75, 0.5, 0.2)] == [0.0, 0.5, 1.0, 1.0]


def _gap(df):
    r = (df["income"] == ">50K").groupby(df["sex"]).mean()
    return r.max() - r.min()


def test_teacher_removes_the_label_gap_at_alpha_one_half_and_keeps_alpha_one(fitted_fair):
    assert fitted_fair.teacher_ is not None
    fair = fitted_fair.sample(6000, alpha=0.5, random_state=0)
    assert _gap(fair) < 0.05


def test_fairness_none_and_non_binary_target(adult_small):
    from fairsynth.errors import InvalidDataError

    m = FairPTGAN(sensitive="sex", target="income", fairness="none", epochs=1, random_state=0)
    assert m.fit(adult_small).teacher_ is None
    with pytest.raises(InvalidDataError, match="binary target"):
        FairPTGAN(sensitive="sex", target="race", epochs=1).fit(adult_small)
