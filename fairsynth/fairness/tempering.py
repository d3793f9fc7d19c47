"""Cross-group tempering of generated rows (algorithms.md §2, as implemented).

The dial t = 2·(1 − α) moves each group's law towards the pooled one: a generated row of
group a is kept with probability 1 − t, else replaced by a generated row of a group drawn
by the shares (its own group included), labelled with group a. The rows of group a then
follow (1 − t)·P_a + t·P, with P = Σ_g share_g·P_g the table's law: any two groups' laws
differ by (2α − 1)·(P_a − P_b), whatever the number of groups, and at α = 1/2 every group
has the table's law. Below α = 1/2 a row is always replaced, by a pooled row with
probability 2α and otherwise by another group's row (α = 0 swaps two groups' laws).

Swapping with another group only (`scheme="others"`, the files of the sixth and seventh
sessions) makes two groups' laws equal at α = 1/2 too, but at their unweighted mixture,
which moves the majority's rows as far as the minority's, and with more than two groups
it makes them equal at no α: a group's partner law leaves the group itself out.

Training tempers real rows by convex interpolation, q = α·x_a + (1 − α)·x_b, which is what
the critic learns. Sampling takes whole rows instead of interpolating them: an
interpolated row's categories would be drawn column by column from two people, so a
row could take its relationship from one and its marital status from the other (the
rows' joint law would break at every α < 1). Files written before whole rows
(`scheme="interpolate"`) keep interpolating with another group's row.

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
    scheme: str = "pooled",
) -> torch.Tensor:
    """Rows of `groups` at temperature α (module docstring): the group's own rows at α = 1,
    each one replaced, with the probability α sets, by a row of the group `scheme` draws."""
    full = rows_of(groups)
    if alpha >= 1.0:
        return full
    n, dev = len(groups), groups.device
    if scheme == "interpolate":
        return alpha * full + (1.0 - alpha) * rows_of(partner_groups(groups, shares, gen))
    if scheme == "others":
        swap = torch.rand(n, device=dev, generator=gen) >= alpha
        partners = partner_groups(groups, shares, gen)
    else:
        swap = torch.rand(n, device=dev, generator=gen) < 2.0 * (1.0 - alpha)
        partners = torch.multinomial(shares, n, replacement=True, generator=gen)
        if alpha < 0.5:
            others = partner_groups(groups, shares, gen)
            pooled = torch.rand(n, device=dev, generator=gen) < 2.0 * alpha
            partners = torch.where(pooled, partners, others)
    swap &= partners != groups  # a row of its own group: the same law, kept
    if bool(swap.any()):
        full[swap] = rows_of(partners[swap])
    return full
