"""fairsynth and TabularARGN in the same run on Adult (docs/benchmarks.md, "Peer in the same run").

    # the peer's own venv, once (outside the repo; torch first: it is the local CPU wheel)
    python -m venv /work/peer-venv
    /work/peer-venv/bin/pip install torch==2.13.0 mostlyai-engine==2.7.3
    /work/peer-venv/bin/pip uninstall -y torchvision torchaudio
    # the run
    OMP_NUM_THREADS=1 PYTHONPATH=. python benchmarks/peer_compare.py --seeds 0 \
        --peer-python /work/peer-venv/bin/python
    # options: --alphas 1.0,0.6,0.5  --rows N  --skip-fairsynth / --skip-peer (score the
    # samples a previous run left in --workdir)  --set key=value (a FairPTGAN parameter)
    # --peer-max-epochs E (a short peer fit, for a smoke test)

One after the other, in this process: (a) a default ``FairPTGAN(sensitive="sex",
target="income", random_state=seed)`` fit, timed, and 32,561 rows at each α; (b) TabularARGN
(mostlyai-engine, defaults, ``random_state=seed``) through ``benchmarks/peers/tabularargn_run.py``
run by the peer's python, a plain sample and a fair one (``fairness`` on income / sex at
sampling). Every sample is written to CSV, read back, and scored with the same yardstick:
sdmetrics quality (``fidelity(..., joint=False)``), detection AUC, the break shares of
education → education_num and relationship = Husband → sex = Male, and LR / GBM AUC and SP
on adult_test (``evaluate_table``). The load average is recorded at the start and the end
of each fit. Rows go to benchmarks/results/peer_compare.csv (a row of the same generator,
sample, seed and `--session` number is replaced).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
from _results import parse_settings, upsert_csv

from fairsynth import FairPTGAN, datasets
from fairsynth.evaluate import dependencies, detection, evaluate_table, fidelity

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "results" / "peer_compare.csv"
PEER_SCRIPT = ROOT / "benchmarks" / "peers" / "tabularargn_run.py"
DEFAULT_PEER_PYTHON = os.environ.get("FAIRSYNTH_PEER_PYTHON", "/work/peer-venv/bin/python")
EDU = "education → education_num"
HUSBAND = "relationship = Husband → sex = Male"
SETUP = """the peer needs its own venv (outside the repo; torch first, it is the local CPU wheel):
    python -m venv /work/peer-venv
    /work/peer-venv/bin/pip install torch==2.13.0 mostlyai-engine==2.7.3
    /work/peer-venv/bin/pip uninstall -y torchvision torchaudio
then pass --peer-python /work/peer-venv/bin/python (or --skip-peer)"""


def load1() -> float:
    return round(os.getloadavg()[0], 2)


def check_peer(python: str) -> None:
    if not Path(python).exists():
        sys.exit(f"peer python {python!r} not found.\n{SETUP}")
    probe = [python, "-c", "import mostlyai.engine, torch; print(mostlyai.engine.__version__)"]
    done = subprocess.run(probe, capture_output=True, text=True)
    if done.returncode != 0:
        tail = done.stderr.strip().splitlines()[-1:] or ["?"]
        sys.exit(f"peer python {python!r} cannot import mostlyai.engine: {tail[0]}\n{SETUP}")
    print(f"peer: mostlyai-engine {done.stdout.strip()} ({python})", flush=True)


def score(synth: pd.DataFrame, train: pd.DataFrame, test: pd.DataFrame) -> dict:
    t = time.perf_counter()
    q = fidelity(synth, train, joint=False)["quality"]
    deps = {d["name"]: d for d in dependencies(synth, train)["dependencies"]}
    row = {
        "quality": round(q["overall"], 4),
        "shapes": round(q["column_shapes"], 4),
        "trends": round(q["column_pair_trends"], 4),
        "detection_auc": round(detection(synth, train, random_state=0)["auc"], 4),
        "edu_break": deps[EDU]["break_share"] if EDU in deps else None,
        "husband_female": deps[HUSBAND]["break_share"] if HUSBAND in deps else None,
    }
    scored = evaluate_table(
        synth, test, "income", "sex", ("lr", "gbm"), features=("aware", "unaware"), random_state=0
    )
    for _, r in scored.iterrows():
        name = r["classifier"] + ("" if r["features"] == "aware" else "_unaware")
        row[f"{name}_auc"] = round(float(r["auc"]), 4)
        row[f"{name}_sp"] = round(float(r["sp"]), 4)
    row["data_sp"] = round(float(scored["data_sp"].iloc[0]), 4)
    row["score_s"] = round(time.perf_counter() - t, 1)
    return row


def run_fairsynth(seed, train, n, alphas, params, work: Path) -> dict:
    """Fit, sample each α to work/fairsynth_a{α}.csv; the fit's record to work/fairsynth.json."""
    model = FairPTGAN(sensitive="sex", target="income", random_state=seed, **params)
    info = {"params": json.dumps(params, sort_keys=True), "load_start": load1()}
    t = time.perf_counter()
    model.fit(train)
    info["fit_s"] = round(time.perf_counter() - t, 1)
    info["load_end"] = load1()
    info["epochs_run"] = model.training_summary_.get("epochs_run")
    info["threads"] = model.training_summary_.get("threads")
    print(
        f"fairsynth seed {seed}: fit {info['fit_s']} s, load {info['load_start']} → "
        f"{info['load_end']}",
        flush=True,
    )
    for alpha in alphas:
        t = time.perf_counter()
        synth = model.sample(n, alpha=alpha, random_state=seed)
        info[f"sample_a{alpha}_s"] = round(time.perf_counter() - t, 1)
        synth.to_csv(work / f"fairsynth_a{alpha}.csv", index=False)
    (work / "fairsynth.json").write_text(json.dumps(info, indent=2) + "\n")
    return info


def run_peer(seed, train, n, args, work: Path) -> dict:
    """The peer's fit and samples in its own venv: work/tabularargn_{plain,fair}.csv + JSON."""
    train_csv = work / "train.csv"
    train.to_csv(train_csv, index=False)
    cmd = [
        args.peer_python,
        str(PEER_SCRIPT),
        str(train_csv),
        "--rows",
        str(n),
        "--seed",
        str(seed),
        "--out",
        str(work / "tabularargn_plain.csv"),
        "--fair-out",
        str(work / "tabularargn_fair.csv"),
        "--target",
        "income",
        "--sensitive",
        "sex",
        "--json",
        str(work / "tabularargn.json"),
    ]
    if args.peer_max_epochs is not None:
        cmd += ["--max-epochs", str(args.peer_max_epochs)]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
    load_start = load1()
    subprocess.run(cmd, check=True, env=env)
    info = json.loads((work / "tabularargn.json").read_text())
    info["load_start_process"], info["load_end_process"] = load_start, load1()
    print(
        f"tabularargn seed {seed}: fit {info['fit_s']} s, load {info['load_before_fit']:.2f}"
        f" → {info['load_after_fit']:.2f}",
        flush=True,
    )
    return info


def peer_rows(info: dict) -> dict:
    return {
        "fit_s": info["fit_s"],
        "load_start": round(info["load_before_fit"], 2),
        "load_end": round(info["load_after_fit"], 2),
        "threads": info.get("torch_threads"),
        "params": json.dumps(info.get("options", {}), sort_keys=True),
    }


def fmt(x, spec=".3f") -> str:
    return "—" if x is None or pd.isna(x) else format(x, spec)


def table(rows: pd.DataFrame) -> str:
    head = (
        "generator | sample | seed | fit s | load (start → end) | quality | shapes | trends | "
        "detection AUC | edu ≠ edu_num | husband female | LR AUC @ SP | GBM AUC @ SP | "
        "LR without sex AUC @ SP"
    )
    lines = [f"| {head} |", "|" + " --- |" * (head.count("|") + 1)]
    for _, r in rows.iterrows():
        cells = [
            r["generator"],
            r["sample"],
            str(r["seed"]),
            fmt(r["fit_s"], ".0f"),
            f"{fmt(r['load_start'], '.1f')} → {fmt(r['load_end'], '.1f')}",
            fmt(r["quality"]),
            fmt(r["shapes"]),
            fmt(r["trends"]),
            fmt(r["detection_auc"]),
            fmt(100 * r["edu_break"], ".3f") + " %",
            fmt(100 * r["husband_female"], ".3f") + " %",
            f"{fmt(r['lr_auc'])} @ {fmt(r['lr_sp'])}",
            f"{fmt(r['gbm_auc'])} @ {fmt(r['gbm_sp'])}",
            f"{fmt(r.get('lr_unaware_auc'))} @ {fmt(r.get('lr_unaware_sp'))}",
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seeds", type=int, nargs="+", default=[0])
    p.add_argument("--alphas", default="1.0,0.6,0.5", help="fairsynth's α values (comma list)")
    p.add_argument("--rows", type=int, default=None, help="rows sampled (default: the table's)")
    p.add_argument("--peer-python", default=DEFAULT_PEER_PYTHON, help="or FAIRSYNTH_PEER_PYTHON")
    p.add_argument("--peer-max-epochs", type=float, default=None, help="default: the peer's")
    p.add_argument("--skip-fairsynth", action="store_true", help="reuse --workdir's samples")
    p.add_argument("--skip-peer", action="store_true", help="reuse --workdir's samples")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--workdir", type=Path, default=Path("/tmp/fairsynth-peer-compare"))
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--session", type=int, help="session number kept in the rows: others stay")
    args = p.parse_args()
    alphas = [float(a) for a in args.alphas.split(",")]
    params = parse_settings(args.set)
    if not args.skip_peer:
        check_peer(args.peer_python)
    train, test = datasets.load("adult"), datasets.load("adult_test")
    n = args.rows or len(train)
    rows = []
    for seed in args.seeds:
        work = args.workdir / f"s{seed}"
        work.mkdir(parents=True, exist_ok=True)
        if args.skip_fairsynth:
            fs = json.loads((work / "fairsynth.json").read_text())
        else:
            fs = run_fairsynth(seed, train, n, alphas, params, work)
        peer_json = work / "tabularargn.json"
        if not args.skip_peer:
            peer = run_peer(seed, train, n, args, work)
        elif peer_json.exists():
            peer = json.loads(peer_json.read_text())
        else:  # nothing of the peer's to score
            print(f"seed {seed}: no peer samples in {work} (--skip-peer): fairsynth only")
            peer = {}
        fs_fit = {k: fs.get(k) for k in ("fit_s", "load_start", "load_end", "threads", "params")}
        samples = [
            ("fairsynth FairPTGAN", f"α = {a}", f"fairsynth_a{a}.csv", fs_fit) for a in alphas
        ]
        if peer:
            peer_fit = peer_rows(peer)
            for s in ("plain", "fair"):
                samples.append(("TabularARGN", s, f"tabularargn_{s}.csv", peer_fit))
        for generator, sample, name, fit in samples:
            synth = pd.read_csv(work / name)
            row = {
                "generator": generator,
                "sample": sample,
                "seed": seed,
                "rows": len(synth),
                "session": args.session,
            }
            rows.append({**row, **fit, **score(synth, train, test)})
            print({k: v for k, v in rows[-1].items() if k != "params"}, flush=True)
        if fs.get("fit_s") and peer.get("fit_s"):
            print(
                f"seed {seed}: fit s fairsynth {fs['fit_s']}, TabularARGN {peer['fit_s']}, "
                f"TabularARGN / fairsynth = {peer['fit_s'] / fs['fit_s']:.2f}",
                flush=True,
            )
    new = pd.DataFrame(rows)
    upsert_csv(new, args.out, ["generator", "sample", "seed", "session"])
    print(table(new))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
