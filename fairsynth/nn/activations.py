"""Span-wise output activations (tanh for scalars, softmax per one-hot span), and the hard
one-hot draws that decoding makes from soft spans (early stopping and FairPTGAN's teachers
label rows as they will be decoded)."""

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
        self.register_buffer("scalar_idx", torch.tensor(scalar, dtype=torch.long), persistent=False)
        self._groups = []
        for k, idx in enumerate(onehot_groups(spans, "cpu")):
            name = f"onehot_idx_{k}"
            self.register_buffer(name, idx, persistent=False)
            self._groups.append(name)
        self.width = width

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        out = torch.empty_like(h)
        if self.scalar_idx.numel():
            out[:, self.scalar_idx] = torch.tanh(h[:, self.scalar_idx])
        for name in self._groups:
            idx = getattr(self, name)  # (n_spans, width)
            out[:, idx] = torch.softmax(h[:, idx], dim=-1)
        return out

    def commit(self, out: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """Straight-through draws: the forward value of each soft span is the one-hot that
        decode='sample' would draw from it, the backward pass is the soft probabilities'
        gradient. The critic then judges the rows users will see, categories drawn."""
        groups = [getattr(self, name) for name in self._groups]
        hard = draw_categories(out.detach(), groups, generator)
        return out + (hard - out).detach()


def onehot_groups(spans, device) -> list[torch.Tensor]:
    """The one-hot spans' column indices, one (n_spans, width) tensor per distinct width."""
    by_width: dict[int, list[list[int]]] = defaultdict(list)
    for s in spans:
        if s.kind == "onehot":
            by_width[s.stop - s.start].append(list(range(s.start, s.stop)))
    return [torch.tensor(v, device=device) for _, v in sorted(by_width.items())]


def draw_categories(
    rows: torch.Tensor, groups: list[torch.Tensor], generator: torch.Generator, decode="sample"
) -> torch.Tensor:
    """A copy of `rows` whose soft one-hot spans are replaced by the one-hot a decoding
    would pick: drawn (inverse CDF, one uniform per row and span, as decode_onehot does) or
    argmax. `groups` comes from `onehot_groups`; a few tensor ops per distinct span width."""
    out = rows.clone()
    for idx in groups:
        block = rows[:, idx].clamp_min(0)
        if decode == "sample":
            cdf = block.cumsum(-1)
            u = torch.rand(cdf.shape[:2], device=rows.device, generator=generator)
            pick = (cdf <= u[..., None] * cdf[..., -1:]).sum(-1).clamp_max(idx.shape[1] - 1)
        else:
            pick = block.argmax(-1)
        out[:, idx] = torch.nn.functional.one_hot(pick, idx.shape[1]).to(out.dtype)
    return out
