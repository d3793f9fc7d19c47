"""fairsynth on torch.distributed (torchrun): data-parallel PTGAN/FairPTGAN under DDP,
GAP with one pair per rank, PMGAN with the generators split over ranks. See
docs/distributed.md."""

from .context import DistContext, in_torchrun
from .fit import fit_distributed

__all__ = ["DistContext", "fit_distributed", "in_torchrun"]
