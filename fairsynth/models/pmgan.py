"""PMGAN: a balanced mix of K generators (Xiao & Rajasekaran; algorithms.md §6)."""

from __future__ import annotations

import torch
from torch import nn

from ..errors import InvalidParameterError
from ..nn import Critic, Generator
from ..train.mixture import MixtureObjective
from .base import BaseSynthesizer
from .layout import Layout, TrainingData


class _Classifier(nn.Module):
    """K-way classifier telling the generators apart (the critic's MLP shape, K logits)."""

    def __init__(self, in_dim: int, k: int, hidden):
        super().__init__()
        layers, width = [], in_dim
        for h in hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(0.2)]
            width = h
        layers.append(nn.Linear(width, k))
        self.net = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(x)


class PMGAN(BaseSynthesizer):
    """K generators against one discriminator, kept apart by a K-way classifier whose weight
    β_k balances each generator between fitting the data and differing from the others.

    Parameters
    ----------
    n_generators : K (≥ 2). Each generator makes one step per loop step on batch_size / K
        rows, so K generators together see about one batch per step.
    diversity : λ of eq. 4 (higher: more separation among generators).
    balance_decay : a of the decay exp(−a·t) of β, t in generator steps.
    truncate : t of the truncated generator loss (no gradient where D > t).
    mix : how `sample` draws each row's generator: 'uniform' (the only mode implemented).
    epochs, max_seconds, early_stopping, validation_size, batch_size, noise_dim,
    generator_dims, critic_dims, lr_generator, lr_critic, betas, critic_steps, continuous,
    decode, kinds, target, device, random_state, verbose, callbacks : as for PTGAN
    (critic_dims also size the classifier; early stopping scores the uniform mix).
    """

    def __init__(
        self,
        *,
        n_generators: int = 8,
        diversity: float = 1.0,
        balance_decay: float = 1e-3,
        truncate: float = 0.99,
        mix: str = "uniform",
        epochs: int = 100,
        max_seconds: float | None = None,
        early_stopping: bool = False,
        validation_size: float | int = 0.1,
        batch_size: int = 500,
        noise_dim: int = 64,
        generator_dims: tuple[int, ...] = (256, 256),
        critic_dims: tuple[int, ...] = (256, 256),
        lr_generator: float = 2e-4,
        lr_critic: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.9),
        critic_steps: int = 1,
        continuous: str = "bins",
        decode: str = "sample",
        kinds: dict[str, str] | None = None,
        target: str | None = None,
        device: str = "auto",
        random_state: int | None = None,
        verbose: bool = False,
        callbacks=None,
    ):
        self.n_generators = n_generators
        self.diversity = diversity
        self.balance_decay = balance_decay
        self.truncate = truncate
        self.mix = mix
        self.epochs = epochs
        self.max_seconds = max_seconds
        self.early_stopping = early_stopping
        self.validation_size = validation_size
        self.batch_size = batch_size
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

    def _check_params(self) -> None:
        super()._check_params()
        k = self.n_generators
        if self.batch_size < k:
            raise InvalidParameterError(
                f"batch_size={self.batch_size} is smaller than n_generators={k}: each "
                "generator needs at least one row per step"
            )

    def _layout(self) -> Layout:
        return Layout(self.transformer_.spans, self.transformer_.output_dim, cond_dim=0)

    def _prepare(self, df, encoded: torch.Tensor, seed: int) -> TrainingData:
        return TrainingData(encoded)

    def _build_networks(self) -> None:
        self.generator_ = nn.ModuleList(
            [
                Generator(
                    self.noise_dim,
                    0,
                    self.layout_.spans,
                    self.layout_.width,
                    hidden=tuple(self.generator_dims),
                )
                for _ in range(self.n_generators)
            ]
        ).to(self.device_)
        self.critic_ = nn.ModuleList(
            [
                Critic(self.layout_.width, 0, hidden=tuple(self.critic_dims)),
                _Classifier(self.layout_.width, self.n_generators, tuple(self.critic_dims)),
            ]
        ).to(self.device_)

    def _objective(self, data: TrainingData, sampler) -> MixtureObjective:
        return MixtureObjective(
            self.generator_,
            self.critic_[0],
            self.critic_[1],
            data.rows,
            sampler,
            diversity=self.diversity,
            balance_decay=self.balance_decay,
            truncate=self.truncate,
        )

    def _generate(self, m: int, alpha: float, gen: torch.Generator, **options) -> torch.Tensor:
        if options:
            raise InvalidParameterError(f"PMGAN.sample got unknown options {sorted(options)}")
        if alpha != 1.0:
            raise InvalidParameterError("PMGAN has no temperatures: sample with alpha=1")
        dev = self.device_
        which = torch.randint(self.n_generators, (m,), device=dev, generator=gen)
        z = torch.randn(m, self.noise_dim, device=dev, generator=gen)
        out = torch.empty(m, self.layout_.width, device=dev)
        for j, g in enumerate(self.generator_):
            rows = (which == j).nonzero().squeeze(1)
            if len(rows):
                out[rows] = g(z[rows], torch.zeros(len(rows), 0, device=dev))
        return out
