"""fairsynth: fair, fast synthetic tabular data with parallel-tempered GANs.

>>> from fairsynth import FairPTGAN, datasets
>>> df = datasets.load("adult")
>>> model = FairPTGAN(sensitive="sex", target="income", random_state=0).fit(df)
>>> model.sample(10_000, alpha=0.5)
"""

from . import datasets
from ._version import __version__
from .models import GAP, PMGAN, PTGAN, FairPTGAN
from .persist import load

__all__ = ["GAP", "PMGAN", "PTGAN", "FairPTGAN", "datasets", "load", "__version__"]
