"""The shared trainer: loop, minibatch sampler, objectives."""

from .loop import Callback, LoopConfig, TrainingLoop
from .objectives import TemperedObjective, symmetric_temperature
from .sampler import MinibatchSampler

__all__ = [
    "Callback",
    "LoopConfig",
    "MinibatchSampler",
    "TemperedObjective",
    "TrainingLoop",
    "symmetric_temperature",
]
