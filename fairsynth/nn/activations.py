"""Span-wise output activations: tanh for scalars, softmax per one-hot span."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import torch
from torch import nn


class SpanActivation(nn.Module):
    """Apply the activation of each span of the encoded row in a few vectorised calls.

    One-hot spans of equal width are gathered into one (batch, n_spans, width) view so that a
    table with hundreds of categorical columns still costs one softmax per distinct width,
    not one Python call per column.

    Softmax (not gumbel-softmax) is used on purpose: tempered targets at α < 1 are *soft*
    category mixtures, which a plain softmax can represent and gumbel noise cannot.
    """

    def __init__(self, spans: Sequence, width: int):
        super().__init__()
        scalar = [i for s in spans if s.kind == "scalar" for i in range(s.start, s.stop)]
        by_width: dict[int, list[list[int]]] = defaultdict(list)
        for s in spans:
            if s.kind == "onehot":
                by_width[s.stop - s.start].append(list(range(s.start, s.stop)))
        self.register_buffer("scalar_idx", torch.tensor(scalar, dtype=torch.long), persistent=False)
        self._groups = []
        for k, (w, idx) in enumerate(sorted(by_width.items())):
            name = f"onehot_idx_{k}"
            self.register_buffer(name, torch.tensor(idx, dtype=torch.long), persistent=False)
            self._groups.append((name, w))
        self.width = width

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        out = torch.empty_like(h)
        if self.scalar_idx.numel():
            out[:, self.scalar_idx] = torch.tanh(h[:, self.scalar_idx])
        for name, _ in self._groups:
            idx = getattr(self, name)  # (n_spans, width)
            out[:, idx] = torch.softmax(h[:, idx], dim=-1)
        return out
