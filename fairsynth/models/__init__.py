"""Synthesizers: the estimator contract (base) and the models built on the shared trainer."""

from ..registry import register
from .base import BaseSynthesizer
from .fairptgan import FairPTGAN
from .gap import GAP
from .pmgan import PMGAN
from .ptgan import PTGAN

# The shipped models, in the registry that model files are loaded through (registered here
# rather than with a decorator in each module, so that the list lives in one place).
for _model in (PTGAN, FairPTGAN, GAP, PMGAN):
    register(_model)
del _model

__all__ = ["BaseSynthesizer", "FairPTGAN", "GAP", "PMGAN", "PTGAN"]
