"""GAP across ranks: pair i trains on rank i; swaps move critics between ranks.

Every rank builds all N pairs' initial networks from the shared seed (so the pairs start as
in a one-process GAP) and trains only its own. Every `swap_every` generator steps each rank
draws the same random perfect matching from the shared swap seed; a rank in pair (a, b)
sends its critic's weights, buffers and Adam moments to its peer as one flat tensor
(send/recv) and loads the peer's in place, so the critic keeps its optimiser state when it
changes generator, as in one process. `partner[i]` (which original critic is on rank i) and
`faced[i]` are tracked identically on every rank. At the end every rank gathers all
generators and critics (all_gather) and GAP's own GAM-II selects, identically on every
rank; rank 0's model gets saved.
"""

from __future__ import annotations

import torch

from ..errors import InvalidParameterError
from ..train import MinibatchSampler
from ..train.runtime import steps_per_epoch
from .context import DistContext
from .flat import critic_with_adam, load_module_vector, module_vector, pack, unpack


class RankPairObjective:
    def __init__(
        self, inner, ctx: DistContext, n_pairs: int, swap_every: int, rng: torch.Generator
    ):
        self.inner, self.ctx = inner, ctx
        self.generator, self.critic = inner.generator, inner.critic
        self.swap_every = swap_every
        self.rng = rng  # CPU generator from the shared seed: the same schedule on every rank
        self.partner = list(range(n_pairs))
        self.faced = [{i} for i in range(n_pairs)]
        self.swaps = 0
        self.steps = 0
        self.pending = False
        self.optimizer = None

    def attach(self, loop) -> None:
        self.optimizer = loop.opt_d

    def critic_loss(self):
        if self.pending:
            self.swap()
        return self.inner.critic_loss()

    def generator_loss(self):
        out = self.inner.generator_loss()
        self.steps += 1
        # The swap overwrites the critic's weights in place, which the graph of this step
        # still needs for its backward: it happens before the next critic step instead.
        if self.steps % self.swap_every == 0:
            self.pending = True
        return out

    def swap(self) -> None:
        self.pending = False
        perm = torch.randperm(len(self.partner), generator=self.rng).tolist()
        rank = self.ctx.rank
        for a, b in zip(perm[0::2], perm[1::2], strict=False):
            self.partner[a], self.partner[b] = self.partner[b], self.partner[a]
            self.faced[a].add(self.partner[a])
            self.faced[b].add(self.partner[b])
            if rank in (a, b):
                slots = critic_with_adam(self.critic, self.optimizer)
                mine = pack(slots, self.ctx.device)
                unpack(slots, self.ctx.exchange(mine, b if rank == a else a))
        self.swaps += 1

    def networks(self) -> dict:
        return {"generator": self.generator, "critic": self.critic}

    def extra_state(self) -> dict:
        return {
            "partner": list(self.partner),
            "faced": [sorted(f) for f in self.faced],
            "swaps": self.swaps,
            "steps": self.steps,
            "pending": self.pending,
            "rng": self.rng.get_state(),
        }

    def load_extra_state(self, state: dict) -> None:
        self.partner = [int(v) for v in state["partner"]]
        self.faced = [set(map(int, f)) for f in state["faced"]]
        self.swaps, self.steps = int(state["swaps"]), int(state["steps"])
        self.pending = bool(state["pending"])
        self.rng.set_state(state["rng"].cpu())


class GapDriver:
    def __init__(self, model, ctx: DistContext, seed: int, data):
        n_rows = len(data)
        if model.n_pairs != ctx.world_size:
            raise InvalidParameterError(
                f"distributed GAP trains one pair per rank: --pairs {model.n_pairs} needs "
                f"{model.n_pairs} processes (torchrun --nproc-per-node ...), this job has "
                f"{ctx.world_size}"
            )
        dev, batch = ctx.device, model._training_params().batch_size
        # The pairs' seeds and the swap seed come from one shared stream, as in GAP._objective.
        shared = torch.Generator(device=dev).manual_seed(seed)
        seeds = [
            int(torch.randint(2**62, (1,), generator=shared, device=dev))
            for _ in range(model.n_pairs)
        ]
        swap_seed = int(torch.randint(2**62, (1,), generator=shared, device=dev))
        self.generator = torch.Generator(device=dev).manual_seed(seeds[ctx.rank])
        sampler = MinibatchSampler(n_rows, batch, self.generator, groups=data.groups)
        networks = (model.generator_[ctx.rank], model.critic_[ctx.rank])
        self.steps_per_epoch = steps_per_epoch(n_rows, batch)
        every = model.swap_every or max(1, self.steps_per_epoch // 2)
        self.objective = RankPairObjective(
            model.base_._objective(data, sampler, networks),
            ctx,
            model.n_pairs,
            every,
            torch.Generator().manual_seed(swap_seed),
        )
        self.rows_per_step = batch * ctx.world_size

    @torch.no_grad()
    def gather(self, model, ctx: DistContext) -> None:
        """Every rank's model gets every pair's generator (each rank trains one)."""
        gens = ctx.all_gather(module_vector(self.objective.generator, ctx.device))
        for i in range(ctx.world_size):
            load_module_vector(model.generator_[i], gens[i])

    @torch.no_grad()
    def finish(self, model, ctx: DistContext) -> None:
        """Every rank's model gets every pair's networks; GAP's own _finish_fit then selects
        by GAM-II, the same on every rank (same weights, same seed)."""
        obj = self.objective
        if obj.pending:  # the last step's swap, as one process would have made it
            obj.swap()
        self.gather(model, ctx)
        crits = ctx.all_gather(module_vector(obj.critic, ctx.device))
        for i in range(ctx.world_size):
            load_module_vector(model.critic_[obj.partner[i]], crits[i])
        for net in (*model.generator_, *model.critic_):
            net.eval()
