"""The label constraints of fairsynth.fairness compared on Adult's front and on fit cost.

    python benchmarks/label_constraints.py cost                 # 20k × 50 table, fit seconds
    python benchmarks/label_constraints.py front MODEL.fsz ...  # reuse fitted FairPTGANs

`front` takes FairPTGAN model files fitted on Adult (sensitive sex, target income, e.g. by
`fairsynth fit adult.csv --sensitive sex --alpha 0.5 --seed S`): the GAN is reused and only
the label constraint is refitted on the real training rows (a constraint acts at sampling
time), so every candidate is compared on the same generator. For each candidate and α it
samples 32,561 rows (seed = the fit's seed) and scores LR and GBM on adult_test.csv (the
protocol of shared/docs/baselines.md, sex a feature) and LR without sex as a feature.
Writes benchmarks/results/label_constraints_{cost,front}.csv.

The cost table is benchmarks/speed.py's `wide_table` at 20,000 rows (20 numeric, 23
categorical with 3–50 categories, 5 with 1,000 categories, sex and a binary target: 50
columns, ~5,600 encoded columns), whose FairPTGAN setup (the teacher) took 191 s.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import pandas as pd
import torch

from fairsynth import datasets, load
from fairsynth.data import TableTransformer, detect_schema
from fairsynth.evaluate import evaluate_table
from fairsynth.fairness import LabelColumns, resolve

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
CANDIDATES = {
    "teacher": lambda: resolve("teacher"),  # the default: free label model an MLP
    "teacher-logistic": lambda: resolve("teacher", free="logistic"),
    "quantile-logistic": lambda: resolve("quantile", classifier="logistic"),
    "quantile-mlp": lambda: resolve("quantile", classifier="mlp"),
    "quantile-logistic-tempered": lambda: resolve("quantile", classifier="logistic", temper=True),
}


def cost_table(n: int = 20_000, seed: int = 0) -> pd.DataFrame:
    """speed.py's wide table (the one whose FairPTGAN setup took 191 s), at n rows."""
    from speed import wide_table

    return wide_table(n, seed)


def fit_constraint(name: str, transformer, table, target, sensitive, seed):
    """The candidate fitted on the real rows' encoding; (constraint, seconds)."""
    enc = torch.as_tensor(transformer.transform(table))
    (t,) = [s for s in transformer.spans_of(target) if s.kind == "onehot"]
    (g,) = [s for s in transformer.spans_of(sensitive) if s.kind == "onehot"]
    constraint = CANDIDATES[name]()
    constraint.bind(LabelColumns.of(transformer, (t.start, t.stop), ((g.start, g.stop),), "cpu"))
    y = enc[:, t.start : t.stop].argmax(1).numpy()
    groups = enc[:, g.start : g.stop].argmax(1).numpy()
    started = time.perf_counter()
    constraint.fit(enc, y, groups, seed)
    return constraint, time.perf_counter() - started


def cost(args) -> None:
    table = cost_table()
    schema = detect_schema(table)
    transformer = TableTransformer(random_state=0).fit(table, schema)
    rows = []
    for name in args.candidates.split(","):
        for seed in range(args.seeds):
            _, seconds = fit_constraint(name, transformer, table, "target", "sex", seed)
            rows.append({"constraint": name, "seed": seed, "seconds": round(seconds, 1)})
            print(rows[-1], flush=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(rows).to_csv(RESULTS / "label_constraints_cost.csv", index=False)


def front(args) -> None:
    train, test = datasets.load("adult"), datasets.load("adult_test")
    alphas = [float(a) for a in args.alphas.split(",")]
    rows = []
    for path in args.models:
        model = load(path)
        seed = int(model.training_summary_["seed"])
        if args.raw_labels:  # label the generated pairs as generated (before canonical rows)
            model.layout_.canonical = lambda rows: rows
        for name in args.candidates.split(","):
            m = copy.copy(model)
            if name != "teacher" or not args.reuse_teacher:
                m.fairness_, seconds = fit_constraint(
                    name, m.transformer_, train, "income", "sex", seed
                )
            else:
                seconds = float("nan")
            for alpha in alphas:
                synth = m.sample(len(train), alpha=alpha, random_state=seed)
                for unaware, classifiers in ((False, ("lr", "gbm")), (True, ("lr",))):
                    scored = evaluate_table(
                        synth, test, "income", "sex", classifiers, unaware, random_state=seed
                    )
                    for _, r in scored.iterrows():
                        rows.append(
                            {
                                "model": str(path),
                                "seed": seed,
                                "constraint": name,
                                "fit_s": round(seconds, 1),
                                "alpha": alpha,
                                "classifier": r["classifier"] + (" unaware" if unaware else ""),
                                "auc": round(r["auc"], 4),
                                "sp": round(r["sp"], 4),
                                "eo": round(r["eo"], 4),
                                "data_sp": round(r["data_sp"], 4),
                            }
                        )
                        print(rows[-1], flush=True)
            RESULTS.mkdir(parents=True, exist_ok=True)
            pd.DataFrame(rows).to_csv(
                RESULTS / f"label_constraints_front{args.tag}.csv", index=False
            )
    out = pd.DataFrame(rows)
    table = out.pivot_table(
        index=["constraint", "alpha", "classifier"], columns="seed", values=["auc", "sp"]
    )
    print(table.round(3).to_string())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    sub = ap.add_subparsers(dest="command", required=True)
    c = sub.add_parser("cost")
    c.add_argument("--candidates", default=",".join(CANDIDATES))
    c.add_argument("--seeds", type=int, default=1)
    f = sub.add_parser("front")
    f.add_argument("models", nargs="+")
    f.add_argument("--candidates", default=",".join(CANDIDATES))
    f.add_argument("--alphas", default="1.0,0.7,0.6,0.5")
    f.add_argument("--reuse-teacher", action="store_true", help="keep the file's own teacher")
    f.add_argument(
        "--raw-labels",
        action="store_true",
        help="label models read the generated rows as generated, not re-encoded canonically",
    )
    f.add_argument("--tag", default="")
    args = ap.parse_args()
    cost(args) if args.command == "cost" else front(args)


if __name__ == "__main__":
    main()
