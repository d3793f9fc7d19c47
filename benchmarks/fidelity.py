"""The fidelity yardstick of the joint law on Adult (docs/benchmarks.md, "Fidelity yardstick").

    # fresh default FairPTGAN fits (α = 1 rows), one per seed
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/fidelity.py --seeds 0 1 2
    # a saved model file
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/fidelity.py --model fairsynth-model.fsz
    # default PTGAN instead: --model-class ptgan --tag "default PTGAN"
    # options: --last (also score the generator of the last epoch, not only the one early
    # stopping kept), --quality (sdmetrics), --downstream (LR / GBM AUC on adult_test),
    # --set key=value (a model parameter, repeatable; JSON values), --tag name

Each model samples 32,561 rows at α = 1 (seed = the fit seed); detection: 15,000 of them
against 15,000 real training rows (balanced), GBM, 3-fold AUC, the give-away columns by
permutation importance; the real table's dependencies and the share of synthetic rows
that break each (education → education_num, relationship = Husband → sex = Male, ...).
Rows are appended to benchmarks/results/fidelity.csv (a row of the same tag, seed and
snapshot is replaced).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import pandas as pd
import torch
from _results import parse_settings, upsert_csv

from fairsynth import PTGAN, FairPTGAN, datasets, load
from fairsynth.evaluate import dependencies, detection, fidelity, utility

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "fidelity.csv"
EDU = "education → education_num"
HUSBAND = "relationship = Husband → sex = Male"


def score(synth, train, test, args) -> dict:
    t = time.perf_counter()
    det = detection(synth, train, random_state=0)
    deps = {d["name"]: d for d in dependencies(synth, train)["dependencies"]}
    worst = max(deps.values(), key=lambda d: d["break_share"] - d["real_break_share"])
    row = {
        "detection_auc": round(det["auc"], 4),
        "give_aways": "; ".join(f"{c['column']} {c['importance']:.3f}" for c in det["columns"][:4]),
        "edu_break": deps[EDU]["break_share"] if EDU in deps else None,
        "husband_female": deps[HUSBAND]["break_share"] if HUSBAND in deps else None,
        "worst_dependency": worst["name"],
        "worst_break": worst["break_share"],
    }
    if args.quality:
        q = fidelity(synth, train, joint=False)["quality"]
        row.update(
            quality=round(q["overall"], 4),
            shapes=round(q["column_shapes"], 4),
            trends=round(q["column_pair_trends"], 4),
        )
    if args.downstream:
        u = utility(synth, train, test, "income", classifiers=("lr", "gbm"), random_state=0)
        for _, r in u.iterrows():
            row[f"{r['classifier']}_auc"] = round(float(r["tstr_auc"]), 4)
    row["score_s"] = round(time.perf_counter() - t, 1)
    return row


def fit(seed: int, train: pd.DataFrame, params: dict, model_class: str = "fairptgan"):
    last = {}
    if model_class == "ptgan":  # default PTGAN: no sensitive column, the target as a column
        model = PTGAN(target="income", random_state=seed, **params)
    else:
        model = FairPTGAN(target="income", sensitive="sex", random_state=seed, **params)

    def keep_last(epoch, logs):  # the averaged weights the loop ends with
        last["state"] = {k: v.detach().clone() for k, v in model.generator_.state_dict().items()}
        last["epoch"] = epoch
        return False

    model.callbacks = [keep_last]
    t = time.perf_counter()
    model.fit(train)
    return model, last, time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--model", type=Path, help="a saved model file (else fresh fits)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--model-class", choices=["fairptgan", "ptgan"], default="fairptgan")
    p.add_argument("--rows", type=int, default=None, help="rows sampled (default: the table's)")
    p.add_argument("--last", action="store_true", help="also score the last epoch's generator")
    p.add_argument("--quality", action="store_true", help="sdmetrics quality too")
    p.add_argument("--downstream", action="store_true", help="LR / GBM AUC on adult_test")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--tag", default="default FairPTGAN")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--history", type=Path, help="a folder for each fit's history_ (CSV)")
    args = p.parse_args()
    params = parse_settings(args.set)
    train, test = datasets.load("adult"), datasets.load("adult_test")
    n = args.rows or len(train)
    rows = []
    if args.model is not None:
        model = load(args.model)
        seed = model.training_summary_.get("seed", 0)
        synth = model.sample(n, alpha=1.0, random_state=seed)
        rows.append({"tag": args.tag, "seed": seed, "snapshot": "kept", "model": str(args.model)})
        rows[-1].update(score(synth, train, test, args))
        print(rows[-1], flush=True)
    for seed in [] if args.model is not None else args.seeds:
        model, last, seconds = fit(seed, train, params, args.model_class)
        es = model.training_summary_.get("early_stopping", {})
        info = {
            "tag": args.tag,
            "seed": seed,
            "params": json.dumps(params, sort_keys=True),
            "fit_s": round(seconds, 1),
            "epochs_run": model.training_summary_["epochs_run"],
            "best_epoch": es.get("best_epoch"),
        }
        h = model.history_.set_index("epoch")
        if args.history is not None:
            args.history.mkdir(parents=True, exist_ok=True)
            model.history_.to_csv(args.history / f"history_s{seed}.csv", index=False)
        info["kept_energy"] = h["holdout_energy"].get(info["best_epoch"]) if es else None
        synth = model.sample(n, alpha=1.0, random_state=seed)
        rows.append({**info, "snapshot": "kept", **score(synth, train, test, args)})
        print(rows[-1], flush=True)
        if args.last and last:
            with torch.no_grad():
                model.generator_.load_state_dict(last["state"])
            synth = model.sample(n, alpha=1.0, random_state=seed)
            row = {**info, "snapshot": "last", "last_epoch": last["epoch"]}
            row["last_energy"] = h["holdout_energy"].get(last["epoch"]) if es else None
            rows.append({**row, **score(synth, train, test, args)})
            print(rows[-1], flush=True)
    upsert_csv(pd.DataFrame(rows), args.out, ["tag", "seed", "snapshot"])
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
