"""`fit` inside a torchrun job: the orchestration of BaseSynthesizer.fit, made distributed.

It reuses every model-specific step (_check_roles, _prepare, _build_networks, _objective,
_loop_config) and the one TrainingLoop; what differs is who fits the transformer (rank 0,
then broadcast), how the objective is wrapped (ddp.py, gap.py, pmgan.py), the stopping rule
(all ranks must stop at the same epoch or the next collective would hang), per-rank
checkpoints, and that only rank 0 shows a progress bar and writes files.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from ..data import TableTransformer, detect_schema
from ..errors import InvalidParameterError
from ..models.base import seed_from
from ..persist import atomic_path
from ..privacy import hashed_columns, privacy_summary, row_hashes
from ..train import MinibatchSampler, TrainingLoop
from .context import DistContext


def rank_seed(seed: int, rank: int) -> int:
    """Independent, reproducible stream per (seed, rank)."""
    return int(np.random.SeedSequence([seed, rank]).generate_state(1)[0])


def broadcast_transformer(ctx: DistContext, df, schema, continuous: str, seed: int):
    """Fit the transformer on rank 0 only and give every rank the same one (JSON state)."""
    state = None
    if ctx.is_main:
        state = TableTransformer(continuous=continuous, random_state=seed).fit(df, schema).to_dict()
    state = ctx.broadcast_object(state)
    # Every rank, rank 0 included, rebuilds from the same state: identical by construction.
    return TableTransformer.from_dict(state)


def _driver(model, ctx: DistContext, seed: int, n_rows: int, stale: bool):
    from ..models import GAP, PMGAN

    if isinstance(model, GAP):
        from .gap import GapDriver

        return GapDriver(model, ctx, seed, n_rows)
    if isinstance(model, PMGAN):
        from .pmgan import PmganDriver

        return PmganDriver(model, ctx, seed, n_rows, stale=stale)
    return DdpDriver(model, ctx, seed, n_rows)


class DdpDriver:
    """PTGAN/FairPTGAN: the global batch split over the ranks, networks under DDP."""

    def __init__(self, model, ctx: DistContext, seed: int, n_rows: int):
        from .ddp import DDPObjective

        per_rank = model.batch_size // ctx.world_size
        if per_rank < 2:
            raise InvalidParameterError(
                f"batch_size={model.batch_size} split over {ctx.world_size} ranks leaves "
                f"{per_rank} row(s) per rank; use a batch of at least {2 * ctx.world_size}"
            )
        gen = torch.Generator(device=ctx.device).manual_seed(rank_seed(seed, ctx.rank))
        sampler = MinibatchSampler(n_rows, per_rank, gen, groups=getattr(model, "_groups", None))
        self.objective = DDPObjective(model._objective(sampler), ctx)
        self.generators = [gen]
        self.steps_per_epoch = max(1, -(-n_rows // model.batch_size))
        self.rows_per_step = per_rank * ctx.world_size

    def finish(self, model, ctx) -> None:
        self.objective.finish(model)


class _EpochHook:
    """Runs after each epoch on every rank: checkpoint, then one agreed stop decision."""

    def __init__(
        self,
        ctx,
        driver,
        loop,
        user_callbacks,
        max_seconds,
        checkpoint_dir,
        meta,
        done_epochs,
        history,
    ):
        self.ctx, self.driver, self.loop = ctx, driver, loop
        self.user = list(user_callbacks or ())
        self.max_seconds = max_seconds
        self.dir = checkpoint_dir
        self.meta = meta
        self.done = done_epochs
        self.history = history
        self.start = time.perf_counter()

    def __call__(self, epoch: int, logs: dict) -> bool:
        epoch += self.done
        self.history.append({"epoch": epoch, **logs, "seconds": time.perf_counter() - self.start})
        stop = any(bool(cb(epoch, logs)) for cb in self.user)
        if self.max_seconds is not None:
            stop = stop or time.perf_counter() - self.start >= self.max_seconds
        if self.dir is not None:
            save_checkpoint(
                self.ctx, self.dir, epoch, self.driver, self.loop, self.meta, self.history
            )
        flag = torch.tensor([float(stop)], device=self.ctx.device)
        return bool(self.ctx.all_reduce(flag, op=torch.distributed.ReduceOp.MAX).item())


def save_checkpoint(ctx, folder: Path, epoch, driver, loop, meta, history) -> None:
    """One file per rank (each rank owns different networks under GAP and PMGAN), then,
    once every rank has written epoch e, rank 0 records e as the last complete one."""
    obj = driver.objective
    state = {
        "meta": {**meta, "epoch": epoch, "rank": ctx.rank},
        "networks": {k: m.state_dict() for k, m in obj.networks().items()},
        "opt_g": loop.opt_g.state_dict(),
        "opt_d": loop.opt_d.state_dict(),
        "rng": [g.get_state() for g in driver.generators],
        "extra": obj.extra_state(),
        "history": json.dumps(history),
    }
    with atomic_path(folder / f"rank{ctx.rank}.pt") as tmp:
        torch.save(state, tmp)
    ctx.barrier()
    if ctx.is_main:
        with atomic_path(folder / "latest.txt") as tmp:
            tmp.write_text(f"{epoch}\n")


def load_checkpoint(ctx, folder: Path, driver, loop, meta) -> tuple[int, list]:
    path = folder / f"rank{ctx.rank}.pt"
    if not path.is_file():
        raise InvalidParameterError(
            f"--resume {folder}: {path.name} is missing; resume with the same number of "
            "processes that wrote the checkpoint"
        )
    state = torch.load(path, map_location=ctx.device, weights_only=True)
    for key in ("strategy", "world_size"):
        if state["meta"].get(key) != meta[key]:
            raise InvalidParameterError(
                f"--resume {folder}: the checkpoint was written with {key}="
                f"{state['meta'].get(key)!r}, this run has {meta[key]!r}"
            )
    obj = driver.objective
    for k, module in obj.networks().items():
        module.load_state_dict(state["networks"][k])
    loop.opt_g.load_state_dict(state["opt_g"])
    loop.opt_d.load_state_dict(state["opt_d"])
    for g, s in zip(driver.generators, state["rng"], strict=True):
        g.set_state(s.cpu())
    obj.load_extra_state(state["extra"])
    return int(state["meta"]["epoch"]), json.loads(state["history"])


def fit_distributed(
    model,
    data: pd.DataFrame,
    ctx: DistContext,
    *,
    checkpoint_dir: str | Path | None = None,
    resume: str | Path | None = None,
    stale: bool = False,
):
    """Fit `model` as one rank of the job `ctx`. Every rank returns the model; only rank 0's
    is complete (all pairs/generators gathered) and meant to be saved.

    checkpoint_dir: write one checkpoint per rank there after every epoch; resume: a folder
    of such checkpoints to continue from (same number of processes); stale: PMGAN's
    asynchronous loss exchange (pmgan.py).
    """
    if resume is not None and checkpoint_dir is None:
        checkpoint_dir = resume
    folder = Path(checkpoint_dir) if checkpoint_dir is not None else None
    ctx.checkpoint_dir = folder
    with ctx.guard():
        if folder is not None and ctx.is_main:
            folder.mkdir(parents=True, exist_ok=True)
        model._check_params()
        # Early stopping (on by default) is skipped: its held-out split, evaluations and
        # agreed stop are not written for ranks yet; every rank trains for `epochs`.
        skipped_early_stopping = model._early_stopping_settings()[0]
        df = model._check_table(data)
        # random_state=None draws a seed: rank 0's, so that every rank agrees.
        seed = int(ctx.broadcast_object(seed_from(model.random_state)))
        model._fit_seed = seed
        model.device_ = ctx.device
        started = time.perf_counter()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            schema = detect_schema(df, kinds=model.kinds)
            model._check_roles(df, schema)
            model.transformer_ = broadcast_transformer(ctx, df, schema, model.continuous, seed)
            encoded = torch.as_tensor(model.transformer_.transform(df), device=ctx.device)
            # Re-seed: only rank 0 ran the transformer's fit, and every rank must now build
            # the very same networks (GAP and PMGAN rely on it; DDP would broadcast anyway).
            torch.manual_seed(seed)
            model._prepare(df, encoded)
            model._build_networks()
            driver = _driver(model, ctx, seed, len(df), stale)
            config = model._loop_config(driver.steps_per_epoch)
            config.verbose = bool(config.verbose and ctx.is_main)
            config.gradient_variance_every = 0  # the probe is defined for one process only
            config.description = f"{config.description} ×{ctx.world_size} ranks"
            max_seconds, config.max_seconds = config.max_seconds, None
            meta = {"strategy": type(model).__name__, "world_size": ctx.world_size}
            loop = TrainingLoop(driver.objective, config)
            driver.objective.attach(loop)
            done, history = 0, []
            if resume is not None:
                done, history = load_checkpoint(ctx, Path(resume), driver, loop, meta)
                if done >= model.epochs:
                    raise InvalidParameterError(
                        f"--resume {resume}: the checkpoint has all {done} epochs already; "
                        "raise --epochs to train further"
                    )
                config.epochs = model.epochs - done
            hook = _EpochHook(
                ctx, driver, loop, model.callbacks, max_seconds, folder, meta, done, history
            )
            loop.callbacks = [hook]
            loop.run()
            driver.finish(model, ctx)
        model.history_ = pd.DataFrame(hook.history)
        seconds = time.perf_counter() - started
        model.n_train_ = len(df)
        model.columns_ = list(df.columns)
        epochs_run = int(model.history_["epoch"].iloc[-1])
        model.training_summary_ = {
            "rows": len(df),
            "columns": len(df.columns),
            "encoded_width": int(model.transformer_.output_dim),
            "epochs_run": epochs_run,
            "seconds": round(seconds, 2),
            "device": str(ctx.device),
            "seed": seed,
            "world_size": ctx.world_size,
            "backend": ctx.backend,
            "rows_per_second": round(
                (epochs_run - done) * driver.steps_per_epoch * driver.rows_per_step / seconds, 1
            ),
            "final_losses": {
                k: round(float(v), 5)
                for k, v in model.history_.iloc[-1].items()
                if k not in ("epoch", "seconds")
            },
        }
        if skipped_early_stopping:
            model.training_summary_["early_stopping"] = {"skipped": "not available under torchrun"}
        if hasattr(driver, "summarise"):
            driver.summarise(model)
        # Same privacy record as a single-process fit: row hashes (for reject_copies) and
        # the exact-copy / distance-to-closest-record summary; rank 0 writes the model file.
        model.train_hashes_ = row_hashes(df, hashed_columns(model.transformer_.schema))
        if ctx.rank == 0:
            model.training_summary_["privacy"] = privacy_summary(model, df, seed)
    return model
