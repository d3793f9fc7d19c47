"""`make bench`: every benchmark with its default settings, one after the other.

Each script writes its tables under benchmarks/results/ and its figures under docs/figures/;
docs/benchmarks.md quotes them with the commands that produced them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUNS = [
    ["fairness_front.py"],
    ["fairness_front.py", "--unaware"],
    ["quality.py"],
    ["modes.py"],
    ["early_stopping_signal.py"],
    ["speed.py", "--threads", "1"],
]
# The TabularARGN peer runs only where its own venv exists (docs/benchmarks.md, "Peer in the
# same run: TabularARGN"); `make bench` never installs it.
PEER_PYTHON = os.environ.get("FAIRSYNTH_PEER_PYTHON", "/work/peer-venv/bin/python")
if Path(PEER_PYTHON).exists():
    RUNS.append(["peer_compare.py", "--peer-python", PEER_PYTHON])

if __name__ == "__main__":
    for args in RUNS:
        print(f"== {' '.join(args)}", flush=True)
        subprocess.run([sys.executable, str(HERE / args[0]), *args[1:]], check=True)
