"""`fit` inside a torchrun job: the one fit pipeline with the torchrun runtime."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from .context import DistContext
from .runtime import TorchrunRuntime


def fit_distributed(
    model,
    data: pd.DataFrame,
    ctx: DistContext,
    *,
    checkpoint_dir: str | Path | None = None,
    resume: str | Path | None = None,
    stale: bool = False,
):
    """Fit `model` as one rank of the job `ctx` (BaseSynthesizer.fit with a torchrun
    runtime: the same validation, early stopping and checkpoint format as one process).
    Every rank returns the complete model; rank 0 is meant to save it.

    checkpoint_dir: write one checkpoint per rank there after every epoch; resume: a folder
    of such checkpoints to continue from (same number of processes); stale: PMGAN's
    asynchronous loss exchange (pmgan.py).
    """
    if resume is not None and checkpoint_dir is None:
        checkpoint_dir = resume
    folder = Path(checkpoint_dir) if checkpoint_dir is not None else None
    ctx.checkpoint_dir = folder
    runtime = TorchrunRuntime(ctx, checkpoint_dir=folder, stale=stale)
    with ctx.guard():
        return model.fit(data, resume=resume is not None, runtime=runtime)
