"""The design card's two commands, exactly, then the downstream yardstick on their rows.

    python benchmarks/design_card.py --seeds 0,1,2 --workdir /tmp/card

For each seed, in WORKDIR/sS/ (a copy of the bundled Adult training table as adult.csv):
`fairsynth fit adult.csv --sensitive sex --alpha 0.5 && fairsynth sample -n 10000` (seed 0
is the command as written; the others add `--seed S` to both), then LR and GBM trained on
the 10,000 rows of synthetic.csv, tested on adult_test.csv (protocol of
shared/docs/baselines.md; also without sex as a feature). A seed whose synthetic.csv
already exists is only scored. Rows go to benchmarks/results/design_card.csv (those of
the same seed are replaced).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pandas as pd
from _results import upsert_csv

from fairsynth import datasets
from fairsynth.evaluate import evaluate_table

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--workdir", default="/tmp/design_card")
    args = ap.parse_args()
    test = datasets.load("adult_test")
    rows = []
    for seed in map(int, args.seeds.split(",")):
        d = Path(args.workdir) / f"s{seed}"
        d.mkdir(parents=True, exist_ok=True)
        if not (d / "synthetic.csv").exists():
            datasets.load("adult").to_csv(d / "adult.csv", index=False)
            extra = [] if seed == 0 else ["--seed", str(seed)]
            fs = [sys.executable, "-m", "fairsynth"]
            fit = [*fs, "fit", "adult.csv", "--sensitive", "sex", "--alpha", "0.5", *extra]
            subprocess.run(fit, cwd=d, check=True)
            subprocess.run([*fs, "sample", "-n", "10000", *extra], cwd=d, check=True)
        synth = pd.read_csv(d / "synthetic.csv")
        for unaware in (False, True):
            scored = evaluate_table(synth, test, "income", "sex", ("lr", "gbm"), unaware)
            for _, r in scored.iterrows():
                rows.append(
                    {
                        "seed": seed,
                        "classifier": r["classifier"] + (" unaware" if unaware else ""),
                        **{k: round(float(r[k]), 4) for k in ("auc", "sp", "eo", "data_sp")},
                    }
                )
                print(rows[-1], flush=True)
    out = ROOT / "benchmarks" / "results" / "design_card.csv"
    upsert_csv(pd.DataFrame(rows), out, ["seed", "classifier"])


if __name__ == "__main__":
    main()
