"""Typed errors. Every message names what is wrong (the column, the file) and how to fix it."""

from sklearn.exceptions import NotFittedError as _SklearnNotFitted

__all__ = [
    "FairsynthError",
    "InvalidDataError",
    "InvalidParameterError",
    "ModelFileError",
    "NotFittedError",
    "RankFailureError",
    "FairsynthWarning",
]


class FairsynthError(Exception):
    """Base class of every error fairsynth raises on purpose."""


class InvalidDataError(FairsynthError, ValueError):
    """The table (or a column of it) cannot be used as given."""


class InvalidParameterError(FairsynthError, ValueError):
    """A hyperparameter or option is outside its allowed range."""


class ModelFileError(FairsynthError, OSError):
    """A model file is missing, truncated, tampered with, or from an unknown format version."""


class NotFittedError(FairsynthError, _SklearnNotFitted):
    """`sample`/`save` was called before `fit` (also a scikit-learn NotFittedError)."""


class FairsynthWarning(UserWarning):
    """A costly or surprising input that fairsynth handles but the user should know about."""


class RankFailureError(FairsynthError, RuntimeError):
    """A distributed fit stopped because another rank failed or stopped answering."""
