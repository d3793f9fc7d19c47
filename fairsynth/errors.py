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
    "TrainingInterrupted",
    "TrainingDivergedError",
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


class TrainingInterrupted(FairsynthError):
    """Ctrl-C during `fit`: a checkpoint was saved at the end of `epoch`; resume from it."""

    def __init__(self, epoch: int, path, resume_hint: str | None = None):
        self.epoch, self.path = epoch, path
        hint = resume_hint or (
            "resume with the same command plus --resume "
            f"(API: fit(table, checkpoint_path={str(path)!r}, resume=True))"
        )
        super().__init__(
            f"training interrupted after epoch {epoch}; checkpoint saved to {path}; {hint}"
        )


class TrainingDivergedError(FairsynthError, FloatingPointError):
    """The losses became NaN or infinite (also a FloatingPointError, as before)."""


class FairsynthWarning(UserWarning):
    """A costly or surprising input that fairsynth handles but the user should know about."""


class RankFailureError(FairsynthError, RuntimeError):
    """A distributed fit stopped because another rank failed or stopped answering."""
