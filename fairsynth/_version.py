"""The package version, in a module of its own.

Everything that stamps a file with the version imports it from here, never from the package
`__init__`: `fairsynth/__init__` imports the models, so reading the version from it inside
the package closed an import cycle (`__init__` → io → `__init__`). pyproject.toml reads it
from here too.
"""

__version__ = "0.1.0"
