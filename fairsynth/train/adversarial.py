"""Adversarial losses of the shared trainer (algorithms.md §4).

Two families: the Wasserstein critic (PTGAN and WGAN-GP; the penalties are added by the
objective) and the non-saturating GAN (the critic's score is a logit). Each returns
(loss, logs of detached tensors) so that the objective stays loss-agnostic.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

ADVERSARIAL = ("wasserstein", "ns")


def critic_adversarial(
    real: torch.Tensor, fake: torch.Tensor, kind: str, label_smoothing: float = 0.0
) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """Critic loss from its scores on real (or tempered) rows and on generated rows."""
    if kind == "wasserstein":
        wdist = real.mean() - fake.mean()
        return -wdist, {"wdist": wdist.detach()}
    # One-sided label smoothing: only the real target moves (1 → 1 − s), as in Salimans et
    # al.; smoothing the fake target too would reward the generator for off-data samples.
    target = torch.full_like(real, 1.0 - label_smoothing)
    loss = F.binary_cross_entropy_with_logits(real, target) + F.softplus(fake).mean()
    return loss, {
        "d_real": torch.sigmoid(real).mean().detach(),
        "d_fake": torch.sigmoid(fake).mean().detach(),
    }


def generator_adversarial(fake: torch.Tensor, kind: str) -> torch.Tensor:
    """Generator loss from the critic's scores on generated rows."""
    if kind == "wasserstein":
        return -fake.mean()
    # Non-saturating form −log D(G(z)) = softplus(−logit): strong gradients early on.
    return F.softplus(-fake).mean()
