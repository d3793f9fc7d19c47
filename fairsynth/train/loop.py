"""The one training loop shared by every synthesizer."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import pandas as pd
import torch

from ..errors import TrainingDivergedError, TrainingInterrupted
from .diagnostics import critic_gradient_variance
from .precision import training_precision
from .progress import EpochProgress

# A callback gets (epoch, logs) after each epoch; returning True stops training.
Callback = Callable[[int, dict[str, float]], bool | None]


@dataclass
class LoopConfig:
    epochs: int
    steps_per_epoch: int
    critic_steps: int = 1
    lr_generator: float = 2e-4
    lr_critic: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.9)
    max_seconds: float | None = None
    verbose: bool = False
    description: str = "fit"
    # Every k generator steps (0 = never), log the critic-gradient variance over this many
    # independent minibatches (diagnostics.py); history_ gets its mean over the epoch.
    gradient_variance_every: int = 0
    gradient_variance_batches: int = 8
    # Exponential moving average of the generator's weights (0 = off): the trained generator
    # is the average, which damps the epoch-to-epoch oscillation of adversarial training.
    ema_decay: float = 0.0
    # Arithmetic of the training steps' matrix products (train/precision.py): "float32" or
    # "bfloat16" (autocast); evaluations between epochs run in float32.
    precision: str = "float32"


class TrainingLoop:
    """Runs `objective` for a budget of epochs and/or seconds.

    The objective supplies `critic_loss()` and `generator_loss()` (each: loss, logs of
    detached tensors) and its networks; this loop owns the optimisers, the alternation of
    critic and generator steps, the progress bar, the history and the stopping rules.
    Losses are summed on the device and read back once per epoch, so the hot loop never
    waits on a device-to-host copy.
    """

    def __init__(self, objective, config: LoopConfig, callbacks: Sequence[Callback] = ()):
        self.objective = objective
        self.config = config
        self.callbacks = list(callbacks)
        c = config
        self.opt_g = _adam(objective.generator.parameters(), c.lr_generator, c.betas)
        self.opt_d = _adam(objective.critic.parameters(), c.lr_critic, c.betas)
        self._params_g = list(objective.generator.parameters())
        self._params_d = [p for p in objective.critic.parameters() if p.requires_grad]
        self.ema = [p.detach().clone() for p in self._params_g] if c.ema_decay else None

    def swap_average(self) -> None:
        """Exchange the generator's weights with their moving average (no-op without EMA)."""
        if self.ema is not None:
            with torch.no_grad():
                for p, e in zip(self._params_g, self.ema, strict=True):
                    tmp = p.detach().clone()
                    p.copy_(e)
                    e.copy_(tmp)

    def run(self, start_epoch: int = 1, history: list[dict] | None = None) -> pd.DataFrame:
        """Train epochs start_epoch..epochs; `history` holds the rows of earlier epochs when
        resuming from a checkpoint (their time counts towards max_seconds)."""
        c, obj = self.config, self.objective
        # self.rows: the checkpoint callback saves the history as it stands
        self.rows = rows = list(history or [])
        start = time.perf_counter() - (rows[-1]["seconds"] if rows else 0.0)
        obj.generator.train()
        obj.critic.train()
        self.stop_reason = None
        epoch = start_epoch - 1
        stopped_by = None
        with EpochProgress(c.epochs, c.description, c.verbose, start_epoch) as bar:
            try:
                for epoch in range(start_epoch, c.epochs + 1):
                    # the step count continues across a resume
                    logs = self._epoch(step_of_epoch=(epoch - 1) * c.steps_per_epoch)
                    elapsed = time.perf_counter() - start
                    rows.append({"epoch": epoch, **logs, "seconds": elapsed})
                    if not all(math.isfinite(v) for v in logs.values()):
                        bar.update(epoch, logs, elapsed)
                        raise TrainingDivergedError(
                            f"training diverged at epoch {epoch} (losses {logs}); lower the "
                            "learning rates or raise the coherency/gradient penalty weight"
                        )
                    # callbacks (evaluation, early stopping, checkpoints) see the averaged
                    # weights; the progress line comes after them (it shows the held-out
                    # score), even when one of them interrupts the fit
                    self.swap_average()
                    try:
                        stopped_by = next((cb for cb in self.callbacks if cb(epoch, logs)), None)
                    finally:
                        self.swap_average()
                        bar.update(epoch, logs, elapsed)
                    if stopped_by is not None:
                        break
                    if c.max_seconds is not None and elapsed >= c.max_seconds:
                        stopped_by = "budget"
                        break
            except TrainingInterrupted as exc:
                self.stop_reason = stop_reason(
                    "interrupted",
                    exc.epoch,
                    f"interrupted ({exc.signal_name}) after epoch {exc.epoch} of {c.epochs}; "
                    f"checkpoint saved to {exc.path}",
                )
                bar.finish(self.stop_reason["text"])
                raise
            self.stop_reason = self._reason(stopped_by, epoch, start_epoch)
            bar.finish(self.stop_reason["text"])
        self.swap_average()  # the fitted generator is the average
        obj.generator.eval()
        obj.critic.eval()
        return pd.DataFrame(rows)

    def _epoch(self, step_of_epoch: int) -> dict[str, float]:
        """One epoch of critic and generator steps; the mean logs, read back once."""
        networks = (self.objective.generator, self.objective.critic)
        with training_precision(networks, self.config.precision):
            return self._steps(step_of_epoch)

    def _steps(self, step_of_epoch: int) -> dict[str, float]:
        c, obj = self.config, self.objective
        step = step_of_epoch
        sums: dict[str, torch.Tensor] = {}
        probes: list[dict[str, torch.Tensor]] = []
        for _ in range(c.steps_per_epoch):
            step += 1
            if c.gradient_variance_every and (step - 1) % c.gradient_variance_every == 0:
                probes.append(critic_gradient_variance(obj, c.gradient_variance_batches))
            for _ in range(c.critic_steps):
                loss_d, logs = obj.critic_loss()
                self.opt_d.zero_grad(set_to_none=True)
                loss_d.backward()
                self.opt_d.step()
                _accumulate(sums, {"loss_d": loss_d.detach(), **logs}, c.critic_steps)
            # The critic is a constant of the generator step: with its weights frozen the
            # backward pass skips their gradients (a third of the critic's backward work),
            # which the next critic step would only have zeroed.
            _set_requires_grad(self._params_d, False)
            try:
                loss_g, logs = obj.generator_loss()
                self.opt_g.zero_grad(set_to_none=True)
                loss_g.backward()
            finally:
                _set_requires_grad(self._params_d, True)
            self.opt_g.step()
            if self.ema is not None:
                # warm-up: early on, average over the steps so far rather than
                # dragging the random initial weights along
                decay = min(c.ema_decay, step / (step + 10))
                torch._foreach_lerp_(self.ema, self._params_g, 1.0 - decay)
            _accumulate(sums, {"loss_g": loss_g.detach(), **logs}, 1)
        logs = {k: v.item() / c.steps_per_epoch for k, v in sums.items()}
        for key in probes[0] if probes else ():
            logs[key] = torch.stack([p[key] for p in probes]).mean().item()
        return logs

    def _reason(self, stopped_by, epoch: int, start_epoch: int) -> dict:
        """Why `run` ended (`stopped_by`: the callback that asked, "budget" or None)."""
        c = self.config
        if stopped_by is None and epoch < start_epoch:
            # resumed from the checkpoint of the epoch that ended the fit: ask the callbacks
            for cb in self.callbacks:
                owner = getattr(cb, "__self__", None)
                if getattr(owner, "stopped", False) and hasattr(owner, "describe_stop"):
                    return stop_reason("early_stopping", epoch, owner.describe_stop(epoch))
        if stopped_by == "budget":
            return stop_reason(
                "time_budget",
                epoch,
                f"time budget of {c.max_seconds:g} s reached after epoch {epoch} of {c.epochs}",
            )
        if stopped_by is not None:
            owner = getattr(stopped_by, "__self__", None)
            if hasattr(owner, "describe_stop"):
                return stop_reason("early_stopping", epoch, owner.describe_stop(epoch))
            name = getattr(stopped_by, "__name__", type(stopped_by).__name__)
            return stop_reason(
                "callback", epoch, f"callback {name} stopped the fit at epoch {epoch}"
            )
        return stop_reason("epochs", epoch, f"ran all {c.epochs} epochs")


def stop_reason(reason: str, epoch: int, text: str) -> dict:
    """The record of why a fit stopped: training_summary_[\"stop_reason\"]."""
    return {"reason": reason, "epoch": int(epoch), "text": text}


def _adam(params, lr: float, betas: tuple[float, float]) -> torch.optim.Adam:
    # The fused kernel updates each tensor in one pass: on a small network the per-tensor
    # steps of the plain loop cost more than their arithmetic.
    params = list(params)
    fused = bool(params) and all(p.device.type in ("cpu", "cuda") for p in params)
    return torch.optim.Adam(params, lr=lr, betas=betas, fused=fused or None)


def _set_requires_grad(params: list[torch.Tensor], flag: bool) -> None:
    for p in params:
        p.requires_grad_(flag)


def _accumulate(sums: dict, logs: dict, divisor: int) -> None:
    for k, v in logs.items():
        v = v / divisor if divisor > 1 else v
        sums[k] = sums[k] + v if k in sums else v.clone()
