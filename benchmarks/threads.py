"""Seconds per epoch of the default Adult fit by thread count, with and without a competing
CPU-bound process, in one script (issue 15; figures in docs/user-guide.md, "Threads").

    python benchmarks/threads.py                # 3 epochs per condition, ~5 min on 2 cores
    python benchmarks/threads.py --epochs 2 --conditions idle-1,busy-default

Conditions (each a fit of FairPTGAN(sensitive="sex", target="income", random_state=0),
early stopping on as by default, shortened to --epochs; the per-epoch time is the median
of the epochs after the first, from history_["seconds"]):

* idle-N — N torch threads (FAIRSYNTH_THREADS=N), no competing process started here;
* busy-N — the same while one `while True: pass` process runs;
* busy-default — fairsynth's own choice (threads.py) with that process running.

The ratio the issue asks for is busy-default / idle-1 (target <= 1.5). The load average
is printed before and after: on a shared machine "idle" means "no competitor of ours".
Run it without OMP_NUM_THREADS / MKL_NUM_THREADS set (they would override the choice).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import warnings

import numpy as np


def per_epoch(epochs: int, threads: str | None) -> tuple[float, int]:
    import torch

    from fairsynth import FairPTGAN, datasets

    if threads is None:
        os.environ.pop("FAIRSYNTH_THREADS", None)
        torch.set_num_threads(os.cpu_count() or 1)  # torch's own default, as after import
    else:
        os.environ["FAIRSYNTH_THREADS"] = threads
    df = datasets.load("adult")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        m = FairPTGAN(sensitive="sex", target="income", random_state=0, epochs=epochs).fit(df)
    s = m.history_["seconds"].to_numpy()
    return float(np.median(np.diff(s))), int(m.training_summary_["threads"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--conditions", default="idle-1,idle-2,busy-default,busy-1,busy-2")
    args = ap.parse_args()
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var):
            sys.exit(f"unset {var}: it overrides the thread choice being measured")
    out = {"cpus": os.cpu_count(), "load_before": os.getloadavg(), "conditions": {}}
    for cond in args.conditions.split(","):
        kind, _, n = cond.partition("-")
        hog = None
        if kind == "busy":
            hog = subprocess.Popen([sys.executable, "-c", "while True: pass"])
        try:
            sec, used = per_epoch(args.epochs, None if n == "default" else n)
        finally:
            if hog is not None:
                hog.kill()
                hog.wait()
        out["conditions"][cond] = {"seconds_per_epoch": round(sec, 3), "threads": used}
        print(cond, out["conditions"][cond], flush=True)
    c = out["conditions"]
    if "idle-1" in c:
        base = c["idle-1"]["seconds_per_epoch"]
        out["ratio_to_idle_1"] = {k: round(v["seconds_per_epoch"] / base, 2) for k, v in c.items()}
    out["load_after"] = os.getloadavg()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
