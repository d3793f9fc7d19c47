"""Target consistency: an auxiliary classifier that keeps generated rows' features consistent
with their generated label (the auxiliary-classifier loss of CTAB-GAN, in our trainer).

A GAN critic sees whole rows, so it spends little of its capacity on how the *target* depends
on the other columns — yet that dependence is what a model trained on synthetic rows needs.
A small classifier C is fitted on the real encoded rows (features → target) before the GAN
and then frozen. At every generator step, for the generated rows at α = 1, the loss
CE(C(features of G(z)), argmax of G(z)'s target) is added with weight `weight`. The label is
detached, so the loss moves the *features* towards what that label implies and leaves the
target's marginal (the positive rate) to the adversarial loss.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class TargetConsistency:
    """Frozen feature→target classifier and the generator's consistency penalty."""

    def __init__(self, features: torch.Tensor, target: tuple[int, int], weight: float):
        self.features = features  # indices of the classifier's input columns of a row
        self.target = target  # (start, stop) of the target's one-hot span
        self.weight = weight
        self.classifier: nn.Module | None = None

    def fit(
        self,
        rows: torch.Tensor,
        extra: torch.Tensor | None,
        generator: torch.Generator,
        epochs: int = 5,
        batch_size: int = 512,
    ) -> TargetConsistency:
        """Fit C on real encoded rows (`extra`: columns outside the rows, e.g. the group)."""
        x = self._inputs(rows, extra)
        y = rows[:, self.target[0] : self.target[1]].argmax(1)
        k = self.target[1] - self.target[0]
        net = nn.Sequential(nn.Linear(x.shape[1], 128), nn.ReLU(), nn.Linear(128, k))
        net = net.to(rows.device)
        opt = torch.optim.Adam(net.parameters(), lr=1e-3, weight_decay=1e-5)
        n = x.shape[0]
        for _ in range(max(300, epochs * n // batch_size)):  # enough steps on small tables
            idx = torch.randint(n, (batch_size,), device=rows.device, generator=generator)
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        net.requires_grad_(False).eval()
        self.classifier = net
        return self

    def _inputs(self, rows: torch.Tensor, extra: torch.Tensor | None) -> torch.Tensor:
        x = rows[:, self.features]
        return x if extra is None else torch.cat([x, extra], dim=1)

    def penalty(
        self, fake: torch.Tensor, extra: torch.Tensor | None, alpha: torch.Tensor
    ) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        # Tempered rows (α < 1) carry soft label mixtures: only rows of the data law count.
        keep = alpha == 1.0
        label = fake[:, self.target[0] : self.target[1]].detach().argmax(1)
        logits = self.classifier(self._inputs(fake, extra))
        ce = F.cross_entropy(logits, label, reduction="none")
        loss = (ce * keep).sum() / keep.sum().clamp(min=1)
        return self.weight * loss, {"target_ce": loss.detach()}
