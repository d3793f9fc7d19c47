"""Training objectives. An objective owns the losses; the loop owns everything else.

`TemperedObjective` is PTGAN (algorithms.md §1) and, with cross-group partners and a
(α, group) condition, FairPTGAN (§2).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import nn

from .adversarial import critic_adversarial, generator_adversarial
from .auxiliary import TargetConsistency
from .sampler import MinibatchSampler


def symmetric_temperature(alpha: torch.Tensor) -> torch.Tensor:
    """t(α) = 1 − 2|α − 1/2|: α and 1 − α give the same law when partners are i.i.d."""
    return 1.0 - 2.0 * (alpha - 0.5).abs()


@dataclass
class TemperedObjective:
    """Critic and generator losses of parallel tempering with the coherency penalty.

    condition(alpha, idx) builds the networks' condition vector from per-row temperatures and
    the indices of the rows that set the group (FairPTGAN) or nothing (PTGAN).
    """

    generator: nn.Module
    critic: nn.Module
    data: torch.Tensor  # (n, d) encoded rows on the device
    sampler: MinibatchSampler
    condition: Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
    cross_group: bool = False
    r: float = 0.9
    coherency: float = 100.0
    gradient_penalty: float = 0.0
    # Adversarial loss ('wasserstein' or 'ns', see adversarial.py) and the one-sided label
    # smoothing of the non-saturating critic.
    loss: str = "wasserstein"
    label_smoothing: float = 0.0
    # Conditional generation: partner(idx) draws each row's tempering partner (same category)
    # and generator_penalty(fake, idx) adds the cross-entropy on the condition's span.
    partner: Callable[[torch.Tensor], torch.Tensor] | None = None
    generator_penalty: Callable | None = None
    # Target consistency (auxiliary.py): a frozen classifier's loss on the generated rows.
    target_consistency: TargetConsistency | None = None
    # Output heads: 'soft' (the generator's own output at the row's temperature) or
    # 'commit' (every fake is drawn at α = 1 with hard categories, straight-through, and a
    # tempered fake is the convex mixture of two such rows, as sampling builds it), or
    # 'chain' (as 'commit', the spans emitted in sequence: nn/chain.py).
    heads: str = "soft"
    # The generator step scores the fake rows of the critic step just before it (made with
    # the same generator weights, so the same law): one generator pass per step instead of
    # two, as DCGAN trains. Only with one critic step per generator step.
    share_fakes: bool = False
    # The penalties are means over i.i.d. rows, estimated on the first `penalty_share` of
    # the batch's: still unbiased, and their double backward (the costliest part of the
    # critic step) runs on fewer rows.
    penalty_share: float = 0.5
    _shared: tuple | None = field(default=None, init=False, repr=False)

    def _alpha_kept(self, size: int) -> torch.Tensor:
        # α ~ r·δ₁ + (1 − r)·U(0, 1), drawn on the device with the trainer's generator.
        g, dev = self.sampler.generator, self.data.device
        keep = torch.rand(size, device=dev, generator=g) < self.r
        u = torch.rand(size, device=dev, generator=g)
        return torch.where(keep, torch.ones_like(u), u)

    def _uniform(self, size: int) -> torch.Tensor:
        return torch.rand(size, device=self.data.device, generator=self.sampler.generator)

    def _noise(self, size: int) -> torch.Tensor:
        return torch.randn(
            size,
            self.generator.noise_dim,
            device=self.data.device,
            generator=self.sampler.generator,
        )

    def _partners(self, idx: torch.Tensor) -> torch.Tensor:
        """The tempering partner of each row: another group's (FairPTGAN), the same
        category's (conditional) or any row."""
        if self.cross_group:
            return self.sampler.partners(idx)
        return self.partner(idx) if self.partner is not None else self.sampler.draw()

    def _fake(self, idx1, idx2, alpha, c) -> torch.Tensor:
        b = idx1.shape[0]
        if self.heads == "soft":
            return self.generator(self._noise(b), c)

        def committed(idx):  # rows of the data law (α = 1) with their categories drawn
            draws, ones = self.sampler.generator, torch.ones_like(idx, dtype=alpha.dtype)
            row = self.generator(self._noise(idx.shape[0]), self.condition(ones, idx), draws)
            return row if self.heads == "chain" else self.generator.activation.commit(row, draws)

        # Most rows are kept at α = 1 (r): only the tempered ones need a partner row, made
        # in the same generator pass as the batch (one pass costs less than two).
        tempered = torch.nonzero(alpha < 1).squeeze(1)
        rows = committed(torch.cat([idx1, idx2[tempered]]))
        x, partners = rows[:b], rows[b:]
        if tempered.numel() == 0:
            return x
        a = alpha[tempered, None]
        return x.index_copy(0, tempered, a * x[tempered] + (1 - a) * partners)

    def critic_loss(self) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        idx1 = self.sampler.draw()
        idx2 = self._partners(idx1)
        b = idx1.shape[0]
        x1, x2 = self.data[idx1], self.data[idx2]
        a1, a2, nu = self._alpha_kept(b), self._uniform(b), self._uniform(b)
        q1 = a1[:, None] * x1 + (1 - a1[:, None]) * x2
        q2 = a2[:, None] * x1 + (1 - a2[:, None]) * x2
        c1 = self.condition(a1, idx1)
        if self.share_fakes:
            fake = self._fake(idx1, idx2, a1, c1)
            self._shared = (fake, idx1, a1, c1)
            fake = fake.detach()
        else:
            with torch.no_grad():
                fake = self._fake(idx1, idx2, a1, c1)
        loss, logs = critic_adversarial(
            self.critic(q1, c1), self.critic(fake, c1), self.loss, self.label_smoothing
        )
        k = max(1, round(b * self.penalty_share))
        if self.coherency > 0:
            h = self._coherency(q1[:k], q2[:k], a1[:k], a2[:k], nu[:k], idx1[:k])
            loss = loss + self.coherency * h
            logs["coherency"] = h.detach()
        if self.gradient_penalty > 0:
            gp = self._gradient_penalty(q1[:k], fake[:k], c1[:k])
            loss = loss + self.gradient_penalty * gp
            logs["gp"] = gp.detach()
        return loss, logs

    def _coherency(self, q1, q2, a1, a2, nu, idx1) -> torch.Tensor:
        # Squared directional derivative of D along the segment joining the two temperatures
        # of the same pair, at a random point of it (§1 step 5).
        q = (nu[:, None] * q1 + (1 - nu[:, None]) * q2).requires_grad_(True)
        a = nu * a1 + (1 - nu) * a2
        score = self.critic(q, self.condition(a, idx1))
        (grad,) = torch.autograd.grad(score.sum(), q, create_graph=True)
        return ((grad * (q1 - q2)).sum(1) ** 2).mean()

    def _gradient_penalty(self, real, fake, c) -> torch.Tensor:
        eps = self._uniform(real.shape[0])[:, None]
        x = (eps * real + (1 - eps) * fake).requires_grad_(True)
        (grad,) = torch.autograd.grad(self.critic(x, c).sum(), x, create_graph=True)
        return ((grad.norm(dim=1) - 1) ** 2).mean()

    def generator_loss(self) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        if self._shared is not None:
            (fake, idx, alpha, c), self._shared = self._shared, None
        else:
            idx = self.sampler.draw()
            alpha = self._alpha_kept(idx.shape[0])
            c = self.condition(alpha, idx)
            partners = idx if self.heads == "soft" else self._partners(idx)
            fake = self._fake(idx, partners, alpha, c)
        loss = generator_adversarial(self.critic(fake, c), self.loss)
        logs: dict[str, torch.Tensor] = {}
        if self.generator_penalty is not None:
            penalty, logs = self.generator_penalty(fake, idx)
            loss = loss + penalty
        if self.target_consistency is not None:
            penalty, more = self.target_consistency.penalty(fake, condition_extra(c), alpha)
            loss, logs = loss + penalty, {**logs, **more}
        return loss, logs


def condition_extra(c: torch.Tensor) -> torch.Tensor | None:
    """The condition beyond the temperature (its first column): the group, a category."""
    return c[:, 1:] if c.shape[1] > 1 else None
