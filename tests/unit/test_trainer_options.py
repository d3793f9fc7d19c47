"""Generator weight averaging (EMA) and the target-consistency loss of the shared trainer."""

import torch

from fairsynth import PTGAN
from fairsynth.train.auxiliary import TargetConsistency


def _rows(n=4000, seed=0):
    # encoded rows: [feature, one-hot target (2)], target = 1 where the feature is positive
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(n, 1, generator=g)
    y = (x[:, 0] > 0).long()
    return torch.cat([x, torch.nn.functional.one_hot(y, 2).float()], dim=1)


def test_target_consistency_penalises_rows_whose_features_contradict_their_label():
    rows = _rows()
    tc = TargetConsistency(torch.tensor([0]), (1, 3), weight=1.0)
    tc.fit(rows, None, torch.Generator().manual_seed(0))
    ones = torch.ones(len(rows))
    consistent, _ = tc.penalty(rows, None, ones)
    flipped = rows.clone()
    flipped[:, 1:] = rows[:, [2, 1]]  # every label swapped
    contradicting, logs = tc.penalty(flipped, None, ones)
    assert consistent < 0.2 < 2.0 < contradicting
    assert set(logs) == {"target_ce"}
    # tempered rows (α < 1) carry label mixtures and are left out
    none_kept, _ = tc.penalty(flipped, None, torch.full((len(rows),), 0.5))
    assert none_kept == 0


def test_target_consistency_is_an_option_of_the_fit(adult_small):
    m = PTGAN(target="income", epochs=1, target_consistency=1.0, random_state=0).fit(adult_small)
    assert "target_ce" in m.history_
    off = PTGAN(target="income", epochs=1, target_consistency=0.0, random_state=0)
    assert "target_ce" not in off.fit(adult_small).history_


def test_ema_changes_the_fitted_generator_and_keeps_reproducibility(adult_small):
    plain = PTGAN(epochs=2, ema_decay=0.0, random_state=0).fit(adult_small)
    a = PTGAN(epochs=2, ema_decay=0.99, random_state=0).fit(adult_small)
    b = PTGAN(epochs=2, ema_decay=0.99, random_state=0).fit(adult_small)
    wa, wb, wp = (m.generator_.body[0].fc.weight for m in (a, b, plain))
    assert torch.equal(wa, wb)
    assert not torch.equal(wa, wp)
    # the critic is trained the same way: EMA only changes which generator weights are kept
    assert torch.equal(a.critic_.net[0].weight, plain.critic_.net[0].weight)
