import pytest
import torch
from torch import nn

from fairsynth.nn.chain import gumbel_noise
from fairsynth.train import MinibatchSampler, TemperedObjective, symmetric_temperature


def test_partners_always_come_from_other_groups_with_their_shares():
    groups = torch.tensor([0] * 50 + [1] * 30 + [2] * 20)
    sampler = MinibatchSampler(100, 64, torch.Generator().manual_seed(0), groups=groups)
    idx = torch.zeros(40_000, dtype=torch.long)  # all rows of group 0
    partners = sampler.partners(idx)
    assert (groups[partners] != 0).all()
    share_1 = (groups[partners] == 1).float().mean().item()
    assert abs(share_1 - 30 / 50) < 0.01  # pooled others, weighted by their shares
    idx = torch.full((10_000,), 99)  # a row of group 2
    assert set(groups[sampler.partners(idx)].tolist()) == {0, 1}


def test_draws_are_reproducible_from_the_generator():
    a = MinibatchSampler(1000, 32, torch.Generator().manual_seed(3)).draw()
    b = MinibatchSampler(1000, 32, torch.Generator().manual_seed(3)).draw()
    assert torch.equal(a, b)


def test_symmetric_temperature():
    a = torch.tensor([0.0, 0.25, 0.5, 0.75, 1.0])
    assert torch.allclose(symmetric_temperature(a), torch.tensor([0.0, 0.5, 1.0, 0.5, 0.0]))


class _Linear(nn.Module):
    def __init__(self, d):
        super().__init__()
        self.w = nn.Parameter(torch.arange(1.0, d + 1))

    def forward(self, x, c):
        return x @ self.w


def test_coherency_penalty_is_the_squared_directional_derivative():
    # For a linear critic D(q) = w·q the penalty is mean((w·(q1 - q2))^2) exactly.
    d = 3
    obj = TemperedObjective(
        generator=None,
        critic=_Linear(d),
        data=torch.randn(10, d),
        sampler=None,
        condition=lambda a, idx: a[:, None],
    )
    q1, q2 = torch.randn(8, d), torch.randn(8, d)
    a1, a2, nu = torch.rand(8), torch.rand(8), torch.rand(8)
    h = obj._coherency(q1, q2, a1, a2, nu, None)
    expected = (((q1 - q2) @ obj.critic.w) ** 2).mean()
    assert torch.allclose(h, expected)


def test_committing_heads_draw_one_hots_forward_and_pass_soft_gradients_back():
    from fairsynth.data.transformer import Span
    from fairsynth.nn.activations import SpanActivation

    spans = [Span("x", "scalar", "value", 0, 1), Span("c", "onehot", "value", 1, 4)]
    act = SpanActivation(spans, 4)
    logits = torch.randn(64, 4, requires_grad=True)
    soft = act(logits)
    hard = act.commit(soft, torch.Generator().manual_seed(0))
    assert torch.equal(hard[:, 0], soft[:, 0])  # scalars untouched
    assert set(hard[:, 1:].detach().flatten().tolist()) == {0.0, 1.0}
    assert torch.equal(hard[:, 1:].sum(1), torch.ones(64))
    (hard[:, 1:] * torch.arange(3.0)).sum().backward()
    assert logits.grad[:, 1:].abs().sum() > 0  # the soft probabilities' gradient


def test_committing_heads_fit_and_sample(adult_small):
    from fairsynth import FairPTGAN

    kw = dict(epochs=1, generator_dims=(32,), critic_dims=(32,), random_state=0)
    soft = FairPTGAN(sensitive="sex", target="income", **kw).fit(adult_small)
    commit = FairPTGAN(sensitive="sex", target="income", heads="commit", **kw).fit(adult_small)
    a, b = (m.sample(50, alpha=1.0, random_state=0) for m in (soft, commit))
    assert list(a.columns) == list(b.columns) and not a.equals(b)


def _chain_spans():
    from fairsynth.data.transformer import Span

    # a numeric column (scalar, then its mode one-hot) and two categoricals
    return [
        Span("x", "scalar", "value", 0, 1),
        Span("x", "onehot", "mode", 1, 3),
        Span("a", "onehot", "value", 3, 6),
        Span("b", "onehot", "value", 6, 9),
    ]


def test_chain_heads_emit_modes_before_their_scalar_and_columns_in_table_order():
    from fairsynth.nn.chain import chain_order

    order = [(s.column, s.role) for s in chain_order(_chain_spans())]
    assert order == [("x", "mode"), ("x", "value"), ("a", "value"), ("b", "value")]


def test_chain_heads_let_a_later_column_agree_with_the_category_drawn_before_it():
    from fairsynth.nn.chain import ChainHeads

    heads = ChainHeads(4, _chain_spans(), 9)
    with torch.no_grad():
        heads.base.weight.zero_()
        heads.base.bias.zero_()  # every category of a equally likely given the body
        heads.feed.weight[6:9, 3:6] = 50 * torch.eye(3)  # b copies the drawn a
        heads.feed.weight[3:6, 6:9] = 50 * torch.eye(3)  # b -> a: later, masked out
    h = torch.randn(2000, 4, requires_grad=True)
    rows = heads(h, torch.Generator().manual_seed(0))
    a, b = rows[:, 3:6].argmax(1), rows[:, 6:9].argmax(1)
    assert torch.equal(a, b)
    assert torch.bincount(a, minlength=3).min() > 550  # a itself still drawn at random
    assert set(rows[:, 1:9].detach().flatten().tolist()) == {0.0, 1.0}  # drawn one-hots
    rows[:, 6:9].mul(torch.arange(3.0)).sum().backward()
    assert heads.feed.weight.grad[6:9, 3:6].abs().sum() > 0  # straight-through gradient
    assert heads.feed.weight.grad[3:6, 6:9].abs().sum() == 0  # no path from later to earlier


def test_chain_heads_draw_each_category_with_its_softmax_probability():
    from fairsynth.data.transformer import Span
    from fairsynth.nn.chain import ChainHeads

    heads = ChainHeads(2, [Span("c", "onehot", "value", 0, 3)], 3)
    with torch.no_grad():
        heads.base.weight.zero_()
        heads.base.bias.copy_(torch.tensor([0.0, 1.0, 2.0]))
    rows = heads(torch.zeros(20_000, 2), torch.Generator().manual_seed(0))
    share = rows.mean(0)
    assert torch.allclose(share, torch.softmax(torch.tensor([0.0, 1.0, 2.0]), 0), atol=0.015)


def _plain_chain(heads, h, draws, fixed=None):
    """The chain span by span with autograd: the law and straight-through gradients
    ChainHeads' hand-written backward must reproduce (same draws: the noise of its
    emission-ordered logits)."""
    logits = heads.base(h)
    gumbel = torch.empty_like(logits)
    gumbel[:, heads.emit_order] = gumbel_noise(logits, draws)
    feed = (heads.feed.weight * heads.mask).t()
    penalty = heads.penalty[heads.context_dim :]
    rows = {}
    for start, stop, onehot in heads._steps:
        a = logits[:, start:stop]
        if fixed is not None and start in fixed:
            y = fixed[start].float()
        elif onehot:
            soft = torch.softmax(a, 1)
            pick = (a.detach() + gumbel[:, start:stop]).argmax(1)
            y = soft + (torch.nn.functional.one_hot(pick, stop - start).float() - soft).detach()
        else:
            y = torch.tanh(a)
        rows[start] = y
        logits = logits + y @ feed[start:stop] + y.detach() @ penalty[start:stop]
    return torch.cat([rows[s] for s in sorted(rows)], 1)


@pytest.mark.parametrize("fixed", [False, True])
def test_chain_heads_backward_is_the_straight_through_gradient_of_the_plain_chain(fixed):
    from fairsynth.nn.chain import ChainHeads

    torch.manual_seed(0)
    heads = ChainHeads(4, _chain_spans(), 9)
    pairs = torch.zeros(9, 9, dtype=torch.bool)
    pairs[3, 6] = pairs[6, 3] = True  # a = 0 never with b = 0
    heads.block(pairs)
    with torch.no_grad():
        heads.feed.weight.normal_(0, 1.0)
    n = 300
    given = {3: torch.nn.functional.one_hot(torch.arange(n) % 3, 3)} if fixed else None
    h = torch.randn(n, 4, requires_grad=True)
    upstream = torch.randn(n, 9)
    results = []
    for chain in (ChainHeads.forward, _plain_chain):
        heads.zero_grad()
        h.grad = None
        rows = chain(heads, h, torch.Generator().manual_seed(1), given)
        (rows * upstream).sum().backward()
        grads = [h.grad, heads.base.weight.grad, heads.base.bias.grad, heads.feed.weight.grad]
        results.append([rows.detach(), *(g.clone() for g in grads)])
    (rows, *grads), (ref_rows, *ref_grads) = results
    assert torch.allclose(rows, ref_rows, atol=1e-6)
    assert not ((rows[:, 3] == 1) & (rows[:, 6] == 1)).any()  # the block holds
    for g, ref in zip(grads, ref_grads, strict=True):
        assert torch.allclose(g, ref, rtol=1e-4, atol=1e-5)
    assert grads[-1].abs().sum() > 0


def test_tempered_fake_rows_mix_a_partner_only_where_alpha_is_below_one():
    from fairsynth.train.objectives import TemperedObjective
    from fairsynth.train.sampler import MinibatchSampler

    calls = []

    class Gen(torch.nn.Module):
        noise_dim = 1

        def forward(self, z, c, draws=None):
            calls.append(len(z))
            return c[:, 1:].repeat(1, 2)  # the row's index, as its encoded row

    obj = TemperedObjective(
        Gen(),
        None,
        torch.zeros(10, 2),
        MinibatchSampler(10, 6, torch.Generator()),
        condition=lambda a, idx: torch.stack([a, idx.float()], 1),
        heads="chain",
    )
    idx1, idx2 = torch.arange(6), torch.arange(6) + 4
    alpha = torch.tensor([1.0, 0.25, 1.0, 1.0, 0.5, 1.0])
    fake = obj._fake(idx1, idx2, alpha, None)
    assert calls == [6 + 2]  # one pass: the batch and partners for the two tempered rows
    expected = alpha * idx1 + (1 - alpha) * idx2
    assert torch.allclose(fake[:, 0], expected)


def test_shared_fakes_give_the_generator_step_the_critic_steps_rows_with_their_graph():
    from fairsynth.train.objectives import TemperedObjective
    from fairsynth.train.sampler import MinibatchSampler

    class Gen(torch.nn.Module):
        noise_dim = 2

        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.ones(2))
            self.calls = 0

        def forward(self, z, c, draws=None):
            self.calls += 1
            return z * self.w

    class Critic(torch.nn.Module):
        def forward(self, x, c):
            return x.sum(1)

    gen = Gen()
    obj = TemperedObjective(
        gen,
        Critic(),
        torch.zeros(10, 2),
        MinibatchSampler(10, 4, torch.Generator().manual_seed(0)),
        condition=lambda a, idx: a[:, None],
        coherency=0.0,
        share_fakes=True,
    )
    obj.critic_loss()
    loss, _ = obj.generator_loss()
    assert gen.calls == 1  # the generator step made no rows of its own
    loss.backward()
    assert gen.w.grad is not None and gen.w.grad.abs().sum() > 0
    obj.generator_loss()  # nothing shared left: it generates afresh
    assert gen.calls == 2


def test_chain_heads_draws_are_reproducible_and_fixed_spans_are_kept():
    from fairsynth.nn.chain import ChainHeads

    torch.manual_seed(0)
    heads = ChainHeads(4, _chain_spans(), 9)
    h = torch.randn(100, 4)
    one, two = (heads(h, torch.Generator().manual_seed(3)) for _ in range(2))
    assert torch.equal(one, two)
    given = torch.nn.functional.one_hot(torch.arange(100) % 3, 3).float()
    fixed = heads(h, torch.Generator().manual_seed(3), {3: given})
    assert torch.equal(fixed[:, 3:6], given)


def test_chain_heads_fit_and_sample_tempered_rows_as_mixtures(adult_small):
    from fairsynth import PTGAN

    kw = dict(epochs=1, generator_dims=(32,), critic_dims=(32,), random_state=0)
    model = PTGAN(heads="chain", **kw).fit(adult_small)
    a, b = (model.sample(50, random_state=0) for _ in range(2))
    assert a.equals(b)
    gen = torch.Generator().manual_seed(0)
    encoded = model._generate(200, 0.5, gen)
    spans = [s for s in model.layout_.spans if s.kind == "onehot"]
    # a tempered row mixes two drawn rows: every category weight is 0, 1/2 or 1
    weights = torch.cat([encoded[:, s.start : s.stop].flatten() for s in spans])
    assert set(weights.tolist()) <= {0.0, 0.5, 1.0}
