"""`fairsynth evaluate`: the fairness front, utility and fidelity on real rows."""

from __future__ import annotations

import warnings
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
        str | None,
        typer.Option(
            help="Sensitive column(s), comma-separated, e.g. sex,race: SP and EO are "
            "reported for each (default: the model's)."
        ),
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
    ] = "lr,gbm",
    compare: Annotated[
        list[Path] | None,
        typer.Option(
            help="Synthetic table from another tool, scored with the same yardstick and drawn "
            "on the plot, labelled by its file name (repeatable)."
        ),
    ] = None,
    features: Annotated[
        str | None,
        typer.Option(
            help="Downstream protocols, comma-separated: aware (the sensitive columns are "
            "features), unaware (they are dropped) (default: aware,unaware)."
        ),
    ] = None,
    groups: Annotated[
        list[str] | None,
        typer.Option(
            help="Compare only these groups of a sensitive column in SP and EO: "
            "COLUMN=A,B, or A,B with one sensitive column, e.g. --groups race=White,Black "
            "(repeatable; AUC still uses every test row)."
        ),
    ] = None,
    unaware: Annotated[
        bool,
        typer.Option(help="Deprecated: the older spelling of --features unaware."),
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
    By default each α is scored with LR and GBM, with and without the sensitive column as a
    feature (one row per α, classifier, features, sensitive column).
    --real must be rows the model never saw: a table that is mostly training rows is refused
    (checked by the row hashes in the model file).

    \b
    Example:
        fairsynth datasets export adult_test test.csv
        fairsynth evaluate adult.fsz --real test.csv --train adult.csv -o report
        fairsynth evaluate adult.fsz --real test.csv --sensitive sex,race \\
            --groups race=White,Black --compare ctgan.csv -o report
    """
    from ..errors import FairsynthWarning
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
    sensitive_cols = _sensitive_columns(m, sensitive)
    group_map = _parse_groups(groups, sensitive_cols)
    if unaware:
        warnings.warn(
            FairsynthWarning("--unaware is deprecated: write --features unaware"), stacklevel=2
        )
    real_train = read_table(train) if train else None
    others = {p.stem: read_table(p) for p in compare or ()}
    # run_report creates the folder once its checks pass: a refused input leaves nothing.
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
        sensitive=sensitive_cols,
        features=_split(features) if features is not None else None,
        groups=group_map,
        n=n,
    )
    _print_report(result)
    console.print(f"[green]Report written to[/] {output}/")


def _split(text: str) -> list[str]:
    return [x.strip() for x in text.split(",") if x.strip()]


def _sensitive_columns(model, sensitive: str | None) -> list[str] | None:
    """--sensitive's columns, else the model's (a str today, a list for a model fitted with
    several)."""
    from ..evaluate.fairness import model_sensitive

    return _split(sensitive) if sensitive is not None else model_sensitive(model)


def _parse_groups(values: list[str] | None, sensitive: list[str] | None) -> dict | None:
    """``--groups race=White,Black`` (or ``White,Black`` with one sensitive column) as
    ``{"race": ["White", "Black"]}``; the values are checked against --real later."""
    from ..errors import InvalidParameterError

    if not values:
        return None
    if not sensitive:
        raise InvalidParameterError(
            "--groups needs a sensitive column: pass --sensitive COLUMN (the model has none)"
        )
    out: dict[str, list[str]] = {}
    for text in values:
        # COLUMN=A,B whenever there is an "=" (a column the model lacks is refused later,
        # by name), the bare A,B form only with one sensitive column.
        column, sep, rest = text.partition("=")
        if not sep:
            if len(sensitive) > 1:
                raise InvalidParameterError(
                    f"--groups {text}: with several sensitive columns ({', '.join(sensitive)}) "
                    f"name the column, e.g. --groups {sensitive[-1]}=A,B"
                )
            column, rest = sensitive[0], text
        column = column.strip()
        if column in out:
            raise InvalidParameterError(f"--groups names column {column} twice; give it once")
        out[column] = _split(rest)
    return out


def _mean_std(row, metric: str) -> str:
    return f"{row[metric + '_mean']:.3f}±{row[metric + '_std']:.3f}"


def _print_report(result: dict) -> None:
    # A log or a pipe has no width limit: do not wrap the table at rich's 80 columns there.
    out = Console()
    out = out if out.is_terminal else Console(width=132)
    sweep = result["fairness"]
    labels = sweep["sensitive"].astype(str) + sweep["groups"].map(
        lambda g: "" if g == "all" else f" ({g})"
    )
    table = Table(
        "α", "classifier", "features", "sensitive", "AUC", "SP", "EO", "table parity",
        title="fairness on the real test rows (SP, EO: max - min over the groups)",
    )  # fmt: skip
    for label, (_, row) in zip(labels, sweep.iterrows(), strict=True):
        table.add_row(
            f"{row['alpha']:.2f}",
            row["classifier"],
            row["features"],
            label,
            _mean_std(row, "auc"),
            _mean_std(row, "sp"),
            _mean_std(row, "eo"),
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
