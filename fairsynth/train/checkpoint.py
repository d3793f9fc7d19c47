"""Checkpoints of a fit, resume, and Ctrl-C that saves instead of losing the work.

A checkpoint is written at the end of an epoch (every `every` epochs, and when Ctrl-C was
pressed) and holds everything the rest of the fit depends on: both networks, both Adam
states, the state of the trainer's torch.Generator (minibatches, α, noise), torch's global
RNG state (forked inside fit), the epoch and the loss history, and with early stopping its
best score, best generator weights and evaluations without progress. Resuming rebuilds
the model exactly as `fit` does (same seed: same schema, transformer and encoded table),
then overwrites the networks, optimisers and RNG states from the checkpoint, so the
resumed fit is bit-identical on CPU to one that was never interrupted.

File format, like a model file: a zip of `config.json` (format, version, model class,
hyperparameters, seed, table fingerprint, epoch, history) and `tensors.pt` (the state
dicts, read back with torch.load(weights_only=True): nothing is unpickled), whose sha256
is in the config. Written via a temporary file and a rename.

Ctrl-C and SIGTERM: while a fit with a checkpoint path runs in the main thread, the first
SIGINT or SIGTERM (`kill`, `timeout`, a scheduler, a CI cancel) only sets a flag; the epoch
finishes, the checkpoint is saved and `TrainingInterrupted` says how to resume (the CLI
exits with 130 after SIGINT, 143 after SIGTERM). A second signal interrupts at once
(nothing saved beyond the last checkpoint).
"""

from __future__ import annotations

import hashlib
import signal
import sys
import threading
from contextlib import contextmanager, nullcontext
from pathlib import Path

import numpy as np
import pandas as pd
import torch

from .._version import __version__
from ..errors import InvalidParameterError, ModelFileError, TrainingInterrupted, spelled
from ..persist import read_bundle, to_config_value, write_bundle

__all__ = ["Checkpointer", "CHECKPOINT_FORMAT", "CHECKPOINT_VERSION"]

CHECKPOINT_FORMAT = "fairsynth-checkpoint"
CHECKPOINT_VERSION = 1
# Parameters that may change between the interrupted fit and its resumption: they do not
# shape the networks or the random streams.
_FREE_PARAMS = {"epochs", "max_seconds", "verbose", "callbacks", "device"}


def table_fingerprint(df: pd.DataFrame) -> str:
    h = pd.util.hash_pandas_object(df, index=False).to_numpy()
    cols = "\x1f".join(map(str, df.columns)) + "\x1e" + "\x1f".join(map(str, df.dtypes))
    return hashlib.sha256(h.tobytes() + cols.encode()).hexdigest()


def _params(model) -> dict:
    return to_config_value(
        {k: v for k, v in model.get_params(deep=False).items() if k not in _FREE_PARAMS}
    )


class Checkpointer:
    """Checkpoint writer / reader for one call of `fit` (inactive when `path` is None)."""

    def __init__(self, path, every: int | None, resume: bool):
        self.path = None if path is None else Path(path)
        self.every = every
        self.resume = resume
        self.loop = None
        self.generator = None
        self.early_stopping = None
        self._state: tuple[dict, dict] | None = None
        self._interrupted = False
        self._signal_name = "SIGINT"
        self.fingerprint = ""
        self.model_name = ""
        self.params: dict = {}
        self.seed = 0

    # ---------------------------------------------------------------- before any work
    @classmethod
    def for_fit(cls, model, df: pd.DataFrame, every, path, resume) -> Checkpointer:
        """Check the options (and read the checkpoint to resume) before training starts."""
        if every is not None and (
            isinstance(every, bool) or not isinstance(every, int | np.integer) or every < 1
        ):
            raise InvalidParameterError(
                f"checkpoint_every={every!r}: give a positive number of epochs"
            )
        if (every is not None or resume) and path is None:
            raise InvalidParameterError(
                "checkpoint_every / resume need checkpoint_path=... (CLI: --checkpoint PATH)"
            )
        self = cls(path, every, bool(resume))
        if self.path is None:
            return self
        if not self.path.parent.exists():
            raise InvalidParameterError(
                f"cannot write checkpoint {self.path}: folder {self.path.parent} does not "
                "exist; create it first"
            )
        self.fingerprint = table_fingerprint(df)
        self.model_name = type(model).__name__
        self.params = _params(model)
        if resume:
            self._state = read_checkpoint(self.path)
            self._check_matches(*self._state)
        return self

    def _check_matches(self, config: dict, tensors: dict) -> None:
        p = self.path
        if config.get("model") != self.model_name:
            raise spelled(
                InvalidParameterError,
                f"{p} is a checkpoint of a {config.get('model')} fit, not {self.model_name}; "
                "resume with the same ",
                ("model and parameters", "command (and --sensitive)"),
                " as the interrupted fit",
            )
        if config.get("fingerprint") != self.fingerprint:
            raise spelled(
                InvalidParameterError,
                f"{p} was written while fitting a different table; resume on the same table "
                "(or drop ",
                ("resume=True", "--resume"),
                " to start afresh)",
            )
        saved = config.get("params", {})
        keys = set(saved) | set(self.params)
        diff = sorted(k for k in keys if saved.get(k) != self.params.get(k))
        if diff:
            shown = ", ".join(f"{k}={saved.get(k)!r}" for k in diff)
            raise InvalidParameterError(
                f"{p} was written with other settings ({shown}); resume with the same settings "
                "(only epochs, max_seconds, device and verbosity may change)"
            )

    @property
    def resumed_seed(self) -> int | None:
        return None if self._state is None else int(self._state[0]["seed"])

    # ---------------------------------------------------------------- during the fit
    def bind(
        self, loop, generator: torch.Generator, seed: int, early_stopping=None
    ) -> tuple[int, list[dict]]:
        """Attach to the loop (and the fit's EarlyStopping, if any); with resume, restore
        their state. Returns (start epoch, history)."""
        self.loop, self.generator, self.seed = loop, generator, seed
        self.early_stopping = early_stopping
        if self._state is None:
            return 1, []
        config, t = self._state
        if early_stopping is not None:
            early_stopping.load_state(config["early_stopping"], t["early_stopping"])
        obj = loop.objective
        for name, net in _networks(obj).items():
            net.load_state_dict(t[name])
        if hasattr(obj, "load_extra_state"):
            obj.load_extra_state(t["objective"])
        loop.opt_g.load_state_dict(t["opt_g"])
        loop.opt_d.load_state_dict(t["opt_d"])
        generator.set_state(t["rng"])
        torch.set_rng_state(t["torch_rng"])
        if loop.ema is not None:
            # saved from inside a callback, i.e. with the average swapped in (loop.py)
            for e, raw in zip(loop.ema, t["ema_swapped"], strict=True):
                e.copy_(raw)
            loop.swap_average()
        return int(config["epoch"]) + 1, [dict(r) for r in config["history"]]

    def callbacks(self) -> list:
        return [] if self.path is None else [self._on_epoch]

    def _on_epoch(self, epoch: int, logs: dict) -> bool:
        if self._interrupted or (self.every and epoch % self.every == 0):
            self.save(epoch)
        if self._interrupted:
            raise TrainingInterrupted(epoch, self.path, signal_name=self._signal_name)
        return False

    def save(self, epoch: int) -> None:
        loop = self.loop
        obj = loop.objective
        tensors = {
            **{name: net.state_dict() for name, net in _networks(obj).items()},
            "opt_g": loop.opt_g.state_dict(),
            "opt_d": loop.opt_d.state_dict(),
            "rng": self.generator.get_state(),
            "torch_rng": torch.get_rng_state(),
        }
        if loop.ema is not None:
            tensors["ema_swapped"] = list(loop.ema)
        if hasattr(obj, "extra_state"):  # the torchrun objectives' swap / exchange state
            tensors["objective"] = obj.extra_state()
        extra = {}
        if self.early_stopping is not None:
            extra["early_stopping"], tensors["early_stopping"] = self.early_stopping.state()
        config = {
            "format": CHECKPOINT_FORMAT,
            "format_version": CHECKPOINT_VERSION,
            "fairsynth_version": __version__,
            "model": self.model_name,
            "params": self.params,
            "seed": self.seed,
            "fingerprint": self.fingerprint,
            "epoch": epoch,
            "history": to_config_value(loop.rows),
            **extra,
        }
        write_bundle(self.path, config, _to_cpu(tensors))

    @contextmanager
    def guard(self):
        """Defer the first Ctrl-C or SIGTERM to the end of the epoch (main thread, with a
        path only)."""
        if self.path is None or threading.current_thread() is not threading.main_thread():
            with nullcontext():
                yield
            return

        def on_signal(signum, frame):
            name = signal.Signals(signum).name
            if self._interrupted:  # second signal: the user wants out now
                if signum == signal.SIGTERM:
                    raise SystemExit(128 + signum)
                raise KeyboardInterrupt
            self._interrupted = True
            self._signal_name = name
            what = "Ctrl-C" if signum == signal.SIGINT else name
            print(
                f"\n{what}: finishing this epoch to save a checkpoint "
                f"({'press again' if signum == signal.SIGINT else 'send it again'} to abort)",
                file=sys.stderr,
                flush=True,
            )

        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, signal.SIG_DFL if handler is None else handler)


def _networks(objective) -> dict:
    """The networks a checkpoint holds (a torchrun objective names its own)."""
    if hasattr(objective, "networks"):
        return objective.networks()
    return {"generator": objective.generator, "critic": objective.critic}


def _to_cpu(obj):
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        return {k: _to_cpu(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return type(obj)(_to_cpu(v) for v in obj)
    return obj


def read_checkpoint(path) -> tuple[dict, dict]:
    """(config, tensors) of a checkpoint; ModelFileError on any defect (never unpickles)."""
    path = Path(path)
    if not path.is_file():
        raise spelled(
            ModelFileError,
            f"no checkpoint at {path}; run fit with ",
            ("checkpoint_every=N", "--checkpoint-every N"),
            " first, or drop ",
            ("resume=True", "--resume"),
        )
    return read_bundle(path, CHECKPOINT_FORMAT, CHECKPOINT_VERSION, "checkpoint")
