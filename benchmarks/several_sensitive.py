"""FairPTGAN with one or several sensitive columns on Adult: the front of LR by sex and race.

    OMP_NUM_THREADS=1 python benchmarks/several_sensitive.py race
    OMP_NUM_THREADS=1 python benchmarks/several_sensitive.py sex,race
    python benchmarks/several_sensitive.py sex,race --model /tmp/m.fsz --alphas 0.65
        # score a saved fit (here at one more α)

Each run fits ONE default FairPTGAN (target income, random_state 0) on the bundled Adult
training table (32,561 rows) with the given sensitive column(s), saves it (--models, by
default /tmp), and for α in 1, 0.8, 0.7, 0.6, 0.5 samples 32,561 rows (seed 0) and scores
logistic regression trained on them on adult_test (fairsynth.evaluate.evaluate_table, every
column a feature): AUC, the demographic-parity difference of the test predictions by sex,
by race restricted to the White and Black test rows, and by race over all five groups.
The LR is the same for the three parities (it is trained on the same rows with the same
seed, and a test row's prediction does not depend on the other test rows).

The issue's gates (issue 14 item 3): sensitive race, some α with SP(White vs Black) ≤ 0.04
at AUC ≥ 0.89; sensitive sex,race, some α with SP ≤ 0.05 by sex and by White vs Black at
AUC ≥ 0.87. Writes benchmarks/results/several_sensitive.csv (one row per sensitive, α).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd
from _results import upsert_csv

from fairsynth import FairPTGAN, datasets, load
from fairsynth.evaluate import evaluate_table

RESULTS = Path(__file__).resolve().parent / "results" / "several_sensitive.csv"
ALPHAS = (1.0, 0.8, 0.7, 0.6, 0.5)
ROWS = 32_561
GATES = {"race": (0.04, 0.89), "sex,race": (0.05, 0.87)}  # (max SP, min AUC)


def fitted(sensitive: str, model_path: Path, reuse: bool):
    """The FairPTGAN of this run: fitted now (and saved), or read back from model_path."""
    if reuse:
        return load(model_path)
    columns = sensitive.split(",")
    model = FairPTGAN(
        sensitive=columns[0] if len(columns) == 1 else columns, target="income", random_state=0
    )
    model.fit(datasets.load("adult"))
    model.save(model_path)
    return model


def lr(rows: pd.DataFrame, test: pd.DataFrame, by: str) -> pd.Series:
    """evaluate_table's LR row (auc, sp by `by`, ...) on `test`."""
    return evaluate_table(rows, test, "income", by, classifiers=("lr",)).iloc[0]


def score(model, alpha: float, test: pd.DataFrame) -> dict:
    rows = model.sample(ROWS, alpha=alpha, random_state=0)
    white_black = test[test["race"].isin(["White", "Black"])]
    by_sex = lr(rows, test, "sex")
    return {
        "alpha": alpha,
        "auc": round(float(by_sex["auc"]), 4),
        "sp_sex": round(float(by_sex["sp"]), 4),
        "sp_white_black": round(float(lr(rows, white_black, "race")["sp"]), 4),
        "sp_race_all": round(float(lr(rows, test, "race")["sp"]), 4),
        "data_sp_sex": round(float(by_sex["data_sp"]), 4),
        "positive_share": round(float((rows["income"] == ">50K").mean()), 4),
    }


def meets(row: pd.Series, sensitive: str) -> bool:
    sp_max, auc_min = GATES.get(sensitive, (0.0, 1.0))
    parities = [row["sp_white_black"]] + ([row["sp_sex"]] if "sex" in sensitive else [])
    return row["auc"] >= auc_min and max(parities) <= sp_max


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sensitive", help="a column or several separated by commas")
    parser.add_argument("--model", type=Path, help="score this saved fit instead of fitting")
    parser.add_argument("--models", type=Path, default=Path("/tmp"), help="where fits are saved")
    parser.add_argument("--alphas", default=",".join(map(str, ALPHAS)), help="e.g. 1,0.7,0.5")
    args = parser.parse_args()
    path = args.model or args.models / f"several_sensitive_{args.sensitive.replace(',', '_')}.fsz"
    model = fitted(args.sensitive, path, reuse=args.model is not None)
    summary = model.training_summary_
    print(f"{model!r}\n{summary['epochs_run']} epochs in {summary['seconds']:.0f} s", flush=True)
    test = datasets.load("adult_test")
    rows = []
    for alpha in map(float, args.alphas.split(",")):
        rows.append(
            {
                "sensitive": args.sensitive,
                **score(model, alpha, test),
                "groups": summary["fairness"].get("groups"),
                "epochs_run": summary["epochs_run"],
                "fit_seconds": round(summary["seconds"]),
            }
        )
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table["meets_gate"] = table.apply(meets, axis=1, sensitive=args.sensitive)
    upsert_csv(table, RESULTS, ["sensitive", "alpha"])
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
