import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone

from fairsynth import PTGAN, FairPTGAN
from fairsynth.errors import InvalidDataError, InvalidParameterError, NotFittedError
from fairsynth.models.base import SAMPLE_CHUNK


def test_estimator_contract_get_params_and_clone():
    m = FairPTGAN(sensitive="sex", alpha=0.7, epochs=3, generator_dims=(64,))
    params = m.get_params()
    assert params["sensitive"] == "sex" and params["alpha"] == 0.7 and params["epochs"] == 3
    c = clone(m)
    assert c.get_params() == params and c is not m
    m.set_params(epochs=5)
    assert m.epochs == 5


def test_sample_before_fit_raises_not_fitted():
    from sklearn.exceptions import NotFittedError as SkNotFitted

    for model in (PTGAN(), FairPTGAN(sensitive="sex")):
        with pytest.raises(NotFittedError):
            model.sample(5)
        with pytest.raises(SkNotFitted):
            model.sample(5)


def test_fit_returns_self_and_sample_keeps_the_schema(fitted_fair, adult_small):
    out = fitted_fair.sample(300, random_state=1)
    assert list(out.columns) == list(adult_small.columns)
    assert (out.dtypes == adult_small.dtypes).all()
    for col in ["workclass", "sex", "income", "native_country"]:
        assert set(out[col].dropna()) <= set(adult_small[col].dropna())
    assert set(out["sex"]) == {"Male", "Female"}
    h = fitted_fair.history_
    assert list(h["epoch"]) == [1, 2] and {"loss_d", "loss_g", "gp"} <= set(h.columns)


def test_same_seed_same_rows_and_global_rng_untouched(adult_small):
    torch.manual_seed(123)
    before = torch.rand(1)
    torch.manual_seed(123)
    a = PTGAN(epochs=1, random_state=7).fit(adult_small).sample(200, random_state=3)
    after = torch.rand(1)
    b = PTGAN(epochs=1, random_state=7).fit(adult_small).sample(200, random_state=3)
    pd.testing.assert_frame_equal(a, b)
    assert torch.equal(before, after)  # fit forks the global generator instead of reseeding it


def test_chunked_sampling_equals_one_call(fitted_fair):
    n = SAMPLE_CHUNK + 100
    whole = fitted_fair.sample(n, random_state=5)
    parts = list(fitted_fair.iter_samples(n, random_state=5))
    assert [len(p) for p in parts] == [SAMPLE_CHUNK, 100]
    pd.testing.assert_frame_equal(whole, pd.concat(parts, ignore_index=True))


def test_sample_any_alpha_and_group_shares(fitted_fair):
    out = fitted_fair.sample(2000, alpha=1.0, random_state=0, group_shares={"Female": 1.0})
    assert set(out["sex"]) == {"Female"}
    with pytest.raises(InvalidParameterError, match="alpha"):
        fitted_fair.sample(10, alpha=1.5)
    with pytest.raises(InvalidParameterError, match="unknown groups"):
        fitted_fair.sample(10, group_shares={"Other": 1.0})
    with pytest.raises(InvalidParameterError, match="positive integer"):
        fitted_fair.sample(0)


def test_group_shares_follow_the_data(fitted_fair, adult_small):
    out = fitted_fair.sample(20_000, random_state=0)
    real = adult_small["sex"].value_counts(normalize=True)
    synth = out["sex"].value_counts(normalize=True)
    assert abs(real["Male"] - synth["Male"]) < 0.02


def test_fairptgan_without_sensitive_lists_candidates(adult_small):
    with pytest.raises(InvalidParameterError, match="sex") as err:
        FairPTGAN().fit(adult_small)
    assert "PTGAN" in str(err.value)


@pytest.mark.parametrize(
    "table, message",
    [
        (lambda df: df.drop(columns="sex"), "not in the table"),
        (lambda df: df.assign(sex="Male"), "single group"),
        (lambda df: df.assign(sex=df["sex"].where(df.index > 5)), "missing values"),
        (lambda df: df.assign(sex=(df["sex"] == "Male").astype(float) * 2.5), "categorical"),
    ],
)
def test_bad_sensitive_column_fails_before_training(adult_small, table, message):
    with pytest.raises(InvalidDataError, match=message):
        FairPTGAN(sensitive="sex", epochs=1).fit(table(adult_small))


def test_bad_parameters_fail_early(adult_small):
    with pytest.raises(InvalidParameterError, match="alpha"):
        FairPTGAN(sensitive="sex", alpha=2).fit(adult_small)
    with pytest.raises(InvalidParameterError, match="r="):
        PTGAN(r=1.5).fit(adult_small)
    with pytest.raises(InvalidDataError, match="DataFrame"):
        PTGAN().fit(np.zeros((10, 2)))


def test_time_budget_stops_training(adult_small):
    m = PTGAN(epochs=10_000, max_seconds=0.5, random_state=0).fit(adult_small)
    assert m.training_summary_["epochs_run"] < 10_000


def test_callback_can_stop_training(adult_small):
    seen = []

    def stop_after_two(epoch, logs):
        seen.append(epoch)
        return epoch == 2

    PTGAN(epochs=50, random_state=0, callbacks=[stop_after_two]).fit(adult_small)
    assert seen == [1, 2]
