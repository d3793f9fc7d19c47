"""Progress of a fit: a rich bar on a terminal, plain log lines elsewhere (issue 15).

* stderr is a terminal and ``verbose``: a rich progress bar with the latest losses.
* stderr is not a terminal (a file, a pipe, a CI log) and ``verbose``: one plain line every
  few epochs (:func:`log_every`: about 20 lines per fit, and at least one a minute), with the
  epoch, the losses, the held-out score when early stopping runs, the elapsed time and an
  ETA (an upper bound when early stopping may end the fit sooner).
* not ``verbose`` (``--quiet``): nothing on stderr.

Whatever the mode, the fit ends with one line saying why it stopped (``stopped: ...``).
:func:`log_to` adds a file that receives the plain lines too (the CLI writes OUTPUT.log
next to the model file), verbose or not.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from pathlib import Path

__all__ = ["EpochProgress", "log_every", "log_to", "format_seconds"]

# Files that get every plain line (set by `log_to`); a list so that nested uses stack.
_SINKS: list = []
# A plain line at least this often, whatever the number of epochs.
MAX_SILENCE_S = 60.0


@contextmanager
def log_to(path):
    """Also write the plain progress lines of fits run inside the block to `path`."""
    fh = open(Path(path), "w", encoding="utf-8")  # noqa: SIM115 - closed below
    _SINKS.append(fh)
    try:
        yield fh
    finally:
        _SINKS.remove(fh)
        fh.close()


def log_every(total: int) -> int:
    """Epochs between two plain lines: about 20 lines per fit."""
    return max(1, round(total / 20))


def format_seconds(s: float) -> str:
    s = max(0, int(round(s)))
    h, rest = divmod(s, 3600)
    m, sec = divmod(rest, 60)
    return f"{h}:{m:02d}:{sec:02d}" if h else f"{m}:{sec:02d}"


def _is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


class EpochProgress:
    def __init__(self, total: int, description: str, verbose: bool, start_epoch: int = 1):
        self.total, self.description, self.verbose = total, description, verbose
        self.start_epoch = start_epoch
        self.every = log_every(total)
        self._progress = None
        self._t0 = time.perf_counter()
        self._last_line = -float("inf")
        self._pending: tuple | None = None  # the last epoch's line, if not written
        self.plain = verbose and not _is_terminal(sys.stderr)
        if verbose and not self.plain:
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[losses]}"),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                transient=False,
            )
            self._task = self._progress.add_task(
                description, total=total, completed=start_epoch - 1, losses=""
            )

    def __enter__(self):
        if self._progress is not None:
            self._progress.start()
        return self

    def line(self, epoch: int, logs: dict[str, float], elapsed: float) -> str:
        """The plain line of an epoch (`elapsed`: seconds of the whole fit so far)."""
        parts = [f"{self.description} epoch {epoch}/{self.total}"]
        parts += [f"{k} {v:+.3f}" for k, v in logs.items() if k.startswith("loss")]
        if "holdout_quality" in logs:
            parts.append(f"held-out {logs['holdout_quality']:.3f}")
        parts.append(f"elapsed {format_seconds(elapsed)}")
        done = epoch - self.start_epoch + 1
        if epoch < self.total and done > 0:
            run_time = time.perf_counter() - self._t0
            parts.append(f"ETA {format_seconds(run_time / done * (self.total - epoch))}")
        return "  ".join(parts)

    def update(self, epoch: int, logs: dict[str, float], elapsed: float) -> None:
        if self._progress is not None:
            text = "  ".join(f"{k} {v:+.3f}" for k, v in logs.items() if k.startswith("loss"))
            self._progress.update(self._task, completed=epoch, losses=text)
        now = time.perf_counter()
        due = (
            epoch == self.start_epoch
            or epoch == self.total
            or epoch % self.every == 0
            or now - self._last_line >= MAX_SILENCE_S
        )
        self._pending = (epoch, dict(logs), elapsed)
        if not due or not (self.plain or _SINKS):
            return
        self._last_line, self._pending = now, None
        self._emit(self.line(epoch, logs, elapsed))

    def finish(self, text: str) -> None:
        """The last epoch's line (when not written yet) and why the fit stopped."""
        self.__exit__()
        if self._pending is not None and (self.plain or _SINKS):
            self._emit(self.line(*self._pending))
            self._pending = None
        if self.verbose and self.plain:
            print(f"{self.description} stopped: {text}", file=sys.stderr, flush=True)
        elif self.verbose:
            from rich.console import Console

            Console(stderr=True).print(f"{self.description} stopped: {text}", highlight=False)
        for fh in _SINKS:
            print(f"{self.description} stopped: {text}", file=fh, flush=True)

    def _emit(self, text: str) -> None:
        if self.plain:
            print(text, file=sys.stderr, flush=True)
        for fh in _SINKS:
            print(text, file=fh, flush=True)

    def __exit__(self, *exc):
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
