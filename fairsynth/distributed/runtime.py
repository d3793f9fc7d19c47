"""The torchrun runtime of the one fit pipeline (`BaseSynthesizer.fit`).

What differs from a single process: rank 0's seed and transformer are broadcast; the
objective is wrapped by a driver (DDP for PTGAN/FairPTGAN, one pair per rank for GAP, a
shard of the generators per rank for PMGAN); every rank runs every callback and the ranks
agree on stopping (a rank that stopped alone would leave the others waiting in the next
collective); each rank writes its own checkpoint, in the bundle format of a single-process
checkpoint, and rank 0 records the last epoch that every rank has written; only rank 0
shows progress and runs the privacy check.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path

import numpy as np
import torch

from ..errors import InvalidParameterError
from ..persist import atomic_path
from ..train import MinibatchSampler
from ..train.checkpoint import Checkpointer
from ..train.runtime import LocalRuntime, steps_per_epoch
from .context import DistContext


def rank_seed(seed: int, rank: int) -> int:
    """Independent, reproducible stream per (seed, rank)."""
    return int(np.random.SeedSequence([seed, rank]).generate_state(1)[0])


def broadcast_transformer(ctx: DistContext, df, schema, continuous: str, seed: int, protected):
    """Fit the transformer on rank 0 only and give every rank the same one (JSON state)."""
    from ..data import TableTransformer
    from ..train.runtime import model_transformer

    state = None
    if ctx.is_main:
        state = model_transformer(df, schema, continuous, seed, protected).to_dict()
    state = ctx.broadcast_object(state)
    # Every rank, rank 0 included, rebuilds from the same state: identical by construction.
    return TableTransformer.from_dict(state)


class DdpDriver:
    """PTGAN/FairPTGAN: the global batch split over the ranks, networks under DDP."""

    def __init__(self, model, ctx: DistContext, seed: int, data):
        from .ddp import DDPObjective

        batch_size = model._training_params().batch_size
        per_rank = batch_size // ctx.world_size
        if per_rank < 2:
            raise InvalidParameterError(
                f"batch_size={batch_size} split over {ctx.world_size} ranks leaves "
                f"{per_rank} row(s) per rank; use a batch of at least {2 * ctx.world_size}"
            )
        self.generator = torch.Generator(device=ctx.device).manual_seed(rank_seed(seed, ctx.rank))
        sampler = MinibatchSampler(len(data), per_rank, self.generator, groups=data.groups)
        self.objective = DDPObjective(model._objective(data, sampler), ctx)
        self.steps_per_epoch = steps_per_epoch(len(data), batch_size)
        self.rows_per_step = per_rank * ctx.world_size

    def gather(self, model, ctx) -> None:
        """Every rank's model holds the trained networks (DDP keeps the replicas equal)."""

    def finish(self, model, ctx) -> None:
        self.objective.finish(model)


def _driver(model, ctx: DistContext, seed: int, data, stale: bool):
    from ..models import GAP, PMGAN

    if isinstance(model, GAP):
        from .gap import GapDriver

        return GapDriver(model, ctx, seed, data)
    if isinstance(model, PMGAN):
        from .pmgan import PmganDriver

        return PmganDriver(model, ctx, seed, data, stale=stale)
    return DdpDriver(model, ctx, seed, data)


class TorchrunRuntime(LocalRuntime):
    def __init__(self, ctx: DistContext, *, checkpoint_dir: Path | None, stale: bool = False):
        self.ctx = ctx
        self.dir = checkpoint_dir
        self.stale = stale
        self.driver = None
        self.loop = None
        self.max_seconds = None
        self.epochs_here = 0  # epochs trained by this process (not those of a resumed run)

    @property
    def is_main(self) -> bool:
        return self.ctx.is_main

    @property
    def world_size(self) -> int:
        return self.ctx.world_size

    def device(self, requested) -> torch.device:
        return self.ctx.device

    def agree(self, value):
        return self.ctx.broadcast_object(value)

    def fit_transformer(self, df, schema, continuous: str, seed: int, protected=()):
        return broadcast_transformer(self.ctx, df, schema, continuous, seed, protected)

    def after_transformer(self, seed: int) -> None:
        # Only rank 0 ran the transformer's fit (which draws from torch's stream): every
        # rank must now build the very same networks (GAP and PMGAN rely on it).
        torch.manual_seed(seed)

    def objective(self, model, data, generator: torch.Generator, seed: int):
        self.driver = _driver(model, self.ctx, seed, data, self.stale)
        d = self.driver
        return d.objective, d.steps_per_epoch, d.generator

    def loop_config(self, config):
        config.verbose = bool(config.verbose and self.ctx.is_main)
        config.gradient_variance_every = 0  # the probe is defined for one process only
        config.description = f"{config.description} ×{self.ctx.world_size} ranks"
        # The budget is agreed in the epoch callback: ranks whose clocks disagree by a hair
        # must still stop at the same epoch.
        self.max_seconds, config.max_seconds = config.max_seconds, None
        return config

    def checkpointer(self, model, df, every, path, resume) -> Checkpointer:
        if self.dir is None:
            return Checkpointer.for_fit(model, df, None, None, False)
        if self.ctx.is_main:
            self.dir.mkdir(parents=True, exist_ok=True)
        self.ctx.barrier()
        path = self.dir / f"rank{self.ctx.rank}.ckpt"
        if resume and not path.is_file():
            raise InvalidParameterError(
                f"--resume {self.dir}: {path.name} is missing; resume with the same number of "
                "processes that wrote the checkpoint"
            )
        return Checkpointer.for_fit(model, df, 1, path, resume)

    def callbacks(self, callbacks: list) -> list:
        def every_rank(epoch: int, logs: dict) -> bool:
            # All callbacks on every rank (no short-circuit: they may hold collectives),
            # then one agreed decision, which is also the barrier after the checkpoints.
            self.epochs_here += 1
            stop = False
            for cb in callbacks:
                stop = bool(cb(epoch, logs)) or stop
            elapsed = self.loop.rows[-1]["seconds"]
            stop = stop or (self.max_seconds is not None and elapsed >= self.max_seconds)
            flag = torch.tensor([float(stop)], device=self.ctx.device)
            agreed = self.ctx.all_reduce(flag, op=torch.distributed.ReduceOp.MAX).item()
            if self.dir is not None and self.ctx.is_main:
                with atomic_path(self.dir / "latest.txt") as tmp:
                    tmp.write_text(f"{epoch}\n")
            return bool(agreed)

        return [every_rank]

    def attach(self, loop) -> None:
        self.loop = loop
        self.driver.objective.attach(loop)

    def before_evaluation(self, model) -> None:
        self.driver.gather(model, self.ctx)

    def guard(self, checkpointer):
        # Ctrl-C reaches every rank at a different point of its epoch: no deferred save
        # (the per-epoch checkpoints are the resume points).
        return nullcontext()

    def finish(self, model, data) -> None:
        self.driver.finish(model, self.ctx)

    def summary(self, model, seconds: float) -> dict:
        d = self.driver
        rows = self.epochs_here * d.steps_per_epoch * d.rows_per_step
        return {
            "world_size": self.ctx.world_size,
            "backend": self.ctx.backend,
            "rows_per_second": round(rows / seconds, 1),
        }
