"""FairPTGAN with one or several sensitive columns on Adult: the front of LR by sex and race.

    OMP_NUM_THREADS=1 python benchmarks/several_sensitive.py race
    OMP_NUM_THREADS=1 python benchmarks/several_sensitive.py sex,race
    python benchmarks/several_sensitive.py sex,race --model /tmp/m.fsz --alphas 0.65
        # score a saved fit (here at one more α)
    python benchmarks/several_sensitive.py race --tempering pooled,others --seed 1
        # both sampling schemes of fairsynth.fairness.tempering on one fit
    python benchmarks/several_sensitive.py race --model /tmp/m.fsz --constraint quantile-mlp
        # the label constraint refitted on the real rows (label_constraints.py's names)

Each run fits ONE default FairPTGAN (target income, random_state --seed, 0) on the bundled Adult
training table (32,561 rows) with the given sensitive column(s), saves it (--models, by
default /tmp), and for α in 1, 0.8, 0.7, 0.6, 0.5 samples 32,561 rows (seed 0) and scores
logistic regression trained on them on adult_test (fairsynth.evaluate.evaluate_table, every
column a feature): AUC, the demographic-parity difference of the test predictions by sex,
by race restricted to the White and Black test rows, and by race over all five groups.
The LR is the same for the three parities (it is trained on the same rows with the same
seed, and a test row's prediction does not depend on the other test rows). GBM
(HistGradientBoosting) is scored by sex beside it.

The issue's gates (issue 14 item 3): sensitive race, some α with SP(White vs Black) ≤ 0.04
at AUC ≥ 0.89; sensitive sex,race, some α with SP ≤ 0.05 by sex and by White vs Black at
AUC ≥ 0.87. Writes benchmarks/results/several_sensitive.csv (one row per sensitive, α).
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

import pandas as pd
import torch
from _results import upsert_csv

from fairsynth import FairPTGAN, datasets, load
from fairsynth.evaluate import evaluate_table

RESULTS = Path(__file__).resolve().parent / "results" / "several_sensitive.csv"
ALPHAS = (1.0, 0.8, 0.7, 0.6, 0.5)
ROWS = 32_561
GATES = {"race": (0.04, 0.89), "sex,race": (0.05, 0.87)}  # (max SP, min AUC)


def fitted(sensitive: str, model_path: Path, reuse: bool, seed: int):
    """The FairPTGAN of this run: fitted now (and saved), or read back from model_path."""
    if reuse:
        return load(model_path)
    columns = sensitive.split(",")
    model = FairPTGAN(
        sensitive=columns[0] if len(columns) == 1 else columns,
        target="income",
        random_state=seed,
    )
    model.fit(datasets.load("adult"))
    model.save(model_path)
    return model


def refit_constraint(model, name: str, train: pd.DataFrame, seed: int) -> None:
    """Swap the fit's label constraint for label_constraints.py's candidate `name`, fitted
    on the real rows as FairPTGAN fits its own (a constraint acts at sampling time)."""
    from label_constraints import CANDIDATES

    encoded = torch.as_tensor(model.transformer_.transform(train))
    columns = model._label_columns()
    y = encoded[:, columns.target[0] : columns.target[1]].argmax(1).numpy()
    constraint = CANDIDATES[name]()
    constraint.bind(columns)
    constraint.fit(encoded, y, model._group_codes(encoded).numpy(), seed)
    model.fairness_ = constraint


def lr(rows: pd.DataFrame, test: pd.DataFrame, by: str) -> pd.Series:
    """evaluate_table's LR row (auc, sp by `by`, ...) on `test`."""
    return evaluate_table(rows, test, "income", by, classifiers=("lr",)).iloc[0]


def score(model, alpha: float, test: pd.DataFrame) -> dict:
    rows = model.sample(ROWS, alpha=alpha, random_state=0)
    white_black = test[test["race"].isin(["White", "Black"])]
    by_sex = lr(rows, test, "sex")
    gbm = evaluate_table(rows, test, "income", "sex", classifiers=("gbm",)).iloc[0]
    return {
        "alpha": alpha,
        "gbm_auc": round(float(gbm["auc"]), 4),
        "gbm_sp_sex": round(float(gbm["sp"]), 4),
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
    parser.add_argument("--seed", type=int, default=0, help="the fit's random_state")
    parser.add_argument(
        "--constraint", default="", help="refit the label constraint, e.g. quantile-mlp"
    )
    parser.add_argument(
        "--tempering", default="pooled", help="sampling schemes (fairness.tempering): pooled,others"
    )
    args = parser.parse_args()
    name = f"several_sensitive_{args.sensitive.replace(',', '_')}_{args.seed}.fsz"
    path = args.model or args.models / name
    model = fitted(args.sensitive, path, reuse=args.model is not None, seed=args.seed)
    summary = model.training_summary_
    print(f"{model!r}\n{summary['epochs_run']} epochs in {summary['seconds']:.0f} s", flush=True)
    constraint = args.constraint or "own"
    if args.constraint:
        refit_constraint(model, args.constraint, datasets.load("adult"), args.seed)
    test = datasets.load("adult_test")
    rows = []
    for scheme, alpha in itertools.product(
        args.tempering.split(","), map(float, args.alphas.split(","))
    ):
        model.layout_.tempering = scheme
        rows.append(
            {
                "sensitive": args.sensitive,
                "seed": args.seed,
                "tempering": scheme,
                "constraint": constraint,
                **score(model, alpha, test),
                "groups": summary["fairness"].get("groups"),
                "epochs_run": summary["epochs_run"],
                "fit_seconds": round(summary["seconds"]),
            }
        )
        print(rows[-1], flush=True)
    table = pd.DataFrame(rows)
    table["meets_gate"] = table.apply(meets, axis=1, sensitive=args.sensitive)
    upsert_csv(table, RESULTS, ["sensitive", "seed", "tempering", "constraint", "alpha"])
    print(table.to_string(index=False))


if __name__ == "__main__":
    main()
