"""Early stopping on the joint law: the toys (docs/benchmarks.md, "Early-stopping signal").

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/early_stopping_joint.py \
        [--toys ring8 grid25] [--seeds 0 1 2] [--epochs N] [--policies energy quality off]

Default PTGAN (what `fairsynth fit ring.csv` builds: without --epochs, the automatic
budget, fairsynth.params.budget_epochs) on 2,500 rows of each toy (data seed 0), fit seeds
as given, with three early-stopping policies:

* energy: the current default (energy distance of associated column pairs, no stop
  before 2,000 generator steps);
* quality: the rule before it (sdmetrics-like held-out quality, patience 20, no step floor);
* off: `early_stopping=False` (every row trains for all epochs).

Each fitted model samples 2,500 rows (seed = the fit seed), scored with
`evaluate.mode_coverage`; so does the generator of the last epoch when early stopping kept
an earlier one (`last_*` columns: is the kept snapshot worse than the last?). Rows go to
benchmarks/results/early_stopping_joint.csv (a row of the same toy, seed, epochs and policy
is replaced; epochs "auto" for the default budget).
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
    p.add_argument("--epochs", type=int, default=None, help="default: the automatic budget")
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
                last: dict = {}

                def keep_last(epoch, logs, last=last):  # the (averaged) weights of each epoch
                    state = last["model"].generator_.state_dict()
                    last["state"] = {k: v.clone() for k, v in state.items()}

                model = PTGAN(
                    epochs=args.epochs,
                    random_state=seed,
                    early_stopping=bool(stopper),
                    callbacks=[keep_last],
                )
                last["model"] = model
                t = time.perf_counter()
                model.fit(data)
                seconds = time.perf_counter() - t
                base.EarlyStopping = EarlyStopping
                summary = model.training_summary_
                cov = mode_coverage(model.sample(2500, random_state=seed), name)
                es = summary.get("early_stopping", {})
                if es.get("best_epoch", summary["epochs_run"]) != summary["epochs_run"]:
                    kept = {k: v.clone() for k, v in model.generator_.state_dict().items()}
                    model.generator_.load_state_dict(last["state"])
                    at_last = mode_coverage(model.sample(2500, random_state=seed), name)
                    model.generator_.load_state_dict(kept)
                else:
                    at_last = cov
                rows.append(
                    {
                        "toy": name,
                        "seed": seed,
                        "epochs": "auto" if args.epochs is None else args.epochs,
                        "policy": policy,
                        "epochs_run": summary["epochs_run"],
                        "steps": summary["epochs_run"] * summary["steps_per_epoch"],
                        "best_epoch": es.get("best_epoch"),
                        "modes_covered": cov["modes_covered"],
                        "n_modes": cov["n_modes"],
                        "high_quality_share": round(cov["high_quality_share"], 4),
                        "last_modes_covered": at_last["modes_covered"],
                        "last_high_quality_share": round(at_last["high_quality_share"], 4),
                        "fit_s": round(seconds, 1),
                    }
                )
                print(rows[-1], flush=True)
    upsert_csv(pd.DataFrame(rows), args.out, ["toy", "seed", "epochs", "policy"])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
