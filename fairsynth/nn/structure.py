"""Structural zeros: pairs of categories that the training rows (almost) never show together
although both are common (Adult: relationship = Husband with sex = Female, workclass =
Never-worked with any occupation, age 17 with income >50K).

Chain heads learn such a pair's rarity only as well as the critic can see it, and a GAN's
rows keep a small share of every combination (measured on Adult: 0.3–0.9 % of rows were
Husband and Female, against 0.003 % of the real ones). A pair found here is blocked in the
chain instead (nn/chain.py): the later column's category cannot be drawn once the earlier
one, or the generator's condition (a FairPTGAN group), has taken its partner.

Two rules find them, both so that a pair absent by chance is never frozen out:

* against independence: independence predicts at least `MIN_EXPECTED` rows of the pair
  and the table has at most `MAX_RATIO` of that (Husband with Female);
* a determined category: the same test on a category and all the categories of another
  column but the one it almost always takes, pooled; each of them is then blocked beside
  it, rare ones included (workclass missing → occupation missing: the first rule leaves a
  rare occupation free).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch

MIN_EXPECTED = 100.0
MAX_RATIO = 0.01
PAIR_CHUNK = 4_000_000  # code pairs counted at once (memory of the chunk's indices)


def forbidden_pairs(context: torch.Tensor, rows: torch.Tensor, spans: Sequence) -> torch.Tensor:
    """A (context width + row width, row width) boolean matrix: entry [i, o] says that
    output column o (a category of a one-hot span) must not be drawn when input i — a
    context column, then a row column — is on.

    context: the generator's condition of each training row at α = 1 (its 0/1 columns take
    part: a group's one-hot); rows: the encoded training rows. The row part is symmetric;
    which of two columns is emitted first is the chain's business.
    """
    n, width = rows.shape
    cd = context.shape[1]
    full = torch.zeros(cd + width, width, dtype=torch.bool, device=rows.device)
    if n == 0:
        return full
    onehot = torch.zeros(width, dtype=torch.bool, device=rows.device)
    span_id = torch.full((width,), -1, dtype=torch.long, device=rows.device)
    for k, s in enumerate(spans):
        if s.kind == "onehot":
            onehot[s.start : s.stop] = True
            span_id[s.start : s.stop] = k
    binary = ((context == 0) | (context == 1)).all(0)
    context = (context * binary).float()
    codes = _codes(rows, spans)
    counts = torch.cat([context.sum(0), (rows * onehot).float().sum(0)])
    together = torch.cat([_with_codes(context, codes, width), _code_pairs(codes, width)])
    expected = counts[:, None] * counts[cd:][None, :] / n
    # Categories of one span never occur together: not a structural zero of the table.
    ids = torch.cat([torch.full((cd,), -2, device=rows.device, dtype=torch.long), span_id])
    different = ids[:, None] != span_id[None, :]
    valid = torch.cat([binary, onehot])[:, None] & onehot[None, :] & different
    pairs = (expected >= MIN_EXPECTED) & (together <= MAX_RATIO * expected)
    for s in spans:
        if s.kind != "onehot":
            continue
        given = together[:, s.start : s.stop]
        top, which = given.max(1, keepdim=True)
        others = given.sum(1, keepdim=True) - top  # rows with another category of s
        share = counts[cd + s.start + which] / n  # the top category's share of the table
        expected_others = counts[:, None] * (1 - share)
        determined = (expected_others >= MIN_EXPECTED) & (others <= MAX_RATIO * expected_others)
        pairs[:, s.start : s.stop] |= determined & (given < top)
    pairs &= valid
    rows_part = pairs[cd:]
    pairs[cd:] = rows_part | rows_part.t()  # a pair of row columns, whichever comes first
    return pairs


def _codes(rows: torch.Tensor, spans: Sequence) -> torch.Tensor:
    """(n, one-hot spans) each row's column index of its category in each one-hot span."""
    starts = [torch.zeros(len(rows), 0, dtype=torch.long, device=rows.device)]
    starts += [
        rows[:, s.start : s.stop].argmax(1, keepdim=True) + s.start
        for s in spans
        if s.kind == "onehot"
    ]
    return torch.cat(starts, dim=1)


def _with_codes(context: torch.Tensor, codes: torch.Tensor, width: int) -> torch.Tensor:
    """(context width, width): rows where a context column and a category are both on."""
    out = torch.zeros(context.shape[1], width, device=codes.device)
    for k in range(codes.shape[1]):
        out.index_add_(1, codes[:, k], context.t())  # narrow: the condition's few columns
    return out


def _code_pairs(codes: torch.Tensor, width: int) -> torch.Tensor:
    """(width, width): rows where two categories are both on. A row has one category per
    span, so this counts code pairs, in chunks of rows: never a dense (width × rows) product
    (a table with 1,000-category columns has thousands of encoded columns)."""
    out = torch.zeros(width * width, device=codes.device)
    k = max(codes.shape[1], 1)
    for chunk in codes.split(max(1, PAIR_CHUNK // (k * k))):
        flat = (chunk[:, :, None] * width + chunk[:, None, :]).reshape(-1)
        seen, count = torch.unique(flat, return_counts=True)
        out.index_add_(0, seen, count.to(out.dtype))
    return out.view(width, width)
