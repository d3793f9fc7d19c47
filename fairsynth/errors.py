"""Typed errors. Every message names what is wrong (the column, the file) and how to fix it.

Messages are spelled for the caller (issue 15): the text of an error is in Python spelling
(``kinds={'zip': 'categorical'}``, ``target=...``); an error whose fix reads differently on
the command line carries that spelling too, as ``cli_message`` (``--kind zip=categorical``),
which the CLI prints instead. :func:`cli_text` returns the one to show on the CLI. Warnings
do the same through :class:`FairsynthWarning`'s ``cli_message``.

``NotFittedError`` subclasses scikit-learn's and is built on first use, so importing this
module (the CLI does, for ``--help``) does not import scikit-learn.
"""

from __future__ import annotations

__all__ = [
    "FairsynthError",
    "InvalidDataError",
    "InvalidParameterError",
    "ModelFileError",
    "NotFittedError",  # noqa: F822 - module __getattr__
    "RankFailureError",
    "FairsynthWarning",
    "TrainingInterrupted",
    "TrainingDivergedError",
    "cli_text",
    "param_error",
    "spelled",
]


class FairsynthError(Exception):
    """Base class of every error fairsynth raises on purpose.

    `cli`: the same message spelled for the command line (flags instead of keywords), when
    it differs; the CLI shows it instead of the Python one.
    """

    def __init__(self, *args, cli: str | None = None):
        super().__init__(*args)
        self.cli_message = cli


def _two_ways(parts) -> tuple[str, str]:
    python = "".join(p if isinstance(p, str) else p[0] for p in parts)
    cli = "".join(p if isinstance(p, str) else p[1] for p in parts)
    return python, cli


def spelled(cls, *parts):
    """An instance of error or warning class `cls` whose text is the concatenation of
    `parts`: a str is the same in both spellings, a (python, cli) pair differs, e.g.
    ``spelled(InvalidDataError, "pass ", ("kinds={'z': 'id'}", "--kind z=id"))``."""
    python, cli = _two_ways(parts)
    return cls(python, cli=cli if cli != python else None)


def cli_text(exc: BaseException) -> str:
    """The message of `exc` as the command line shows it."""
    return getattr(exc, "cli_message", None) or str(exc)


def param_error(name: str, value, why: str, flag: str | None = None) -> InvalidParameterError:
    """An InvalidParameterError about parameter `name` in both spellings:
    ``name=value: why`` in Python, ``--flag value: why`` on the CLI (flag: ``--name`` with
    dashes unless given)."""
    flag = flag or "--" + name.replace("_", "-")
    return InvalidParameterError(f"{name}={value!r}: {why}", cli=f"{flag} {value}: {why}")


class InvalidDataError(FairsynthError, ValueError):
    """The table (or a column of it) cannot be used as given."""


class InvalidParameterError(FairsynthError, ValueError):
    """A hyperparameter or option is outside its allowed range."""


class ModelFileError(FairsynthError, OSError):
    """A model file is missing, truncated, tampered with, or from an unknown format version."""


class TrainingInterrupted(FairsynthError):
    """Ctrl-C (SIGINT) or SIGTERM during `fit`: a checkpoint was saved at the end of `epoch`;
    resume from it. `signal_name` says which signal ("SIGINT" or "SIGTERM")."""

    def __init__(self, epoch: int, path, resume_hint: str | None = None, signal_name="SIGINT"):
        self.epoch, self.path, self.signal_name = epoch, path, signal_name
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
    """A costly or surprising input that fairsynth handles but the user should know about.

    `cli`: the same text spelled for the command line, when it differs."""

    def __init__(self, *args, cli: str | None = None):
        super().__init__(*args)
        self.cli_message = cli


def __getattr__(name: str):
    # NotFittedError is also scikit-learn's NotFittedError; built on first use so that
    # importing fairsynth.errors (the CLI's --help) does not import scikit-learn.
    if name == "NotFittedError":
        from sklearn.exceptions import NotFittedError as _SklearnNotFitted

        class NotFittedError(FairsynthError, _SklearnNotFitted):
            """`sample`/`save` was called before `fit` (also a scikit-learn NotFittedError)."""

        NotFittedError.__module__ = __name__
        globals()["NotFittedError"] = NotFittedError
        return NotFittedError
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class RankFailureError(FairsynthError, RuntimeError):
    """A distributed fit stopped because another rank failed or stopped answering."""
