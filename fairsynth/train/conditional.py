"""Training-by-sampling for conditional generation on one categorical column (CTGAN).

A category is drawn with probability proportional to log(1 + its count), then a row of that
category uniformly: rare categories are seen far more often than their share, which is what
keeps them from being dropped by the generator, while the condition vector tells the critic
which category each row is meant to have.
"""

from __future__ import annotations

import torch

from .sampler import MinibatchSampler


class ConditionalSampler(MinibatchSampler):
    """`draw` returns rows stratified by the log-frequency of their category; `same_category`
    draws a partner row of the same category (so a tempered row keeps its condition)."""

    def __init__(
        self, n_rows: int, batch_size: int, generator: torch.Generator, codes: torch.Tensor
    ):
        super().__init__(n_rows, batch_size, generator)
        k = int(codes.max()) + 1
        self.codes = codes
        self.order = torch.argsort(codes, stable=True)
        self.count = torch.bincount(codes, minlength=k)
        self.start = torch.cumsum(self.count, 0) - self.count
        weights = torch.log1p(self.count.to(torch.float32))  # empty categories get 0
        self.category_probs = weights / weights.sum()

    def draw(self, size: int | None = None) -> torch.Tensor:
        cat = torch.multinomial(
            self.category_probs,
            size or self.batch_size,
            replacement=True,
            generator=self.generator,
        )
        return self._row_of(cat)

    def same_category(self, idx: torch.Tensor) -> torch.Tensor:
        return self._row_of(self.codes[idx])

    def _row_of(self, cat: torch.Tensor) -> torch.Tensor:
        u = torch.rand(cat.shape[0], device=self.device, generator=self.generator)
        count = self.count[cat]
        pos = torch.minimum((u * count).long(), count - 1)
        return self.order[self.start[cat] + pos]
