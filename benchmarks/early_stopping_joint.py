"""Early stopping on the joint law: the toys (docs/benchmarks.md, "Early-stopping signal").

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/early_stopping_joint.py \
        [--toys ring8 grid25] [--seeds 0 1 2] [--epochs 150] [--policies energy quality off]

Default PTGAN (what `fairsynth fit ring.csv` builds) on 2,500 rows of each toy (data seed
0), fit seeds as given, with three early-stopping policies:

* energy: the current default (energy distance of associated column pairs, no stop
  before 2,000 generator steps);
* quality: the rule before it (sdmetrics-like held-out quality, patience 20, no step floor);
* off: `early_stopping=False` (every row trains for all epochs).

Each fitted model samples 2,500 rows (seed = the fit seed), scored with
`evaluate.mode_coverage`. Rows go to benchmarks/results/early_stopping_joint.csv (a row of
the same toy, seed, epochs and policy is replaced).
"""

from __future__ import annotations

import argparse
import time
from functools import partial
from pathlib import Path

import pandas as pd
from _results import upsert_csv

from fairsynth import PTGAN
from fairsynth.evaluate.modes import mode_coverage
from fairsynth.models import base
from fairsynth.toy import toy
from fairsynth.train.early_stopping import EarlyStopping

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "early_stopping_joint.csv"
POLICIES = {
    "energy": EarlyStopping,
    "quality": partial(EarlyStopping, signal="quality", min_steps=0),
    "off": None,
}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--toys", nargs="+", default=["ring8", "grid25"])
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    p.add_argument("--epochs", type=int, default=150)
    p.add_argument("--policies", nargs="+", default=list(POLICIES), choices=list(POLICIES))
    p.add_argument("--out", type=Path, default=OUT)
    args = p.parse_args()
    rows = []
    for name in args.toys:
        data = toy(name, 2500, random_state=0)
        for seed in args.seeds:
            for policy in args.policies:
                stopper = POLICIES[policy]
                if stopper is not None:
                    base.EarlyStopping = stopper
                model = PTGAN(epochs=args.epochs, random_state=seed, early_stopping=bool(stopper))
                t = time.perf_counter()
                model.fit(data)
                seconds = time.perf_counter() - t
                base.EarlyStopping = EarlyStopping
                cov = mode_coverage(model.sample(2500, random_state=seed), name)
                es = model.training_summary_.get("early_stopping", {})
                rows.append(
                    {
                        "toy": name,
                        "seed": seed,
                        "epochs": args.epochs,
                        "policy": policy,
                        "epochs_run": model.training_summary_["epochs_run"],
                        "best_epoch": es.get("best_epoch"),
                        "modes_covered": cov["modes_covered"],
                        "n_modes": cov["n_modes"],
                        "high_quality_share": round(cov["high_quality_share"], 4),
                        "fit_s": round(seconds, 1),
                    }
                )
                print(rows[-1], flush=True)
    upsert_csv(pd.DataFrame(rows), args.out, ["toy", "seed", "epochs", "policy"])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
