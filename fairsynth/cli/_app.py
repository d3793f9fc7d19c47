"""The typer application, its global options and the entry point (one line per error)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from .._version import __version__
from ..errors import FairsynthError, TrainingInterrupted, cli_text

app = typer.Typer(
    help="Fair, fast synthetic tabular data with parallel-tempered GANs.\n\n"
    "Typical use: `fairsynth fit adult.csv --sensitive sex --alpha 0.5` then "
    "`fairsynth sample -n 10000`.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
datasets_app = typer.Typer(help="List or export the bundled example tables.", no_args_is_help=True)
app.add_typer(datasets_app, name="datasets")

console = Console(stderr=True)
DEFAULT_MODEL = "fairsynth-model.fsz"
_state = {"debug": False}


def _print_version(value: bool) -> None:
    if value:
        print(f"fairsynth {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when a command fails.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_print_version, is_eager=True, help="Print the version."
        ),
    ] = False,
):
    _state["debug"] = debug


def _show_warning(message, category, filename, lineno, file=None, line=None):
    console.print(f"[yellow]warning:[/] {cli_text(message)}", highlight=False, soft_wrap=True)


def main() -> None:
    """Entry point: typed fairsynth errors become one readable line and exit code 2."""
    import warnings

    if not _state["debug"]:
        warnings.showwarning = _show_warning  # one line per warning, no source excerpt
    try:
        app()
    except FairsynthError as exc:
        if _state["debug"]:
            raise
        console.print(f"[red]error:[/] {cli_text(exc)}", highlight=False, soft_wrap=True)
        if isinstance(exc, TrainingInterrupted):
            sys.exit(143 if exc.signal_name == "SIGTERM" else 130)
        sys.exit(2)
