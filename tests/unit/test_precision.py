"""The training steps' arithmetic (train/precision.py): bfloat16 matrix products where the CPU
has them, float32 everywhere else and outside the training steps."""

import pytest
import torch

from fairsynth import GAP, PMGAN, PTGAN, FairPTGAN
from fairsynth.data.transformer import Span
from fairsynth.errors import InvalidParameterError
from fairsynth.nn.networks import Critic, Generator
from fairsynth.train import precision
from fairsynth.train.precision import ENV_VAR, choose_precision, training_precision

CPU = torch.device("cpu")


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)


@pytest.mark.parametrize("native, expected", [(True, "bfloat16"), (False, "float32")])
def test_a_cpu_gets_bfloat16_only_when_it_has_the_instructions(
    monkeypatch, no_env, native, expected
):
    monkeypatch.setattr(precision, "native_bfloat16", lambda: native)
    assert choose_precision(CPU)[0] == expected
    assert choose_precision(torch.device("cuda"))[0] == "float32"  # not measured there


@pytest.mark.parametrize("value", ["float32", "bfloat16"])
def test_the_environment_variable_decides(monkeypatch, value):
    monkeypatch.setenv(ENV_VAR, value)
    monkeypatch.setattr(precision, "native_bfloat16", lambda: value == "float32")
    assert choose_precision(CPU) == (value, ENV_VAR)


def test_a_bad_environment_value_fails_before_the_fit_starts(monkeypatch, adult_small):
    monkeypatch.setenv(ENV_VAR, "half")
    model = PTGAN(epochs=1)
    with pytest.raises(InvalidParameterError, match=f"{ENV_VAR}='half'.*float32, bfloat16"):
        model.fit(adult_small)
    assert not hasattr(model, "transformer_")  # nothing was fitted


def _hidden_dtypes(net, *inputs):
    seen = []
    hooks = [
        m.register_forward_hook(lambda m, i, o: seen.append(o.dtype))
        for m in net.modules()
        if isinstance(m, torch.nn.Linear)
    ]
    out = net(*inputs)
    for h in hooks:
        h.remove()
    return seen, out


@pytest.mark.parametrize("chain", [False, True])
def test_only_the_hidden_products_run_in_bfloat16_inside_the_block(chain):
    spans = [Span("age", "scalar", "value", 0, 1), Span("sex", "onehot", "value", 1, 4)]
    torch.manual_seed(0)
    gen, critic = Generator(8, 1, spans, 4, hidden=(16,), chain=chain), Critic(4, 1, hidden=(16,))
    z, c, draws = torch.randn(5, 8), torch.ones(5, 1), torch.Generator().manual_seed(0)
    with training_precision([gen, critic], "bfloat16"):
        hidden, rows = _hidden_dtypes(gen, z, c, draws)
        layers, score = _hidden_dtypes(critic, rows, c)
        assert torch.bfloat16 in hidden and rows.dtype == torch.float32
        assert layers[:-1] == [torch.bfloat16] and layers[-1] == torch.float32
        assert score.dtype == torch.float32
        score.sum().backward()
    assert all(p.grad is None or p.grad.dtype == torch.float32 for p in gen.parameters())
    assert all(p.dtype == torch.float32 for p in critic.parameters())
    # outside the block (sampling, early stopping's evaluations) everything is float32
    assert set(_hidden_dtypes(gen, z, c, draws)[0]) == {torch.float32}
    assert set(_hidden_dtypes(critic, rows.detach(), c)[0]) == {torch.float32}


def test_float32_leaves_the_networks_alone():
    critic = Critic(4, 1, hidden=(16,))
    with training_precision([critic], "float32"):
        assert critic.compute_dtype is None
        assert set(_hidden_dtypes(critic, torch.randn(3, 4), torch.ones(3, 1))[0]) == {
            torch.float32
        }


def test_a_fit_records_its_precision_and_the_same_seed_gives_the_same_rows(
    monkeypatch, adult_small
):
    monkeypatch.setenv(ENV_VAR, "bfloat16")
    small = dict(epochs=2, random_state=0, generator_dims=(32,), critic_dims=(32,))
    a = FairPTGAN(sensitive="sex", target="income", **small).fit(adult_small)
    b = FairPTGAN(sensitive="sex", target="income", **small).fit(adult_small)
    assert a.training_summary_["precision"] == "bfloat16"
    assert a.sample(100, random_state=1).equals(b.sample(100, random_state=1))
    monkeypatch.setenv(ENV_VAR, "float32")
    c = FairPTGAN(sensitive="sex", target="income", **small).fit(adult_small)
    assert c.training_summary_["precision"] == "float32"
    # two epochs move the weights too little to change many decoded rows: compare weights
    trained = [
        torch.equal(p, q)
        for p, q in zip(a.generator_.parameters(), c.generator_.parameters(), strict=True)
    ]
    assert not all(trained)


def test_gap_and_pmgan_keep_float32(monkeypatch, adult_small):
    # only PTGAN and FairPTGAN were measured in bfloat16 (docs/benchmarks.md)
    monkeypatch.setattr(precision, "native_bfloat16", lambda: True)
    monkeypatch.delenv(ENV_VAR, raising=False)
    small = dict(epochs=1, generator_dims=(16,), critic_dims=(16,))
    gap = GAP(PTGAN(**small), n_pairs=2, random_state=0).fit(adult_small)
    pmgan = PMGAN(n_generators=2, random_state=0, **small).fit(adult_small)
    ptgan = PTGAN(random_state=0, **small).fit(adult_small)
    assert [m.training_summary_["precision"] for m in (gap, pmgan, ptgan)] == [
        "float32",
        "float32",
        "bfloat16",
    ]
