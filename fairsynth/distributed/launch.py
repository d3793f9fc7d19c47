"""Start a small Gloo job on this machine without torchrun: for tests and benchmarks.

Each rank is a fresh (spawned) process on 127.0.0.1 with the environment torchrun would
set; its result or exception is pickled to a file, so a rank that dies or hangs cannot
block the parent, which waits at most `timeout` seconds and then kills what is left.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import pickle
import socket
import tempfile
import time
import traceback
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _child(fn, rank, world, port, out, args):
    os.environ.update(
        MASTER_ADDR="127.0.0.1",
        MASTER_PORT=str(port),
        RANK=str(rank),
        WORLD_SIZE=str(world),
        LOCAL_RANK=str(rank),
        LOCAL_WORLD_SIZE=str(world),
        OMP_NUM_THREADS="1",
    )
    import torch

    torch.set_num_threads(1)
    try:
        result = ("ok", fn(rank, *args))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        result = ("error", type(exc).__name__, str(exc), traceback.format_exc())
    with open(out, "wb") as f:
        pickle.dump(result, f)


def run_ranks(fn, world_size: int, *args, timeout: float = 60.0) -> list[tuple]:
    """Run fn(rank, *args) in `world_size` processes; per rank ("ok", value) or
    ("error", type name, message, traceback) or ("killed", exitcode) / ("timeout",)."""
    ctx = mp.get_context("spawn")
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        outs = [Path(tmp) / f"rank{r}.pkl" for r in range(world_size)]
        procs = [
            ctx.Process(target=_child, args=(fn, r, world_size, port, str(outs[r]), args))
            for r in range(world_size)
        ]
        for p in procs:
            p.start()
        deadline = time.monotonic() + timeout
        for p in procs:
            p.join(max(0.0, deadline - time.monotonic()))
        results = []
        for p, out in zip(procs, outs, strict=True):
            if p.is_alive():
                p.kill()
                p.join()
                results.append(("timeout",))
            elif out.is_file():
                results.append(pickle.loads(out.read_bytes()))
            else:
                results.append(("killed", p.exitcode))
        return results
