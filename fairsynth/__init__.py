"""fairsynth: fair, fast synthetic tabular data with parallel-tempered GANs.

>>> from fairsynth import FairPTGAN, datasets
>>> df = datasets.load("adult")
>>> model = FairPTGAN(sensitive="sex", target="income", random_state=0).fit(df)
>>> model.sample(10_000, alpha=0.5)

The names below are imported on first use (module ``__getattr__``), so that ``import
fairsynth.cli`` (``fairsynth --help``) does not import torch, scikit-learn or pandas.
"""

from __future__ import annotations

import importlib

from ._version import __version__

__all__ = ["GAP", "PMGAN", "PTGAN", "FairPTGAN", "datasets", "load", "__version__"]

# public name -> (module, attribute or None for the module itself)
_LAZY = {
    "GAP": (".models", "GAP"),
    "PMGAN": (".models", "PMGAN"),
    "PTGAN": (".models", "PTGAN"),
    "FairPTGAN": (".models", "FairPTGAN"),
    "load": (".persist", "load"),
    "datasets": (".datasets", None),
}


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module_name, attr = _LAZY[name]
    module = importlib.import_module(module_name, __name__)
    value = module if attr is None else getattr(module, attr)
    globals()[name] = value
    return value


def __dir__():
    return sorted(set(globals()) | set(__all__))
