"""fairsynth: fair, fast synthetic tabular data with parallel-tempered GANs.

>>> from fairsynth import FairPTGAN, datasets
>>> df = datasets.load("adult")
>>> model = FairPTGAN(sensitive="sex", target="income", random_state=0).fit(df)
>>> model.sample(10_000, alpha=0.5)
"""

from ._version import __version__

from . import datasets  # noqa: E402
from .io import load  # noqa: E402
from .models import GAP, PMGAN, PTGAN, FairPTGAN  # noqa: E402

__all__ = ["GAP", "PMGAN", "PTGAN", "FairPTGAN", "datasets", "load", "__version__"]
