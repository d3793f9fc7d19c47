"""Generator and critic MLPs conditioned on a vector (temperature, sensitive group, ...)."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import torch
from torch import nn

from .activations import SpanActivation
from .chain import ChainHeads


class _Residual(nn.Module):
    """Linear -> LayerNorm -> ReLU, concatenated to its input (CTGAN's residual shape).

    LayerNorm instead of BatchNorm: a row's output must not depend on the other rows of the
    batch, so that sampling in chunks gives the same rows as sampling at once.
    """

    def __init__(self, i: int, o: int):
        super().__init__()
        self.fc = nn.Linear(i, o)
        self.norm = nn.LayerNorm(o)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.cat([torch.relu(self.norm(self.fc(x))), x], dim=1)


def _autocast(module: nn.Module, x: torch.Tensor):
    """Mixed precision while the training loop asks for it (train/precision.py)."""
    dtype = module.compute_dtype
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(x.device.type, dtype=dtype)


class Generator(nn.Module):
    """z (noise) + c (condition) -> encoded row with span-wise activations."""

    # set by train/precision.py during the training steps: the dtype of the matrix products
    compute_dtype: torch.dtype | None = None

    def __init__(
        self,
        noise_dim: int,
        cond_dim: int,
        spans: Sequence,
        out_dim: int,
        hidden: Sequence[int] = (256, 256),
        chain: bool = False,
    ):
        super().__init__()
        self.noise_dim = noise_dim
        layers, width = [], noise_dim + cond_dim
        for h in hidden:
            layers.append(_Residual(width, h))
            width += h
        self.body = nn.Sequential(*layers)
        # chain: the spans are emitted in sequence, categories drawn (nn/chain.py).
        self.chain = ChainHeads(width, spans, out_dim, cond_dim) if chain else None
        if not chain:
            self.head = nn.Linear(width, out_dim)
            self.activation = SpanActivation(spans, out_dim)

    def forward(
        self,
        z: torch.Tensor,
        c: torch.Tensor,
        draws: torch.Generator | None = None,
        fixed: dict[int, torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """draws and fixed only matter to chain heads (ChainHeads.forward, which need
        draws): soft heads leave the categories to the decoding."""
        with _autocast(self, z):
            h = self.body(torch.cat([z, c], dim=1))
            if self.chain is not None:
                return self.chain(h, draws, fixed, context=c)  # float32 rows (chain.py)
            return self.activation(self.head(h).float())


class Critic(nn.Module):
    """Encoded row + condition -> real-valued score. No BatchNorm (it breaks gradient penalties)."""

    compute_dtype: torch.dtype | None = None  # as Generator's

    def __init__(
        self,
        in_dim: int,
        cond_dim: int,
        hidden: Sequence[int] = (256, 256),
        spectral_norm: bool = False,
    ):
        super().__init__()
        layers, width = [], in_dim + cond_dim
        for h in hidden:
            layers += [self._linear(width, h, spectral_norm), nn.LeakyReLU(0.2)]
            width = h
        layers.append(self._linear(width, 1, spectral_norm))
        self.net = nn.Sequential(*layers)

    @staticmethod
    def _linear(i: int, o: int, sn: bool) -> nn.Module:
        layer = nn.Linear(i, o)
        return nn.utils.parametrizations.spectral_norm(layer) if sn else layer

    def forward(self, x: torch.Tensor, c: torch.Tensor) -> torch.Tensor:
        *hidden, out = self.net
        with _autocast(self, x):
            h = torch.cat([x, c], dim=1)
            for layer in hidden:
                h = layer(h)
        # the score in float32 (a no-op cast without mixed precision): the Wasserstein loss
        # and the gradient penalty read its differences, far below bfloat16's resolution
        return out(h.float()).squeeze(1)
