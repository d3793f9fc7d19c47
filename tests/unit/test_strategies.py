"""Stabiliser options, GAP and PMGAN (issue 4). Tiny networks: the whole file runs in seconds."""

import pandas as pd
import pytest
import torch

from fairsynth import GAP, PMGAN, PTGAN, FairPTGAN, load
from fairsynth.errors import InvalidParameterError
from fairsynth.train.conditional import ConditionalSampler
from fairsynth.train.mixture import balance_terms

SMALL = dict(
    epochs=1, batch_size=100, device="cpu", generator_dims=(16,), critic_dims=(16,), noise_dim=4
)


@pytest.fixture(scope="module")
def table(adult_small):
    return adult_small.sample(300, random_state=1).reset_index(drop=True)


def test_wgan_gp_preset_is_ptgan_without_tempering(table):
    a = PTGAN(loss="wgan-gp", random_state=0, **SMALL).fit(table)
    b = PTGAN(r=1.0, coherency=0, gradient_penalty=10, random_state=0, **SMALL).fit(table)
    assert "gp" in a.history_ and "coherency" not in a.history_
    cols = ["loss_d", "loss_g", "gp"]
    pd.testing.assert_frame_equal(a.history_[cols], b.history_[cols])
    ptgan = PTGAN(gradient_penalty=0, random_state=0, **SMALL).fit(table)
    assert "coherency" in ptgan.history_ and "gp" not in ptgan.history_


def test_ns_loss_logs_probabilities_and_smoothing_is_checked(table):
    m = PTGAN(loss="ns", label_smoothing=0.1, spectral_norm=True, random_state=0, **SMALL)
    m.fit(table)
    assert {"d_real", "d_fake"} <= set(m.history_) and "wdist" not in m.history_
    assert hasattr(m.critic_.net[0], "parametrizations")  # spectral norm is on
    with pytest.raises(InvalidParameterError):
        PTGAN(loss="ptgan", label_smoothing=0.1, **SMALL).fit(table)
    with pytest.raises(InvalidParameterError):
        PTGAN(loss="hinge", **SMALL).fit(table)


def test_gradient_variance_is_logged_without_changing_training(table):
    a = PTGAN(random_state=0, log_gradient_variance=1, **SMALL).fit(table)
    b = PTGAN(random_state=0, **SMALL).fit(table)
    assert a.history_["grad_var"].iloc[0] > 0
    assert a.history_["loss_d"].iloc[0] == pytest.approx(b.history_["loss_d"].iloc[0])


def test_conditional_sampler_draws_by_log_frequency():
    codes = torch.tensor([0] * 900 + [1] * 90 + [2] * 10)
    s = ConditionalSampler(1000, 20_000, torch.Generator().manual_seed(0), codes)
    drawn = torch.bincount(codes[s.draw()], minlength=3).float() / 20_000
    expected = torch.log1p(torch.tensor([900.0, 90, 10]))
    assert torch.allclose(drawn, expected / expected.sum(), atol=0.02)
    idx = s.draw(500)
    assert torch.equal(codes[s.same_category(idx)], codes[idx])


def test_conditional_generation_keeps_the_columns(table, tmp_path):
    m = PTGAN(conditional="workclass", random_state=0, **SMALL).fit(table)
    assert "cond_ce" in m.history_
    out = m.sample(200, random_state=0)
    assert list(out.columns) == list(table.columns)
    m.save(tmp_path / "c.fsz")
    pd.testing.assert_frame_equal(load(tmp_path / "c.fsz").sample(200, random_state=0), out)
    with pytest.raises(InvalidParameterError):
        FairPTGAN(sensitive="sex", conditional="workclass", **SMALL).fit(table)


def test_gap_swap_exchanges_critics_with_their_optimiser_state(table):
    gap = GAP(PTGAN(**SMALL), n_pairs=4, swap_every=1000, random_state=0).fit(table)
    from fairsynth.train import MinibatchSampler, TrainingLoop
    from fairsynth.train.loop import LoopConfig

    data = gap._prepare(table, torch.as_tensor(gap.transformer_.transform(table)), 0)
    sampler = MinibatchSampler(len(table), 100, torch.Generator().manual_seed(0))
    paired = gap._objective(data, sampler)
    loop = TrainingLoop(paired, LoopConfig(epochs=1, steps_per_epoch=2))
    loop.run()
    before = [o.critic for o in paired.objectives]
    state = {id(p): loop.opt_d.state[p]["exp_avg"].clone() for c in before for p in c.parameters()}
    weights = [c.net[0].weight.detach().clone() for c in before]
    paired.swap()
    after = [o.critic for o in paired.objectives]
    moved = [i for i in range(4) if after[i] is not before[i]]
    assert len(moved) == 4  # a perfect matching: every pair gets another pair's critic
    for i in moved:
        j = before.index(after[i])
        assert torch.equal(after[i].net[0].weight, weights[j])
        for p in after[i].parameters():  # the Adam moments travel with the critic
            assert torch.equal(loop.opt_d.state[p]["exp_avg"], state[id(p)])
        assert paired.partner[i] == j


def test_gap_selects_by_gam_ii_and_round_trips(table, tmp_path):
    gap = GAP(PTGAN(**SMALL), n_pairs=3, swap_every=1, random_state=0).fit(table)
    assert 0 <= gap.selected_ < 3 and gap.swaps_ >= 1
    assert gap.selected_ == max(range(3), key=lambda j: (gap.gam_mean_[j], gap.gam_worst_[j]))
    out = gap.sample(150, random_state=2)
    assert list(out.columns) == list(table.columns)
    gap.save(tmp_path / "g.fsz")
    again = load(tmp_path / "g.fsz")
    assert isinstance(again, GAP) and again.selected_ == gap.selected_
    pd.testing.assert_frame_equal(again.sample(150, random_state=2), out)
    gap.set_params(select="all")
    assert len(gap.sample(150, random_state=2)) == 150


def test_pmgan_balance_terms_sum_to_one_and_decay():
    jd, jc = torch.tensor([0.5, 1.0, 2.0]), torch.tensor([1.0, 0.2, 0.7])
    b0 = balance_terms(jd, jc, diversity=1.0, decay=0.01, step=0)
    assert b0.sum().item() == pytest.approx(1.0)
    b100 = balance_terms(jd, jc, diversity=1.0, decay=0.01, step=100)
    assert b100.sum().item() == pytest.approx(torch.exp(torch.tensor(-1.0)).item())
    assert torch.allclose(b100 / b100.sum(), b0)


def test_pmgan_fits_samples_and_round_trips(table, tmp_path):
    m = PMGAN(n_generators=3, random_state=0, **SMALL).fit(table)
    assert {"loss_dis", "loss_cls", "beta_sum"} <= set(m.history_)
    out = m.sample(120, random_state=1)
    assert list(out.columns) == list(table.columns)
    assert (out.dtypes == table.dtypes).all()
    m.save(tmp_path / "p.fsz")
    pd.testing.assert_frame_equal(load(tmp_path / "p.fsz").sample(120, random_state=1), out)
