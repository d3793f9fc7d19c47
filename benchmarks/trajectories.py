"""Quality and utility along a training run, for comparing training settings on Adult.

    python benchmarks/trajectories.py NAME '{"ema_decay": 0.999}' [--model ptgan|fairptgan]
        [--epochs 60] [--every 10]

Every `--every` epochs the callback samples 32,561 rows at α = 1 and scores them on the
protocol of benchmarks/quality.py (sdmetrics QualityReport against the training table; LR
trained on the rows, tested on adult_test.csv; AUC with decode="sample" and "argmax"; the
synthetic income gap between sexes; for FairPTGAN also the gap at α = 1/2). Scoring time
is taken off the training clock. Early stopping is off so the run lasts `--epochs`.
Appends to benchmarks/results/trajectories.jsonl.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from fairsynth import PTGAN, FairPTGAN, datasets
from fairsynth.evaluate import data_parity, evaluate_table, fidelity

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("name")
    ap.add_argument("params", help="JSON keyword arguments of the model")
    ap.add_argument("--model", choices=("ptgan", "fairptgan"), default="ptgan")
    ap.add_argument("--epochs", type=int, default=60)
    ap.add_argument("--every", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    train, test = datasets.load("adult"), datasets.load("adult_test")
    out = ROOT / "benchmarks" / "results" / "trajectories.jsonl"
    scoring = {"seconds": 0.0}

    def score(epoch: int, logs: dict) -> None:
        if epoch % args.every:
            return
        started = time.perf_counter()
        synth = model.sample(len(train), alpha=1.0, random_state=args.seed)
        hard = model.sample(len(train), alpha=1.0, random_state=args.seed, decode="argmax")
        quality = fidelity(synth, train, joint=False)["quality"]
        lr = evaluate_table(synth, test, "income", "sex", classifiers=["lr"], random_state=0)
        lr_hard = evaluate_table(hard, test, "income", "sex", classifiers=["lr"], random_state=0)
        row = {
            "name": args.name,
            "model": args.model,
            "params": params,
            "epoch": epoch,
            "train_s": round(time.perf_counter() - fit_started - scoring["seconds"], 1),
            "quality": round(quality["overall"], 4),
            "shapes": round(quality["column_shapes"], 4),
            "trends": round(quality["column_pair_trends"], 4),
            "lr_auc": round(float(lr["auc"].iloc[0]), 4),
            "lr_auc_argmax": round(float(lr_hard["auc"].iloc[0]), 4),
            "gap_alpha1": round(data_parity(synth, "income", "sex", ">50K"), 4),
        }
        if args.model == "fairptgan":
            fair = model.sample(len(train), alpha=0.5, random_state=args.seed)
            row["gap_alpha05"] = round(data_parity(fair, "income", "sex", ">50K"), 4)
        model.generator_.train()  # sample() leaves the generator in eval mode
        with out.open("a") as f:
            f.write(json.dumps(row) + "\n")
        print(row, flush=True)
        scoring["seconds"] += time.perf_counter() - started

    params = json.loads(args.params)
    common = dict(
        target="income",
        epochs=args.epochs,
        early_stopping=False,
        random_state=args.seed,
        callbacks=[score],
        **params,
    )
    model = FairPTGAN(sensitive="sex", **common) if args.model == "fairptgan" else PTGAN(**common)
    fit_started = time.perf_counter()
    model.fit(train)


if __name__ == "__main__":
    main()
