"""Early stopping: the held-out score, the stopping rule, best weights, reproducibility."""

import copy
from functools import partial

import numpy as np
import pandas as pd
import pytest
import scipy.stats
import torch
from sklearn.base import clone

from fairsynth import GAP, PMGAN, PTGAN, FairPTGAN, load
from fairsynth.data import TableTransformer, detect_schema
from fairsynth.errors import InvalidParameterError
from fairsynth.models import base
from fairsynth.toy import toy
from fairsynth.train.early_stopping import EarlyStopping, HoldoutScore
from fairsynth.train.energy import EnergyDistance

SMALL = dict(generator_dims=(32,), critic_dims=(32,), noise_dim=8, batch_size=200, device="cpu")


def _gen(seed=0):
    return torch.Generator().manual_seed(seed)


@pytest.fixture(scope="module")
def table(adult) -> pd.DataFrame:
    """1,200 rows: large enough to hold 120 out (tables under 1,000 rows are not split)."""
    return adult.sample(1200, random_state=0).reset_index(drop=True)


@pytest.fixture(scope="module")
def encoded(adult):
    t = TableTransformer(random_state=0).fit(adult, detect_schema(adult))
    x = torch.as_tensor(t.transform(adult.sample(4000, random_state=1)))
    return t, x[:2000], x[2000:]


def _shuffle_columns(t, x, seed=0):
    """Every column permuted on its own: same marginals, no dependence between columns."""
    g, out = _gen(seed), x.clone()
    for column in dict.fromkeys(s.column for s in t.spans):
        perm = torch.randperm(len(x), generator=g)
        for s in t.spans_of(column):
            out[:, s.start : s.stop] = x[perm, s.start : s.stop]
    return out


def test_score_is_one_on_identical_rows_and_drops_when_columns_are_shuffled(encoded):
    t, real, other = encoded
    score = HoldoutScore(real, t.spans, t.tied_intervals())
    assert score(real, _gen()) == pytest.approx({"shapes": 1.0, "trends": 1.0, "overall": 1.0})
    same_law = score(other, _gen())
    assert same_law["overall"] > 0.95
    shuffled = score(_shuffle_columns(t, other), _gen())
    assert shuffled["shapes"] == pytest.approx(same_law["shapes"])  # marginals unchanged
    assert shuffled["trends"] < same_law["trends"] - 0.1


def test_mode_specific_columns_are_scored_on_their_values(adult):
    t = TableTransformer(continuous="mode", random_state=0).fit(adult, detect_schema(adult))
    x = torch.as_tensor(t.transform(adult.sample(4000, random_state=1)))
    real, other = x[:2000], x[2000:]
    score = HoldoutScore(real, t.spans, t.tied_intervals(), modes=t.mode_tables())
    assert score(real, _gen()) == pytest.approx({"shapes": 1.0, "trends": 1.0, "overall": 1.0})
    assert score(other, _gen())["overall"] > 0.95
    # The shape of a mode-specific column is 1 - KS of its *values* (what sdmetrics sees),
    # not of the within-mode offsets.
    ages = HoldoutScore(real, t.spans_of("age"), decode="argmax", modes=t.mode_tables())
    shifted = other.clone()
    value, _ = t.spans_of("age")
    shifted[:, value.start] = (shifted[:, value.start] + 0.2).clamp(-1, 1)
    decoded = [
        t.inverse_transform(rows.numpy(), decode="argmax")["age"] for rows in (real, shifted)
    ]
    ks = scipy.stats.ks_2samp(*decoded).statistic
    assert ages(shifted, _gen())["shapes"] == pytest.approx(1 - ks, abs=0.01)


def test_soft_one_hots_are_scored_as_decode_sample_will_decode_them(encoded):
    t, real, other = encoded
    soft = other.clone()
    for s in t.spans:
        if s.kind == "onehot":  # every row: the real category frequencies
            soft[:, s.start : s.stop] = real[:, s.start : s.stop].mean(0)
    sample = HoldoutScore(real, t.spans, t.tied_intervals(), decode="sample")
    argmax = HoldoutScore(real, t.spans, t.tied_intervals(), decode="argmax")
    # sampled categories follow the soft vector: the marginals are the real ones exactly
    assert sample(soft, _gen())["shapes"] >= sample(other, _gen())["shapes"]
    # argmax puts every row in the most frequent category
    assert argmax(soft, _gen())["shapes"] < sample(soft, _gen())["shapes"] - 0.1


def test_scalars_inside_a_tied_interval_count_as_the_tied_value(encoded):
    t, real, other = encoded
    tied = t.tied_intervals()
    jittered, g = other.clone(), _gen()
    for start, intervals in tied.items():
        x = jittered[:, start]
        for low, high, code in torch.as_tensor(intervals, dtype=torch.float32):
            hit = x == code
            x[hit] = low + (high - low) * torch.rand(int(hit.sum()), generator=g)
    assert not torch.equal(jittered, other)
    pd.testing.assert_frame_equal(  # decoding cannot tell them apart ...
        t.inverse_transform(jittered.numpy(), random_state=0),
        t.inverse_transform(other.numpy(), random_state=0),
    )
    score = HoldoutScore(real, t.spans, tied)  # ... nor can the score
    assert score(jittered, _gen()) == score(other, _gen())
    blind = HoldoutScore(real, t.spans)  # without the intervals the spikes look wrong
    assert blind(jittered, _gen())["shapes"] < score(jittered, _gen())["shapes"] - 0.05


def test_score_ranks_a_trained_generator_above_an_untrained_one(table):
    # a setting that learns this small table within 15 short epochs (no weight averaging,
    # which would still carry the initial weights, no gradient penalty)
    fast = dict(ema_decay=0.0, gradient_penalty=0.0, coherency=10.0)
    model = PTGAN(epochs=15, random_state=0, **fast, **SMALL).fit(table)
    untrained = copy.deepcopy(model)
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(1)
        untrained._build_networks()
    tr = model.transformer_
    score = HoldoutScore(torch.as_tensor(tr.transform(table)), tr.spans, tr.tied_intervals())
    with torch.no_grad():
        trained_q = score(model._holdout_rows(3000, _gen()), _gen())["overall"]
        untrained_q = score(untrained._holdout_rows(3000, _gen()), _gen())["overall"]
    assert trained_q > untrained_q + 0.01  # 0.501 vs 0.482 (education_num derived, not scored)


def _scripted(monkeypatch, scores):
    it = iter(scores)

    def fake(self, rows, generator, hard=None):
        q = next(it)
        return {"shapes": q, "trends": q, "overall": q}

    monkeypatch.setattr(HoldoutScore, "__call__", fake)


def test_stops_after_patience_evaluations_without_progress_and_restores_the_best(
    table, monkeypatch
):
    # 0.7005 beats 0.70 by less than min_delta (1e-3): its weights are the best kept, but
    # it counts as no progress; 0.69 is the second evaluation without progress: stop.
    _scripted(monkeypatch, [0.5, 0.6, 0.7, 0.7005, 0.69, 0.99])
    quality = partial(EarlyStopping, every=1, patience=2, signal="quality", min_steps=0)
    monkeypatch.setattr(base, "EarlyStopping", quality)
    weights = {}

    def keep_weights(epoch, logs):
        weights[epoch] = {k: v.clone() for k, v in model.generator_.state_dict().items()}

    model = PTGAN(epochs=50, early_stopping=True, random_state=0, callbacks=[keep_weights], **SMALL)
    model.fit(table)
    assert model.training_summary_["epochs_run"] == 5
    assert model.training_summary_["early_stopping"] == {
        "holdout_rows": 120,
        "best_epoch": 4,
        "signal": "quality",
        "best_score": 0.7005,
        "kept_score": 0.7005,
        "stopped_early": True,
        "evaluations": 5,
    }
    assert list(model.history_["holdout_quality"]) == [0.5, 0.6, 0.7, 0.7005, 0.69]
    final = model.generator_.state_dict()
    assert all(torch.equal(v, weights[4][k]) for k, v in final.items())
    assert not all(torch.equal(v, weights[5][k]) for k, v in final.items())


def test_a_real_fit_stops_early_and_keeps_its_best_epoch(table, monkeypatch, tmp_path):
    stopper = partial(EarlyStopping, every=1, patience=2, min_steps=0)
    monkeypatch.setattr(base, "EarlyStopping", stopper)
    model = PTGAN(epochs=100, early_stopping=True, random_state=0, **SMALL).fit(table)
    s, h = model.training_summary_["early_stopping"], model.history_
    assert s["stopped_early"] and model.training_summary_["epochs_run"] < 100
    assert s["signal"] == "energy"  # the default: the lowest energy distance is kept
    lowest = h["holdout_energy"].min()
    assert s["best_score"] == pytest.approx(lowest, abs=1e-5)
    # kept: the latest weights within 10 % of the lowest distance (or 1 % of the first)
    slack = max(0.1 * abs(lowest), 0.01 * abs(h["holdout_energy"].iloc[0]))
    close = h["holdout_energy"] <= lowest + slack
    assert s["best_epoch"] == h["epoch"][close].max()
    assert s["kept_score"] == pytest.approx(h["holdout_energy"][close].iloc[-1], abs=1e-5)
    assert {"holdout_shapes", "holdout_trends", "holdout_quality"} <= set(h.columns)
    model.save(tmp_path / "m.fsz")  # the parameters and the summary go into model files
    again = load(tmp_path / "m.fsz")
    assert again.early_stopping is True and again.training_summary_["early_stopping"] == s
    pd.testing.assert_frame_equal(
        model.sample(100, random_state=1), again.sample(100, random_state=1)
    )


def test_switched_off_the_fit_ignores_validation_size(table):
    assert PTGAN().early_stopping is True and PMGAN().early_stopping is False
    off = dict(early_stopping=False, **SMALL)
    a = PTGAN(epochs=2, random_state=0, **off).fit(table)
    b = PTGAN(epochs=2, random_state=0, validation_size=0.3, **off).fit(table)
    cols = [c for c in a.history_.columns if c != "seconds"]
    pd.testing.assert_frame_equal(a.history_[cols], b.history_[cols])
    pd.testing.assert_frame_equal(a.sample(200, random_state=1), b.sample(200, random_state=1))
    assert "early_stopping" not in b.training_summary_
    assert not any(c.startswith("holdout_") for c in b.history_.columns)


def test_evaluations_leave_the_training_stream_alone_and_fits_reproduce(table, monkeypatch):
    def fit(every):
        stopper = partial(EarlyStopping, every=every, patience=10**6)
        monkeypatch.setattr(base, "EarlyStopping", stopper)
        return FairPTGAN(
            sensitive="sex", epochs=3, early_stopping=True, random_state=0, **SMALL
        ).fit(table)

    evaluated, never = fit(1), fit(1000)
    assert evaluated.training_summary_["early_stopping"]["evaluations"] == 3
    assert never.training_summary_["early_stopping"]["evaluations"] == 1  # the last epoch
    losses = ["epoch", "loss_d", "loss_g"]
    pd.testing.assert_frame_equal(evaluated.history_[losses], never.history_[losses])
    again = fit(1)
    pd.testing.assert_frame_equal(
        evaluated.history_.drop(columns="seconds"), again.history_.drop(columns="seconds")
    )
    pd.testing.assert_frame_equal(
        evaluated.sample(200, random_state=2), again.sample(200, random_state=2)
    )


def test_small_tables_train_on_every_row(adult_small):
    on = PTGAN(epochs=1, early_stopping=True, random_state=0, **SMALL).fit(adult_small)
    off = PTGAN(epochs=1, early_stopping=False, random_state=0, **SMALL).fit(adult_small)
    assert on.training_summary_["early_stopping"] == {"skipped": "table too small"}
    pd.testing.assert_frame_equal(on.sample(100, random_state=0), off.sample(100, random_state=0))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"early_stopping": "yes"}, "early_stopping="),
        ({"validation_size": 0}, "validation_size="),
        ({"validation_size": 1.0}, "validation_size="),
        ({"validation_size": -3}, "validation_size="),
        ({"validation_size": True}, "validation_size="),
        ({"validation_size": "0.1"}, "validation_size="),
        ({"early_stopping": True, "validation_size": 700}, "at least half"),
    ],
)
def test_bad_early_stopping_parameters_fail_before_training(table, params, message):
    with pytest.raises(InvalidParameterError, match=message):
        PTGAN(epochs=1, **params).fit(table)


def test_validation_size_is_a_fraction_capped_or_a_count():
    df = pd.DataFrame({"x": np.arange(60_000)})
    x = torch.arange(60_000, dtype=torch.float32)[:, None]

    def held(size, seed=0):
        train, enc, holdout = PTGAN(early_stopping=True, validation_size=size)._hold_out(
            df, x, seed
        )
        assert len(train) == len(enc) and len(train) + len(holdout) == len(df)
        assert torch.equal(enc[:, 0], torch.as_tensor(train["x"].to_numpy(), dtype=torch.float32))
        assert not set(holdout[:, 0].long().tolist()) & set(train["x"])  # disjoint
        return holdout

    assert len(held(0.01)) == 600
    assert len(held(0.5)) == base.HOLDOUT_MAX_ROWS  # a fraction is capped ...
    assert len(held(12_000)) == 12_000  # ... a count is not
    assert torch.equal(held(0.01), held(0.01)) and not torch.equal(held(0.01), held(0.01, 1))


def test_get_params_and_clone_carry_the_new_parameters():
    for model in (
        PTGAN(early_stopping=True, validation_size=500),
        FairPTGAN(sensitive="sex", early_stopping=True, validation_size=500),
        PMGAN(early_stopping=True, validation_size=500),
        GAP(PTGAN(), early_stopping=True, validation_size=500),
    ):
        params = model.get_params(deep=False)
        assert params["early_stopping"] is True and params["validation_size"] == 500
        again = clone(model).get_params(deep=False)
        assert {k: v for k, v in again.items() if k != "base"} == {
            k: v for k, v in params.items() if k != "base"
        }  # (clone copies GAP's base estimator)
        model.set_params(early_stopping=False)
        assert model.early_stopping is False
    # GAP: None (the default) takes the base's settings
    gap = GAP(PTGAN(early_stopping=True, validation_size=0.2))
    assert gap.get_params(deep=False)["early_stopping"] is None
    assert gap._early_stopping_settings() == (True, 0.2)
    assert GAP(PTGAN(early_stopping=True), early_stopping=False)._early_stopping_settings() == (
        False,
        0.1,
    )


@pytest.mark.parametrize(
    "model",
    [
        lambda: GAP(PTGAN(epochs=2, early_stopping=True, **SMALL), n_pairs=2, random_state=0),
        lambda: PMGAN(n_generators=2, epochs=2, early_stopping=True, random_state=0, **SMALL),
    ],
    ids=["gap", "pmgan"],
)
def test_gap_and_pmgan_score_their_mix_of_generators(table, model, monkeypatch):
    monkeypatch.setattr(base, "EarlyStopping", partial(EarlyStopping, every=1))
    m = model().fit(table)
    assert m.training_summary_["early_stopping"]["evaluations"] == 2
    assert m.history_["holdout_quality"].notna().all()
    assert len(m.sample(50, random_state=0)) == 50


def test_resume_with_early_stopping_is_bit_identical(table, tmp_path, monkeypatch):
    monkeypatch.setattr(base, "EarlyStopping", partial(EarlyStopping, every=1))
    params = dict(epochs=4, early_stopping=True, random_state=3, **SMALL)
    whole = PTGAN(**params).fit(table)
    ckpt = tmp_path / "fit.ckpt"

    def die_after_epoch_2(epoch, logs):
        if epoch == 2:
            raise KeyboardInterrupt  # right after checkpoint 2

    with pytest.raises(KeyboardInterrupt):
        PTGAN(**params, callbacks=[die_after_epoch_2]).fit(
            table, checkpoint_every=1, checkpoint_path=ckpt
        )
    resumed = PTGAN(**params).fit(table, checkpoint_path=ckpt, resume=True)
    for k, v in whole._tensors().items():
        assert torch.equal(v, resumed._tensors()[k]), k
    cols = [c for c in whole.history_.columns if c != "seconds"]
    pd.testing.assert_frame_equal(whole.history_[cols], resumed.history_[cols])
    assert whole.training_summary_["early_stopping"] == resumed.training_summary_["early_stopping"]
    assert np.isfinite(whole.history_["holdout_quality"]).all()


def test_resume_from_the_epoch_that_stopped_the_fit_ends_the_same(table, tmp_path, monkeypatch):
    quality = partial(EarlyStopping, every=1, patience=2, signal="quality", min_steps=0)
    monkeypatch.setattr(base, "EarlyStopping", quality)
    params = dict(epochs=20, early_stopping=True, random_state=0, **SMALL)
    scores = [0.5, 0.6, 0.59, 0.58, 0.9, 0.9]  # stops at epoch 4
    _scripted(monkeypatch, scores)
    whole = PTGAN(**params).fit(table)
    assert whole.training_summary_["epochs_run"] == 4

    def die_at_4(epoch, logs):
        if epoch == 4:
            raise KeyboardInterrupt  # after checkpoint 4, before the stop

    ckpt = tmp_path / "fit.ckpt"
    _scripted(monkeypatch, scores)
    with pytest.raises(KeyboardInterrupt):
        PTGAN(**params, callbacks=[die_at_4]).fit(table, checkpoint_every=1, checkpoint_path=ckpt)
    _scripted(monkeypatch, scores[4:])
    resumed = PTGAN(**params).fit(table, checkpoint_path=ckpt, resume=True)
    assert resumed.training_summary_["epochs_run"] == 4
    assert resumed.training_summary_["early_stopping"] == whole.training_summary_["early_stopping"]
    for k, v in whole._tensors().items():
        assert torch.equal(v, resumed._tensors()[k]), k


def test_energy_distance_is_near_zero_for_one_law_and_sees_lost_dependence(encoded):
    t, real, other = encoded
    score = HoldoutScore(real, t.spans, t.tied_intervals())
    energy = EnergyDistance(score, real, _gen())
    same = energy(score.hard_rows(other, _gen()))
    shuffled = energy(score.hard_rows(_shuffle_columns(t, other), _gen()))
    assert abs(same) < 0.003
    assert shuffled > 0.01  # same marginals, columns independent: far


def test_energy_distance_sees_a_ring_that_misses_modes():
    """A generator on the ring's circle but between its modes has the ring's marginal
    spread; the energy distance ranks it below the true law, as does mode coverage."""
    real = toy("ring8", 2000, random_state=0)
    t = TableTransformer(continuous="mode", random_state=0).fit(real, detect_schema(real))
    score = HoldoutScore(torch.as_tensor(t.transform(real)), t.spans, modes=t.mode_tables())
    energy = EnergyDistance(score, torch.as_tensor(t.transform(real)), _gen())
    same = toy("ring8", 2000, random_state=1)
    angle = np.random.default_rng(2).uniform(0, 2 * np.pi, 2000)
    smeared = pd.DataFrame({"x": 2 * np.cos(angle), "y": 2 * np.sin(angle)})
    e_same, e_smeared = (
        energy(score.hard_rows(torch.as_tensor(t.transform(df)), _gen())) for df in (same, smeared)
    )
    assert e_same < 0.005 < e_smeared


def test_no_stop_before_min_steps(table, monkeypatch):
    # quality stalls from the first evaluation: patience 2 alone would stop at epoch 3;
    # 6 steps per epoch (1,080 training rows, batch 200) and min_steps=40 hold it to epoch 7
    _scripted(monkeypatch, [0.9] + [0.5] * 20)
    floor = partial(EarlyStopping, every=1, patience=2, signal="quality", min_steps=40)
    monkeypatch.setattr(base, "EarlyStopping", floor)
    model = PTGAN(epochs=30, early_stopping=True, random_state=0, **SMALL).fit(table)
    assert model.training_summary_["epochs_run"] == 7
    assert model.training_summary_["early_stopping"]["best_epoch"] == 1
