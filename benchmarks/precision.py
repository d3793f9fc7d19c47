"""Seconds per epoch of the default Adult fit in float32 and in bfloat16, alternated, in one
script (figures in docs/benchmarks.md, "Fourteenth session").

    python benchmarks/precision.py                 # 3 fits of 6 epochs per precision, ~6 min
    python benchmarks/precision.py --repeats 2 --epochs 4

Each fit is FairPTGAN(sensitive="sex", target="income", random_state=0) on adult.csv with
early stopping off and --epochs epochs, in its own process with FAIRSYNTH_PRECISION set;
the per-epoch time is the median of the epochs after the first (history_["seconds"]), and
the whole fit's wall time is printed beside it. The fits alternate (float32, bfloat16,
float32, ...) so that a change in the machine's speed hits both. On a CPU without bfloat16
instructions the bfloat16 fits are emulated and slower: fairsynth then trains in float32
by default (train/precision.py). Run it on an idle machine, without OMP_NUM_THREADS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys

import numpy as np

PRECISIONS = ("float32", "bfloat16")


def one_fit(epochs: int) -> dict:
    import time
    import warnings

    from fairsynth import FairPTGAN, datasets

    warnings.simplefilter("ignore")
    df = datasets.load("adult")
    t = time.perf_counter()
    model = FairPTGAN(
        sensitive="sex", target="income", epochs=epochs, early_stopping=False, random_state=0
    ).fit(df)
    seconds = np.diff(model.history_["seconds"].to_numpy())
    return {
        "precision": model.training_summary_["precision"],
        "fit_s": round(time.perf_counter() - t, 2),
        "epoch_s": round(float(np.median(seconds[1:])), 3),
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--epochs", type=int, default=6)
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # a child process
    args = p.parse_args()
    if args.one:
        print(json.dumps(one_fit(args.epochs)))
        return
    runs = []
    for _ in range(args.repeats):
        for precision in PRECISIONS:
            env = {**os.environ, "FAIRSYNTH_PRECISION": precision}
            cmd = [sys.executable, __file__, "--one", "--epochs", str(args.epochs)]
            out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
            runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(runs[-1], flush=True)
    medians = {}
    for precision in PRECISIONS:
        mine = [r for r in runs if r["precision"] == precision]
        medians[precision] = {
            k: float(np.median([r[k] for r in mine])) for k in ("epoch_s", "fit_s")
        }
        print(f"{precision}: median {medians[precision]}")
    ratio = medians["float32"]["epoch_s"] / medians["bfloat16"]["epoch_s"]
    print(f"float32 / bfloat16 seconds per epoch: {ratio:.2f}")


if __name__ == "__main__":
    main()
