"""The whole default Adult fit on an idle machine and while one CPU-bound process runs
(issue 15: busy / idle ≤ 1.5). Run without OMP_NUM_THREADS / MKL_NUM_THREADS set.

    python benchmarks/threads_whole_fit.py      # two default fits, ~10 min on 2 cores
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import warnings


def main() -> None:
    from fairsynth import FairPTGAN, datasets

    warnings.filterwarnings("ignore")
    df = datasets.load("adult")
    out = {}
    for condition in ("idle", "busy"):
        busy = condition == "busy"
        rival = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if busy else None
        try:
            start = time.perf_counter()
            model = FairPTGAN(sensitive="sex", target="income", random_state=0).fit(df)
            seconds = time.perf_counter() - start
        finally:
            if rival is not None:
                rival.kill()
        s = model.training_summary_
        out[condition] = {"seconds": round(seconds, 1), "epochs": s["epochs_run"],
                          "threads": s["threads"]}  # fmt: skip
        print(condition, out[condition], flush=True)
    out["ratio"] = round(out["busy"]["seconds"] / out["idle"]["seconds"], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
