"""Synthesizers: the estimator contract (base) and the models built on the shared trainer."""

from .base import BaseSynthesizer
from .fairptgan import FairPTGAN
from .ptgan import PTGAN

__all__ = ["BaseSynthesizer", "FairPTGAN", "PTGAN"]
