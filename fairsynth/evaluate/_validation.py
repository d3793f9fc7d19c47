"""Checks run before any sampling or training, with messages that name the column and the fix."""

from __future__ import annotations

import inspect
import math
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Any

import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError, spelled

CLASSIFIERS = ("lr", "gbm")


def check_table(df: Any, name: str) -> pd.DataFrame:
    if not isinstance(df, pd.DataFrame):
        raise InvalidDataError(
            f"{name} must be a pandas DataFrame, got {type(df).__name__}; "
            "load the CSV with pandas.read_csv first"
        )
    if len(df) == 0:
        raise InvalidDataError(f"{name} has no rows; pass a table with at least one row")
    return df


def check_target(df: pd.DataFrame, target: Any, name: str) -> None:
    if target is None:
        raise spelled(
            InvalidParameterError,
            "no target column given and the model has no `target` attribute; pass ",
            ("target=...", "--target COLUMN"),
        )
    if target not in df.columns:
        raise spelled(
            InvalidDataError,
            f"target column {target!r} is not in {name} (columns: {list(df.columns)}); pass ",
            ("target=", "--target"),
            f" one of its columns or add {target!r} to {name}",
        )
    classes = df[target].dropna().unique()
    if len(classes) < 2:
        found = repr(classes[0]) if len(classes) else "only missing values"
        raise InvalidDataError(
            f"target column {target!r} of {name} has a single class ({found}); AUC and "
            f"parity need both classes: use a {name} that holds both labels"
        )


def check_sensitive(df: pd.DataFrame, sensitive: Any, name: str) -> None:
    if sensitive is None:
        raise spelled(
            InvalidParameterError,
            "no sensitive column given and the model has no `sensitive` attribute; pass ",
            ("sensitive=... (e.g. sensitive='sex')", "--sensitive COLUMN (e.g. --sensitive sex)"),
        )
    if sensitive not in df.columns:
        raise spelled(
            InvalidDataError,
            f"sensitive column {sensitive!r} is not in {name} (columns: {list(df.columns)}); pass ",
            ("sensitive=", "--sensitive"),
            f" one of its columns or add {sensitive!r} to {name}",
        )
    groups = df[sensitive].dropna().unique()
    if len(groups) < 2:
        found = repr(groups[0]) if len(groups) else "only missing values"
        raise InvalidDataError(
            f"sensitive column {sensitive!r} of {name} has a single group ({found}); parity "
            f"compares groups: use a {name} with at least two values of {sensitive!r}"
        )


def check_same_columns(df: pd.DataFrame, expected: Sequence[Any], name: str, other: str) -> None:
    have = list(df.columns)
    missing = [c for c in expected if c not in set(have)]
    extra = [c for c in have if c not in set(expected)]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing {missing} (add them to {name})")
        if extra:
            parts.append(f"extra {extra} (drop them: {name}.drop(columns={extra}))")
        raise InvalidDataError(f"the columns of {name} differ from {other}: " + "; ".join(parts))


def check_has_columns(df: pd.DataFrame, needed: Iterable[Any], name: str) -> None:
    missing = [c for c in needed if c not in df.columns]
    if missing:
        raise InvalidDataError(
            f"{name} lacks the columns {missing} that the evaluation needs; "
            f"give {name} the same columns as the real table"
        )


def check_alphas(alphas: Any) -> tuple[float, ...]:
    if isinstance(alphas, Real):
        alphas = (alphas,)
    alphas = tuple(alphas)
    if not alphas:
        raise InvalidParameterError("alphas is empty; pass at least one value in [0, 1]")
    for a in alphas:
        is_number = isinstance(a, Real) and not isinstance(a, bool)
        if not is_number or not math.isfinite(a) or not 0 <= a <= 1:
            raise InvalidParameterError(
                f"alpha {a!r} is outside [0, 1]; alpha=1 keeps the original law, "
                "alpha=0.5 is the fair one: use values between 0 and 1"
            )
    return tuple(float(a) for a in alphas)


def check_classifiers(classifiers: Any) -> tuple[str, ...]:
    if isinstance(classifiers, str):
        classifiers = (classifiers,)
    classifiers = tuple(classifiers)
    if not classifiers:
        raise InvalidParameterError(f"classifiers is empty; choose from {CLASSIFIERS}")
    for c in classifiers:
        if c not in CLASSIFIERS:
            raise InvalidParameterError(
                f"unknown classifier {c!r}; choose from {CLASSIFIERS} "
                "(lr = LogisticRegression, gbm = HistGradientBoostingClassifier)"
            )
    return classifiers


def check_positive_int(value: Any, name: str, allow_none: bool = True) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise InvalidParameterError(f"{name} must be a positive integer, got {value!r}")
    return value


def check_model(model: Any) -> None:
    if not callable(getattr(model, "sample", None)):
        raise InvalidParameterError(
            f"{type(model).__name__} has no sample(n, alpha=..., random_state=...) method; "
            "pass a fitted fairsynth model (or use evaluate_table for a ready table)"
        )


def accepts_alpha(model: Any) -> bool:
    try:
        params = inspect.signature(model.sample).parameters.values()
    except (TypeError, ValueError):
        return True
    return any(p.name == "alpha" or p.kind is inspect.Parameter.VAR_KEYWORD for p in params)


def sample(model: Any, n: int, alpha: float, random_state: int) -> pd.DataFrame:
    """``model.sample`` with ``alpha`` when the model takes one (plain GANs only do alpha=1)."""
    if accepts_alpha(model):
        df = model.sample(n, alpha=alpha, random_state=random_state)
    elif alpha == 1.0:
        df = model.sample(n, random_state=random_state)
    else:
        raise InvalidParameterError(
            f"{type(model).__name__}.sample takes no alpha, so only alpha=1 can be evaluated; "
            "pass alphas=(1.0,) or use a fair model (FairPTGAN)"
        )
    if not isinstance(df, pd.DataFrame):
        raise InvalidDataError(
            f"{type(model).__name__}.sample returned {type(df).__name__}, not a DataFrame"
        )
    return df


def model_columns(model: Any, probe_seed: int) -> list[Any]:
    """The model's columns: a fitted synthesizer's ``columns_``, else those of a tiny sample
    (any object with a ``sample`` method is accepted)."""
    cols = getattr(model, "columns_", None)
    if cols is not None:
        return list(cols)
    return list(sample(model, 8, 1.0, probe_seed).columns)


def validate_model_and_test(
    model: Any,
    real_test: Any,
    target: Any,
    sensitive: Any,
    random_state: int,
    need_sensitive: bool = True,
) -> None:
    check_model(model)
    check_table(real_test, "the test table")
    check_target(real_test, target, "the test table")
    if need_sensitive:
        for column in sensitive_list(sensitive) or [None]:
            check_sensitive(real_test, column, "the test table")
    check_same_columns(
        real_test, model_columns(model, random_state), "the test table", "the model's columns"
    )


FEATURES = ("aware", "unaware")


def sensitive_list(value: Any) -> list[Any] | None:
    """One or several sensitive columns as a list: a str (one column name, commas included:
    a Python caller names columns exactly), a list/tuple of names, or None."""
    if value is None:
        return None
    if isinstance(value, list | tuple):
        names = list(value)
        if not names:
            raise spelled(
                InvalidParameterError,
                "the list of sensitive columns is empty; pass ",
                ("sensitive=['sex'] (or a str)", "--sensitive COLUMN[,COLUMN]"),
            )
        if len(set(map(str, names))) < len(names):
            raise spelled(
                InvalidParameterError,
                f"sensitive columns {names} name a column twice; pass ",
                ("sensitive=", "--sensitive"),
                " each column once",
            )
        return names
    return [value]


def model_sensitive(model: Any) -> list[Any] | None:
    """The model's sensitive column(s), read defensively: today a str, a list of names for a
    model fitted with several (FairPTGAN is growing that), None for a plain generator."""
    try:
        return sensitive_list(getattr(model, "sensitive", None))
    except InvalidParameterError:
        return None  # an empty list on the model means "none", as None does


def check_features(features: Any, unaware: bool, default: tuple[str, ...]) -> tuple[str, ...]:
    """The downstream protocols: "aware" (the sensitive columns are features) and/or
    "unaware" (they are not). ``unaware=True`` is the older spelling of ("unaware",)."""
    if unaware:
        if features is not None and tuple(features) != ("unaware",):
            raise spelled(
                InvalidParameterError,
                "",
                ("unaware=True", "--unaware"),
                " is the older spelling of ",
                ("features=('unaware',)", "--features unaware"),
                "; give only ",
                ("features=", "--features"),
            )
        return ("unaware",)
    if features is None:
        return default
    if isinstance(features, str):
        features = (features,)
    features = tuple(features)
    bad = [f for f in features if f not in FEATURES]
    if not features or bad or len(set(features)) < len(features):
        raise spelled(
            InvalidParameterError,
            f"features {list(features)}: choose one or both of {list(FEATURES)} (aware: the "
            "sensitive columns are classifier features, unaware: they are dropped), each "
            "once; pass ",
            ("features=('aware', 'unaware')", "--features aware,unaware"),
        )
    return features


def _matching(values: Sequence[Any], wanted: Any) -> list[Any]:
    # The CLI gives text; a sensitive column may hold numbers (sex coded 0/1).
    return [v for v in values if v == wanted or str(v) == str(wanted)]


def check_groups(
    groups: Any, sensitive: Sequence[Any], real_test: pd.DataFrame
) -> dict[Any, list[Any]]:
    """``{column: [group, ...]}`` restricting SP/EO of a sensitive column to those groups,
    each given value mapped to the test table's own value (so "1" finds the integer 1)."""
    if groups is None:
        return {}
    if not isinstance(groups, dict):
        raise spelled(
            InvalidParameterError,
            f"groups must map a sensitive column to its groups, got {type(groups).__name__}; ",
            ("pass groups={'race': ['White', 'Black']}", "pass --groups race=White,Black"),
        )
    out = {}
    for column, wanted in groups.items():
        if column not in sensitive:
            raise spelled(
                InvalidParameterError,
                f"groups names column {column!r}, which is not a sensitive column "
                f"(sensitive: {list(sensitive)}); add it to ",
                ("sensitive=", "--sensitive"),
                " or drop it from ",
                ("groups=", "--groups"),
            )
        wanted = [wanted] if isinstance(wanted, str) else list(wanted)
        present = list(real_test[column].dropna().unique())
        resolved = []
        for w in wanted:
            found = _matching(present, w)
            if not found:
                raise spelled(
                    InvalidDataError,
                    f"group {w!r} does not occur in sensitive column {column!r} of the test "
                    f"table (groups: {sorted(map(str, present))}); fix ",
                    ("groups=", "--groups"),
                )
            resolved += [v for v in found if v not in resolved]
        if len(resolved) < 2:
            raise spelled(
                InvalidParameterError,
                f"groups of {column!r}: {wanted} names fewer than two groups; parity compares "
                "groups: pass at least two, e.g. ",
                ("groups={'race': ['White', 'Black']}", "--groups race=White,Black"),
            )
        out[column] = resolved
    return out
