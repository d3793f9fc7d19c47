"""The model registry: model class by name, for model files and nested estimators.

A model file names its class ("PTGAN", "GAP", ...); loading looks the name up here, so only
registered classes are ever built from a file (the allow-list). The registry sits beside
`models/`, not inside it: importing `fairsynth.models.registry` would run
`fairsynth/models/__init__` and import every model, and `fairsynth.persist` must be
importable without any model (models import persist to save themselves).
`fairsynth.models` registers the shipped models when it is imported; `model_class` imports
it on first use, so a lookup works whichever of the two was imported first.
"""

from __future__ import annotations

from importlib import import_module

__all__ = ["register", "model_class", "registered_models"]

_MODELS: dict[str, type] = {}


def register(cls: type) -> type:
    """Add a model class under its class name (usable as a class decorator)."""
    known = _MODELS.get(cls.__name__)
    if known is not None and known is not cls:
        raise ValueError(f"another model class is already registered as {cls.__name__!r}")
    _MODELS[cls.__name__] = cls
    return cls


def registered_models() -> dict[str, type]:
    """Name → class of every registered model (the shipped ones included)."""
    _load_shipped_models()
    return dict(_MODELS)


def model_class(name: str) -> type | None:
    """The registered model class called `name`, or None."""
    _load_shipped_models()
    return _MODELS.get(name)


def _load_shipped_models() -> None:
    # Imported here, not at the top, so that the registry (and persist) import no model.
    import_module("fairsynth.models")
