"""Parsing and checks shared by the commands' options (CLI spelling in every message)."""

from __future__ import annotations

from pathlib import Path

from ..errors import InvalidParameterError


def parse_kinds(pairs: list[str] | None) -> dict[str, str] | None:
    if not pairs:
        return None
    kinds = {}
    for pair in pairs:
        column, sep, kind = pair.partition("=")
        if not sep or not column or not kind:
            raise InvalidParameterError(
                f"--kind {pair!r}: write COLUMN=KIND, e.g. --kind zip=categorical"
            )
        kinds[column] = kind
    return kinds


def parse_sensitive(text: str | None) -> str | list[str] | None:
    """`--sensitive sex` is one column (a str, as in Python); `--sensitive sex,race` several."""
    if text is None or "," not in text:
        return text
    names = [name.strip() for name in text.split(",")]
    if not all(names):
        raise InvalidParameterError(
            f"--sensitive {text!r}: an empty column name; write the names separated by "
            "commas, e.g. --sensitive sex,race"
        )
    return names


def check_range(name: str, value: float | None, low: float, high: float, why: str) -> None:
    # Checked here rather than by typer's min/max so the error is one line like the others.
    if value is not None and not low <= value <= high:
        raise InvalidParameterError(f"{name} {value:g} is outside [{low:g}, {high:g}]: {why}")


def validation_size_value(value: float) -> float | int:
    """A fraction below 1; from 1 on, a whole number of rows (as in the Python API)."""
    if value < 1:
        return value
    if not float(value).is_integer():
        raise InvalidParameterError(
            f"--validation-size {value:g}: give a fraction below 1 or a whole number of rows"
        )
    return int(value)


ALPHA_WHY = "1 = the original data, 0.5 = independent of the sensitive column"


def model_default(name: str) -> str:
    """'(default: 150; PMGAN: 100)' from the one table of hyperparameters (parentheses:
    rich would read square brackets as markup)."""
    from .. import params

    shared = params.PARAMS[name].default
    if name == "epochs" and shared is None:
        shared = f"auto, >= {params.AUTO_EPOCHS} epochs and >= {params.AUTO_STEPS:,} steps"
    others = [
        f"{model}: {over[name]}"
        for model, over in params.OVERRIDES.items()
        if name in over and over[name] is not None and name in params.MODEL_PARAMS[model]
    ]
    return f"(default: {shared}" + "".join(f"; {o}" for o in others) + ")"


def check_output(path: Path) -> None:
    """Fail before any long work when the output cannot be written."""
    if not path.parent.exists():
        raise InvalidParameterError(
            f"cannot write {path}: folder {path.parent} does not exist; create it first"
        )


def parse_floats(text: str, option: str) -> list[float]:
    try:
        return [float(x) for x in text.split(",") if x.strip()]
    except ValueError:
        raise InvalidParameterError(
            f"{option} {text!r}: write comma-separated numbers, e.g. 0.5,0.75,1.0"
        ) from None
