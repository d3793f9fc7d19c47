"""What a model derives from its fitted transformer (the layout) and what only its fit holds
(the training data)."""

from __future__ import annotations

from dataclasses import dataclass

import torch


@dataclass
class Layout:
    """The networks' view of the encoded row.

    spans : span layout of the columns the networks model (in their own coordinates);
    width : the width of those columns; cond_dim : the width of the networks' condition.
    """

    spans: list
    width: int
    cond_dim: int


@dataclass
class TrainingData:
    """Fit-time tensors: built by `_prepare`, read by the objective, dropped when `fit` returns.

    rows : the encoded training rows the networks learn (the layout's columns);
    groups : each row's group, for cross-group partners (FairPTGAN), else None;
    codes : each row's category of the conditional column (PTGAN(conditional=...)), else None.
    """

    rows: torch.Tensor
    groups: torch.Tensor | None = None
    codes: torch.Tensor | None = None

    def __len__(self) -> int:
        return len(self.rows)
