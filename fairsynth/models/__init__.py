"""Synthesizers: the estimator contract (base) and the models built on the shared trainer."""

from .base import BaseSynthesizer
from .fairptgan import FairPTGAN
from .gap import GAP
from .pmgan import PMGAN
from .ptgan import PTGAN

__all__ = ["BaseSynthesizer", "FairPTGAN", "GAP", "PMGAN", "PTGAN"]
