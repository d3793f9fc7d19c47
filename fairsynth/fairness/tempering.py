"""Cross-group tempering of generated rows (algorithms.md §2, as implemented).

A generated row of group a is kept with probability α, else replaced by a generated row of
another group b, labelled with group a: the rows of group a follow the mixture of laws
α·P_a + (1 − α)·P_b. For two groups α = 1/2 gives the rows the same law in both groups.

Training tempers real rows by convex interpolation, q = α·x_a + (1 − α)·x_b, which is what
the critic learns. Sampling takes whole rows instead of interpolating them: an
interpolated row's categories would be drawn column by column from two people, so a
row could take its relationship from one and its marital status from the other (the
rows' joint law would break at every α < 1). Each column's marginal is the same either way.

It works on any generator's encoded rows: the caller supplies `rows_of(groups)`, the rows
of the data law (α = 1) for given groups.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

__all__ = ["partner_groups", "temper"]


def partner_groups(
    groups: torch.Tensor, shares: torch.Tensor, gen: torch.Generator
) -> torch.Tensor:
    """A group other than each row's own, drawn by the shares of the others (the pooled
    partner law of training)."""
    weights = shares.expand(len(groups), -1).clone()
    weights[torch.arange(len(groups), device=groups.device), groups] = 0.0
    if len(shares) == 1 or bool((weights.sum(1) == 0).any()):
        return groups  # no other group to mix with (e.g. group_shares on one group)
    return torch.multinomial(weights, 1, generator=gen)[:, 0]


def temper(
    rows_of: Callable[[torch.Tensor], torch.Tensor],
    groups: torch.Tensor,
    shares: torch.Tensor,
    alpha: float,
    gen: torch.Generator,
    whole_rows: bool = True,
) -> torch.Tensor:
    """Rows of `groups` at temperature α: the group's own rows (α = 1), each one replaced
    with probability 1 − α by a row of a partner group drawn by `partner_groups`
    (`whole_rows=False`: interpolated with it, as fairsynth ≤ 0.1 files sample)."""
    full = rows_of(groups)
    if alpha < 1.0:
        partners = partner_groups(groups, shares, gen)
        if not whole_rows:
            return alpha * full + (1.0 - alpha) * rows_of(partners)
        swap = torch.rand(len(groups), device=groups.device, generator=gen) >= alpha
        swap &= partners != groups
        if bool(swap.any()):
            full[swap] = rows_of(partners[swap])
    return full
