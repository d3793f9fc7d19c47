"""`fairsynth fit`: fit a synthesizer on a table and save it."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from ..errors import InvalidParameterError, TrainingInterrupted
from ._app import DEFAULT_MODEL, app, console
from .info import fairness_line, labels_line
from .options import (
    ALPHA_WHY,
    check_output,
    check_range,
    model_default,
    parse_kinds,
    parse_sensitive,
    validation_size_value,
)


@app.command()
def fit(
    data: Annotated[Path, typer.Argument(help="Training table: .csv, .csv.gz or .parquet.")],
    sensitive: Annotated[
        str | None,
        typer.Option(
            help="Sensitive column (e.g. sex), or several separated by commas (sex,race): "
            "the groups are then the combinations of their values (at most 64). Given: "
            "FairPTGAN; omitted: PTGAN."
        ),
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
            + model_default("alpha"),
        ),
    ] = None,
    fairness: Annotated[
        str | None,
        typer.Option(
            help="FairPTGAN's label constraint on --target: 'teacher' (a share "
            "2·(1 − α) of the labels from a demographic-parity teacher, the others from an "
            "unconstrained MLP; binary targets), 'quantile' (strong statistical parity: each "
            "group's P(label | row) quantile-mapped onto the pooled law; any number of "
            "classes), 'none' (tempering only, the generator's labels) or 'auto' (teacher for "
            "a binary target, quantile when the label is non-linear in the row, has more "
            "classes or there are more than two groups; the fit says which and why). "
            "Without --target the label column is inferred when unambiguous (a warning names it). "
            + model_default("fairness"),
        ),
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option(
            help="PTGAN (no --sensitive): how the --target column of the rows is drawn: "
            "'model' (an MLP of the target given the rest of the row, fitted on the real "
            "rows), 'generator' (the generator's own) or 'auto' (the model for a target of "
            "classes). FairPTGAN draws it through --fairness. " + model_default("labels"),
        ),
    ] = None,
    output: Annotated[Path, typer.Option("-o", "--output", help="Model file to write.")] = Path(
        DEFAULT_MODEL
    ),
    epochs: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Passes over the table (the maximum with early stopping); omitted: the "
            "automatic budget. " + model_default("epochs"),
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
            "rows train on every row for --epochs. " + model_default("early_stopping"),
            show_default=False,
        ),
    ] = None,
    validation_size: Annotated[
        float | None,
        typer.Option(
            help="Rows held out for --early-stopping: a fraction (< 1, at most 5,000 rows) "
            "or a number of rows (>= 1). " + model_default("validation_size")
        ),
    ] = None,
    batch_size: Annotated[
        int | None, typer.Option(min=2, help="Rows per minibatch. " + model_default("batch_size"))
    ] = None,
    r: Annotated[
        float | None,
        typer.Option(
            min=0.0,
            max=1.0,
            help="Share of each batch kept at the original law (1 = no tempering). "
            + model_default("r"),
        ),
    ] = None,
    continuous: Annotated[
        str | None,
        typer.Option(
            help="Encoding of numeric columns: 'mode' (a mode one-hot + offset; values "
            "holding ≥ 5% of the rows are exact modes) or 'quantile' (one scalar). "
            + model_default("continuous")
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
    quiet: Annotated[
        bool,
        typer.Option(
            "--quiet",
            "-q",
            help="No progress on stderr (a bar on a terminal, a plain line every few epochs "
            "otherwise); OUTPUT.log still gets the lines.",
        ),
    ] = False,
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
            min=2, help="GAP: number of generator/critic pairs. " + model_default("n_pairs")
        ),
    ] = None,
    generators: Annotated[
        int | None,
        typer.Option(min=2, help="PMGAN: number of generators. " + model_default("n_generators")),
    ] = None,
    loss: Annotated[
        str | None,
        typer.Option(
            help="Adversarial loss: 'ptgan', 'wgan-gp' or 'ns' (plain GAN). "
            + model_default("loss")
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

    Progress goes to stderr (a bar on a terminal, a plain line every few epochs otherwise)
    and to OUTPUT.log; the last line says why the fit stopped. Ctrl-C or SIGTERM finishes
    the epoch, saves a checkpoint and prints the command that resumes the fit.

    Launched by torchrun (`torchrun --nproc-per-node N -m fairsynth fit ...`) it trains on
    all ranks: see docs/distributed.md.

    \b
    Example:
        fairsynth datasets export adult adult.csv
        fairsynth fit adult.csv --sensitive sex --target income -o adult.fsz
        fairsynth fit adult.csv --sensitive sex --max-seconds 600 --quiet
        fairsynth fit adult.csv --sensitive sex,race --target income
    """
    from ..io import read_table

    check_range("--alpha", alpha, 0.0, 1.0, ALPHA_WHY)
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
        validation_size=None if validation_size is None else validation_size_value(validation_size),
        batch_size=batch_size,
        r=r,
        continuous=continuous,
        kinds=parse_kinds(kind),
        target=target,
        loss=loss,
        alpha=alpha,
        fairness=fairness,
        labels=labels,
        n_pairs=pairs,
        n_generators=generators,
    )
    common = {k: v for k, v in given.items() if v is not None}
    common.update(device=device, random_state=seed, verbose=not quiet)
    from .strategies import build_model

    model = build_model(strategy, common, sensitive=parse_sensitive(sensitive))
    model._check_params()
    check_output(output)
    from ..distributed import in_torchrun

    if in_torchrun() or stale:
        from ..distributed.cli import fit_torchrun

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
    from ..train.progress import log_to

    log_path = output.with_name(output.name + ".log")
    try:
        with log_to(log_path):
            model.fit(
                df, checkpoint_every=checkpoint_every, checkpoint_path=ckpt_path, resume=resume
            )
    except TrainingInterrupted as exc:
        args = [a for a in sys.argv[1:] if a != "--debug"]
        again = " ".join(args + ([] if resume else ["--resume"]))
        raise TrainingInterrupted(
            exc.epoch,
            exc.path,
            f"resume with: fairsynth {again}",
            signal_name=exc.signal_name,
        ) from None
    model.save(output)
    ckpt_path.unlink(missing_ok=True)  # the model file now holds the finished fit
    s = model.training_summary_
    es = s.get("early_stopping") or {}
    best = ""
    if es.get("best_epoch"):
        # energy signal: the kept epoch's distance, not the lowest one (another epoch's)
        score = es["best_score"] if es.get("signal") == "quality" else es.get("kept_score")
        best = f", kept epoch {es['best_epoch']} (held-out {es.get('signal')} {score})"
    stop = (s.get("stop_reason") or {}).get("text")
    console.print(
        f"[green]Saved[/] {output}  ({s['epochs_run']} epochs in {s['seconds']:.0f} s "
        f"on {s['device']}, {s.get('threads', '?')} thread(s)"
        + (", bfloat16 products" if s.get("precision") == "bfloat16" else "")
        + f"{best})"
        + (f"; stopped: {stop}" if stop else ""),
        highlight=False,
    )
    if "fairness" in s:
        console.print(fairness_line(s["fairness"]), highlight=False)
    if "labels" in s:
        console.print(labels_line(s["labels"]), highlight=False)
    for column, source in s.get("derived_columns", {}).items():
        console.print(
            f"{column} is decoded from {source} (it determines {column} in every row)",
            highlight=False,
        )
    zeros = s.get("structural_zeros") or {}
    if zeros.get("pairs"):
        examples = "; ".join(zeros["examples"][:3])
        console.print(
            f"{zeros['pairs']} pair(s) of categories the table never shows together are never "
            f"generated together (e.g. {examples})",
            highlight=False,
        )
