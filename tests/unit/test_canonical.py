"""Generated rows are read as their decoded values would be encoded (data/canonical.py)."""

import numpy as np
import pandas as pd
import pytest
import torch

from fairsynth.data import TableTransformer
from fairsynth.data.canonical import CanonicalRows
from fairsynth.nn.activations import draw_categories, onehot_groups


def _random_hard_rows(t: TableTransformer, n: int, seed: int) -> torch.Tensor:
    """Rows a generator could emit: any offsets, any (hard) mode and category."""
    g = torch.Generator().manual_seed(seed)
    rows = draw_categories(
        torch.rand(n, t.output_dim, generator=g), onehot_groups(t.spans, "cpu"), g
    )
    scalars = [s.start for s in t.spans if s.kind == "scalar"]
    rows[:, scalars] = torch.rand(n, len(scalars), generator=g) * 2 - 1
    return rows


def _table(n=3000, seed=0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    bimodal = np.where(rng.random(n) < 0.5, rng.normal(-3, 0.5, n), rng.normal(3, 0.5, n))
    gain = np.where(rng.random(n) < 0.8, 0, rng.integers(100, 5000, n))  # an atom at 0
    hours = rng.normal(40, 8, n).round(1)
    hours[rng.random(n) < 0.1] = np.nan  # a missing span after the mode span
    return pd.DataFrame(
        {"x": bimodal, "gain": gain, "hours": hours, "c": rng.choice(list("abc"), n)}
    )


@pytest.mark.parametrize("which", ["adult", "toy"])
def test_canonical_rows_are_the_encoding_of_the_decoded_values(which, adult_small):
    table = adult_small if which == "adult" else _table()
    t = TableTransformer(continuous="mode", random_state=0).fit(table)
    rows = _random_hard_rows(t, 2000, seed=1)
    want = torch.as_tensor(t.transform(t.inverse_transform(rows.numpy(), decode="argmax")))
    got = CanonicalRows(t, "cpu")(rows)
    assert torch.allclose(got, want, atol=1e-5)
    # and the random rows were not canonical to begin with: the test can fail
    assert not torch.allclose(rows, want, atol=1e-5)


def test_real_encoded_rows_are_left_as_they_are():
    table = _table()
    t = TableTransformer(continuous="mode", random_state=0).fit(table)
    enc = torch.as_tensor(t.transform(table))
    assert torch.allclose(CanonicalRows(t, "cpu")(enc), enc, atol=1e-5)


def test_quantile_encoding_has_nothing_to_canonicalise():
    t = TableTransformer(continuous="quantile", random_state=0).fit(_table())
    rows = _random_hard_rows(t, 50, seed=0)
    assert CanonicalRows(t, "cpu")(rows) is rows


def test_fairptgan_labels_canonical_rows(adult_small, monkeypatch):
    from fairsynth import FairPTGAN

    m = FairPTGAN(sensitive="sex", target="income", epochs=1, random_state=0).fit(adult_small)
    seen = []
    labels = m.fairness_.labels

    def spy(rows, groups, alpha, gen):
        seen.append(rows)
        return labels(rows, groups, alpha, gen)

    monkeypatch.setattr(m.fairness_, "labels", spy)
    m.sample(300, alpha=1.0, random_state=0)
    (rows,) = seen
    assert torch.allclose(CanonicalRows(m.transformer_, "cpu")(rows), rows, atol=1e-6)
