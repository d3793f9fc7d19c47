"""Does the cheap held-out score of early stopping track sdmetrics' QualityReport, and
what does one evaluation cost next to one training epoch?

    OMP_NUM_THREADS=1 python benchmarks/early_stopping_signal.py [--model ptgan|fairptgan]
        [--epochs 30] [--every 3] [--seed 0]

The model is fitted on Adult with early stopping on, as a user would, except that it never
stops (patience made infinite here): 10 % of the rows (3,256) are held out by the fit
itself, and EarlyStopping scores the generator after every epoch (5,000 encoded rows at
α = 1 against the encoded held-out rows, on the device). Every `every` epochs (and after
epoch 1) a callback also runs sdmetrics' QualityReport on 10,000 decoded rows
(`sample(alpha=1)`) against the whole table (the protocol of benchmarks/quality.py, with
fewer rows). A second set of tables spans a wider range of quality: 5,000 real rows,
intact or corrupted (`corrupted`), scored by both. Spearman rank correlations for the
training snapshots, the later half of them, the corrupted tables and all pooled. Costs:
the median of 10 evaluations (generation + score) after the fit, and the median epoch of
a separate 3-epoch fit without early stopping.

Writes benchmarks/results/early_stopping_signal_<model>.json and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from scipy.stats import spearmanr

from fairsynth import PTGAN, FairPTGAN, datasets
from fairsynth.evaluate import detect_metadata
from fairsynth.models import base
from fairsynth.train.early_stopping import EarlyStopping

ROOT = Path(__file__).resolve().parent.parent
GEN_ROWS = 5_000  # as EarlyStopping
SD_ROWS = 10_000


def make_model(name: str, epochs: int, seed: int, **extra):
    common = dict(target="income", epochs=epochs, random_state=seed, **extra)
    if name == "fairptgan":
        return FairPTGAN(sensitive="sex", **common)
    return PTGAN(**common)


def sd_quality(synth: pd.DataFrame, real: pd.DataFrame) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # single_table reports: deprecated
        from sdmetrics.reports.single_table import QualityReport

    report = QualityReport()
    report.generate(real, synth, detect_metadata(real), verbose=False)
    return float(report.get_score())


def corrupted(real: pd.DataFrame, seed: int) -> list[tuple[str, pd.DataFrame]]:
    """Real rows made worse in two ways: k columns shuffled independently (breaks the pair
    trends, keeps the shapes) and a share p of every column's values replaced by values
    drawn uniformly among the column's observed values (moves shapes and trends)."""
    rng = np.random.default_rng(seed)
    out = [("real", real)]
    cols = list(real.columns)
    for k in (3, 6, 9, 12, 15):
        df = real.copy()
        for c in rng.choice(cols, size=k, replace=False):
            df[c] = rng.permutation(df[c].to_numpy())
        out.append((f"shuffle{k}", df))
    for p in (0.1, 0.2, 0.4, 0.6):
        df = real.copy()
        for c in cols:
            hit = rng.random(len(df)) < p
            values = df[c].dropna().unique()
            df.loc[hit, c] = rng.choice(values, size=int(hit.sum()))
        out.append((f"uniform{p}", df))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--model", default="ptgan", choices=["ptgan", "fairptgan"])
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--every", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    adult = datasets.load("adult")

    # The fit builds its EarlyStopping from base.EarlyStopping: one that never stops, kept
    # here for the timings below.
    made = []

    def never_stopping(*a, **k):
        made.append(EarlyStopping(*a, **k, patience=10**9))
        return made[-1]

    base.EarlyStopping = never_stopping
    snapshots = []

    def probe(epoch, logs):
        if epoch != 1 and epoch % args.every:
            return False
        # EarlyStopping.evaluate ran before this callback and put its score in logs
        synth = model.sample(SD_ROWS, alpha=1.0, random_state=args.seed)
        model.generator_.train()  # sample() switched it to eval mode
        row = {
            "epoch": epoch,
            "cheap": logs["holdout_quality"],
            "cheap_shapes": logs["holdout_shapes"],
            "cheap_trends": logs["holdout_trends"],
            "sdmetrics": sd_quality(synth, adult),
        }
        snapshots.append(row)
        print(row, flush=True)
        return False

    model = make_model(args.model, args.epochs, args.seed, early_stopping=True, callbacks=[probe])
    model.fit(adult)

    # cost of one evaluation (the last weights), median of 10
    stopper = made[0]
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        stopper.evaluate(args.epochs, {})
        times.append(1000 * (time.perf_counter() - t0))
    eval_ms = statistics.median(times)
    gen = torch.Generator(device=model.device_).manual_seed(0)
    t0 = time.perf_counter()
    for _ in range(10):
        with torch.no_grad():
            model._holdout_rows(GEN_ROWS, gen)
    generate_ms = 100 * (time.perf_counter() - t0)
    # cost of one epoch: a separate fit without callbacks on the same rows
    short = make_model(args.model, 3, args.seed).fit(adult)
    epoch_s = statistics.median(np.diff(np.r_[0.0, short.history_["seconds"].to_numpy()]))

    # corrupted real tables, encoded with the fitted transformer
    real_part = adult.sample(GEN_ROWS, random_state=args.seed).reset_index(drop=True)
    tables = []
    for name, df in corrupted(real_part, args.seed):
        enc = torch.as_tensor(model.transformer_.transform(df), device=model.device_)
        gen = torch.Generator(device=model.device_).manual_seed(0)
        cheap = stopper.score(enc, gen)["overall"]
        tables.append({"table": name, "cheap": cheap, "sdmetrics": sd_quality(df, adult)})
        print(tables[-1], flush=True)

    def rho(rows):
        return round(
            float(spearmanr([r["cheap"] for r in rows], [r["sdmetrics"] for r in rows])[0]), 3
        )

    late = snapshots[len(snapshots) // 2 :]
    result = {
        "command": f"OMP_NUM_THREADS=1 python benchmarks/early_stopping_signal.py --model "
        f"{args.model} --epochs {args.epochs} --every {args.every} --seed {args.seed}",
        "torch_threads": torch.get_num_threads(),
        "device": str(model.device_),
        "holdout_rows": stopper.holdout_rows,
        "train_rows": len(adult) - stopper.holdout_rows,
        "eval_ms_median": round(eval_ms, 1),
        "generate_ms": round(generate_ms, 1),
        "epoch_s_median": round(float(epoch_s), 2),
        "eval_share_of_epoch": round(eval_ms / 1000 / float(epoch_s), 4),
        "spearman_snapshots": rho(snapshots),
        "spearman_late_snapshots": rho(late),
        "spearman_corrupted": rho(tables),
        "spearman_pooled": rho(snapshots + tables),
        "snapshots": snapshots,
        "cheap_every_epoch": [round(v, 5) for v in model.history_["holdout_quality"]],
        "corrupted": tables,
    }
    out = ROOT / "benchmarks" / "results" / f"early_stopping_signal_{args.model}.json"
    out.write_text(json.dumps(result, indent=1) + "\n")
    print({k: v for k, v in result.items() if k not in ("snapshots", "corrupted")})
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
