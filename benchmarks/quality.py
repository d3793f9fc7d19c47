"""Default PTGAN and FairPTGAN on Adult: fidelity, utility and the synthetic income gap.

    python benchmarks/quality.py [--seeds 0,1,2] [--epochs N]

Protocol of shared/docs/baselines.md: fit on adult.csv, sample 32,561 rows at α = 1,
sdmetrics QualityReport against the training table, logistic regression trained on the
synthetic rows and tested on adult_test.csv. For FairPTGAN also the gap in the positive
income rate between sexes in the synthetic table at α = 1 and α = 0.5 (real: 0.196).
Writes benchmarks/results/quality.csv.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from fairsynth import PTGAN, FairPTGAN, datasets
from fairsynth.evaluate import data_parity, evaluate_table, fidelity

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--epochs", type=int, default=None, help="default: the model's default")
    args = ap.parse_args()
    train, test = datasets.load("adult"), datasets.load("adult_test")
    extra = {"epochs": args.epochs} if args.epochs else {}
    rows = []
    for seed in map(int, args.seeds.split(",")):
        for name, model in (
            ("PTGAN", PTGAN(target="income", random_state=seed, **extra)),
            ("FairPTGAN", FairPTGAN(sensitive="sex", target="income", random_state=seed, **extra)),
        ):
            started = time.perf_counter()
            model.fit(train)
            fit_s = time.perf_counter() - started
            synth = model.sample(len(train), alpha=1.0, random_state=seed)
            quality = fidelity(synth, train, joint=False)["quality"]
            lr = evaluate_table(synth, test, "income", "sex", classifiers=["lr"], random_state=seed)
            row = {
                "model": name,
                "seed": seed,
                "fit_s": round(fit_s, 1),
                "epochs": model.training_summary_["epochs_run"],
                "quality": quality["overall"],
                "shapes": quality["column_shapes"],
                "trends": quality["column_pair_trends"],
                "lr_auc": lr["auc"].iloc[0],
                "lr_sp": lr["sp"].iloc[0],
                "gap_alpha1": data_parity(synth, "income", "sex", ">50K"),
            }
            if name == "FairPTGAN":
                fair = model.sample(len(train), alpha=0.5, random_state=seed)
                row["gap_alpha05"] = data_parity(fair, "income", "sex", ">50K")
            rows.append(row)
            print(
                {k: round(v, 3) if isinstance(v, float) else v for k, v in row.items()}, flush=True
            )
    table = pd.DataFrame(rows)
    out = ROOT / "benchmarks" / "results" / "quality.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    table.to_csv(out, index=False)
    print(table.groupby("model").median(numeric_only=True).round(3).to_string())
    print(
        f"real-data gap in the positive rate between sexes: "
        f"{data_parity(train, 'income', 'sex', '>50K'):.3f}"
    )


if __name__ == "__main__":
    main()
