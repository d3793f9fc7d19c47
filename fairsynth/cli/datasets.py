"""`fairsynth datasets`: list or export the bundled tables."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ._app import console, datasets_app


@datasets_app.command("list")
def datasets_list():
    """List the bundled tables.

    \b
    Example:
        fairsynth datasets list
    """
    from .. import datasets

    table = Table("name", "description")
    for name, text in datasets.list_datasets().items():
        table.add_row(name, text)
    Console().print(table)


@datasets_app.command("export")
def datasets_export(
    name: Annotated[str, typer.Argument(help="Dataset name (see `fairsynth datasets list`).")],
    output: Annotated[Path, typer.Argument(help="Where to write it: .csv or .parquet.")],
):
    """Write a bundled table to a CSV or Parquet file.

    \b
    Example:
        fairsynth datasets export adult adult.csv
        fairsynth datasets export adult_test test.parquet
    """
    from .. import datasets
    from ..io import write_table

    rows = write_table([datasets.load(name)], output)
    console.print(f"[green]Wrote[/] {rows:,} rows of {name} to {output}")
