"""`fairsynth evaluate`: the fairness front, utility and fidelity on real rows."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from ._app import app, console
from .options import parse_floats


@app.command()
def evaluate(
    model: Annotated[Path, typer.Argument(help="Model file to evaluate.")],
    real: Annotated[Path, typer.Option(help="Held-out REAL test table (never the training one).")],
    target: Annotated[
        str | None, typer.Option(help="Label column (default: the model's target).")
    ] = None,
    sensitive: Annotated[
        str | None, typer.Option(help="Sensitive column (default: the model's).")
    ] = None,
    train: Annotated[
        Path | None,
        typer.Option(help="The real training table: enables TSTR-vs-TRTR utility and privacy."),
    ] = None,
    alphas: Annotated[
        str, typer.Option(help="Temperatures to sweep, comma-separated.")
    ] = "0.5,0.6,0.7,0.8,0.9,1.0",
    repeats: Annotated[int, typer.Option(min=1, help="Samples per α (mean and spread).")] = 3,
    classifiers: Annotated[
        str, typer.Option(help="Downstream classifiers: lr, gbm (comma-separated).")
    ] = "lr",
    compare: Annotated[
        list[Path] | None,
        typer.Option(help="Synthetic CSV from another tool, scored as a reference (repeatable)."),
    ] = None,
    unaware: Annotated[
        bool, typer.Option(help="Drop the sensitive column from the downstream features.")
    ] = False,
    n: Annotated[
        int | None,
        typer.Option("-n", min=1, help="Rows per synthetic sample (default: training size)."),
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of the first repeat.")] = 0,
    output: Annotated[Path, typer.Option("-o", "--output", help="Report folder.")] = Path("report"),
):
    """AUC vs statistical parity across α, utility (TSTR vs TRTR) and fidelity, on real data.

    Writes OUTPUT/fairness.csv, utility.csv, fidelity.json and auc_vs_sp.png, and prints a summary.
    --real must be rows the model never saw: a table that is mostly training rows is refused
    (checked by the row hashes in the model file).

    \b
    Example:
        fairsynth datasets export adult_test test.csv
        fairsynth evaluate adult.fsz --real test.csv --train adult.csv -o report
    """
    from .checks import check_label_target, check_new_folder, check_not_training_table

    alpha_list = parse_floats(alphas, "--alphas")
    check_new_folder(output, "-o")
    from ..evaluate import run_report
    from ..io import read_table
    from ..persist import load

    m = load(model)
    real_test = read_table(real)
    check_label_target(m, real_test, target)
    check_not_training_table(m, real_test, "--real")
    real_train = read_table(train) if train else None
    others = {p.stem: read_table(p) for p in compare or ()}
    output.mkdir(exist_ok=True)
    console.print(
        f"Evaluating {model} on {real} ({len(real_test):,} rows): {len(alpha_list)} α × "
        f"{repeats} repeats"
    )
    result = run_report(
        m,
        real_test,
        target=target,
        out_dir=output,
        alphas=alpha_list,
        repeats=repeats,
        classifiers=[c.strip() for c in classifiers.split(",")],
        real_train=real_train,
        compare=others,
        unaware=unaware,
        random_state=seed,
        sensitive=sensitive,
        n=n,
    )
    _print_report(result)
    console.print(f"[green]Report written to[/] {output}/")


def _print_report(result: dict) -> None:
    out = Console()
    table = Table(
        "α", "classifier", "AUC", "SP", "EO", "table parity", title="fairness (real test rows)"
    )
    for _, row in result["fairness"].iterrows():
        table.add_row(
            f"{row['alpha']:.2f}",
            row["classifier"],
            f"{row['auc_mean']:.3f} ± {row['auc_std']:.3f}",
            f"{row['sp_mean']:.3f} ± {row['sp_std']:.3f}",
            f"{row['eo_mean']:.3f} ± {row['eo_std']:.3f}",
            f"{row['data_sp_mean']:.3f}",
        )
    out.print(table)
    refs = result.get("references")
    if refs is not None and len(refs):
        out.print(refs.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    utility = result.get("utility")
    if utility is not None and len(utility):
        out.print(utility.to_string(index=False, float_format=lambda x: f"{x:.3f}"))
    fid = result.get("fidelity") or {}
    quality = fid.get("quality", {})
    if quality:
        out.print(
            f"sdmetrics quality {quality['overall']:.3f} (column shapes "
            f"{quality['column_shapes']:.3f}, pair trends {quality['column_pair_trends']:.3f})"
        )
    _print_joint(out, fid)
    for note in result.get("notes", []):
        out.print(f"note: {note}")


def _print_joint(out: Console, fid: dict, top: int = 3) -> None:
    """Detection AUC with its give-away columns, and the worst-broken dependencies."""
    det = fid.get("detection")
    if det:
        give = ", ".join(
            f"{c['column']} {c['importance']:.3f}"
            for c in det["columns"][:top]
            if c["importance"] is not None
        )
        out.print(
            f"detection AUC {det['auc']:.3f} ± {det['auc_std']:.3f} (GBM real vs synthetic, "
            f"0.5 = indistinguishable); give-aways (AUC drop when shuffled): {give}",
            highlight=False,
        )
    deps = (fid.get("dependencies") or {}).get("dependencies") or []
    for d in deps[:top]:
        out.print(
            f"dependency {d['name']}: broken by {100 * d['break_share']:.2f} % of synthetic "
            f"rows (real {100 * d['real_break_share']:.3f} %)",
            highlight=False,
        )
