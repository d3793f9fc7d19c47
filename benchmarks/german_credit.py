"""German credit with the default PTGAN and FairPTGAN (sensitive sex), α = 1, 3 seeds.

    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/german_credit.py --tag new
    # an earlier code state, for a before/after:
    git worktree add --detach /tmp/old 4454105
    (cd /tmp/old && OMP_NUM_THREADS=1 PYTHONPATH=/tmp/old python \\
        /path/to/benchmarks/german_credit.py --tag old)

The 1,000 rows are shuffled (seed 0) and split 700 / 300: the models are fitted on the 700
(below early stopping's 1,000-row floor, so the whole budget runs), sample 700 rows, and
are scored with the fidelity yardstick against the 700 (detection AUC, the worst excess
break share of the table's dependencies, sdmetrics quality) and with LR / GBM trained on
the rows and tested on the 300 (target credit_risk). Rows are appended to
benchmarks/results/german_credit.csv.
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import pandas as pd

from fairsynth import PTGAN, FairPTGAN, datasets
from fairsynth.evaluate import dependencies, detection, evaluate_table, fidelity

OUT = Path(__file__).resolve().parent / "results" / "german_credit.csv"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--tag", default="current")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    table = datasets.load("german_credit").sample(frac=1.0, random_state=0)
    table = table.reset_index(drop=True)
    train, test = table.iloc[:700].reset_index(drop=True), table.iloc[700:].reset_index(drop=True)
    rows = []
    for seed in args.seeds:
        for name in ("PTGAN", "FairPTGAN"):
            if name == "PTGAN":
                model, kw = PTGAN(target="credit_risk", random_state=seed), {}
            else:
                model = FairPTGAN(sensitive="sex", target="credit_risk", random_state=seed)
                kw = {"alpha": 1.0}
            started = time.perf_counter()
            model.fit(train)
            seconds = time.perf_counter() - started
            synth = model.sample(len(train), random_state=seed, **kw)
            deps = dependencies(synth, train)["dependencies"]
            quality = fidelity(synth, train, joint=False)["quality"]
            row = {
                "code": args.tag,
                "model": name,
                "seed": seed,
                "fit_s": round(seconds, 1),
                "epochs": int(model.history_["epoch"].max()),
                "detection_auc": round(detection(synth, train, random_state=0)["auc"], 3),
                "worst_dependency_excess": round(
                    max((d["break_share"] - d["real_break_share"] for d in deps), default=0.0), 4
                ),
                "quality": round(quality["overall"], 3),
                "shapes": round(quality["column_shapes"], 3),
                "trends": round(quality["column_pair_trends"], 3),
            }
            scored = evaluate_table(
                synth, test, "credit_risk", "sex", ("lr", "gbm"), random_state=0
            )
            for _, r in scored.iterrows():
                row[f"{r['classifier']}_auc"] = round(r["auc"], 3)
            rows.append(row)
            print(row, flush=True)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    old = pd.read_csv(OUT) if OUT.exists() else pd.DataFrame()
    pd.concat([old, pd.DataFrame(rows)], ignore_index=True).to_csv(OUT, index=False)


if __name__ == "__main__":
    main()
