"""Network building blocks shared by every synthesizer."""

from .activations import SpanActivation
from .networks import Critic, Generator

__all__ = ["Critic", "Generator", "SpanActivation"]
