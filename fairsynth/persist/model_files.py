"""Model files (.fsz): a bundle whose config describes a fitted model.

config.json holds the format version, the fairsynth version, the model class and its
hyperparameters, the schema and transformer parameters, the model's own state (roles,
sizes), the training summary and history; tensors.pt holds the networks' state dicts.
The class is looked up in the model registry, so a file can only build a registered model,
and this module imports no model: models import it to save themselves.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from .._version import __version__
from ..errors import ModelFileError
from ..registry import model_class
from .bundle import read_bundle, write_bundle

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "estimator_from_config",
    "load",
    "params_from_config",
    "read_model_file",
    "save_model",
    "to_config_value",
]

FORMAT = "fairsynth-model"
FORMAT_VERSION = 1


def to_config_value(value):
    """`value` as plain JSON data (numpy scalars and arrays as numbers and lists; a model
    inside a model, such as GAP's base, as its class name and parameters; a fairness
    constraint given as an object, as its name and settings)."""
    if getattr(value, "is_label_constraint", False) is True:
        return {"label_constraint": value.name, "settings": to_config_value(value.settings())}
    if hasattr(value, "get_params") and hasattr(value, "_file_state"):
        params = {k: v for k, v in value.get_params(deep=False).items() if k != "callbacks"}
        return {"estimator": type(value).__name__, "params": to_config_value(params)}
    if isinstance(value, dict):
        return {str(k): to_config_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_config_value(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return value


def estimator_from_config(spec: dict):
    """Rebuild an unfitted model from `{"estimator": name, "params": ...}` (registry only)."""
    name = spec.get("estimator") if isinstance(spec, dict) else None
    cls = model_class(name) if isinstance(name, str) else None
    if cls is None:
        raise ModelFileError(f"unknown model class {name!r} in the file's parameters")
    return cls(**params_from_config(spec["params"], cls))


# Keywords whose list value is a list of column names, kept a list (as the user wrote it:
# FairPTGAN(sensitive=["sex", "race"])); other JSON lists are tuples (layer widths, betas).
LIST_PARAMS = frozenset({"sensitive"})


# Keywords added after files were written, with the behaviour those files had: a file
# without one must rebuild the networks it saved (the default may have changed since).
BEFORE_KEYWORD = {"heads": "soft"}


def params_from_config(params: dict, cls=None) -> dict:
    """Model keywords read from a file: JSON lists back to tuples (column lists stay lists),
    constraint objects back to objects (built-in classes of fairsynth.fairness only); a
    keyword of `cls` the file predates gets its behaviour of that time (BEFORE_KEYWORD)."""
    if cls is not None:
        known = cls._get_param_names()
        params = {**{k: v for k, v in BEFORE_KEYWORD.items() if k in known}, **params}
    out = {}
    for k, v in params.items():
        if isinstance(v, list) and k not in LIST_PARAMS:
            v = tuple(v)
        elif isinstance(v, dict) and "label_constraint" in v:
            from ..fairness import restore

            v = restore({"name": v["label_constraint"], "settings": v["settings"]}, {}, None)
        out[k] = v
    return out


def save_model(model, path) -> None:
    """Write a fitted model as a `.fsz` file (atomically)."""
    params = {k: v for k, v in model.get_params(deep=False).items() if k != "callbacks"}
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "fairsynth_version": __version__,
        "model": type(model).__name__,
        "params": to_config_value(params),
        "transformer": model.transformer_.to_dict(),
        "state": to_config_value(model._file_state()),
        "training_summary": to_config_value(model.training_summary_),
        "history": to_config_value(model.history_.to_dict(orient="list")),
    }
    write_bundle(path, config, {k: v.detach().cpu() for k, v in model._tensors().items()})


def read_model_file(path) -> tuple[dict, dict[str, torch.Tensor]]:
    """Read and check a `.fsz` file: (config, tensors). Raises ModelFileError on any defect."""
    path = Path(path)
    if not path.is_file():
        raise ModelFileError(
            f"model file {path} does not exist; fit one with `fairsynth fit TABLE -o {path}`"
        )
    return read_bundle(path, FORMAT, FORMAT_VERSION, "model")


def load(path, device: str = "auto"):
    """Load a model saved with `model.save(path)`, ready to `sample` (on CPU if no GPU)."""
    config, tensors = read_model_file(path)
    name = config.get("model")
    cls = model_class(name) if isinstance(name, str) else None
    if cls is None:
        raise ModelFileError(f"{path}: unknown model class {name!r}")
    try:
        return cls._from_file(config, tensors, device)
    except ModelFileError:
        raise
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise ModelFileError(f"{path}: the model file is inconsistent ({exc})") from None
