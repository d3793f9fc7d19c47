"""Persistence: bundles (zip + JSON + weights-only tensors, written atomically) and model
files on top of them. Imports no model; model classes come from `fairsynth.registry`."""

from .bundle import atomic_path, read_bundle, write_bundle
from .model_files import (
    estimator_from_config,
    load,
    params_from_config,
    read_model_file,
    save_model,
    to_config_value,
)

__all__ = [
    "atomic_path",
    "estimator_from_config",
    "load",
    "params_from_config",
    "read_bundle",
    "read_model_file",
    "save_model",
    "to_config_value",
    "write_bundle",
]
