"""PMGAN across ranks: the K generators split over the ranks; D and C replicated.

Rank r trains generators [r·K/W, (r+1)·K/W). Its critic step scores its real shard and its
own generators' rows (labelled with their global index) with D and C; the gradients of D
and C are averaged over the ranks (all-reduce) before Adam steps, which is exactly the
one-process gradient over all K generators' rows, so D and C stay identical everywhere.
Generators share no parameters and no gradients: they exchange only their per-generator
losses J^D_k, J^C_k (all_gather), from which every rank computes the same balance terms
β (softmax over all K). With `stale=True` that exchange is asynchronous, as in the paper's
"shared memory" of latest losses: a rank starts this step's all_gather and uses the last
one that has arrived (the previous step's) for the other generators' slots, its own
generators' slots being always fresh.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from ..errors import InvalidParameterError
from ..train import MinibatchSampler
from ..train.mixture import MixtureObjective, balance_terms
from ..train.runtime import steps_per_epoch
from .context import DistContext
from .flat import load_module_vector, module_vector, pack, unpack
from .runtime import rank_seed


class GradientAveraging:
    """An optimiser whose step first averages the gradients over the ranks (one message)."""

    def __init__(self, optimizer: torch.optim.Optimizer, ctx: DistContext):
        self.optimizer, self.ctx = optimizer, ctx
        self.params = [p for g in optimizer.param_groups for p in g["params"]]

    def zero_grad(self, set_to_none: bool = True) -> None:
        self.optimizer.zero_grad(set_to_none=set_to_none)

    def step(self) -> None:
        self.average_gradients()
        self.optimizer.step()

    def average_gradients(self) -> None:
        for p in self.params:
            if p.grad is None:
                p.grad = torch.zeros_like(p)
        grads = [p.grad for p in self.params]
        flat = self.ctx.all_reduce(pack(grads, self.ctx.device))
        unpack(grads, flat / self.ctx.world_size)

    def state_dict(self):
        return self.optimizer.state_dict()

    def load_state_dict(self, state) -> None:
        self.optimizer.load_state_dict(state)


class ShardedMixtureObjective(MixtureObjective):
    def __init__(
        self,
        generators,
        discriminator,
        classifier,
        data,
        sampler,
        *,
        offset: int,
        k_total: int,
        ctx: DistContext,
        stale: bool,
        **options,
    ):
        super().__init__(generators, discriminator, classifier, data, sampler, **options)
        self.offset, self.k_total, self.ctx, self.stale = offset, k_total, ctx, stale
        self.jd_all = torch.zeros(k_total, device=data.device)
        self.jc_all = torch.zeros(k_total, device=data.device)
        self._inflight = None
        self._mine = slice(offset, offset + self.k)

    def _labels(self) -> torch.Tensor:
        return super()._labels() + self.offset

    def critic_loss(self):
        out = super().critic_loss()  # sets self.jd, self.jc for this rank's generators
        self._share_losses()
        return out

    def _share_losses(self) -> None:
        local = torch.stack([self.jd, self.jc]).contiguous()
        if not self.stale:
            self._take(self.ctx.all_gather(local))
            return
        self._wait()  # the previous step's exchange: normally arrived long ago
        parts = [torch.empty_like(local) for _ in range(self.ctx.world_size)]
        self._inflight = (dist.all_gather(parts, local, async_op=True), parts)
        self.jd_all[self._mine], self.jc_all[self._mine] = self.jd, self.jc

    def _wait(self) -> None:
        if self._inflight is not None:
            work, parts = self._inflight
            work.wait()
            self._inflight = None
            self._take(parts)
            self.jd_all[self._mine], self.jc_all[self._mine] = self.jd, self.jc

    def _take(self, parts) -> None:
        full = torch.cat(parts, dim=1)
        self.jd_all, self.jc_all = full[0].clone(), full[1].clone()

    def betas(self) -> torch.Tensor:
        beta = balance_terms(
            self.jd_all, self.jc_all, self.diversity, self.balance_decay, self.step
        )
        return beta[self._mine]

    # ------------------------------------------------------------ driver protocol
    def attach(self, loop) -> None:
        loop.opt_d = GradientAveraging(loop.opt_d, self.ctx)

    def networks(self) -> dict:
        return {"generator": self.generator, "critic": self.critic}

    def extra_state(self) -> dict:
        self._wait()
        return {
            "jd": self.jd,
            "jc": self.jc,
            "jd_all": self.jd_all,
            "jc_all": self.jc_all,
            "step": self.step,
        }

    def load_extra_state(self, state: dict) -> None:
        for key in ("jd", "jc", "jd_all", "jc_all"):
            setattr(self, key, state[key].to(self.data.device))
        self.step = int(state["step"])


class PmganDriver:
    def __init__(self, model, ctx: DistContext, seed: int, data, stale: bool = False):
        n_rows = len(data)
        k, world = model.n_generators, ctx.world_size
        if k % world:
            raise InvalidParameterError(
                f"--generators {k} cannot be split evenly over {world} processes; use a "
                f"multiple of {world}"
            )
        local = k // world
        per_generator = max(1, model.batch_size // k)
        self.generator = torch.Generator(device=ctx.device).manual_seed(rank_seed(seed, ctx.rank))
        sampler = MinibatchSampler(n_rows, per_generator * local, self.generator)
        offset = ctx.rank * local
        self.objective = ShardedMixtureObjective(
            list(model.generator_)[offset : offset + local],
            model.critic_[0],
            model.critic_[1],
            data.rows,
            sampler,
            offset=offset,
            k_total=k,
            ctx=ctx,
            stale=stale,
            diversity=model.diversity,
            balance_decay=model.balance_decay,
            truncate=model.truncate,
        )
        self.steps_per_epoch = steps_per_epoch(n_rows, model.batch_size)
        self.rows_per_step = per_generator * k

    @torch.no_grad()
    def gather(self, model, ctx: DistContext) -> None:
        """Every rank's model gets every generator (each rank trains its shard)."""
        obj = self.objective
        obj._wait()
        mine = torch.cat([module_vector(g, ctx.device) for g in obj.generators])
        parts = ctx.all_gather(mine)
        local = len(obj.generators)
        size = mine.numel() // local
        for r, flat in enumerate(parts):
            for i in range(local):
                load_module_vector(model.generator_[r * local + i], flat[i * size : (i + 1) * size])

    @torch.no_grad()
    def finish(self, model, ctx: DistContext) -> None:
        self.gather(model, ctx)
        for net in (*model.generator_, *model.critic_):
            net.eval()
