"""Decoding and sampling speed on the Adult schema, and peak memory of `fairsynth sample`.

    OMP_NUM_THREADS=1 python benchmarks/sampling_speed.py [--repeats 3] [--rows 131072]
        [--rss-rows 1000000,10000000] [--device cpu]

* decoding: `TableTransformer(continuous="mode").inverse_transform` of generator-like
  rows (noisy encoded Adult rows: softmax on the one-hot spans, tanh on the scalars), with
  decode="sample" and "argmax", in 65,536-row chunks (SAMPLE_CHUNK, what `sample` and the
  CLI decode at a time) and as one 1,048,576-row block; median rows/s of --repeats runs;
* end to end: `model.sample(--rows)` of a PTGAN fitted for 1 epoch on Adult (generator
  forward pass + decoding), median rows/s;
* Parquet: `fairsynth sample -n N -o FILE.parquet` in a child process, for each N of
  --rss-rows: its peak RSS (os.wait4) and rows/s; memory must not grow with N.

Prints a table and writes benchmarks/results/sampling_speed.json. benchmarks/speed.py
imports `measure_decoding` and `measure_parquet_rss`. Absolute figures depend on the
machine and its load: compare runs on one machine, one after the other.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results" / "sampling_speed.json"
BIG_BLOCK = 1 << 20
_MODEL_CACHE: dict[str, Path] = {}


def generator_like(transformer, df, n: int, seed: int = 0) -> np.ndarray:
    """(n, output_dim) float32 rows shaped like a generator's output for `transformer`."""
    rng = np.random.default_rng(seed)
    X = transformer.transform(df)[rng.integers(0, len(df), n)]
    X += rng.normal(0.0, 0.3, X.shape).astype(np.float32)
    for s in transformer.spans:
        block = X[:, s.start : s.stop]
        if s.kind == "onehot":
            e = np.exp(4.0 * block)
            X[:, s.start : s.stop] = e / e.sum(axis=1, keepdims=True)
        else:
            X[:, s.start : s.stop] = np.tanh(block)
    return X


def _median_rate(rows: int, run, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return rows / statistics.median(times)


def measure_decoding(repeats: int = 3, continuous: str = "mode") -> dict:
    """Decoded rows/s (median of `repeats`) for the Adult schema, both decodes, in
    SAMPLE_CHUNK-row chunks and as one 1,048,576-row block (the models' default encoding)."""
    from fairsynth import datasets
    from fairsynth.data import TableTransformer, detect_schema
    from fairsynth.models.base import SAMPLE_CHUNK

    df = datasets.load("adult")
    tt = TableTransformer(continuous=continuous, random_state=0).fit(df, detect_schema(df))
    X = generator_like(tt, df, BIG_BLOCK)
    chunks = [X[i : i + SAMPLE_CHUNK] for i in range(0, len(X), SAMPLE_CHUNK)]
    out: dict = {"schema": "adult", "continuous": continuous, "encoded_width": tt.output_dim}
    out["repeats"] = repeats
    for decode in ("sample", "argmax"):

        def chunked(decode=decode):
            rng = np.random.default_rng(0)
            for chunk in chunks:
                tt.inverse_transform(chunk, decode=decode, random_state=rng)

        def whole(decode=decode):
            tt.inverse_transform(X, decode=decode, random_state=0)

        out[f"{decode}_chunked_rows_per_s"] = round(_median_rate(len(X), chunked, repeats))
        out[f"{decode}_1m_rows_per_s"] = round(_median_rate(len(X), whole, repeats))
    out["chunk_rows"] = SAMPLE_CHUNK
    out["block_rows"] = BIG_BLOCK
    return out


def _small_model(device: str = "cpu") -> Path:
    """A PTGAN fitted for 1 epoch on Adult, saved once per process (speed, not quality)."""
    if device not in _MODEL_CACHE:
        from fairsynth import PTGAN, datasets

        folder = Path(tempfile.mkdtemp(prefix="fairsynth-speed-"))
        model = PTGAN(epochs=1, random_state=0, device=device, verbose=False)
        model.fit(datasets.load("adult"))
        model.save(folder / "adult-1epoch.fsz")
        _MODEL_CACHE[device] = folder / "adult-1epoch.fsz"
    return _MODEL_CACHE[device]


def measure_sample(rows: int = 131_072, repeats: int = 3, device: str = "cpu") -> dict:
    """End-to-end `model.sample(rows)` rows/s (generator + decoding), median of `repeats`."""
    from fairsynth.persist import load

    model = load(_small_model(device), device=device)
    rate = _median_rate(rows, lambda: model.sample(rows, random_state=0), repeats)
    return {"rows": rows, "device": device, "repeats": repeats, "rows_per_s": round(rate)}


# Runs a command and prints its peak RSS in KiB (Linux; bytes on macOS). A child forked
# from this (large) benchmark process would report our own RSS as its peak: Linux carries
# the high-water mark of the memory it had before exec over; this small relay does not.
_RELAY = """
import resource, subprocess, sys
code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode
print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
sys.exit(code)
"""


def measure_parquet_rss(n: int, device: str = "cpu", model_path: str | None = None) -> dict:
    """Run `fairsynth sample -n n -o FILE.parquet` in a child process: its peak RSS, time,
    rows/s and the file's row groups (one per chunk if it is written chunk by chunk)."""
    import pyarrow.parquet as pq

    model = Path(model_path) if model_path else _small_model(device)
    with tempfile.TemporaryDirectory(prefix="fairsynth-rss-") as tmp:
        target = Path(tmp) / "big.parquet"
        cmd = [sys.executable, "-m", "fairsynth", "sample", "-n", str(n), "-m", str(model)]
        cmd += ["-o", str(target), "--device", device]
        started = time.perf_counter()
        relay = subprocess.run(
            [sys.executable, "-c", _RELAY, *cmd], capture_output=True, text=True, check=False
        )
        seconds = time.perf_counter() - started
        if relay.returncode != 0:
            raise RuntimeError(f"{' '.join(cmd)} failed: {relay.stderr.strip()[-2000:]}")
        maxrss = int(relay.stdout.split()[-1])
        meta = pq.ParquetFile(target).metadata
        return {
            "rows": n,
            "rows_written": meta.num_rows,
            "row_groups": meta.num_row_groups,
            "file_mib": round(target.stat().st_size / 2**20, 1),
            "peak_rss_mib": round(maxrss * (1 if sys.platform == "darwin" else 1024) / 2**20),
            "seconds": round(seconds, 1),
            "rows_per_s": round(n / seconds),
            "device": device,
        }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--rows", type=int, default=131_072, help="rows of the end-to-end sample")
    ap.add_argument("--rss-rows", default="1000000,10000000", help="'' to skip")
    ap.add_argument("--device", default="cpu")
    args = ap.parse_args()
    import torch

    result = {
        "machine": {
            "cpu_count": os.cpu_count(),
            "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
            "torch_threads": torch.get_num_threads(),
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
        "decoding": measure_decoding(args.repeats),
        "sample": measure_sample(args.rows, args.repeats, args.device),
        "parquet": [
            measure_parquet_rss(int(n), args.device) for n in args.rss_rows.split(",") if n
        ],
    }
    d = result["decoding"]
    print(f"decoding, Adult schema (median of {args.repeats}), rows/s:")
    print(f"  {'decode':8s} {'65,536-row chunks':>18s} {'1,048,576 rows':>16s}")
    for decode in ("sample", "argmax"):
        chunked, whole = d[f"{decode}_chunked_rows_per_s"], d[f"{decode}_1m_rows_per_s"]
        print(f"  {decode:8s} {chunked:>18,} {whole:>16,}")
    s = result["sample"]
    print(f"model.sample({s['rows']:,}) on {s['device']}: {s['rows_per_s']:,} rows/s")
    for p in result["parquet"]:
        print(
            f"fairsynth sample -n {p['rows']:,} -o big.parquet: peak RSS {p['peak_rss_mib']} MiB, "
            f"{p['seconds']} s, {p['rows_per_s']:,} rows/s, {p['row_groups']} row groups"
        )
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
