"""Fit MOSTLY AI's TabularARGN on a CSV and write synthetic rows (the peer of peer_compare.py).

Run by the peer's own venv (docs/benchmarks.md, "Peer in the same run: TabularARGN"), never
by the project's: it imports mostlyai.engine and not fairsynth.

    /work/peer-venv/bin/python benchmarks/peers/tabularargn_run.py train.csv \
        --out plain.csv --rows 32561 --seed 0 \
        --fair-out fair.csv --target income --sensitive sex --json times.json

The model keeps the library's defaults (max_epochs 100, its own early stopping and
validation split), with ``random_state=seed``. The plain and the fair sample each start
from ``set_random_state(seed)``. The fair sample passes
``fairness={"target_column": target, "sensitive_columns": sensitive}`` to ``sample``. The
JSON holds the wall seconds of ``fit`` and of each sample, the machine load around the fit,
and the versions.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch
from mostlyai.engine import TabularARGN, set_random_state
from mostlyai.engine import __version__ as engine_version


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("train", type=Path, help="training CSV")
    p.add_argument("--out", type=Path, required=True, help="CSV for the plain sample")
    p.add_argument("--rows", type=int, default=None, help="rows sampled (default: the table's)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--fair-out", type=Path, help="CSV for the fair sample (needs --target)")
    p.add_argument("--target", help="fairness target column")
    p.add_argument("--sensitive", nargs="+", default=[], help="fairness sensitive columns")
    p.add_argument("--max-epochs", type=float, default=None, help="default: the library's")
    p.add_argument("--threads", type=int, default=None, help="torch threads (default: as set)")
    p.add_argument("--workspace", type=Path, help="the model's workspace (default: a temp dir)")
    p.add_argument("--json", type=Path, help="write the timings here too")
    args = p.parse_args()
    if args.fair_out is not None and (not args.target or not args.sensitive):
        p.error("--fair-out needs --target and --sensitive")
    if args.threads is not None:
        torch.set_num_threads(args.threads)

    train = pd.read_csv(args.train)
    n = args.rows or len(train)
    options = {"random_state": args.seed}
    if args.max_epochs is not None:
        options["max_epochs"] = args.max_epochs
    info = {
        "mostlyai_engine": engine_version,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "seed": args.seed,
        "rows": n,
        "options": options,
    }
    with tempfile.TemporaryDirectory(prefix="tabularargn-") as tmp:
        workspace = args.workspace or Path(tmp)
        model = TabularARGN(workspace_dir=workspace, **options)
        info["load_before_fit"] = os.getloadavg()[0]
        t = time.perf_counter()
        model.fit(train)
        info["fit_s"] = round(time.perf_counter() - t, 1)
        info["load_after_fit"] = os.getloadavg()[0]
        print(f"fit {info['fit_s']} s", flush=True)

        samples = [("plain", args.out, None)]
        if args.fair_out is not None:
            fairness = {"target_column": args.target, "sensitive_columns": args.sensitive}
            samples.append(("fair", args.fair_out, fairness))
        for name, path, fairness in samples:
            set_random_state(args.seed)
            t = time.perf_counter()
            synth = model.sample(n_samples=n, fairness=fairness)
            info[f"sample_{name}_s"] = round(time.perf_counter() - t, 1)
            path.parent.mkdir(parents=True, exist_ok=True)
            synth.to_csv(path, index=False)
            print(f"sample {name}: {len(synth)} rows in {info[f'sample_{name}_s']} s", flush=True)
    print(json.dumps(info), flush=True)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(info, indent=2) + "\n")


if __name__ == "__main__":
    main()
