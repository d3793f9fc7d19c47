"""The AUC-vs-SP front of FairPTGAN on Adult (sensitive sex), before and after its fairness
constraint, with the train-on-real point and optional peers, on the evaluation protocol of
shared/docs/baselines.md (LR/GBM trained on synthetic rows, tested on adult_test.csv).

    python benchmarks/fairness_front.py                      # FairPTGAN, default settings
    python benchmarks/fairness_front.py --unaware            # sensitive column not a feature
    python benchmarks/fairness_front.py --peers ctgan,gaussiancopula,tabfairgan

Peers are optional extras (`pip install ctgan sdv tabfairgan`), never package dependencies.
Writes benchmarks/results/fairness_front[_unaware].csv and docs/figures/fairness_front*.png.
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import pandas as pd

from fairsynth import FairPTGAN, datasets
from fairsynth.evaluate import evaluate_table, fairness_sweep, plot_auc_vs_sp

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

        model = GaussianCopulaSynthesizer(Metadata.detect_from_dataframe(train))
        model.fit(train)
        return model.sample(len(train))
    if name == "tabfairgan":
        from tabfairgan import TFG

        model = TFG(train, epochs=200, batch_size=256, device="cpu")
        model.train()
        return model.generate_data(len(train))
    raise SystemExit(f"unknown peer {name!r}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--alphas", default="0.5,0.6,0.7,0.8,0.9,1.0")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--classifiers", default="lr")
    ap.add_argument("--epochs", type=int, default=None, help="default: the model's default")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--r", type=float, default=None, help="default: the model's default")
    ap.add_argument("--unaware", action="store_true")
    ap.add_argument("--peers", default="", help="comma-separated: ctgan,gaussiancopula,tabfairgan")
    args = ap.parse_args()

    train, test = datasets.load("adult"), datasets.load("adult_test")
    alphas = [float(a) for a in args.alphas.split(",")]
    classifiers = args.classifiers.split(",")
    extra = {"epochs": args.epochs} if args.epochs else {}
    if args.r is not None:
        extra["r"] = args.r
    started = time.perf_counter()
    model = FairPTGAN(
        sensitive="sex", target="income", random_state=args.seed, verbose=True, **extra
    ).fit(train)
    fit_s = time.perf_counter() - started
    # The constraint acts when sampling, so "before" is the same fit without its teacher.
    tempering_only = copy.copy(model)
    tempering_only.teacher_ = None

    common = dict(
        target="income",
        sensitive="sex",
        alphas=alphas,
        classifiers=classifiers,
        repeats=args.repeats,
        unaware=args.unaware,
        random_state=args.seed,
    )
    variants = [("fair teacher", model), ("tempering only", tempering_only)]
    fronts = []
    for label, m in variants:
        sweep = fairness_sweep(m, test, **common)
        sweep.insert(0, "variant", label)
        fronts.append(sweep)
    front = pd.concat(fronts, ignore_index=True)

    def reference(name: str, rows: pd.DataFrame) -> None:
        scored = evaluate_table(
            rows,
            test,
            "income",
            "sex",
            classifiers=classifiers,
            unaware=args.unaware,
            random_state=args.seed,
        )
        for _, row in scored.iterrows():
            refs[f"{name} ({row['classifier']})"] = (row["sp"], row["auc"])

    refs: dict[str, tuple[float, float]] = {}
    reference("train on real", train)
    for peer in filter(None, args.peers.split(",")):
        reference(peer, fit_peer(peer, train, args.seed))

    suffix = "_unaware" if args.unaware else ""
    out_csv = ROOT / "benchmarks" / "results" / f"fairness_front{suffix}.csv"
    out_csv.parent.mkdir(parents=True, exist_ok=True)
    front.to_csv(out_csv, index=False)
    plot = front.assign(classifier=front["classifier"] + " · " + front["variant"])
    fig = ROOT / "docs" / "figures" / f"fairness_front{suffix}.png"
    fig.parent.mkdir(parents=True, exist_ok=True)
    plot_auc_vs_sp(plot, refs, fig, title=f"Adult, sensitive sex{' (unaware)' if suffix else ''}")
    cols = [
        "variant",
        "alpha",
        "classifier",
        "auc_mean",
        "auc_std",
        "sp_mean",
        "sp_std",
        "eo_mean",
        "data_sp_mean",
    ]
    print(f"FairPTGAN fit: {fit_s:.0f} s, {model.training_summary_['epochs_run']} epochs")
    print(front[cols].round(3).to_string(index=False))
    for name, (sp, auc) in refs.items():
        print(f"reference {name}: AUC {auc:.3f} SP {sp:.3f}")
    print(f"wrote {out_csv} and {fig}")


if __name__ == "__main__":
    main()
