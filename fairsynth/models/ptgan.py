"""PTGAN: one generator for a whole family of parallel-tempered laws (algorithms.md §1)."""

from __future__ import annotations

import torch

from ..errors import InvalidParameterError
from ..train import TemperedObjective, symmetric_temperature
from .base import BaseSynthesizer


class PTGAN(BaseSynthesizer):
    """Parallel-tempered GAN for mixed-type tables.

    The generator and critic learn, jointly, the data (α = 1) and its tempered laws
    α·x1 + (1 − α)·x2 of independent rows, kept coherent across temperatures by a penalty
    on the critic's directional derivative. `sample(n)` returns rows of the original law.

    Parameters
    ----------
    epochs : passes over the table (steps per epoch = rows / batch_size generator steps).
    max_seconds : wall-time budget; training stops at whichever of epochs/seconds comes first.
    batch_size : rows per minibatch.
    r : share of rows kept at the original law in each batch (α ~ r·δ₁ + (1 − r)·U(0, 1));
        r = 1 trains only the data law (no tempering).
    coherency : weight λ of the coherency penalty (0 turns it off).
    gradient_penalty : WGAN-GP weight on real/fake interpolates (0 = off).
    noise_dim, generator_dims, critic_dims : network sizes.
    lr_generator, lr_critic, betas : Adam settings (separate rates allow TTUR).
    critic_steps : critic updates per generator update.
    continuous : 'quantile' (quantile-to-normal) or 'mode' (mode-specific normalisation).
    decode : how soft categories are decoded: 'sample' (default) or 'argmax'.
    kinds : {column: kind} overrides of the detected column kinds.
    target : name of the label column (metadata for evaluation; it is modelled like any column).
    device : 'auto' (CUDA when present), 'cpu', 'cuda', 'cuda:1', ...
    random_state : seed; the same seed gives the same rows on CPU.
    verbose : show a progress bar with the losses.
    callbacks : callables (epoch, logs) -> bool run after each epoch; True stops training.
    """

    def __init__(
        self,
        *,
        epochs: int = 100,
        max_seconds: float | None = None,
        batch_size: int = 500,
        r: float = 0.9,
        coherency: float = 100.0,
        gradient_penalty: float = 0.0,
        noise_dim: int = 64,
        generator_dims: tuple[int, ...] = (256, 256),
        critic_dims: tuple[int, ...] = (256, 256),
        lr_generator: float = 2e-4,
        lr_critic: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.9),
        critic_steps: int = 1,
        continuous: str = "quantile",
        decode: str = "sample",
        kinds: dict[str, str] | None = None,
        target: str | None = None,
        device: str = "auto",
        random_state: int | None = None,
        verbose: bool = False,
        callbacks=None,
    ):
        self.epochs = epochs
        self.max_seconds = max_seconds
        self.batch_size = batch_size
        self.r = r
        self.coherency = coherency
        self.gradient_penalty = gradient_penalty
        self.noise_dim = noise_dim
        self.generator_dims = generator_dims
        self.critic_dims = critic_dims
        self.lr_generator = lr_generator
        self.lr_critic = lr_critic
        self.betas = betas
        self.critic_steps = critic_steps
        self.continuous = continuous
        self.decode = decode
        self.kinds = kinds
        self.target = target
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    # The networks model every encoded column; the condition is t(α).
    def _layout(self) -> None:
        self._model_spans = self.transformer_.spans
        self._model_width = self.transformer_.output_dim
        self._cond_dim = 1

    def _prepare(self, df, encoded: torch.Tensor) -> None:
        self._layout()
        self._data = encoded

    def _condition(self, alpha: torch.Tensor, idx: torch.Tensor | None = None) -> torch.Tensor:
        return symmetric_temperature(alpha)[:, None]

    def _objective(self, sampler) -> TemperedObjective:
        return TemperedObjective(
            generator=self.generator_,
            critic=self.critic_,
            data=self._data,
            sampler=sampler,
            condition=self._condition,
            cross_group=False,
            r=self.r,
            coherency=self.coherency,
            gradient_penalty=self.gradient_penalty,
        )

    def _generate(self, m: int, alpha: float, gen: torch.Generator, **options) -> torch.Tensor:
        if options:
            raise InvalidParameterError(
                f"{type(self).__name__}.sample got unknown options {sorted(options)}"
            )
        z = torch.randn(m, self.noise_dim, device=self.device_, generator=gen)
        a = torch.full((m,), alpha, device=self.device_)
        return self.generator_(z, self._condition(a))
