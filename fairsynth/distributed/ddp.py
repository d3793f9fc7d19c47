"""Data-parallel PTGAN/FairPTGAN: every rank the same networks, its own minibatches.

Both networks are wrapped in DistributedDataParallel, which all-reduces (averages) the
gradients during backward. Each step routes the forwards so that DDP only sees the network
being trained: the critic step runs the critic through DDP and the generator through its
plain `.module` (under no_grad), the generator step the other way round. The critic loss
calls the critic several times (real, fake, and the coherency point) and takes a
double-backward (`autograd.grad(create_graph=True)` of the score w.r.t. the input): that
inner grad targets the inputs only, so DDP's per-parameter hooks fire once, in the outer
`backward`, with the complete gradient of the penalty included; tests/unit/test_distributed
checks it against the mean of the ranks' local gradients.

Shards: each rank draws its rows with replacement from the whole table with its own
generator (seed, rank), so the union of the ranks' batches is a batch of the global size
drawn exactly as one process would; every rank holds the table, which is what FairPTGAN's
cross-group partners need.
"""

from __future__ import annotations

import torch
from torch.nn.parallel import DistributedDataParallel as DDP

from .context import DistContext


class DDPObjective:
    def __init__(self, inner, ctx: DistContext):
        self.inner = inner
        ids = [ctx.device] if ctx.device.type == "cuda" else None
        # No buffer sync per forward: the networks have no running statistics (LayerNorm;
        # spectral norm's power-iteration vectors are updated from identical weights).
        self.generator = DDP(inner.generator, device_ids=ids, forward_sync_buffers=False)
        self.critic = DDP(inner.critic, device_ids=ids, forward_sync_buffers=False)
        self.generator.noise_dim = inner.generator.noise_dim  # read by the objective
        self.plain_generator, self.plain_critic = inner.generator, inner.critic
        # The critic step runs the plain generator: its rows, shared with the generator
        # step, would bypass DDP's gradient all-reduce (inner is a TemperedObjective: the
        # DDP driver serves PTGAN and FairPTGAN only).
        inner.share_fakes = False

    @property
    def sampler(self):
        return self.inner.sampler

    def critic_loss(self):
        self.inner.generator, self.inner.critic = self.plain_generator, self.critic
        return self.inner.critic_loss()

    def generator_loss(self):
        self.inner.generator, self.inner.critic = self.generator, self.plain_critic
        return self.inner.generator_loss()

    def networks(self) -> dict[str, torch.nn.Module]:
        return {"generator": self.plain_generator, "critic": self.plain_critic}

    def extra_state(self) -> dict:
        return {}

    def load_extra_state(self, state: dict) -> None:
        pass

    def attach(self, loop) -> None:
        pass

    def finish(self, model) -> None:
        # Restore the plain modules in the objective; the model's networks never changed.
        self.inner.generator, self.inner.critic = self.plain_generator, self.plain_critic
