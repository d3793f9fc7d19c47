"""How many intra-op threads torch uses during a fit, chosen so that it cannot oversubscribe.

torch's default is one thread per core. On a machine where another process already keeps a
core busy (a laptop, a shared server, a CI runner with two jobs) those threads contend with
it, and OpenMP's spin-waiting makes every minibatch wait for the slowest thread: issue 15
measured a default Adult fit 12x slower than with one thread. The networks are small
(a few 256-wide layers at batch 500), so a second thread gains little even on an idle
machine (docs/user-guide.md, "Threads", has the figures), while it can lose a lot.

The rule, in order (:func:`choose_threads`):

1. ``FAIRSYNTH_THREADS=N`` in the environment: N threads.
2. ``OMP_NUM_THREADS`` or ``MKL_NUM_THREADS`` set: torch already follows them; left alone.
3. The caller changed torch's count with ``torch.set_num_threads`` (the current count is not
   one torch picks by itself for this machine): left alone.
4. Otherwise one thread.

On a CUDA device the rule is the same (the CPU only feeds the GPU). :func:`fit_threads`
applies the choice for the duration of a fit and restores the previous count afterwards,
to torch and to the BLAS libraries numpy and scipy call (through threadpoolctl): the label
models' logistic regressions run there, and OpenBLAS's own thread per core spin-waits
against torch's just the same (docs/user-guide.md, "Threads");
the count used is recorded in ``training_summary_["threads"]``, so a model file says how it
was trained (the same seed gives the same rows for the same thread count on CPU).
"""

from __future__ import annotations

import contextlib
import os
from contextlib import contextmanager

import torch

from ..errors import InvalidParameterError

__all__ = ["choose_threads", "fit_threads", "ENV_VAR"]

ENV_VAR = "FAIRSYNTH_THREADS"


def _defaults() -> set[int]:
    """Counts torch picks by itself on this machine (one per logical or physical core, or
    per core this process may run on)."""
    counts = {os.cpu_count() or 1}
    with contextlib.suppress(AttributeError, OSError):  # not on Linux
        counts.add(len(os.sched_getaffinity(0)))
    counts |= {max(1, c // 2) for c in list(counts)}  # physical cores under SMT
    return counts


def choose_threads() -> tuple[int, str]:
    """(thread count for a fit, why): see the module docstring."""
    env = os.environ.get(ENV_VAR)
    if env is not None and env.strip():
        try:
            n = int(env)
        except ValueError:
            n = 0
        if n < 1:
            raise InvalidParameterError(
                f"{ENV_VAR}={env!r}: give a positive number of threads (or unset it)"
            )
        return n, ENV_VAR
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        if os.environ.get(var, "").strip():
            return torch.get_num_threads(), var
    current = torch.get_num_threads()
    if current not in _defaults():
        return current, "torch.set_num_threads"
    return 1, "default"


@contextmanager
def fit_threads():
    """Use :func:`choose_threads`'s count inside the block; yield (count, why)."""
    from threadpoolctl import threadpool_limits

    n, why = choose_threads()
    previous = torch.get_num_threads()
    if n != previous:
        torch.set_num_threads(n)
    try:
        with threadpool_limits(n, user_api="blas"):
            yield n, why
    finally:
        if torch.get_num_threads() != previous:
            torch.set_num_threads(previous)
