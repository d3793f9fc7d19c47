"""`fairsynth sample`: synthetic rows from a model file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ..errors import InvalidParameterError
from ._app import DEFAULT_MODEL, app, console
from .options import ALPHA_WHY, check_output, check_range


@app.command()
def sample(
    n: Annotated[int, typer.Option("-n", "--rows", help="Number of rows to generate.")] = 1000,
    model: Annotated[Path, typer.Option("--model", "-m", help="Model file to read.")] = Path(
        DEFAULT_MODEL
    ),
    output: Annotated[
        Path,
        typer.Option(
            "-o", "--output", help="Output table: .csv, .tsv (tab-separated), .parquet; .gz ok."
        ),
    ] = Path("synthetic.csv"),
    alpha: Annotated[
        float | None,
        typer.Option(help="Temperature (default: the one the model was fitted with)."),
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Random seed: same seed, same rows.")] = 0,
    decode: Annotated[
        str, typer.Option(help="Soft categories: 'sample' (default) or 'argmax'.")
    ] = "sample",
    device: Annotated[str, typer.Option(help="'auto', 'cpu' or 'cuda'.")] = "auto",
    reject_copies: Annotated[
        bool,
        typer.Option("--reject-copies", help="Drop rows equal to a training row; top up to n."),
    ] = False,
):
    """Generate synthetic rows from a model file, written in chunks (bounded memory).

    \b
    Example:
        fairsynth sample -m adult.fsz -n 10000 --alpha 0.5 -o synthetic.csv
        fairsynth sample -m adult.fsz -n 100000 -o synth.parquet --reject-copies
    """
    from rich.progress import Progress

    from ..io import write_table
    from ..persist import load
    from .checks import check_table_suffix

    if n < 1:
        raise InvalidParameterError(f"-n {n}: the number of rows must be a positive integer")
    check_range("--alpha", alpha, 0.0, 1.0, ALPHA_WHY)
    check_table_suffix(output, "-o")
    check_output(output)
    m = load(model, device=device)
    chunks = m.iter_samples(
        n, alpha=alpha, random_state=seed, decode=decode, reject_copies=reject_copies
    )
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("sampling", total=n)
        write_table(chunks, output, on_chunk=lambda k: progress.advance(task, k))
    a = m._default_alpha() if alpha is None else alpha
    console.print(f"[green]Wrote[/] {n:,} rows (α = {a:g}) to {output}")
    print(output)
