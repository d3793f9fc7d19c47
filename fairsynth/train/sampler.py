"""Minibatch drawing by index, on the device, with an explicit torch.Generator."""

from __future__ import annotations

import torch


class MinibatchSampler:
    """Draws row indices uniformly with replacement; optionally partners from other groups.

    Everything stays on `device`: indices come from `torch.randint` with the trainer's
    generator, rows are gathered with `index_select`. No DataLoader, no per-row Python.
    """

    def __init__(
        self,
        n_rows: int,
        batch_size: int,
        generator: torch.Generator,
        groups: torch.Tensor | None = None,
    ):
        self.n_rows = n_rows
        self.batch_size = batch_size
        self.generator = generator
        self.device = generator.device
        self.groups = groups
        if groups is not None:
            self._build_partner_tables(groups)

    def draw(self, size: int | None = None) -> torch.Tensor:
        return torch.randint(
            self.n_rows, (size or self.batch_size,), device=self.device, generator=self.generator
        )

    def _build_partner_tables(self, groups: torch.Tensor) -> None:
        # Rows sorted by group: the rows of group g are order[start[g]:start[g] + count[g]].
        # A partner of a row of group a is drawn uniformly among the rows of the other groups,
        # i.e. uniformly from the sorted order with group a's block cut out: draw u in
        # [0, n - count[a]) and skip the block when u reaches it. Pooled others, each group
        # weighted by its share, exactly as algorithms.md §2 asks.
        k = int(groups.max()) + 1
        self.order = torch.argsort(groups, stable=True)
        self.count = torch.bincount(groups, minlength=k)
        self.start = torch.cumsum(self.count, 0) - self.count

    def partners(self, idx: torch.Tensor) -> torch.Tensor:
        """Indices of partner rows drawn from the groups other than each row's own."""
        a = self.groups[idx]
        others = (self.n_rows - self.count[a]).to(torch.float32)
        u = torch.rand(idx.shape[0], device=self.device, generator=self.generator)
        pos = torch.minimum((u * others).long(), (others - 1).long())
        pos = pos + torch.where(pos >= self.start[a], self.count[a], 0)
        return self.order[pos]
