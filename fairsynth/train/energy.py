"""Energy distances between held-out rows and generated rows: a held-out signal of the joint law.

The energy distance (Székely & Rizzo) between the laws of X and Y,

    E(X, Y) = 2·E|X − Y| − E|X − X'| − E|Y − Y'|   (|·| the Euclidean norm),

is zero exactly when the two laws are equal, whatever the dependence between the columns.
On whole rows of many columns, though, distances concentrate: the sum over columns
drowns what any two of them do together (on Adult, shuffling every column independently
moves the whole-row distance from 0.003 to 0.009 only). So the signal is the mean energy
distance of the **2-D laws of pairs of columns**: the pairs associated in the held-out
rows (`HoldoutScore.pairs`: Cramér's V > 0.3 or |ρ| > 0.5, the pairs sdmetrics' pair
trends average over; every pair when none is), at most `max_pairs` of them. A pair's
joint law holds both marginals and their dependence: a 2-D ring's missing modes, an
education drawn independently of education_num.

Estimated with U-statistics (no diagonal terms, so unbiased: it can dip just below 0 for
equal laws) on a fixed subsample of the held-out rows and the first rows of each generated
batch, on the device: batched pairwise distances, one batch entry per pair.

Rows are compared as decoding sees them (`HoldoutScore._hard`: drawn categories, snapped
ties, mode-specific columns replaced by their values): every scalar standardised by the
held-out rows' mean and standard deviation, every one-hot scaled by 1/√2 so that two rows
that differ in one category are at distance 1, like two values one standard deviation
apart. Mode one-hots of valued columns are left out (their value carries them).
"""

from __future__ import annotations

import math

import torch

__all__ = ["EnergyDistance"]


class EnergyDistance:
    """`EnergyDistance(score, holdout, generator)(hard) -> float` (module docstring).

    `score` is the fit's `HoldoutScore` (which dims are scalars or one-hots and of which
    column, which column pairs are associated, how rows are made to look decoded);
    `holdout` the encoded held-out rows. `rows` = √(budget / (pairs × padded pair width)),
    between 200 and `max_rows`, sets the cost: at most `rows` held-out rows are kept, drawn
    once with `generator`, and each call compares them with the first `rows` rows of
    `hard` (Adult: 13 pairs, 47 wide, 640 rows; a 2-D ring: 5,000 rows).
    """

    def __init__(
        self,
        score,
        holdout: torch.Tensor,
        generator: torch.Generator,
        *,
        budget: float = 2.5e8,
        max_rows: int = 5000,
        max_pairs: int = 32,
    ):
        dev = holdout.device
        dims = torch.cat([score.scalar_idx, score.onehot_idx])
        real = score._values(holdout.to(torch.float32))[:, dims]
        n_scalar = len(score.scalar_idx)
        shift = torch.zeros(len(dims), device=dev)
        scale = torch.full((len(dims),), 1.0 / math.sqrt(2.0), device=dev)
        if n_scalar:
            shift[:n_scalar] = real[:, :n_scalar].mean(0)
            scale[:n_scalar] = 1.0 / real[:, :n_scalar].std(0).clamp_min(1e-6)
        # column of each kept dim (positions in `dims`), from the score's span -> column map
        span_of = torch.cat([score.scalar_var, _onehot_span(score)])
        column_of = score.column_weights.argmax(0)[span_of]
        pairs = score.pairs.T.tolist()[:max_pairs] if score.n_columns > 1 else []
        groups = pairs if pairs else [[a] for a in range(score.n_columns)]
        members = [
            torch.nonzero(torch.isin(column_of, torch.tensor(g, device=dev)))[:, 0] for g in groups
        ]
        width = max(len(m) for m in members)
        # (n_groups, width) positions into the rows with a zero column appended: padding
        pad = len(dims)
        index = torch.full((len(members), width), pad, dtype=torch.long, device=dev)
        for i, m in enumerate(members):
            index[i, : len(m)] = m
        self.dims, self.shift, self.scale, self.index = dims, shift, scale, index
        # rows per side: the pairwise distances (rows² per pair, each `width` wide) within
        # `budget`, at most max_rows; the held-out side has at most what was held out
        cost = len(members) * width
        self.rows = int(min(max_rows, max(200, math.sqrt(budget / cost))))
        if len(real) > self.rows:
            pick = torch.randperm(len(real), generator=generator, device=generator.device)
            real = real[pick[: self.rows].to(dev)]
        self.real = self._groups(real)
        self.real_within = _mean_within(self.real)

    def _groups(self, x: torch.Tensor) -> torch.Tensor:
        """(n_groups, n, width): each pair's standardised dims, zero-padded."""
        x = (x - self.shift) * self.scale
        x = torch.cat([x, torch.zeros(len(x), 1, device=x.device)], dim=1)
        return x[:, self.index].permute(1, 0, 2).contiguous()

    @torch.no_grad()
    def __call__(self, hard: torch.Tensor) -> float:
        fake = self._groups(hard[: self.rows, self.dims].to(torch.float32))
        cross = torch.cdist(self.real, fake).mean((1, 2))
        return (2.0 * cross - self.real_within - _mean_within(fake)).mean().item()


def _onehot_span(score) -> torch.Tensor:
    """Span (variable) index of each dim in `score.onehot_idx`."""
    members = score.members[: len(score.onehot_idx)]  # (onehot dims, spans)
    return members.argmax(1)


def _mean_within(x: torch.Tensor) -> torch.Tensor:
    """Per group, the mean distance between two different rows (U-statistic of E|X − X'|)."""
    n = x.shape[1]
    if n < 2:
        return torch.zeros(x.shape[0], device=x.device)
    return torch.cdist(x, x).sum((1, 2)) / (n * (n - 1))
