"""Cross-group tempering of generated rows (algorithms.md §2, as implemented).

Each generated row of group a is mixed with a generated row of another group b:
q = α·x_a + (1 − α)·x_b, labelled with group a — exactly as training tempers real rows. For
two groups α = 1/2 gives every column the same law in both groups. It works on any
generator's encoded rows: the caller supplies `rows_of(groups)`, the rows of the data law
(α = 1) for given groups.
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
) -> torch.Tensor:
    """Rows of `groups` at temperature α: the group's own rows (α = 1), or each one mixed
    convexly with a row of a partner group drawn by `partner_groups`."""
    full = rows_of(groups)
    if alpha < 1.0:
        partners = partner_groups(groups, shares, gen)
        full = alpha * full + (1.0 - alpha) * rows_of(partners)
    return full
