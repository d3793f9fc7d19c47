"""Output heads that emit a row's columns in sequence ("chain" heads).

Each span's logits read the generator body's features and the spans already emitted, where
the categorical ones are *drawn* (a hard one-hot, straight-through in training). A later
column can then agree with the category an earlier one actually took (education_num with
education, sex with relationship), which independent per-column draws from soft heads
cannot guarantee. The critic still judges whole rows. Pairs of categories the training rows
never show together (nn/structure.py) are blocked outright: a later span cannot draw a
category whose partner an earlier span, or the condition, has taken.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn


def chain_order(spans: Sequence) -> list:
    """Spans in emission order: the table's column order, and within a column its one-hot
    spans (mode, missing) before its scalar, so the scalar is read within the drawn mode."""
    by_column: dict[str, list] = {}
    for s in spans:
        by_column.setdefault(s.column, []).append(s)
    return [
        s for column in by_column.values() for s in sorted(column, key=lambda s: s.kind != "onehot")
    ]


# How far a blocked category's logit is lowered: its softmax probability underflows to 0,
# and when every category of a span is blocked the least blocked one is drawn.
BLOCK = 1e4


class ChainHeads(nn.Module):
    """Body features -> encoded row, one span after the other.

    A span's logits are ``base(h)[span] + Σ_{earlier k} y_k · W[k → span]``: one linear map
    of the body and a strictly "earlier-to-later" linear map of the emitted spans, applied
    as each span is emitted (a few tensor ops per span, no per-row Python). `block` adds
    the structural zeros: ``penalty[i, o] = -BLOCK`` lowers output o's logit wherever input
    i (a condition column, then an emitted column) is on.
    """

    def __init__(self, in_width: int, spans: Sequence, out_dim: int, context_dim: int = 0):
        super().__init__()
        self.context_dim = context_dim
        self.base = nn.Linear(in_width, out_dim)
        self.feed = nn.Linear(out_dim, out_dim, bias=False)
        nn.init.zeros_(self.feed.weight)  # starts as the plain heads
        order = chain_order(spans)
        # Every span is emitted, a bin's scalar too (its data value is always 0): its tanh,
        # fed forward, is the chain's one non-linear function of the draws before it, and
        # leaving it out cost pair trends (docs/benchmarks.md, "Seventh session").
        self._steps = [(s.start, s.stop, s.kind == "onehot") for s in order]
        rank = torch.empty(out_dim, dtype=torch.long)
        for k, s in enumerate(order):
            rank[s.start : s.stop] = k
        # feed.weight[o, i] is used only when input i's span is emitted before output o's.
        self.register_buffer("mask", (rank[None, :] < rank[:, None]).float(), persistent=False)
        # The (input, output) pairs are saved with the networks (a model file, a
        # checkpoint), the dense matrix rebuilt from them; files written before have none
        # and block nothing (_load_from_state_dict).
        self.register_buffer("blocked_pairs", torch.zeros(0, 2, dtype=torch.long))
        self.register_buffer(
            "penalty", torch.zeros(context_dim + out_dim, out_dim), persistent=False
        )
        self._blocking: list[bool] = [False] * len(self._steps)
        self._context_blocking = False

    def block(self, pairs: torch.Tensor) -> None:
        """pairs: nn.structure.forbidden_pairs' matrix. Among emitted columns only an
        earlier one blocks a later one (the draws come in that order)."""
        cd = self.context_dim
        later = torch.cat([torch.ones(cd, self.mask.shape[0]), self.mask.t().cpu()])
        self.blocked_pairs = torch.nonzero(pairs.cpu() & later.bool()).to(self.penalty.device)
        self._rebuild()

    def _rebuild(self) -> None:
        self.penalty.zero_()
        self.penalty[self.blocked_pairs[:, 0], self.blocked_pairs[:, 1]] = -BLOCK
        # Which spans block anything: the others skip the extra product in forward.
        rows = self.penalty[self.context_dim :].ne(0).any(1).tolist()
        self._blocking = [any(rows[a:b]) for a, b, _ in self._steps]
        self._context_blocking = bool(self.penalty[: self.context_dim].ne(0).any())

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        key = prefix + "blocked_pairs"
        saved = state_dict.setdefault(key, torch.zeros(0, 2, dtype=torch.long))
        self.blocked_pairs = torch.empty_like(saved, device=self.penalty.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        self._rebuild()

    def forward(
        self,
        h: torch.Tensor,
        draws: torch.Generator,
        fixed: dict[int, torch.Tensor] | None = None,
        context: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """draws: the torch generator that draws the categories. fixed: {span start:
        one-hot} spans given, not emitted (a conditioning category). context: the
        generator's condition (what `penalty` reads first)."""
        logits = self.base(h)
        feed_t = (self.feed.weight * self.mask).t()  # (in, out)
        if context is not None and self._context_blocking:
            logits = logits + context @ self.penalty[: self.context_dim]
        penalty = self.penalty[self.context_dim :]
        # Gumbel-max: argmax(logits + g) is a draw from softmax(logits); the noise of every
        # span comes from one call on the device.
        u = torch.rand(logits.shape, device=h.device, generator=draws)
        gumbel = -torch.log(-torch.log(u.clamp_min(1e-20)))
        pieces: dict[int, torch.Tensor] = {}
        for (start, stop, onehot), blocking in zip(self._steps, self._blocking, strict=True):
            a = logits[:, start:stop]
            if fixed is not None and start in fixed:
                y = fixed[start].to(a.dtype)
            elif onehot:
                y = torch.softmax(a, dim=1)
                pick = (a.detach() + gumbel[:, start:stop]).argmax(1)
                hard = torch.nn.functional.one_hot(pick, stop - start).to(y.dtype)
                y = y + (hard - y).detach()
            else:
                y = torch.tanh(a)
            pieces[start] = y
            logits = logits + y @ feed_t[start:stop]
            if blocking:  # the drawn category, not its gradient: a block is not learned
                logits = logits + y.detach() @ penalty[start:stop]
        if not pieces:  # nothing modelled (every column constant, an id or derived)
            return logits
        return torch.cat([pieces[s] for s in sorted(pieces)], dim=1)
