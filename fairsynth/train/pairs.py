"""Several GAN pairs on the one loop, with critic swaps (GAP, algorithms.md §5).

The loop sees one generator (a ModuleList of the pairs' generators) and one critic (a
ModuleList of their critics) and builds one Adam over each. Adam is element-wise, so one
optimiser over the union of the pairs' parameters is exactly one optimiser per pair; and
because a swap only changes *which critic module* a pair's objective uses, a critic takes
its Adam moments with it when it changes partner, as the GAP paper's swap asks.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


class PairedObjective:
    """Sum of N independent objectives; every `swap_every` generator steps the critics are
    swapped between disjoint pairs (i, j) drawn from a random permutation."""

    def __init__(self, objectives: Sequence, swap_every: int, generator: torch.Generator):
        self.objectives = list(objectives)
        n = len(self.objectives)
        self.generator = nn.ModuleList([o.generator for o in self.objectives])
        self.critic = nn.ModuleList([o.critic for o in self.objectives])
        self.swap_every = int(swap_every)
        self.rng = generator  # CPU generator from the shared seed: the swap schedule
        self.partner = list(range(n))  # partner[i]: index (in self.critic) of pair i's critic
        self.faced = [{i} for i in range(n)]  # critics each generator has trained against
        self.swaps = 0
        self._steps = 0

    def critic_loss(self):
        return self._sum([o.critic_loss() for o in self.objectives])

    def generator_loss(self):
        out = self._sum([o.generator_loss() for o in self.objectives])
        # The graph of this step is built already: swapping now affects the next steps only.
        self._steps += 1
        if self._steps % self.swap_every == 0:
            self.swap()
        return out

    def swap(self) -> None:
        """Exchange the critics of N/2 disjoint pairs (a random perfect matching)."""
        perm = torch.randperm(len(self.objectives), generator=self.rng).tolist()
        for a, b in zip(perm[0::2], perm[1::2], strict=False):
            oa, ob = self.objectives[a], self.objectives[b]
            oa.critic, ob.critic = ob.critic, oa.critic
            self.partner[a], self.partner[b] = self.partner[b], self.partner[a]
            self.faced[a].add(self.partner[a])
            self.faced[b].add(self.partner[b])
        self.swaps += 1

    @staticmethod
    def _sum(results):
        # The pairs share no parameters, so one backward of the sum gives each pair its own
        # gradients; logs are averaged over the pairs.
        total = sum(loss for loss, _ in results)
        logs: dict[str, torch.Tensor] = {}
        for _, lg in results:
            for k, v in lg.items():
                logs[k] = logs[k] + v if k in logs else v
        return total, {k: v / len(results) for k, v in logs.items()}
