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
from torch.autograd.function import once_differentiable


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
        # The chain runs with the columns permuted into emission order, where span k is
        # the block [o, e) and reads the columns [0, o) before it (EmitChain).
        emitted = [torch.arange(a, b) for a, b, _ in self._steps]
        order_idx = torch.cat(emitted) if emitted else torch.zeros(0, dtype=torch.long)
        self.register_buffer("emit_order", order_idx, persistent=False)
        self.register_buffer("emit_inverse", torch.argsort(order_idx), persistent=False)
        self._emit_spans, o = [], 0
        for a, b, onehot in self._steps:
            self._emit_spans.append((o, o + b - a, ONEHOT if onehot else SCALAR))
            o += b - a
        # feed.weight[o, i] is used only when input i's span is emitted before output o's.
        self.register_buffer("mask", (rank[None, :] < rank[:, None]).float(), persistent=False)
        # The (input, output) pairs are saved with the networks (a model file, a
        # checkpoint), the dense matrix rebuilt from them; files written before have none
        # and block nothing (_load_from_state_dict).
        self.register_buffer("blocked_pairs", torch.zeros(0, 2, dtype=torch.long))
        self.register_buffer(
            "penalty", torch.zeros(context_dim + out_dim, out_dim), persistent=False
        )
        # the row part of `penalty` in emission order (EmitChain's `blocks`)
        self.register_buffer("emit_penalty", torch.zeros(o, o), persistent=False)
        self._row_blocking = False
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
        rows = self.penalty[self.context_dim :]
        self.emit_penalty = rows[self.emit_order][:, self.emit_order].contiguous()
        self._row_blocking = bool(rows.ne(0).any())
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
        if context is not None and self._context_blocking:
            logits = logits + context @ self.penalty[: self.context_dim]
        if not self._steps:  # nothing modelled (every column constant, an id or derived)
            return logits.float()
        order = self.emit_order
        # index_select, not x[:, order]: its backward is several times faster on CPU. The
        # chain runs in float32 under mixed precision: its per-span steps are small, and the
        # drawn categories and tanh scalars are the rows themselves.
        logits = logits.float().index_select(1, order)
        spans, given = self._emit_spans, None
        if fixed:
            given = logits.new_zeros(logits.shape)
            spans = list(spans)
            for k, (start, _, _) in enumerate(self._steps):
                if start in fixed:
                    o, e, _ = spans[k]
                    given[:, o:e] = fixed[start].to(logits.dtype)
                    spans[k] = (o, e, FIXED)
        feed = (self.feed.weight * self.mask).t()  # (in, out)
        feed = feed.index_select(0, order).index_select(1, order)
        blocks = self.emit_penalty if self._row_blocking else None
        gumbel = gumbel_noise(logits, draws)  # i.i.d.: drawn in emission order directly
        with torch.autocast(logits.device.type, enabled=False):
            rows = EmitChain.apply(logits, feed, blocks, gumbel, given, tuple(spans))
        return rows.index_select(1, self.emit_inverse)


SCALAR, ONEHOT, FIXED = 0, 1, 2


def gumbel_noise(logits: torch.Tensor, draws: torch.Generator) -> torch.Tensor:
    """Gumbel-max noise, g = −log(−log u): argmax(logits + g) is a draw from
    softmax(logits). One call on the device for every span; u < 1 in float32 bounds g
    far below a blocked category's BLOCK."""
    u = torch.rand(logits.shape, device=logits.device, generator=draws)
    return -torch.log(-torch.log(u.clamp_min(1e-20)))


class EmitChain(torch.autograd.Function):
    """The chain in emission order: span k = [o, e) of kind SCALAR (tanh), ONEHOT (a
    category drawn by Gumbel-max, straight-through) or FIXED (given).

    Forward, span by span: ``a_k = logits[:, k] + rows[:, :o] @ (feed + blocks)[:o, k]``,
    then ``rows[:, k]`` = tanh(a_k), the drawn one-hot, or the given one. Only the block of
    span k is touched at its step: a few small operations per span, none as wide as the
    row. `blocks` (the structural zeros' −BLOCK entries) act in the forward pass only, on
    the drawn categories: a block is not learned.

    Backward, in reverse: a one-hot span passes its rows' gradient on through the softmax
    Jacobian of a_k (the straight-through estimator: the hard one-hot's gradient is the
    soft probabilities'), a scalar through tanh's; a_k's gradient then reaches the
    earlier spans' rows through ``feed[:o, k]ᵀ`` and `feed` gets ``rowsᵀ @ grad_a``.
    """

    @staticmethod
    def forward(ctx, logits, feed, blocks, gumbel, given, spans):
        weights = feed if blocks is None else feed + blocks
        rows = torch.zeros_like(logits)
        grad_wanted = ctx.needs_input_grad[0] or ctx.needs_input_grad[1]
        # per span, what its backward step reads: the softmax of a one-hot, tanh of a scalar
        soft = torch.empty_like(logits) if grad_wanted else None
        for o, e, kind in spans:
            a = logits[:, o:e]
            if o:
                a = torch.addmm(a, rows[:, :o], weights[:o, o:e])
            if kind == FIXED:
                rows[:, o:e] = given[:, o:e]
            elif kind == ONEHOT:
                pick = (a + gumbel[:, o:e]).argmax(1, keepdim=True)
                rows[:, o:e].scatter_(1, pick, 1.0)
                if grad_wanted:
                    soft[:, o:e] = torch.softmax(a, dim=1)
            else:
                rows[:, o:e] = torch.tanh(a)
                if grad_wanted:
                    soft[:, o:e] = rows[:, o:e]
        ctx.spans = spans
        if grad_wanted:
            ctx.save_for_backward(rows, soft, feed)
        return rows

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_rows):
        rows, soft, feed = ctx.saved_tensors
        grad_rows = grad_rows.clone()  # gathers what later spans send back
        grad_a = torch.zeros_like(grad_rows)
        for o, e, kind in reversed(ctx.spans):
            if kind == FIXED:
                continue
            g, s = grad_rows[:, o:e], soft[:, o:e]
            if kind == ONEHOT:
                grad_a[:, o:e] = s * (g - (g * s).sum(1, keepdim=True))
            else:
                grad_a[:, o:e] = g * (1 - s * s)
            if o:
                grad_rows[:, :o].addmm_(grad_a[:, o:e], feed[:o, o:e].t())
        # every entry of feed, read or not: the caller's mask keeps the earlier-to-later ones
        grad_feed = rows.t() @ grad_a if ctx.needs_input_grad[1] else None
        return grad_a, grad_feed, None, None, None, None
