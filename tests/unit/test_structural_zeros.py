"""Structural zeros (nn/structure.py): category pairs the table never shows together are
found against independence and never generated together."""

import numpy as np
import pandas as pd
import pytest
import torch

from fairsynth.data.transformer import Span
from fairsynth.nn.chain import ChainHeads
from fairsynth.nn.structure import forbidden_pairs


def _onehot(codes, width):
    return torch.nn.functional.one_hot(torch.as_tensor(codes), width).float()


def _rows(n=2000, seed=0):
    """a: 2 values; b: 0 whenever a is 0, else either; c: independent of both; d: a
    category of 5 rows, all with a = 1 (rare, not a structural zero)."""
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 2, n)
    b = np.where(a == 0, 0, rng.integers(0, 2, n))
    c = rng.integers(0, 2, n)
    d = np.zeros(n, dtype=int)
    d[np.flatnonzero(a == 1)[:5]] = 1
    spans = [
        Span("a", "onehot", "value", 0, 2),
        Span("b", "onehot", "value", 2, 4),
        Span("x", "scalar", "value", 4, 5),
        Span("c", "onehot", "value", 5, 7),
        Span("d", "onehot", "value", 7, 9),
    ]
    x = torch.as_tensor(rng.normal(size=(n, 1)), dtype=torch.float32)
    rows = torch.cat([_onehot(a, 2), _onehot(b, 2), x, _onehot(c, 2), _onehot(d, 2)], dim=1)
    return rows, spans, a, b


def test_a_pair_independence_expects_often_but_the_rows_never_show_is_forbidden():
    rows, spans, _, _ = _rows()
    pairs = forbidden_pairs(torch.zeros(len(rows), 0), rows, spans)
    assert pairs.shape == (9, 9)
    found = {tuple(ij) for ij in torch.nonzero(pairs).tolist()}
    assert found == {(0, 3), (3, 0)}  # a = 0 with b = 1, both ways; nothing else


def test_the_condition_blocks_too_and_non_binary_condition_columns_never_do():
    rows, spans, a, _ = _rows()
    temperature = torch.rand(len(rows), 1)  # not 0/1: takes no part
    context = torch.cat([temperature, _onehot(a, 2)], dim=1)  # a group one-hot
    pairs = forbidden_pairs(context, rows, spans)
    assert pairs.shape == (3 + 9, 9)
    assert not pairs[0].any()
    assert pairs[1, 3] and pairs[1].sum() == 2  # group a = 0: not b = 1, not a = 1
    assert pairs[1, 1]  # the row's own a, which the group fixes


_SPANS = [Span("a", "onehot", "value", 0, 2), Span("b", "onehot", "value", 2, 4)]


def _blocking_heads():
    heads = ChainHeads(3, _SPANS, 4, context_dim=2)
    pairs = torch.zeros(2 + 4, 4, dtype=torch.bool)
    pairs[2 + 0, 3] = pairs[2 + 3, 0] = True  # a = 0 with b = 1
    pairs[1, 1] = True  # context column 1 forbids a = 1
    heads.block(pairs)
    with torch.no_grad():
        heads.base.weight.zero_()
        heads.base.bias.copy_(torch.tensor([0.0, 0.0, -3.0, 3.0]))  # b = 1 strongly liked
    return heads


def test_chain_heads_never_draw_a_blocked_pair_and_keep_the_rest_of_the_law():
    heads = _blocking_heads()
    n = 4000
    context = torch.zeros(n, 2)
    h = torch.randn(n, 3, requires_grad=True)
    rows = heads(h, torch.Generator().manual_seed(0), None, context)
    a, b = rows[:, :2].argmax(1), rows[:, 2:].argmax(1)
    assert not ((a == 0) & (b == 1)).any()
    assert abs((a == 0).float().mean().item() - 0.5) < 0.05  # the earlier column is free
    assert ((a == 1) & (b == 1)).float().mean() > 0.45  # b = 1 where a allows it
    rows[:, 2:].mul(torch.arange(2.0)).sum().backward()
    grad = heads.base.bias.grad  # still trains, through the categories left
    assert torch.isfinite(grad).all() and grad[2:].abs().sum() > 0


def test_a_condition_column_blocks_categories_in_every_span():
    heads = _blocking_heads()
    context = torch.tensor([[0.0, 1.0]]).repeat(1000, 1)
    rows = heads(torch.randn(1000, 3), torch.Generator().manual_seed(1), None, context)
    assert (rows[:, :2].argmax(1) == 0).all()


def test_networks_saved_before_blocking_existed_load_and_block_nothing():
    heads = _blocking_heads()
    saved = heads.state_dict()
    # sparse; b → a is dropped (b is emitted after a), a → b and the context pair stay
    assert saved["blocked_pairs"].shape == (2, 2) and "penalty" not in saved
    fresh = ChainHeads(3, _SPANS, 4, context_dim=2)
    fresh.load_state_dict(saved)
    assert torch.equal(fresh.penalty, heads.penalty)
    assert torch.equal(fresh.emit_penalty, heads.emit_penalty)
    old = {k: v for k, v in saved.items() if k != "blocked_pairs"}
    heads.load_state_dict(old)
    assert not heads.penalty.any() and not heads.emit_penalty.any() and not heads._row_blocking


@pytest.mark.parametrize("model", ["PTGAN", "FairPTGAN"])
def test_fitted_models_never_generate_husbands_who_are_female(model, adult, tmp_path):
    import fairsynth

    table = adult.sample(2000, random_state=1).reset_index(drop=True)
    kw = dict(epochs=1, generator_dims=(32,), critic_dims=(32,), random_state=0)
    if model == "FairPTGAN":
        kw.update(sensitive="sex", target="income")
    fitted = getattr(fairsynth, model)(**kw).fit(table)
    zeros = fitted.training_summary_["structural_zeros"]
    assert "relationship=Husband & sex=Female" in zeros["examples"]
    assert zeros["pairs"] >= len(zeros["examples"])
    rows = fitted.sample(3000, alpha=1.0, random_state=0)
    assert not ((rows["relationship"] == "Husband") & (rows["sex"] == "Female")).any()
    path = tmp_path / "m.fsz"
    fitted.save(path)
    again = fairsynth.load(path).sample(300, alpha=1.0, random_state=3)
    pd.testing.assert_frame_equal(again, fitted.sample(300, alpha=1.0, random_state=3))
