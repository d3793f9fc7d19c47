"""Speed of fairsynth against CTGAN (the `ctgan` package, SDV's CTGAN), in one script.

    OMP_NUM_THREADS=1 python benchmarks/speed.py --threads 1     # every section, CPU
    python benchmarks/speed.py --quick --threads 1                 # smoke run, ~2-4 min
    python benchmarks/speed.py --sections quality --model fairptgan --params '{"epochs": 60}'
    python benchmarks/speed.py --sections gpu --device cuda        # on a CUDA machine

Needs the bench extra (`pip install -e '.[bench]'`, as `make bench` does). Run it with one
thread for figures comparable with docs/benchmarks.md (`OMP_NUM_THREADS=1` or `--threads 1`).

Sections (`--sections a,b,...`; medians over `--repeats` fits; every figure is also given
as a ratio against a peer measured in the same run):

* throughput — training rows per second (batch × steps / seconds; a step is one critic
  and one generator update) of PTGAN, FairPTGAN (sensitive sex) and CTGAN at the same batch
  size (500, a multiple of CTGAN's pac = 10), on Adult and on a generated wide table (100k
  rows × 50 columns, `wide_table`). Steps are timed one by one (`StepClock`): after
  `--warmup-steps`, at least `--steps` steps and `--min-seconds`, then the fit is ended
  (a CTGAN epoch on the wide table takes half an hour on one core). Also the setup time
  inside each fit, before its first step (validation, encoder fit and transform, samplers,
  networks; for FairPTGAN also its fairness teacher), and the encoder's part of it. Peer:
  CTGAN (whose encoder transforms columns in joblib processes, on every core).
* preprocess — fairsynth's TableTransformer (schema detection, fit, transform) on a
  generated 1M × 20 table, continuous="quantile" and "mode". Peer: the 60 s target, and
  quantile for mode; `--ctgan-preprocess` adds CTGAN's DataTransformer (slow).
* scale — PTGAN for 2 epochs on a generated 300k × 40 table (`scale_table`) in a
  subprocess: its peak RSS (the child's VmHWM; getrusage's ru_maxrss would include the
  parent's, which Linux carries through fork + exec) and seconds per epoch. Peers: a child
  that only imports and builds the table, and with `--scale-peers ctgan` CTGAN in the same
  kind of child.
* quality — time to quality on Adult (the headline). Yardstick: CTGAN's 300-epoch wall
  time, *extrapolated* from a few epochs as preprocessing + 300 × median epoch time
  (`--ctgan-full` runs the 300 epochs and scores them). fairsynth (`--model`, `--params`)
  is fitted with a callback that every `--eval-every` epochs samples len(train) rows at
  α = 1 and scores them (sdmetrics quality against the train table, LR AUC on adult_test);
  the scoring time is taken off the training clock, which starts when fit is called.
  Reported: the first training time with quality ≥ `--target-quality` and AUC ≥
  `--target-auc`, its ratio to CTGAN's time (goal ≤ `--budget` = 0.10), the best scores
  within that budget, and the best quality against TabFairGAN's 0.938.
* compile — torch.compile of generator and critic (and of the generator alone) against
  eager, on `--device` (PTGAN, Adult, step clock); "unavailable" with the error where
  compilation fails (on CPU: the coherency penalty's double backward).
* gpu — needs CUDA (skipped with a message otherwise): training rows/s for batch sizes
  512 … 16,384 (PTGAN, Adult and the wide table; peer: batch 512), host↔device copies per
  training step (torch.profiler Memcpy events and the CUDA sync debug mode over the second
  epoch), torch.compile on cuda and the time to quality on cuda (CTGAN on cuda as yardstick).

Writes benchmarks/results/speed.json (speed_quick.json with --quick; sections run later
replace their own entry only) and prints one markdown table per section.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch

from fairsynth import PTGAN, FairPTGAN, datasets
from fairsynth.data import TableTransformer, detect_schema
from fairsynth.evaluate import evaluate_table, fidelity
from fairsynth.evaluate._io import to_jsonable

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
SECTIONS = ("throughput", "preprocess", "scale", "quality", "gpu", "compile")
MODELS = {"ptgan": PTGAN, "fairptgan": FairPTGAN}
# shared/docs/baselines.md, measured on this kind of machine with the same protocol
CTGAN_300_BASELINE = {"seconds": 831.0, "quality": 0.870, "lr_auc": 0.889}
TABFAIRGAN_QUALITY = 0.938
PREPROCESS_TARGET_S = 60.0
GPU_BATCHES = (512, 1024, 2048, 4096, 8192, 16384)
# --quick: small tables, few steps, one repeat (~2-3 min on one shared core)
QUICK = {
    "repeats": 1,
    "rows": 10_000,
    "preprocess_rows": 10_000,
    "scale_rows": 10_000,
    "wide_rows": 2_000,  # CTGAN takes seconds per step on the wide table
    "warmup_steps": 2,
    "steps": 3,
    "min_seconds": 0.0,
    "scale_epochs": 1,
    "ctgan_epochs": 2,
    "eval_every": 1,
    "quality_epochs": 2,
}


# ------------------------------------------------------------------------ tables
def _numeric_column(i: int, n: int, rng: np.random.Generator) -> np.ndarray:
    """Ten shapes in turn: normal, skewed, bi-/trimodal, heavy-tailed, spiked and counts."""
    kind = i % 10
    if kind == 0:
        return rng.normal(50, 10, n)
    if kind == 1:
        return np.round(rng.lognormal(3, 1, n), 2)
    if kind == 2:
        return np.where(rng.random(n) < 0.4, rng.normal(-5, 1, n), rng.normal(5, 2, n))
    if kind == 3:
        mode = rng.choice(3, n, p=[0.5, 0.3, 0.2])
        return rng.normal(np.array([0.0, 20.0, 60.0])[mode], np.array([2.0, 5.0, 3.0])[mode])
    if kind == 4:
        return rng.exponential(1000, n)
    if kind == 5:  # 90 % zeros and a long tail, like Adult's capital_gain
        return np.where(rng.random(n) < 0.9, 0, np.round(rng.lognormal(8, 1.5, n))).astype(int)
    if kind == 6:
        return rng.poisson(3, n).astype(np.int64)
    if kind == 7:
        return rng.uniform(-1, 1, n)
    if kind == 8:
        return np.clip(np.round(rng.normal(40, 13, n)), 17, 90).astype(np.int64)
    return 100 * rng.beta(0.5, 5, n)


def _categorical_column(
    name: str, k: int, z: np.ndarray, rng: np.random.Generator, missing: float = 0.0
) -> np.ndarray:
    """k string categories, Zipf-like shares; 30 % of the rows follow the latent z."""
    n = len(z)
    shares = 1.0 / np.arange(1, k + 1) ** 1.1
    codes = rng.choice(k, n, p=shares / shares.sum())
    linked = rng.random(n) < 0.3
    bins = np.clip((0.5 * (1 + np.tanh(z)) * k).astype(int), 0, k - 1)
    codes = np.where(linked, bins, codes)
    values = np.array([f"{name}_{c}" for c in range(k)], dtype=object)[codes]
    if missing:
        values[rng.random(n) < missing] = np.nan
    return values


def category_counts(n_categorical: int) -> list[int]:
    """Categories of cat_00, cat_01, ...: spread evenly over 3..50."""
    m = n_categorical - 1
    return [3 + round(47 * j / max(1, m - 1)) for j in range(m)]


def mixed_table(
    rows: int,
    numeric: int,
    categorical: int,
    high_card: int,
    seed: int = 0,
    high_card_categories: int = 1000,
) -> pd.DataFrame:
    """A deterministic mixed table of `numeric + categorical + high_card + 1` columns.

    * num_00.. — `numeric` columns cycling through ten shapes (normal, lognormal, bimodal,
      trimodal, exponential, zero-spiked integer, Poisson counts, uniform, clipped integer
      age, beta); float or int64, no missing values (CTGAN refuses them);
    * sex — two categories (F/M, 1:2), the sensitive column; it counts as categorical;
    * cat_00.. — `categorical - 1` string columns with 3..50 categories (Zipf-like shares,
      every sixth with 2 % missing);
    * hc_0.. — `high_card` string columns with `high_card_categories` categories each;
    * target — binary ("yes"/"no"), linked to sex and to a latent variable that also
      drives the first numeric column of every three and 30 % of each categorical.

    `mixed_table(100_000, 20, 24, 5)` is the wide table (50 columns).
    """
    rng = np.random.default_rng(seed)
    z = rng.normal(size=rows)
    cols: dict[str, np.ndarray] = {}
    for i in range(numeric):
        x = _numeric_column(i, rows, rng)
        if i % 3 == 0 and x.dtype.kind == "f":
            x = x + 0.5 * x.std() * z
        cols[f"num_{i:02d}"] = x
    sex = np.where(rng.random(rows) < 1 / 3, "F", "M").astype(object)
    cols["sex"] = sex
    for j, k in enumerate(category_counts(categorical)):
        cols[f"cat_{j:02d}"] = _categorical_column(
            f"c{j}", k, z, rng, missing=0.02 if j % 6 == 5 else 0.0
        )
    for j in range(high_card):
        cols[f"hc_{j}"] = _categorical_column(f"h{j}", high_card_categories, z, rng)
    logit = 1.5 * z + 0.7 * (sex == "M") - 1.2
    cols["target"] = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no").astype(
        object
    )
    return pd.DataFrame(cols)


def wide_table(rows: int = 100_000, seed: int = 0) -> pd.DataFrame:
    """The throughput section's wide table: 20 numeric, 24 categorical (sex and 23 with
    3..50 categories), 5 with 1,000 categories, a binary target: 50 columns."""
    return mixed_table(rows, numeric=20, categorical=24, high_card=5, seed=seed)


def preprocess_table(rows: int = 1_000_000, seed: int = 0) -> pd.DataFrame:
    """10 numeric (multimodal among them) and 10 categorical (sex, 8 others, target)."""
    return mixed_table(rows, numeric=10, categorical=9, high_card=0, seed=seed)


def scale_table(rows: int = 300_000, seed: int = 0) -> pd.DataFrame:
    """18 numeric, 20 categorical, one with 1,000 categories, a target: 40 columns."""
    return mixed_table(rows, numeric=18, categorical=20, high_card=1, seed=seed)


def discrete_columns(df: pd.DataFrame) -> list[str]:
    return [c for c in df if not pd.api.types.is_numeric_dtype(df[c])]


def adult(rows: int | None, seed: int) -> pd.DataFrame:
    train = datasets.load("adult")
    return train if rows is None else train.sample(rows, random_state=seed).reset_index(drop=True)


# ------------------------------------------------------------------------ fits
def model_kwargs(name: str, params: dict[str, Any], **fixed) -> dict[str, Any]:
    """--params for `name`: keys that only the other model accepts are dropped."""
    own = set(inspect.signature(MODELS[name]).parameters)
    known = set().union(*(inspect.signature(c).parameters for c in MODELS.values()))
    unknown = set(params) - known
    if unknown:
        raise SystemExit(f"--params: unknown parameters {sorted(unknown)}")
    return {k: v for k, v in params.items() if k in own} | fixed


def make_model(name: str, df: pd.DataFrame, device: str, seed: int, params: dict, **fixed):
    target = "income" if "income" in df else "target"
    extra = {"sensitive": "sex"} if name == "fairptgan" else {}
    kwargs = model_kwargs(name, params, target=target, device=device, random_state=seed, **fixed)
    return MODELS[name](**extra, **kwargs)


class _Enough(Exception):
    """Raised by the step clock once its steps are timed: it ends the fit there."""


class StepClock:
    """The wall clock at the start of every training step.

    `patch(cls, method)` wraps, for the duration of one fit, a method that the training loop
    calls once per step (fairsynth: the objective's critic_loss; CTGAN: its gradient
    penalty), and ends the fit once `warmup` untimed steps and at least `steps` timed steps
    taking at least `min_seconds` (or `max_steps` of them) are done. Setup time is the
    clock at the first step minus the clock when fit was called.
    """

    def __init__(self, args, device: str):
        self.warmup, self.steps = args.warmup_steps, args.steps
        self.min_seconds, self.max_steps = args.min_seconds, args.max_steps
        self.device = device
        self.marks: list[float] = []
        self.started = time.perf_counter()

    def tick(self) -> None:
        # On a GPU only the marks that are read wait for the device: syncing at every step
        # would stop the host from queueing the next step while the device works.
        if len(self.marks) in (0, self.warmup):
            sync(self.device)
        now = time.perf_counter()
        self.marks.append(now)
        timed = len(self.marks) - 1 - self.warmup
        if timed >= self.max_steps or (
            timed >= self.steps and now - self.marks[self.warmup] >= self.min_seconds
        ):
            sync(self.device)
            self.marks[-1] = time.perf_counter()
            raise _Enough

    @contextmanager
    def patch(self, cls, method: str, every: int = 1):
        original = getattr(cls, method)
        calls = [0]

        def ticking(obj, *a, **k):
            if calls[0] % every == 0:
                self.tick()
            calls[0] += 1
            return original(obj, *a, **k)

        setattr(cls, method, ticking)
        self.started = time.perf_counter()
        try:
            yield self
        except _Enough:
            pass
        finally:
            setattr(cls, method, original)
        if len(self.marks) < self.warmup + 2:
            raise RuntimeError(f"the fit ended after {len(self.marks)} steps; too few to time")

    def result(self, batch: int, setup_end: float | None = None) -> dict[str, Any]:
        timed = self.marks[self.warmup :]
        seconds = timed[-1] - timed[0]
        n = len(timed) - 1
        return {
            "preprocess_s": (setup_end or self.marks[0]) - self.started,
            "warmup_s": timed[0] - self.marks[0],
            "timed_steps": n,
            "step_ms": 1000 * seconds / n,
            "rows_per_s": n * batch / seconds,
        }


@contextmanager
def call_ends(cls, method: str, marks: list[float]):
    """Record the clock each time `cls.method` returns (for the duration of one fit)."""
    original = getattr(cls, method)

    def recorded(obj, *a, **k):
        result = original(obj, *a, **k)
        marks.append(time.perf_counter())
        return result

    setattr(cls, method, recorded)
    try:
        yield
    finally:
        setattr(cls, method, original)


def time_fairsynth_steps(model, df: pd.DataFrame, args, device: str) -> dict[str, Any]:
    """Steps of fairsynth's training loop on the step clock (rows/s, setup time, and the
    encoder's share of the setup: from the call of fit to the end of the table's encoding)."""
    from fairsynth.train import TemperedObjective

    # enough epochs for the clock to end the fit (and a bound should it never tick)
    steps_per_epoch = -(-len(df) // model.batch_size)
    model.epochs = math.ceil((args.warmup_steps + args.max_steps + 2) / steps_per_epoch) + 1
    clock = StepClock(args, device)
    encoded: list[float] = []
    with (
        call_ends(TableTransformer, "transform", encoded),
        clock.patch(TemperedObjective, "critic_loss", every=model.critic_steps),
    ):
        model.fit(df)
    out = clock.result(model.batch_size)
    out["encoder_s"] = encoded[0] - clock.started
    out["steps_per_epoch"] = steps_per_epoch
    out["epoch_s"] = steps_per_epoch * out["step_ms"] / 1000
    return out


def fit_fairsynth_epochs(model, df: pd.DataFrame) -> dict[str, Any]:
    """A whole fit: setup time (the wall clock at the end of epoch 1 minus that epoch's
    time) and per-epoch times from history_ (cumulative seconds)."""
    marks: list[float] = []
    model.callbacks = [
        *(model.callbacks or ()),
        lambda epoch, logs: marks.append(time.perf_counter()),
    ]
    started = time.perf_counter()
    model.fit(df)
    seconds = model.history_["seconds"].to_numpy()
    epochs = np.diff(seconds, prepend=0.0)
    return {
        "preprocess_s": marks[0] - started - seconds[0],
        "epoch_s": float(np.median(epochs)),
        "epoch_times": epochs.tolist(),
    }


@contextmanager
def ctgan_epoch_clock(marks: list[float]):
    """Time CTGAN's epochs from outside: its fit loops over `tqdm(range(epochs))`; this
    stand-in records the clock when the loop starts (preprocessing done) and after each
    epoch. Nothing else in CTGAN changes."""
    import ctgan.synthesizers.ctgan as module

    def clocked(iterable, **_):
        marks.append(time.perf_counter())
        for item in iterable:
            yield item
            marks.append(time.perf_counter())

    original = module.tqdm
    module.tqdm = clocked
    try:
        yield
    finally:
        module.tqdm = original


def new_ctgan(epochs: int, batch_size: int, device: str, seed: int):
    try:
        from ctgan import CTGAN
    except ImportError as err:
        raise SystemExit("CTGAN is missing: pip install -e '.[bench]' (or make bench)") from err
    model = CTGAN(epochs=epochs, batch_size=batch_size, enable_gpu=device.startswith("cuda"))
    model.set_random_state(seed)
    return model


def time_ctgan_steps(df: pd.DataFrame, args, device: str, seed: int) -> dict[str, Any]:
    """CTGAN's training steps on the step clock (one gradient penalty per critic step)."""
    from ctgan.data_transformer import DataTransformer
    from ctgan.synthesizers.ctgan import Discriminator

    steps_per_epoch = max(len(df) // args.batch_size, 1)
    epochs = math.ceil((args.warmup_steps + args.max_steps + 2) / steps_per_epoch) + 1
    model = new_ctgan(epochs, args.batch_size, device, seed)
    loop_start: list[float] = []
    encoded: list[float] = []
    clock = StepClock(args, device)
    with (
        call_ends(DataTransformer, "transform", encoded),
        ctgan_epoch_clock(loop_start),
        clock.patch(Discriminator, "calc_gradient_penalty"),
    ):
        model.fit(df, discrete_columns=discrete_columns(df))
    out = clock.result(args.batch_size, setup_end=loop_start[0])
    out["encoder_s"] = encoded[0] - clock.started
    out["steps_per_epoch"] = steps_per_epoch
    out["epoch_s"] = steps_per_epoch * out["step_ms"] / 1000
    return out


def fit_ctgan_epochs(
    df: pd.DataFrame, epochs: int, device: str, seed: int
) -> tuple[Any, dict[str, Any]]:
    """A whole CTGAN fit (batch 500): preprocessing time and per-epoch times."""
    model = new_ctgan(epochs, 500, device, seed)
    marks: list[float] = []
    started = time.perf_counter()
    with ctgan_epoch_clock(marks):
        model.fit(df, discrete_columns=discrete_columns(df))
    epoch_s = np.diff(marks)
    return model, {
        "preprocess_s": marks[0] - started,
        "epoch_s": float(np.median(epoch_s)),
        "epoch_times": epoch_s.tolist(),
    }


# ------------------------------------------------------------------------ helpers
def median_of(runs: list[dict], key: str) -> float:
    values = [r[key] for r in runs if r.get(key) is not None and not _isnan(r[key])]
    return float(statistics.median(values)) if values else math.nan


def _isnan(x) -> bool:
    return isinstance(x, float) and math.isnan(x)


def ratio(a: float | None, b: float | None) -> float:
    if a is None or b is None or _isnan(a) or _isnan(b) or not b:
        return math.nan
    return a / b


def markdown(rows: list[dict], columns: list[tuple[str, str, str]]) -> str:
    """A markdown table of `rows`; columns are (key, header, format spec)."""

    def cell(row, key, spec):
        value = row.get(key)
        if value is None or _isnan(value):
            return "—"
        return format(value, spec) if spec and isinstance(value, int | float) else str(value)

    lines = ["| " + " | ".join(h for _, h, _ in columns) + " |"]
    lines.append("| " + " | ".join("---" for _ in columns) + " |")
    lines += ["| " + " | ".join(cell(r, k, s) for k, _, s in columns) + " |" for r in rows]
    return "\n".join(lines)


def cuda_ok() -> bool:
    return torch.cuda.is_available()


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


# ------------------------------------------------------------------------ 1 throughput
THROUGHPUT_COLUMNS = [
    ("table", "table", ""),
    ("model", "model", ""),
    ("step_ms", "ms / step", ".1f"),
    ("rows_per_s", "rows/s", ",.0f"),
    ("x_ctgan_rows_per_s", "× CTGAN rows/s", ".2f"),
    ("epoch_s", "s / epoch", ".1f"),
    ("preprocess_s", "setup s", ".1f"),
    ("x_ctgan_preprocess", "÷ CTGAN setup", ".2f"),
    ("encoder_s", "encoder s", ".1f"),
    ("x_ctgan_encoder", "÷ CTGAN encoder", ".2f"),
]


STEP_KEYS = ("step_ms", "rows_per_s", "epoch_s", "preprocess_s", "encoder_s", "timed_steps")


def section_throughput(args) -> dict:
    tables = {"adult": adult(args.rows, args.seed), "wide": wide_table(args.wide_rows, args.seed)}
    rows, raw = [], []
    for table, df in tables.items():
        runs: dict[str, list[dict]] = {"PTGAN": [], "FairPTGAN": [], "CTGAN": []}
        for rep in range(args.repeats):
            seed = args.seed + rep
            for name in ("ptgan", "fairptgan"):
                model = make_model(
                    name, df, args.device, seed, args.params, batch_size=args.batch_size
                )
                runs[MODELS[name].__name__].append(
                    time_fairsynth_steps(model, df, args, args.device)
                )
            runs["CTGAN"].append(time_ctgan_steps(df, args, args.device, seed))
            done = ", ".join(f"{k} {v[-1]['rows_per_s']:,.0f} rows/s" for k, v in runs.items())
            print(f"  {table} repeat {rep}: {done}", flush=True)
        peer = {k: median_of(runs["CTGAN"], k) for k in ("rows_per_s", "preprocess_s", "encoder_s")}
        for name, rs in runs.items():
            row = {"table": f"{table} ({len(df):,} × {df.shape[1]})", "model": name}
            row |= {k: median_of(rs, k) for k in STEP_KEYS}
            row["x_ctgan_rows_per_s"] = ratio(row["rows_per_s"], peer["rows_per_s"])
            row["x_ctgan_preprocess"] = ratio(row["preprocess_s"], peer["preprocess_s"])
            row["x_ctgan_encoder"] = ratio(row["encoder_s"], peer["encoder_s"])
            rows.append(row)
            raw.append({"table": table, "model": name, "runs": rs})
    print(
        f"batch {args.batch_size}, {args.device}, {torch.get_num_threads()} thread(s); "
        "s / epoch = steps per epoch × ms / step; setup = fit's time before its first step; "
        "encoder = its part up to the encoded table (checks, encoder fit, transform)"
    )
    print(markdown(rows, THROUGHPUT_COLUMNS))
    return {"rows": rows, "runs": raw, "batch_size": args.batch_size}


# ------------------------------------------------------------------------ 2 preprocess
def time_transformer(df: pd.DataFrame, continuous: str, seed: int) -> dict:
    t0 = time.perf_counter()
    schema = detect_schema(df)
    t1 = time.perf_counter()
    tt = TableTransformer(continuous=continuous, random_state=seed).fit(df, schema)
    t2 = time.perf_counter()
    encoded = tt.transform(df)
    t3 = time.perf_counter()
    return {
        "detect_s": t1 - t0,
        "fit_s": t2 - t1,
        "transform_s": t3 - t2,
        "total_s": t3 - t0,
        "width": encoded.shape[1],
    }


def time_ctgan_transformer(df: pd.DataFrame) -> dict:
    from ctgan.data_transformer import DataTransformer

    t0 = time.perf_counter()
    tt = DataTransformer()
    tt.fit(df, discrete_columns(df))
    t1 = time.perf_counter()
    encoded = tt.transform(df)
    t2 = time.perf_counter()
    return {
        "fit_s": t1 - t0,
        "transform_s": t2 - t1,
        "total_s": t2 - t0,
        "width": encoded.shape[1],
    }


def section_preprocess(args) -> dict:
    df = preprocess_table(args.preprocess_rows, args.seed)
    variants: dict[str, Callable[[], dict]] = {
        "fairsynth quantile": lambda: time_transformer(df, "quantile", args.seed),
        "fairsynth mode": lambda: time_transformer(df, "mode", args.seed),
    }
    if args.ctgan_preprocess:
        variants["CTGAN DataTransformer"] = lambda: time_ctgan_transformer(df)
    runs = {name: [] for name in variants}
    for rep in range(args.repeats):
        for name, run in variants.items():
            runs[name].append(run())
            print(f"  repeat {rep} {name}: {runs[name][-1]['total_s']:.1f} s", flush=True)
    quantile = median_of(runs["fairsynth quantile"], "total_s")
    rows = []
    for name, rs in runs.items():
        row = {
            "table": f"{len(df):,} × {df.shape[1]}",
            "encoder": name,
            **{k: median_of(rs, k) for k in ("detect_s", "fit_s", "transform_s", "total_s")},
            "width": rs[0]["width"],
        }
        row["x_target"] = ratio(row["total_s"], PREPROCESS_TARGET_S)
        row["x_quantile"] = ratio(row["total_s"], quantile)
        rows.append(row)
    print(
        markdown(
            rows,
            [
                ("table", "table", ""),
                ("encoder", "encoder", ""),
                ("detect_s", "detect s", ".1f"),
                ("fit_s", "fit s", ".1f"),
                ("transform_s", "transform s", ".1f"),
                ("total_s", "total s", ".1f"),
                ("x_target", f"÷ {PREPROCESS_TARGET_S:.0f} s target", ".2f"),
                ("x_quantile", "÷ quantile", ".2f"),
                ("width", "encoded width", "d"),
            ],
        )
    )
    return {"rows": rows, "runs": runs}


# ------------------------------------------------------------------------ 3 scale
def scale_child(spec: dict) -> dict:
    """Runs in the subprocess: build the table, fit, report own peak RSS (for PTGAN also the
    peak when training ends: fit then samples rows for its privacy check)."""
    df = scale_table(spec["rows"], spec["seed"])
    out: dict[str, Any] = {}
    if spec["model"] == "ptgan":
        model = make_model(
            "ptgan", df, spec["device"], spec["seed"], spec["params"], epochs=spec["epochs"]
        )
        hwm: list[float] = []
        model.callbacks = [lambda epoch, logs: hwm.append(peak_rss_mb())]
        out = fit_fairsynth_epochs(model, df)
        out["peak_rss_training_mb"] = hwm[-1]
        out["encoded_mb"] = len(df) * model.transformer_.output_dim * 4 / 2**20  # float32
    elif spec["model"] == "ctgan":
        model, out = fit_ctgan_epochs(df, spec["epochs"], spec["device"], spec["seed"])
        out["encoded_mb"] = len(df) * model._transformer.output_dimensions * 8 / 2**20  # float64
    if spec["device"].startswith("cuda"):
        out["cuda_peak_mb"] = torch.cuda.max_memory_allocated() / 2**20
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss  # CTGAN's joblib workers
    return {**out, "peak_rss_mb": peak_rss_mb(), "children_peak_rss_mb": kids / 1024}


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM. Not getrusage's ru_maxrss, which Linux carries over
    from the parent through fork/vfork + exec, so a child's figure (and RUSAGE_CHILDREN in
    the parent) is at least the parent's own peak."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(spec: dict, threads: int | None) -> dict:
    """This script in a fresh interpreter (`--child`), importing this checkout's fairsynth."""
    started = time.perf_counter()
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    proc = subprocess.run(
        [sys.executable, __file__, "--child", json.dumps(spec)]
        + (["--threads", str(threads)] if threads else []),
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": path},
    )
    if proc.returncode:
        raise RuntimeError(f"child {spec['model']} failed:\n{proc.stderr[-3000:]}")
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    return result | {"wall_s": time.perf_counter() - started}


def section_scale(args) -> dict:
    models = ["baseline", "ptgan", *filter(None, args.scale_peers.split(","))]
    base = {
        "rows": args.scale_rows,
        "epochs": args.scale_epochs,
        "seed": args.seed,
        "device": args.device,
        "params": args.params,
    }
    runs = {m: [] for m in models}
    for rep in range(args.repeats):
        for m in models:
            runs[m].append(run_child(base | {"model": m, "seed": args.seed + rep}, args.threads))
            print(f"  repeat {rep} {m}: {runs[m][-1]['peak_rss_mb']:.0f} MB", flush=True)
    rows = []
    for m, rs in runs.items():
        row = {
            "model": m,
            **{
                k: median_of(rs, k)
                for k in (
                    "peak_rss_mb",
                    "peak_rss_training_mb",
                    "encoded_mb",
                    "epoch_s",
                    "preprocess_s",
                    "wall_s",
                )
            },
        }
        if args.device.startswith("cuda"):
            row["cuda_peak_mb"] = median_of(rs, "cuda_peak_mb")
        rows.append(row)
    by = {r["model"]: r for r in rows}
    for row in rows:
        row["over_baseline_mb"] = row["peak_rss_mb"] - by["baseline"]["peak_rss_mb"]
        if "ctgan" in by:
            row["x_ctgan_rss"] = ratio(row["peak_rss_mb"], by["ctgan"]["peak_rss_mb"])
            row["x_ctgan_epoch"] = ratio(row["epoch_s"], by["ctgan"]["epoch_s"])
    print(
        f"table: scale_table({args.scale_rows:_}), {args.scale_rows:,} × 40; "
        f"{args.scale_epochs} epoch(s)"
    )
    print(
        markdown(
            rows,
            [
                ("model", "child", ""),
                ("peak_rss_mb", "peak RSS MB", ",.0f"),
                ("peak_rss_training_mb", "peak RSS MB, end of training", ",.0f"),
                ("over_baseline_mb", "over baseline MB", ",.0f"),
                ("encoded_mb", "encoded table MB", ",.0f"),
                ("x_ctgan_rss", "÷ CTGAN RSS", ".2f"),
                ("preprocess_s", "preprocess s", ".1f"),
                ("epoch_s", "s / epoch", ".1f"),
                ("x_ctgan_epoch", "÷ CTGAN s / epoch", ".2f"),
                ("wall_s", "child wall s", ".0f"),
            ],
        )
    )
    return {"rows": rows, "runs": runs, "table_rows": args.scale_rows, "epochs": args.scale_epochs}


# ------------------------------------------------------------------------ 4 quality
def score(synth: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame, seed: int) -> dict:
    quality = fidelity(synth, train, joint=False)["quality"]["overall"]
    lr = evaluate_table(synth, test, "income", "sex", classifiers=["lr"], random_state=seed)
    return {"quality": float(quality), "lr_auc": float(lr["auc"].iloc[0])}


def ctgan_yardstick(args, train, test, device: str) -> dict:
    """CTGAN's 300-epoch wall time on Adult: measured with --ctgan-full, else extrapolated
    from `--ctgan-epochs` epochs (all timed, the first included: a 300-epoch fit pays it)."""
    runs = []
    for rep in range(1 if args.ctgan_full else args.repeats):
        epochs = 300 if args.ctgan_full else args.ctgan_epochs
        model, t = fit_ctgan_epochs(train, epochs, device, args.seed + rep)
        t["extrapolated_300_s"] = t["preprocess_s"] + 300 * t["epoch_s"]
        if args.ctgan_full:
            t["measured_300_s"] = t["preprocess_s"] + sum(t["epoch_times"])
            t |= score(model.sample(len(train)), train, test, args.seed)
        runs.append(t)
        print(
            f"  CTGAN: preprocess {t['preprocess_s']:.1f} s, epoch {t['epoch_s']:.2f} s", flush=True
        )
    out = {
        "preprocess_s": median_of(runs, "preprocess_s"),
        "epoch_s": median_of(runs, "epoch_s"),
        "extrapolated_300_s": median_of(runs, "extrapolated_300_s"),
        "runs": runs,
    }
    if args.ctgan_full:
        out |= {k: runs[0][k] for k in ("measured_300_s", "quality", "lr_auc")}
    out["seconds"] = out.get("measured_300_s", out["extrapolated_300_s"])
    out["how"] = "measured" if args.ctgan_full else f"extrapolated from {args.ctgan_epochs} epochs"
    return out


class QualityProbe:
    """Callback: scores the model every `every` epochs on a clock without the scoring time,
    and stops once the targets are met and the budget has passed, or at the cap."""

    def __init__(self, model, train, test, args, budget_s: float, cap_s: float, seed: int):
        self.model, self.train, self.test, self.args = model, train, test, args
        self.budget_s, self.cap_s, self.seed = budget_s, cap_s, seed
        self.started = time.perf_counter()
        self.scoring_s = 0.0
        self.points: list[dict] = []
        self.reached = False

    def __call__(self, epoch: int, logs: dict) -> bool:
        sync(str(self.model.device_))
        train_s = time.perf_counter() - self.started - self.scoring_s
        last = epoch >= self.model.epochs or train_s >= self.cap_s
        if epoch % self.args.eval_every and not last:
            return False
        t0 = time.perf_counter()
        synth = self.model.sample(len(self.train), alpha=1.0, random_state=self.seed)
        self.model.generator_.train()  # sample() leaves it in eval mode
        point = {
            "epoch": epoch,
            "train_s": train_s,
            **score(synth, self.train, self.test, self.seed),
        }
        self.scoring_s += time.perf_counter() - t0
        self.points.append(point)
        self.reached |= (
            point["quality"] >= self.args.target_quality and point["lr_auc"] >= self.args.target_auc
        )
        print(
            f"    epoch {epoch}: {train_s:.1f} s, quality {point['quality']:.3f}, "
            f"AUC {point['lr_auc']:.3f}",
            flush=True,
        )
        return last or (self.reached and train_s >= self.budget_s)


def fairsynth_to_quality(args, train, test, device: str, seed: int, yard_s: float) -> dict:
    fixed = {"epochs": args.quality_epochs} if args.quality_epochs else {}
    model = make_model(args.model, train, device, seed, args.params, **fixed)
    budget_s = args.budget * yard_s
    probe = QualityProbe(model, train, test, args, budget_s, args.max_fraction * yard_s, seed)
    model.callbacks = [probe]
    model.fit(train)
    pts = probe.points

    def first(ok) -> dict:
        return next((p for p in pts if ok(p)), {})

    hit = first(lambda p: p["quality"] >= args.target_quality and p["lr_auc"] >= args.target_auc)
    within = [p for p in pts if p["train_s"] <= budget_s]
    return {
        "seed": seed,
        "time_to_target_s": hit.get("train_s"),
        "epochs_to_target": hit.get("epoch"),
        "time_to_quality_s": first(lambda p: p["quality"] >= args.target_quality).get("train_s"),
        "time_to_auc_s": first(lambda p: p["lr_auc"] >= args.target_auc).get("train_s"),
        "best_quality_in_budget": max((p["quality"] for p in within), default=None),
        "best_auc_in_budget": max((p["lr_auc"] for p in within), default=None),
        "best_quality": max(p["quality"] for p in pts),
        "best_auc": max(p["lr_auc"] for p in pts),
        "train_s": pts[-1]["train_s"],
        "epochs": pts[-1]["epoch"],
        "points": pts,
    }


def section_quality(args, device: str | None = None) -> dict:
    device = device or args.device
    train = adult(args.rows, args.seed)
    test = datasets.load("adult_test")
    yard = ctgan_yardstick(args, train, test, device)
    yard_s = yard["seconds"]
    print(f"  CTGAN 300 epochs ({yard['how']}): {yard_s:.0f} s", flush=True)
    runs = [
        fairsynth_to_quality(args, train, test, device, args.seed + rep, yard_s)
        for rep in range(args.repeats)
    ]
    keys = (
        "time_to_target_s",
        "epochs_to_target",
        "time_to_quality_s",
        "time_to_auc_s",
        "best_quality_in_budget",
        "best_auc_in_budget",
        "best_quality",
        "best_auc",
        "train_s",
    )
    rows = [{"run": f"{args.model} seed {r['seed']}", **{k: r[k] for k in keys}} for r in runs]
    # a fit that never reached the targets counts as infinitely slow
    times = [math.inf if r["time_to_target_s"] is None else r["time_to_target_s"] for r in runs]
    med = statistics.median(times)
    summary = {k: median_of(rows, k) for k in keys}
    summary |= {
        "run": f"median ({sum(map(math.isfinite, times))}/{len(runs)} reached)",
        "time_to_target_s": med if math.isfinite(med) else None,
    }
    rows.append(summary)
    for row in rows:
        row["x_ctgan"] = ratio(row["time_to_target_s"], yard_s)
        row["x_ctgan_baseline"] = ratio(row["time_to_target_s"], CTGAN_300_BASELINE["seconds"])
        row["x_tabfairgan"] = ratio(row["best_quality"], TABFAIRGAN_QUALITY)
    print(
        f"targets: quality ≥ {args.target_quality}, LR AUC ≥ {args.target_auc}; "
        f"CTGAN-300 here {yard_s:.0f} s ({yard['how']}), baselines.md "
        f"{CTGAN_300_BASELINE['seconds']:.0f} s; budget {args.budget:g} × CTGAN = "
        f"{args.budget * yard_s:.0f} s; goal: time to target ÷ CTGAN ≤ {args.budget:g}"
    )
    print(
        markdown(
            rows,
            [
                ("run", "fit", ""),
                ("time_to_target_s", "s to target", ".0f"),
                ("x_ctgan", "÷ CTGAN-300 (here)", ".3f"),
                ("x_ctgan_baseline", "÷ 831 s", ".3f"),
                ("epochs_to_target", "epochs", ".0f"),
                ("time_to_quality_s", "s to quality", ".0f"),
                ("time_to_auc_s", "s to AUC", ".0f"),
                ("best_quality_in_budget", "best quality in budget", ".3f"),
                ("best_auc_in_budget", "best AUC in budget", ".3f"),
                ("best_quality", "best quality", ".3f"),
                ("x_tabfairgan", "÷ TabFairGAN 0.938", ".3f"),
                ("train_s", "trained s", ".0f"),
            ],
        )
    )
    return {
        "device": device,
        "model": args.model,
        "params": args.params,
        "targets": {"quality": args.target_quality, "lr_auc": args.target_auc},
        "budget": args.budget,
        "ctgan": yard,
        "ctgan_baseline": CTGAN_300_BASELINE,
        "rows": rows,
        "runs": runs,
    }


# ------------------------------------------------------------------------ 5 gpu / compile
def compiled(cls, critic: bool = True):
    """`cls` whose generator (and critic) go through torch.compile."""

    class Compiled(cls):
        def _build_networks(self):
            super()._build_networks()
            self.generator_ = torch.compile(self.generator_)
            if critic:
                self.critic_ = torch.compile(self.critic_)

    Compiled.__name__ = Compiled.__qualname__ = f"Compiled{cls.__name__}"
    return Compiled


def compile_speed(args, device: str) -> dict:
    df = adult(args.rows, args.seed)
    rows = []
    variants = (
        ("eager", PTGAN),
        ("compiled generator + critic", compiled(PTGAN)),
        ("compiled generator only", compiled(PTGAN, critic=False)),
    )
    for label, cls in variants:
        kwargs = model_kwargs(
            "ptgan",
            args.params,
            target="income",
            device=device,
            random_state=args.seed,
            batch_size=args.batch_size,
        )
        try:
            r = time_fairsynth_steps(cls(**kwargs), df, args, device)
            rows.append({"mode": label, **r, "status": "ok"})
        except Exception as err:  # noqa: BLE001 — any failure of compilation is a result
            first = (str(err).splitlines() or [""])[0][:160]
            msg = f"unavailable: {type(err).__name__}: {first}"
            rows.append({"mode": label, "status": msg})
        print(
            f"  {device} {label}: {rows[-1].get('rows_per_s', 0):.0f} rows/s {rows[-1]['status']}",
            flush=True,
        )
    eager = rows[0].get("rows_per_s", math.nan)
    for row in rows:
        row["x_eager"] = ratio(row.get("rows_per_s", math.nan), eager)
        row["device"] = device
    print(
        markdown(
            rows,
            [
                ("device", "device", ""),
                ("mode", "networks", ""),
                ("rows_per_s", "rows/s", ",.0f"),
                ("x_eager", "× eager", ".2f"),
                ("warmup_s", "warm-up steps s (compilation)", ".1f"),
                ("status", "status", ""),
            ],
        )
    )
    return {"rows": rows}


def section_compile(args) -> dict:
    return compile_speed(args, args.device)


def copies_per_step(args, device: str) -> dict:
    """Host↔device copies in one training epoch after a warm-up epoch, by torch.profiler
    (Memcpy HtoD / DtoH events) and by the CUDA sync debug mode (synchronising calls)."""
    from torch.profiler import ProfilerActivity, profile

    df = adult(args.rows, args.seed)
    state: dict[str, Any] = {}

    def probe(epoch: int, logs: dict) -> None:
        torch.cuda.synchronize()
        if epoch == 1:
            state["prof"] = profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA])
            state["catch"] = warnings.catch_warnings(record=True)
            state["warnings"] = state["catch"].__enter__()
            warnings.simplefilter("always")
            torch.cuda.set_sync_debug_mode("warn")
            state["prof"].start()
        elif epoch == 2:
            state["prof"].stop()
            torch.cuda.set_sync_debug_mode(0)
            state["catch"].__exit__(None, None, None)

    model = make_model(
        "ptgan", df, device, args.seed, args.params, epochs=2, batch_size=args.batch_size
    )
    model.callbacks = [probe]
    model.fit(df)
    counts = {"HtoD": 0, "DtoH": 0, "DtoD": 0}
    for evt in state["prof"].key_averages():
        for kind in counts:
            if "Memcpy" in evt.key and kind in evt.key:
                counts[kind] += evt.count
    steps = max(1, -(-len(df) // model.batch_size))
    syncs = [str(w.message) for w in state["warnings"] if "synchroniz" in str(w.message).lower()]
    out = {
        "steps_per_epoch": steps,
        "memcpy_per_epoch": counts,
        "memcpy_per_step": {k: v / steps for k, v in counts.items()},
        "sync_warnings_per_epoch": len(syncs),
        "sync_examples": sorted(set(syncs))[:5],
        "note": "the loop reads its summed losses back once per epoch (a few DtoH per epoch)",
    }
    print(
        f"  copies in one epoch of {steps} steps: HtoD {counts['HtoD']}, DtoH {counts['DtoH']} "
        f"({counts['HtoD'] / steps:.2f} / {counts['DtoH'] / steps:.2f} per step); "
        f"synchronising calls {len(syncs)}"
    )
    return out


def batch_scaling(args, device: str) -> dict:
    tables = {"adult": adult(args.rows, args.seed), "wide": wide_table(args.wide_rows, args.seed)}
    rows = []
    for table, df in tables.items():
        base = None
        for batch in args.gpu_batches:
            runs = []
            for rep in range(args.repeats):
                model = make_model(
                    "ptgan", df, device, args.seed + rep, args.params, batch_size=batch
                )
                runs.append(time_fairsynth_steps(model, df, args, device))
            row = {"table": f"{table} ({len(df):,} × {df.shape[1]})", "batch": batch}
            row |= {
                k: median_of(runs, k) for k in ("step_ms", "rows_per_s", "epoch_s", "timed_steps")
            }
            base = base or row["rows_per_s"]
            row["x_batch_512"] = ratio(row["rows_per_s"], base)
            rows.append(row)
            print(f"  {table} batch {batch}: {row['rows_per_s']:,.0f} rows/s", flush=True)
    print(
        markdown(
            rows,
            [
                ("table", "table", ""),
                ("batch", "batch", "d"),
                ("step_ms", "ms / step", ".2f"),
                ("epoch_s", "s / epoch", ".3f"),
                ("rows_per_s", "rows/s", ",.0f"),
                ("x_batch_512", f"× batch {args.gpu_batches[0]}", ".2f"),
            ],
        )
    )
    return {"rows": rows}


def section_gpu(args, done: dict) -> dict:
    if not cuda_ok():
        msg = "skipped: CUDA is not available on this machine (run with --device cuda on a GPU)"
        print(f"  {msg}")
        return {"skipped": msg}
    out = {
        "device_name": torch.cuda.get_device_name(0),
        "batch_scaling": batch_scaling(args, "cuda"),
        "copies": copies_per_step(args, "cuda"),
    }
    if "compile" in done and done["compile"]["rows"][0]["device"].startswith("cuda"):
        out["compile"] = "see the compile section (it ran on cuda)"
    else:
        out["compile"] = compile_speed(args, "cuda")
    if "quality" in done and done["quality"].get("device", "").startswith("cuda"):
        out["quality"] = "see the quality section (it ran on cuda)"
    else:
        out["quality"] = section_quality(args, device="cuda")
    return out


# ------------------------------------------------------------------------ main
def warm_up(device: str) -> None:
    """Tiny fits of every model first, so that no timed fit pays one-off costs (lazy imports
    of torch._dynamo by the optimisers, fairlearn, rdt, CUDA context)."""
    df = adult(500, 0)
    for name in MODELS:
        make_model(name, df, device, 0, {}, epochs=1).fit(df)
    new_ctgan(1, 500, device, 0).fit(df, discrete_columns=discrete_columns(df))


def environment(args) -> dict:
    try:
        import ctgan

        ctgan_version = ctgan.__version__
    except ImportError:
        ctgan_version = None
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()
    return {
        "date": time.strftime("%Y-%m-%d %H:%M:%S"),
        "commit": commit,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "ctgan": ctgan_version,
        "threads": torch.get_num_threads(),
        "cpus": os.cpu_count(),
        "load_avg": os.getloadavg(),
        "cuda": torch.cuda.get_device_name(0) if cuda_ok() else None,
        "argv": sys.argv[1:],
    }


def parse_args(argv=None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument(
        "--sections",
        default="throughput,preprocess,scale,quality,compile,gpu",
        help=f"comma-separated, from {','.join(SECTIONS)}",
    )
    ap.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 10k-row tables (wide: 2k), 3 timed steps, 2 epochs, 1 repeat",
    )
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu", help="cpu or cuda (CTGAN follows it)")
    ap.add_argument("--threads", type=int, default=None, help="torch threads (default: torch's)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--model", choices=sorted(MODELS), default="ptgan", help="quality section")
    ap.add_argument(
        "--params",
        type=json.loads,
        default={},
        help="fairsynth keyword arguments as JSON, e.g. '{\"batch_size\": 1000}'",
    )
    g = ap.add_argument_group("throughput / gpu / compile")
    g.add_argument("--batch-size", type=int, default=500, help="a multiple of CTGAN's pac=10")
    g.add_argument("--warmup-steps", type=int, default=5, help="untimed steps first")
    g.add_argument("--steps", type=int, default=20, help="timed steps, at least")
    g.add_argument("--min-seconds", type=float, default=10.0, help="timed seconds, at least")
    g.add_argument("--max-steps", type=int, default=2000, help="timed steps, at most")
    g.add_argument("--rows", type=int, default=None, help="subsample Adult (default: all rows)")
    g.add_argument("--wide-rows", type=int, default=100_000)
    g.add_argument("--gpu-batches", default=",".join(map(str, GPU_BATCHES)))
    g = ap.add_argument_group("preprocess / scale")
    g.add_argument("--preprocess-rows", type=int, default=1_000_000)
    g.add_argument(
        "--ctgan-preprocess",
        action="store_true",
        help="also time CTGAN's DataTransformer on the preprocess table (slow)",
    )
    g.add_argument("--scale-rows", type=int, default=300_000)
    g.add_argument("--scale-epochs", type=int, default=2)
    g.add_argument(
        "--scale-peers", default="", help="'ctgan' adds CTGAN's child (~1 h at 300k rows)"
    )
    g = ap.add_argument_group("quality (time to quality on Adult)")
    g.add_argument("--target-quality", type=float, default=0.870)
    g.add_argument("--target-auc", type=float, default=0.889)
    g.add_argument("--budget", type=float, default=0.10, help="× CTGAN's 300-epoch time")
    g.add_argument(
        "--max-fraction",
        type=float,
        default=0.30,
        help="stop training at this × CTGAN's time if the targets are not met",
    )
    g.add_argument("--eval-every", type=int, default=2, help="score every k epochs")
    g.add_argument(
        "--quality-epochs",
        type=int,
        default=None,
        help="fairsynth epochs (default: --params or the model's default)",
    )
    g.add_argument("--ctgan-epochs", type=int, default=5, help="epochs timed to extrapolate")
    g.add_argument("--ctgan-full", action="store_true", help="run CTGAN's 300 epochs, score them")
    ap.add_argument("--out", default=None, help="default: benchmarks/results/speed[_quick].json")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    if "--quick" in (sys.argv[1:] if argv is None else argv):
        ap.set_defaults(**QUICK)  # flags given explicitly still win
    args = ap.parse_args(argv)
    args.gpu_batches = [int(b) for b in str(args.gpu_batches).split(",")]
    args.sections = [s for s in args.sections.split(",") if s]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown sections {sorted(unknown)}; choose from {', '.join(SECTIONS)}")
    if args.device.startswith("cuda") and not cuda_ok():
        ap.error("--device cuda but CUDA is not available")
    return args


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:  # torch's pool, and BLAS/OpenMP ones (scikit-learn, rdt); children too
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(args.threads)
        threadpool_limits(args.threads)
        os.environ["OMP_NUM_THREADS"] = os.environ["MKL_NUM_THREADS"] = str(args.threads)
    if args.child:
        print(json.dumps(scale_child(json.loads(args.child))))
        return
    out = (
        Path(args.out)
        if args.out
        else RESULTS / ("speed_quick.json" if args.quick else "speed.json")
    )
    results = json.loads(out.read_text()) if out.exists() else {}
    env = environment(args)
    print(f"environment: {json.dumps(env)}")
    warm_up(args.device)
    done: dict[str, Any] = {}
    for section in args.sections:
        print(f"\n## {section}", flush=True)
        started = time.perf_counter()
        if section == "gpu":
            done[section] = section_gpu(args, done)
        else:
            done[section] = globals()[f"section_{section}"](args)
        done[section]["environment"] = env
        done[section]["section_wall_s"] = time.perf_counter() - started
        print(f"({section}: {done[section]['section_wall_s']:.0f} s)", flush=True)
        results[section] = done[section]
        out.parent.mkdir(parents=True, exist_ok=True)
        # anything else JSON cannot hold (a dtype, a path) is written as its str()
        out.write_text(json.dumps(to_jsonable(results), indent=1, default=str))
    print(f"\nwrote {out}")


if __name__ == "__main__":
    main()
