"""PMGAN's objective: K generators, one discriminator, one K-way classifier (§6).

The loop sees one generator (ModuleList of the K generators) and one critic (ModuleList of
the discriminator D and the classifier C): D and C share no parameters, so one Adam over
both is exactly one Adam each (Adam is element-wise).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from .sampler import MinibatchSampler


def balance_terms(
    jd: torch.Tensor, jc: torch.Tensor, diversity: float, decay: float, step: int
) -> torch.Tensor:
    """β_k of eq. 3-4: w_k = softmax(J^D_k), d_k = σ(J^D_k), c_k = J^C_k,
    β_k = w_k·exp(−(c_k/d_k − λ)), renormalised by a softmax over k, times exp(−a·t)."""
    w = torch.softmax(jd, 0)
    d = torch.sigmoid(jd)
    beta = w * torch.exp(-(jc / d - diversity))
    return torch.softmax(beta, 0) * math.exp(-decay * step)


class MixtureObjective:
    def __init__(
        self,
        generators: Sequence[nn.Module],
        discriminator: nn.Module,
        classifier: nn.Module,
        data: torch.Tensor,
        sampler: MinibatchSampler,
        diversity: float = 1.0,
        balance_decay: float = 1e-3,
        truncate: float = 0.99,
    ):
        self.generators = list(generators)
        self.discriminator = discriminator
        self.classifier = classifier
        self.generator = nn.ModuleList(self.generators)
        self.critic = nn.ModuleList([discriminator, classifier])
        self.data = data
        self.sampler = sampler
        self.diversity = diversity
        self.balance_decay = balance_decay
        self.max_logit = math.log(truncate / (1 - truncate))
        self.k = len(self.generators)
        self.per_generator = max(1, sampler.batch_size // self.k)
        self.step = 0
        # The "shared memory" of the paper: the latest per-generator D and C losses, from
        # which each generator's β is computed (one slot per generator).
        self.jd = torch.zeros(self.k, device=data.device)
        self.jc = torch.zeros(self.k, device=data.device)
        self._cond = torch.zeros(self.per_generator, 0, device=data.device)

    def _fakes(self) -> torch.Tensor:
        b = self.per_generator
        z = torch.randn(
            self.k,
            b,
            self.generators[0].noise_dim,
            device=self.data.device,
            generator=self.sampler.generator,
        )
        return torch.stack([g(z[i], self._cond) for i, g in enumerate(self.generators)])

    def _labels(self) -> torch.Tensor:
        return torch.arange(self.k, device=self.data.device).repeat_interleave(self.per_generator)

    def critic_loss(self):
        real = self.data[self.sampler.draw(self.per_generator * self.k)]
        with torch.no_grad():
            fake = self._fakes()  # (K, b, d)
        flat = fake.reshape(-1, fake.shape[-1])
        empty = torch.zeros(len(flat), 0, device=flat.device)
        s_real = self.discriminator(real, empty)
        s_fake = self.discriminator(flat, empty)
        # J_D: the usual GAN loss against the mixture of all generators.
        per_fake = F.softplus(s_fake).reshape(self.k, -1).mean(1)  # −log(1 − D) per generator
        loss_d = F.softplus(-s_real).mean() + per_fake.mean()
        ce = F.cross_entropy(self.classifier(flat), self._labels(), reduction="none")
        per_class = ce.reshape(self.k, -1).mean(1)
        self.jd, self.jc = per_fake.detach(), per_class.detach()
        return loss_d + per_class.mean(), {
            "loss_dis": loss_d.detach(),
            "loss_cls": per_class.mean().detach(),
        }

    def betas(self) -> torch.Tensor:
        return balance_terms(self.jd, self.jc, self.diversity, self.balance_decay, self.step)

    def generator_loss(self):
        fake = self._fakes()
        flat = fake.reshape(-1, fake.shape[-1])
        empty = torch.zeros(len(flat), 0, device=flat.device)
        logit = self.discriminator(flat, empty)
        # Reverse-KL generator loss E[log(1 − D) − log D] = E[−logit D] (the sign that lowers
        # KL(P_gk‖P_data); §6 writes it with D the probability of "generated"), truncated
        # where D > t: min() stops the gradient of rows D already takes for real.
        adv = (1.0 - logit.clamp(max=self.max_logit)).reshape(self.k, -1).mean(1)
        # Push apart: −β_k·E[log P(k | x)] — the paper's −β·E[log(1 − C(x))] with its C the
        # probability of "another generator", i.e. 1 − C = P(k | x).
        logp = F.log_softmax(self.classifier(flat), 1).gather(1, self._labels()[:, None])
        sep = -logp.reshape(self.k, -1).mean(1)
        beta = self.betas()
        self.step += 1
        return (adv + beta * sep).sum(), {
            "beta_sum": beta.sum().detach(),
            "separation": sep.mean().detach(),
        }
