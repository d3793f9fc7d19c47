"""The AUC-vs-SP front of FairPTGAN on Adult (sensitive sex), before and after its fairness
constraint, with the train-on-real point and optional peers, on the evaluation protocol of
shared/docs/baselines.md (LR/GBM trained on synthetic rows, tested on adult_test.csv).

    python benchmarks/fairness_front.py --seeds 0,1,2        # FairPTGAN, default settings
    python benchmarks/fairness_front.py --unaware            # sensitive column not a feature
    python benchmarks/fairness_front.py --peers ctgan,gaussiancopula,tabfairgan
    python benchmarks/fairness_front.py --set target_consistency=1 --tag tc   # a variant

Peers are optional extras (`pip install ctgan sdv tabfairgan`), never package dependencies.
Writes benchmarks/results/fairness_front[_unaware].csv (mean and spread over every sample of
every fit), ..._runs.csv (one row per fit, α, repeat) and docs/figures/fairness_front*.png.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from pathlib import Path

import pandas as pd
import torch

from fairsynth import FairPTGAN, datasets
from fairsynth.evaluate import evaluate_table, fairness_sweep, plot_auc_vs_sp
from fairsynth.evaluate.fairness import summarise
from fairsynth.fairness import NoConstraint

ROOT = Path(__file__).resolve().parent.parent


def fit_peer(name: str, train: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Synthetic rows from a peer tool, fitted with its defaults (imports are optional)."""
    if name == "ctgan":
        from ctgan import CTGAN

        cats = [c for c in train if train[c].dtype == object]
        model = CTGAN(epochs=300)
        model.set_random_state(seed)
        model.fit(train, discrete_columns=cats)
        return model.sample(len(train))
    if name == "gaussiancopula":
        from sdv.metadata import Metadata
        from sdv.single_table import GaussianCopulaSynthesizer

        metadata = Metadata.detect_from_dataframes({"adult": train})  # sdv ≥ 2.0
        model = GaussianCopulaSynthesizer(metadata)
        model.fit({"adult": train})
        rows = model.sample(len(train))
        return rows["adult"] if isinstance(rows, dict) else rows
    if name == "tabfairgan":
        from tabfairgan import TFG

        # baselines.md's setting: 200 epochs, the last 30 with the fairness loss (λ 0.5),
        # trained on the complete rows (its encoder does not take missing values).
        fairness = {
            "fair_epochs": 30,
            "lamda": 0.5,
            "S": "sex",
            "Y": "income",
            "S_under": "Female",
            "Y_desire": ">50K",
        }
        torch.manual_seed(seed)
        model = TFG(train.dropna(), epochs=200, batch_size=256, fairness_config=fairness)
        model.train()
        return model.generate_fake_df(len(train))
    raise SystemExit(f"unknown peer {name!r}")


def parse_settings(pairs: list[str]) -> dict:
    """`--set key=value` pairs as model keyword arguments (values parsed as JSON if they can be)."""
    settings = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep:
            raise SystemExit(f"--set expects key=value, got {pair!r}")
        try:
            settings[key] = json.loads(value)
        except json.JSONDecodeError:
            settings[key] = value
    return settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--alphas", default="0.5,0.6,0.7,0.8,0.9,1.0")
    ap.add_argument("--repeats", type=int, default=3, help="samples (and classifiers) per fit")
    ap.add_argument("--classifiers", default="lr")
    ap.add_argument("--seeds", default="0", help="one FairPTGAN fit per seed, e.g. 0,1,2")
    ap.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a FairPTGAN setting other than its default (repeatable)",
    )
    ap.add_argument("--unaware", action="store_true")
    ap.add_argument("--peers", default="", help="comma-separated: ctgan,gaussiancopula,tabfairgan")
    ap.add_argument("--tag", default="", help="suffix of the result files (for experiments)")
    args = ap.parse_args()

    train, test = datasets.load("adult"), datasets.load("adult_test")
    alphas = [float(a) for a in args.alphas.split(",")]
    classifiers = args.classifiers.split(",")
    settings = parse_settings(args.set)
    # One protocol per run, as the stored results are (fairness_sweep's default is both).
    protocol = ("unaware",) if args.unaware else ("aware",)
    runs, fits = [], []
    for seed in map(int, args.seeds.split(",")):
        started = time.perf_counter()
        model = FairPTGAN(
            sensitive="sex", target="income", random_state=seed, verbose=True, **settings
        ).fit(train)
        fits.append((seed, time.perf_counter() - started, model.training_summary_["epochs_run"]))
        # The constraint acts when sampling, so "before" is the same fit without its teachers
        # (tempering only, the generator's own labels).
        tempering_only = copy.copy(model)
        tempering_only.fairness_ = NoConstraint()
        for label, m in [("fair teacher", model), ("tempering only", tempering_only)]:
            _, part = fairness_sweep(
                m,
                test,
                target="income",
                sensitive="sex",
                alphas=alphas,
                classifiers=classifiers,
                repeats=args.repeats,
                random_state=seed,
                features=protocol,
                return_runs=True,
            )
            runs.append(part.assign(variant=label, fit_seed=seed))
    runs = pd.concat(runs, ignore_index=True)
    # Mean and spread over every sample of every fit: the spread a user meets.
    front = pd.concat(
        [summarise(part).assign(variant=v) for v, part in runs.groupby("variant", sort=False)],
        ignore_index=True,
    )

    def reference(name: str, rows: pd.DataFrame) -> None:
        scored = evaluate_table(
            rows,
            test,
            "income",
            "sex",
            classifiers=classifiers,
            random_state=0,
            features=protocol,
        )
        for _, row in scored.iterrows():
            refs[f"{name} ({row['classifier']})"] = (row["sp"], row["auc"])

    refs: dict[str, tuple[float, float]] = {}
    reference("train on real", train)
    for peer in filter(None, args.peers.split(",")):
        reference(peer, fit_peer(peer, train, 0))

    suffix = ("_unaware" if args.unaware else "") + (f"_{args.tag}" if args.tag else "")
    results = ROOT / "benchmarks" / "results"
    results.mkdir(parents=True, exist_ok=True)
    front.to_csv(results / f"fairness_front{suffix}.csv", index=False)
    runs.to_csv(results / f"fairness_front{suffix}_runs.csv", index=False)
    plot = front.assign(classifier=front["classifier"] + " · " + front["variant"])
    fig = ROOT / "docs" / "figures" / f"fairness_front{suffix}.png"
    fig.parent.mkdir(parents=True, exist_ok=True)
    title = "Adult, sensitive sex" + (" (unaware)" if args.unaware else "")
    plot_auc_vs_sp(plot, refs, fig, title=title)
    for seed, seconds, epochs in fits:
        print(f"FairPTGAN fit, seed {seed}: {seconds:.0f} s, {epochs} epochs")
    per_fit = runs.pivot_table(
        index=["variant", "alpha", "classifier"], columns="fit_seed", values=["auc", "sp"]
    )
    print("mean over the repeats of each fit:")
    print(per_fit.round(3).to_string())
    cols = ["variant", "alpha", "classifier", "auc_mean", "auc_std", "sp_mean", "sp_std"]
    print("over all fits and repeats:")
    print(front[[*cols, "eo_mean", "data_sp_mean"]].round(3).to_string(index=False))
    for name, (sp, auc) in refs.items():
        print(f"reference {name}: AUC {auc:.3f} SP {sp:.3f}")
    print(f"wrote {results / f'fairness_front{suffix}.csv'} (+ _runs.csv) and {fig}")


if __name__ == "__main__":
    main()
