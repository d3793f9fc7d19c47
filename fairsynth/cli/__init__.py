"""The `fairsynth` command line: fit, sample, info, evaluate, datasets (one module each).

Imports stay light at module level (typer, rich and fairsynth's own errors): torch, pandas,
scikit-learn and sdmetrics are imported inside the commands that need them, so that
`fairsynth --help` and `--version` answer at once.
"""

# Importing a command's module registers it; `--help` lists them in this order.
from . import fit, sample, info, evaluate, datasets  # noqa: F401, I001
from ._app import app, main

__all__ = ["app", "main"]
