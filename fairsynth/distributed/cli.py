"""`fairsynth fit` under torchrun: every rank fits its part, rank 0 prints and saves."""

from __future__ import annotations

from contextlib import suppress
from pathlib import Path

from ..errors import InvalidParameterError
from .context import DistContext, in_torchrun
from .fit import fit_distributed


def fit_torchrun(
    model,
    data: Path,
    output: Path,
    *,
    console,
    checkpoint_dir: Path | None,
    resume: Path | None,
    stale: bool,
) -> None:
    from ..io import read_table

    if not in_torchrun():
        raise InvalidParameterError(
            "--resume, --checkpoint-dir and --stale apply to distributed fits: launch with "
            "torchrun --nproc-per-node N -m fairsynth fit ..."
        )
    ctx = DistContext.from_env(getattr(model, "device", "auto"))
    try:
        # Every rank reads the table (on several machines: a path each node can read).
        df = read_table(data)
        if ctx.is_main:
            console.print(
                f"Fitting {type(model).__name__} on {data} ({len(df):,} rows × "
                f"{df.shape[1]} columns) on {ctx.world_size} ranks ({ctx.backend})"
            )
        folder = checkpoint_dir or resume or output.with_name(output.name + ".ckpt")
        fit_distributed(model, df, ctx, checkpoint_dir=folder, resume=resume, stale=stale)
        if ctx.is_main:
            model.save(output)
            s = model.training_summary_
            console.print(
                f"[green]Saved[/] {output}  ({s['epochs_run']} epochs in {s['seconds']:.0f} s, "
                f"{s['rows_per_second']:,.0f} rows/s on {ctx.world_size} × {s['device']})"
            )
        ctx.barrier()  # the others wait for the file, so that the job ends when it exists
    finally:
        with suppress(Exception):  # a dead peer must not turn the clear error into a hang
            ctx.close()
