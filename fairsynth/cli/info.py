"""`fairsynth info`: what a model file holds."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ._app import DEFAULT_MODEL, app


@app.command()
def info(
    model: Annotated[Path, typer.Argument(help="Model file.")] = Path(DEFAULT_MODEL),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole config as JSON.")
    ] = False,
):
    """Show a model file's schema, roles, hyperparameters and training summary.

    \b
    Example:
        fairsynth info adult.fsz
        fairsynth info adult.fsz --json
    """
    from ..persist import read_model_file

    config, _ = read_model_file(model)
    if as_json:
        print(json.dumps({k: v for k, v in config.items() if k != "history"}, indent=1))
        return
    out = Console()
    params = config["params"]
    out.print(
        f"[bold]{model}[/]: {config['model']}  (fairsynth {config['fairsynth_version']}, "
        f"format {config['format_version']})"
    )
    sensitive = params.get("sensitive")
    roles = {
        "sensitive": ",".join(sensitive) if isinstance(sensitive, list) else sensitive,
        "target": params.get("target"),
        "alpha": params.get("alpha"),
    }
    out.print("roles: " + ", ".join(f"{k}={v}" for k, v in roles.items() if v is not None))
    fairness = config["training_summary"].get("fairness")
    if fairness is not None:
        out.print(fairness_line(fairness), highlight=False)
    labels = config["training_summary"].get("labels")
    if labels is not None:
        out.print(labels_line(labels), highlight=False)
    schema = Table("column", "kind", "dtype", "missing", "generated", title="schema")
    from ..data import TableTransformer

    transformer = TableTransformer.from_dict(config["transformer"])
    derived = transformer.derived()
    for col in transformer.schema.columns:
        how = f"from {derived[col.name]} (determined by it)" if col.name in derived else ""
        schema.add_row(col.name, col.kind, col.dtype, "yes" if col.has_missing else "", how)
    out.print(schema)
    out.print(
        "hyperparameters: "
        + ", ".join(
            f"{k}={v}" for k, v in params.items() if k not in ("sensitive", "target", "alpha")
        )
    )
    from ..privacy import describe

    summary = config["training_summary"]
    shown = ("privacy", "fairness", "labels")
    out.print("training: " + ", ".join(f"{k}={v}" for k, v in summary.items() if k not in shown))
    out.print(describe(summary.get("privacy")))


def fairness_line(f: dict) -> str:
    """Which label constraint a FairPTGAN runs, on which column, chosen how."""
    if f.get("target") is None or f.get("constraint") == "none":
        why = f.get("target_from", "")
        why = f" ({why.removeprefix('none: ')})" if why.startswith("none") else ""
        return f"label constraint: none (tempering only){why}" + _groups_part(f)
    origin = f.get("target_from", "given")
    how = "given" if origin == "given" else origin.removeprefix("inferred: ")
    line = f"label constraint: {f['constraint']} on {f['target']!r} ({how})"
    if "auto" in f:  # fairness='auto' chose it: say why
        line += f"; auto: {f['auto'].split(': ', 1)[-1]}"
    shares = f.get("target_shares")
    if shares is not None:
        line += (
            f"; at α = {shares['alpha']:g} the labels are {shares['share']:.1%} "
            f"{shares['class']!r} (table {shares['table']:.1%})"
        )
    return line + _groups_part(f)


def labels_line(labels: dict) -> str:
    """Where a PTGAN's target labels come from."""
    if labels["source"] == "model":
        return f"labels of {labels['target']!r}: label model, {labels['description']}"
    return f"labels of {labels['target']!r}: the generator's own ({labels['why']})"


def _groups_part(f: dict) -> str:
    """'; 10 groups of sex × race' (files written before several sensitive columns: none)."""
    if "groups" not in f:
        return ""
    return f"; {f['groups']} groups of {' × '.join(f['sensitive'])}"
