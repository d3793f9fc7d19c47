from concurrent.futures import Future

import numpy as np
import pandas as pd
import pytest
import torch

from fairsynth import FairPTGAN
from fairsynth.fairness.teachers import FairTeacher, teacher_strength


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


def test_free_teacher_is_the_logistic_regression_of_the_real_rows_and_round_trips():
    from sklearn.linear_model import LogisticRegression

    x, y, g = _biased_table()
    features = np.column_stack([x, g])
    free = FairTeacher.fit_free(features, y, max_rows=10_000, random_state=0)
    p = free.positive_probability(torch.tensor(features, dtype=torch.float32)).numpy()
    expected = LogisticRegression(max_iter=1000).fit(features, y).predict_proba(features)[:, 1]
    np.testing.assert_allclose(p, expected, atol=1e-4)
    assert abs(p[g == 1].mean() - p[g == 0].mean()) > 0.4  # the original law's gap kept
    again = FairTeacher.from_tensors(free.tensors())
    assert again.soft and torch.equal(
        again.positive_probability(torch.tensor(features, dtype=torch.float32)), torch.tensor(p)
    )


def test_strength_grows_from_alpha_one_to_one_half():
    assert [teacher_strength(a) for a in (1.0, 0.75, 0.5, 0.2)] == [0.0, 0.5, 1.0, 1.0]


def _gap(df):
    r = (df["income"] == ">50K").groupby(df["sex"]).mean()
    return r.max() - r.min()


def test_teacher_removes_the_label_gap_at_alpha_one_half_and_keeps_alpha_one(
    fitted_fair, adult_small
):
    assert fitted_fair.teacher_ is not None and fitted_fair.free_teacher_ is not None
    fair = fitted_fair.sample(6000, alpha=0.5, random_state=0)
    assert _gap(fair) < 0.05
    # At α = 1 the labels come from the free teacher, which reads the group: on the real
    # rows it keeps their gap (0.22 on these 600 rows).
    enc = torch.as_tensor(fitted_fair.transformer_.transform(adult_small))
    free = fitted_fair.free_teacher_.class_probabilities(
        enc[:, fitted_fair.fairness_.free_columns]
    )[:, 1].numpy()
    by_sex = pd.Series(free).groupby(adult_small["sex"].to_numpy()).mean()
    assert by_sex.max() - by_sex.min() == pytest.approx(_gap(adult_small), abs=0.05)


def test_the_free_teacher_labels_the_share_the_fair_teacher_does_not(fitted_fair):
    import copy

    model = copy.copy(fitted_fair)
    model.fairness_ = copy.copy(fitted_fair.fairness_)
    d = len(model.fairness_.free_columns)
    # A free teacher that says ">50K" for every row, a fair one that never does.
    model.fairness_.free = FairTeacher(torch.zeros(1, d), torch.tensor([50.0]), torch.ones(1), True)
    never = FairTeacher(
        torch.zeros(1, model.teacher_.coef.shape[1]), torch.tensor([-1.0]), torch.ones(1)
    )
    model.fairness_.teacher = never
    share = {
        a: (model.sample(4000, alpha=a, random_state=0)["income"] == ">50K").mean()
        for a in (1.0, 0.75, 0.5)
    }
    assert share[1.0] == 1.0 and share[0.5] == 0.0
    assert share[0.75] == pytest.approx(0.5, abs=0.03)  # strength 2·(1 − α)


def test_fairness_none_and_non_binary_target(adult_small):
    from fairsynth.errors import InvalidDataError

    m = FairPTGAN(sensitive="sex", target="income", fairness="none", epochs=1, random_state=0)
    assert m.fit(adult_small).teacher_ is None
    with pytest.raises(InvalidDataError, match="binary targets only.*fairness='quantile'"):
        FairPTGAN(sensitive="sex", target="race", fairness="teacher", epochs=1).fit(adult_small)


class _StillFitting(Future):
    """A teacher whose fit has not finished: waiting for it is the failure."""

    def result(self, timeout=None):
        raise AssertionError("waited for the teacher")


def test_the_teacher_fits_beside_training_and_alpha_one_never_waits_for_it(fitted_fair):
    import copy

    assert fitted_fair.fairness_._pending is None  # fit returns with the teacher fitted
    model = copy.copy(fitted_fair)
    model.fairness_ = copy.copy(fitted_fair.fairness_)
    teacher = model.fairness_.teacher
    model.fairness_._pending = _StillFitting()
    # early stopping's rows are α = 1 rows: they are drawn while the teacher still fits
    pd.testing.assert_frame_equal(
        model.sample(300, alpha=1.0, random_state=0),
        fitted_fair.sample(300, alpha=1.0, random_state=0),
    )
    assert model.fairness_.active(0.6)
    with pytest.raises(AssertionError, match="waited"):
        model.sample(300, alpha=0.6, random_state=0)
    done = Future()
    done.set_result(teacher)
    model.fairness_._pending = done
    pd.testing.assert_frame_equal(
        model.sample(300, alpha=0.6, random_state=0),
        fitted_fair.sample(300, alpha=0.6, random_state=0),
    )


def test_an_error_in_the_teachers_thread_reaches_the_caller(fitted_fair):
    import copy

    constraint = copy.copy(fitted_fair.fairness_)
    failed = Future()
    failed.set_exception(ValueError("the reduction failed"))
    constraint._pending = failed
    with pytest.raises(ValueError, match="the reduction failed"):
        constraint.wait()
