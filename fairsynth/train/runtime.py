"""Where a fit runs: the differences between one process and a torchrun job.

`BaseSynthesizer.fit` is the one fit pipeline; it asks its runtime for the few steps that
differ between a single process (`LocalRuntime`, here) and a torchrun job
(`fairsynth.distributed.runtime.TorchrunRuntime`): which device, how the seed and the
transformer are agreed, how the objective is wrapped, the stop agreement and the
checkpoints. Everything else — validation, schema, held-out rows, early stopping, the
loop, the training summary — is the same code for both.
"""

from __future__ import annotations

import torch

from ..data import TableTransformer
from ..errors import InvalidParameterError
from .checkpoint import Checkpointer
from .sampler import MinibatchSampler


def resolve_device(device: str | torch.device) -> torch.device:
    if str(device) == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    dev = torch.device(device)
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InvalidParameterError(
            f"device={device!r} but no CUDA device is available; use device='cpu' or 'auto'"
        )
    return dev


def steps_per_epoch(n_rows: int, batch_size: int) -> int:
    return max(1, -(-n_rows // batch_size))


class LocalRuntime:
    """A fit in this process alone."""

    is_main = True
    world_size = 1

    def device(self, requested) -> torch.device:
        return resolve_device(requested)

    def agree(self, value):
        """The value every process uses (rank 0's under torchrun)."""
        return value

    def fit_transformer(
        self, df, schema, continuous: str, seed: int, protected=()
    ) -> TableTransformer:
        return model_transformer(df, schema, continuous, seed, protected)

    def after_transformer(self, seed: int) -> None:
        """Called once the transformer is fitted, before the networks are built."""

    def objective(self, model, data, generator: torch.Generator, seed: int):
        """(objective, generator steps per epoch, the torch.Generator of the minibatches)."""
        batch = model._training_params().batch_size
        sampler = MinibatchSampler(len(data), batch, generator, groups=data.groups)
        return model._objective(data, sampler), steps_per_epoch(len(data), batch), generator

    def loop_config(self, config):
        return config

    def checkpointer(self, model, df, every, path, resume) -> Checkpointer:
        return Checkpointer.for_fit(model, df, every, path, resume)

    def callbacks(self, callbacks: list) -> list:
        return callbacks

    def attach(self, loop) -> None:
        """The loop is built (its optimisers exist)."""

    def before_evaluation(self, model) -> None:
        """The model's networks must be complete before early stopping scores them."""

    def guard(self, checkpointer):
        return checkpointer.guard()

    def finish(self, model, data) -> None:
        """Training is over: put the trained networks into the model."""

    def summary(self, model, seconds: float) -> dict:
        return {}


def model_transformer(df, schema, continuous: str, seed: int, protected) -> TableTransformer:
    """The models' transformer: columns another one determines are derived, not modelled,
    except the `protected` ones (target, sensitive, conditioning columns)."""
    transformer = TableTransformer(continuous=continuous, random_state=seed, derive=True)
    return transformer.fit(df, schema, protected)
