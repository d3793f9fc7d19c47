"""The `fairsynth` command line: fit, sample, info, evaluate, datasets."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from .errors import FairsynthError, InvalidParameterError, TrainingInterrupted

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


@app.callback()
def _main(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show the full traceback when a command fails.")
    ] = False,
):
    _state["debug"] = debug


def _parse_kinds(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    kinds = {}
    for pair in pairs:
        column, sep, kind = pair.partition("=")
        if not sep or not column or not kind:
            raise InvalidParameterError(
                f"--kind {pair!r}: write COLUMN=KIND, e.g. --kind zip=categorical"
            )
        kinds[column] = kind
    return kinds


def _check_range(name: str, value: float | None, low: float, high: float, why: str) -> None:
    # Checked here rather than by typer's min/max so the error is one line like the others.
    if value is not None and not low <= value <= high:
        raise InvalidParameterError(f"{name} {value:g} is outside [{low:g}, {high:g}]: {why}")


def _validation_size(value: float) -> float | int:
    """A fraction below 1; from 1 on, a whole number of rows (as in the Python API)."""
    if value < 1:
        return value
    if not float(value).is_integer():
        raise InvalidParameterError(
            f"--validation-size {value:g}: give a fraction below 1 or a whole number of rows"
        )
    return int(value)


_ALPHA_WHY = "1 = the original data, 0.5 = independent of the sensitive column"


def _model_default(name: str) -> str:
    """'[default: the model's, 150; PMGAN: 100]' from the one table of hyperparameters."""
    from . import params

    shared = params.PARAMS[name].default
    others = [
        f"{model}: {over[name]}"
        for model, over in params.OVERRIDES.items()
        if name in over and over[name] is not None and name in params.MODEL_PARAMS[model]
    ]
    return f"[default: {shared}" + "".join(f"; {o}" for o in others) + "]"


def _check_output(path: Path) -> None:
    """Fail before any long work when the output cannot be written."""
    if not path.parent.exists():
        raise InvalidParameterError(
            f"cannot write {path}: folder {path.parent} does not exist; create it first"
        )


@app.command()
def fit(
    data: Annotated[Path, typer.Argument(help="Training table: .csv, .csv.gz or .parquet.")],
    sensitive: Annotated[
        str | None,
        typer.Option(help="Sensitive column (e.g. sex). Given: FairPTGAN; omitted: PTGAN."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option(
            help="Label column (e.g. income): FairPTGAN's fairness constraint acts on "
            "it; evaluate uses it."
        ),
    ] = None,
    alpha: Annotated[
        float | None,
        typer.Option(
            help="Default temperature of `sample` for FairPTGAN: 1 = original data, "
            "0.5 = independent of the sensitive column. Any α can still be sampled later. "
            + _model_default("alpha"),
        ),
    ] = None,
    fairness: Annotated[
        str | None,
        typer.Option(
            help="FairPTGAN's label constraint on --target: 'teacher' (a share "
            "2·(1 − α) of the labels from a demographic-parity teacher, the others from an "
            "unconstrained logistic one; binary targets), 'quantile' (strong statistical "
            "parity: each group's P(label | row) quantile-mapped onto the pooled law; any "
            "number of classes), 'none' (tempering only, the generator's labels) or 'auto' "
            "(teacher for a binary target, quantile otherwise). Without --target the label "
            "column is inferred when unambiguous (a warning names it). "
            + _model_default("fairness"),
        ),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Model file to write.")] = Path(
        DEFAULT_MODEL
    ),
    epochs: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Passes over the table (the maximum with early stopping). "
            + _model_default("epochs"),
        ),
    ] = None,
    max_seconds: Annotated[
        float | None,
        typer.Option(
            help="Wall-time budget in seconds; stops at whichever of epochs/seconds comes first."
        ),
    ] = None,
    early_stopping: Annotated[
        bool | None,
        typer.Option(
            "--early-stopping/--no-early-stopping",
            help="Hold --validation-size rows out and stop when their fidelity score stalls "
            "(--epochs is then the maximum); keeps the best generator. Tables under 1,000 "
            "rows train on every row for --epochs. " + _model_default("early_stopping"),
            show_default=False,
        ),
    ] = None,
    validation_size: Annotated[
        float | None,
        typer.Option(
            help="Rows held out for --early-stopping: a fraction (< 1, at most 5,000 rows) "
            "or a number of rows (>= 1). " + _model_default("validation_size")
        ),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(min=2, help="Rows per minibatch. " + _model_default("batch_size"))
    ] = None,
    r: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of each batch kept at the original law (1 = no tempering). "
            + _model_default("r"),
        ),
    ] = None,
    continuous: Annotated[
        str | None,
        typer.Option(
            help="Encoding of numeric columns: 'mode' (a mode one-hot + offset; values "
            "holding ≥ 5% of the rows are exact modes) or 'quantile' (one scalar). "
            + _model_default("continuous")
        ),
    ] = None,
    kind: Annotated[
        list[str] | None,
        typer.Option(
            help="Override a detected column kind, COLUMN=KIND (repeatable); kinds: "
            "continuous, integer, categorical, boolean, datetime, id, constant."
        ),
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Random seed: same seed, same model on CPU.")
    ] = 0,
    device: Annotated[
        str, typer.Option(help="'auto' (GPU if present), 'cpu', 'cuda', 'cuda:1'.")
    ] = "auto",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar.")] = False,
    strategy: Annotated[
        str,
        typer.Option(
            help="Training strategy: 'single' (one GAN), 'gap' (parallel pairs "
            "with critic swaps) or 'pmgan' (a balanced mix of generators)."
        ),
    ] = "single",
    pairs: Annotated[
        int | None,
        typer.Option(
            min=2, help="GAP: number of generator/critic pairs. " + _model_default("n_pairs")
        ),
    ] = None,
    generators: Annotated[
        int | None,
        typer.Option(min=2, help="PMGAN: number of generators. " + _model_default("n_generators")),
    ] = None,
    loss: Annotated[
        str | None,
        typer.Option(
            help="Adversarial loss: 'ptgan', 'wgan-gp' or 'ns' (plain GAN). "
            + _model_default("loss")
        ),
    ] = None,
    stale: Annotated[
        bool,
        typer.Option(
            help="Under torchrun, PMGAN: asynchronous (one step stale) "
            "exchange of the generators' losses."
        ),
    ] = False,
    sep: Annotated[str, typer.Option(help="Field separator of a CSV table, e.g. ';'.")] = ",",
    checkpoint_every: Annotated[
        int | None,
        typer.Option(help="Save a checkpoint every N epochs (Ctrl-C always saves one)."),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="Checkpoint file (default: OUTPUT.ckpt; a folder under torchrun)."),
    ] = None,
    resume: Annotated[
        bool, typer.Option("--resume", help="Continue from the checkpoint of an interrupted fit.")
    ] = False,
):
    """Fit a synthesizer on a table and save it to a model file.

    Launched by torchrun (`torchrun --nproc-per-node N -m fairsynth fit ...`) it trains on
    all ranks: see docs/distributed.md."""
    from .io import read_table

    _check_range("--alpha", alpha, 0.0, 1.0, _ALPHA_WHY)
    if checkpoint_every is not None and checkpoint_every < 1:
        raise InvalidParameterError(
            f"--checkpoint-every {checkpoint_every}: give a positive number of epochs"
        )
    ckpt_path = checkpoint or output.with_name(output.name + ".ckpt")

    # Only the options given reach the model: the others keep the model's own defaults
    # (fairsynth.params), so the CLI cannot drift from the Python API.
    given = dict(
        epochs=epochs,
        max_seconds=max_seconds,
        early_stopping=early_stopping,
        validation_size=None if validation_size is None else _validation_size(validation_size),
        batch_size=batch_size,
        r=r,
        continuous=continuous,
        kinds=_parse_kinds(kind),
        target=target,
        loss=loss,
        alpha=alpha,
        fairness=fairness,
        n_pairs=pairs,
        n_generators=generators,
    )
    common = {k: v for k, v in given.items() if v is not None}
    common.update(device=device, random_state=seed, verbose=not quiet)
    from .strategies_cli import build_model

    model = build_model(strategy, common, sensitive=sensitive)
    model._check_params()
    _check_output(output)
    from .distributed import in_torchrun

    if in_torchrun() or stale:
        from .distributed.cli import fit_torchrun

        fit_torchrun(
            model,
            data,
            output,
            console=console,
            checkpoint_dir=checkpoint,
            resume=(checkpoint or output.with_name(output.name + ".ckpt")) if resume else None,
            stale=stale,
        )
        return
    df = read_table(data, sep=sep)
    verb = "Resuming" if resume else "Fitting"
    shape = f"{len(df):,} rows × {df.shape[1]} columns"
    console.print(f"{verb} {type(model).__name__} on {data} ({shape})")
    try:
        model.fit(df, checkpoint_every=checkpoint_every, checkpoint_path=ckpt_path, resume=resume)
    except TrainingInterrupted as exc:
        again = " ".join(sys.argv[1:]) + ("" if resume else " --resume")
        raise TrainingInterrupted(
            exc.epoch, exc.path, f"resume with: fairsynth {again.replace('--debug ', '')}"
        ) from None
    model.save(output)
    ckpt_path.unlink(missing_ok=True)  # the model file now holds the finished fit
    s = model.training_summary_
    es = s.get("early_stopping") or {}
    best = (
        f", best held-out score {es['best_score']} at epoch {es['best_epoch']}"
        if es.get("best_epoch")
        else ""
    )
    console.print(
        f"[green]Saved[/] {output}  ({s['epochs_run']} epochs in {s['seconds']:.0f} s "
        f"on {s['device']}{best})"
    )
    if "fairness" in s:
        console.print(_fairness_line(s["fairness"]), highlight=False)


def _fairness_line(f: dict) -> str:
    """Which label constraint a FairPTGAN runs, on which column, chosen how."""
    if f.get("target") is None or f.get("constraint") == "none":
        why = f.get("target_from", "")
        why = f" ({why.removeprefix('none: ')})" if why.startswith("none") else ""
        return f"label constraint: none (tempering only){why}"
    origin = f.get("target_from", "given")
    how = "given" if origin == "given" else origin.removeprefix("inferred: ")
    return f"label constraint: {f['constraint']} on {f['target']!r} ({how})"


@app.command()
def sample(
    n: Annotated[int, typer.Option("-n", "--rows", help="Number of rows to generate.")] = 1000,
    model: Annotated[Path, typer.Option("--model", "-m", help="Model file to read.")] = Path(
        DEFAULT_MODEL
    ),
    output: Annotated[
        Path, typer.Option("-o", "--output", help="Output table: .csv or .parquet.")
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
    """Generate synthetic rows from a model file, written in chunks (bounded memory)."""
    from rich.progress import Progress

    from .io import load, write_table

    if n < 1:
        raise InvalidParameterError(f"-n {n}: the number of rows must be a positive integer")
    _check_range("--alpha", alpha, 0.0, 1.0, _ALPHA_WHY)
    _check_output(output)
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


@app.command()
def info(
    model: Annotated[Path, typer.Argument(help="Model file.")] = Path(DEFAULT_MODEL),
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the whole config as JSON.")
    ] = False,
):
    """Show a model file's schema, roles, hyperparameters and training summary."""
    from .io import read_model_file

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
    roles = {
        "sensitive": params.get("sensitive"),
        "target": params.get("target"),
        "alpha": params.get("alpha"),
    }
    out.print("roles: " + ", ".join(f"{k}={v}" for k, v in roles.items() if v is not None))
    fairness = config["training_summary"].get("fairness")
    if fairness is not None:
        out.print(_fairness_line(fairness), highlight=False)
    schema = Table("column", "kind", "dtype", "missing", title="schema")
    from .data import TableTransformer

    for col in TableTransformer.from_dict(config["transformer"]).schema.columns:
        schema.add_row(col.name, col.kind, col.dtype, "yes" if col.has_missing else "")
    out.print(schema)
    out.print(
        "hyperparameters: "
        + ", ".join(
            f"{k}={v}" for k, v in params.items() if k not in ("sensitive", "target", "alpha")
        )
    )
    from .privacy import describe

    summary = config["training_summary"]
    shown = ("privacy", "fairness")
    out.print("training: " + ", ".join(f"{k}={v}" for k, v in summary.items() if k not in shown))
    out.print(describe(summary.get("privacy")))


def _parse_floats(text: str, option: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InvalidParameterError(
            f"{option} {text!r}: write comma-separated numbers, e.g. 0.5,0.75,1.0"
        ) from None


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
    """
    from .evaluate import run_report
    from .io import load, read_table

    alpha_list = _parse_floats(alphas, "--alphas")
    m = load(model)
    real_test = read_table(real)
    real_train = read_table(train) if train else None
    others = {p.stem: read_table(p) for p in compare or ()}
    output.mkdir(parents=True, exist_ok=True)
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
    for note in result.get("notes", []):
        out.print(f"note: {note}")


@datasets_app.command("list")
def datasets_list():
    """List the bundled tables."""
    from . import datasets

    table = Table("name", "description")
    for name, text in datasets.list_datasets().items():
        table.add_row(name, text)
    Console().print(table)


@datasets_app.command("export")
def datasets_export(
    name: Annotated[str, typer.Argument(help="Dataset name (see `fairsynth datasets list`).")],
    output: Annotated[Path, typer.Argument(help="Where to write it: .csv or .parquet.")],
):
    """Write a bundled table to a CSV or Parquet file."""
    from . import datasets
    from .io import write_table

    rows = write_table([datasets.load(name)], output)
    console.print(f"[green]Wrote[/] {rows:,} rows of {name} to {output}")


def _show_warning(message, category, filename, lineno, file=None, line=None):
    console.print(f"[yellow]warning:[/] {message}", highlight=False, soft_wrap=True)


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
        console.print(f"[red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(130 if isinstance(exc, TrainingInterrupted) else 2)
