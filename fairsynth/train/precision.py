"""The arithmetic of the training steps: bfloat16 matrix products where the CPU has them.

A training step's time is nearly all the matrix products of the generator and the critic,
and a CPU with native bfloat16 instructions (AVX512-BF16, AMX) runs them several times as
fast as float32 ones (docs/benchmarks.md, "Fourteenth session", has the profile and the
figures). Under autocast those products run in bfloat16 while weights, optimiser state and
gradients stay float32; what the losses and the drawn categories read stays float32 (nn/):
the critic's output layer, and the generator's logits, cast before its heads' activations
and the chain's draws.

The rule, in order (:func:`choose_precision`):

1. ``FAIRSYNTH_PRECISION=float32`` or ``=bfloat16`` in the environment: that one.
2. A CPU device whose processor has native bfloat16 instructions: bfloat16.
3. Otherwise float32 (CUDA devices included: not measured there).

Sampling and early stopping's evaluations always run in float32. The choice is recorded in
``training_summary_["precision"]``; like the thread count, it is part of what makes a seed
give the same rows (docs/user-guide.md, "Precision of the training steps").
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache

import torch

from ..errors import InvalidParameterError

__all__ = ["ENV_VAR", "PRECISIONS", "choose_precision", "native_bfloat16", "training_precision"]

ENV_VAR = "FAIRSYNTH_PRECISION"
PRECISIONS = {"float32": None, "bfloat16": torch.bfloat16}
_NATIVE_FLAGS = {"avx512_bf16", "amx_bf16"}


@cache
def native_bfloat16() -> bool:
    """Whether this machine's CPU has bfloat16 arithmetic instructions (Linux flags)."""
    with contextlib.suppress(OSError), open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                return bool(_NATIVE_FLAGS & set(line.split()))
    return False


def choose_precision(device: torch.device) -> tuple[str, str]:
    """(precision of the training steps, why): see the module docstring."""
    env = os.environ.get(ENV_VAR, "").strip()
    if env:
        if env not in PRECISIONS:
            raise InvalidParameterError(
                f"{ENV_VAR}={env!r}: use one of {', '.join(PRECISIONS)} (or unset it)"
            )
        return env, ENV_VAR
    if device.type == "cpu" and native_bfloat16():
        return "bfloat16", "cpu has bfloat16"
    return "float32", "default"


@contextmanager
def training_precision(networks: Iterable[torch.nn.Module], precision: str) -> Iterator[None]:
    """Inside the block, the networks' modules that compute under autocast (`compute_dtype`:
    nn/networks.py) run their matrix products at `precision`."""
    dtype = PRECISIONS[precision]
    modules = [m for net in networks for m in net.modules() if hasattr(m, "compute_dtype")]
    if dtype is None or not modules:
        yield
        return
    for m in modules:
        m.compute_dtype = dtype
    try:
        yield
    finally:
        for m in modules:
            m.compute_dtype = None
