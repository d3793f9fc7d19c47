"""Stabiliser options of PTGAN/FairPTGAN (algorithms.md §4): loss presets, their checks,
and conditional generation on a column (CTGAN's conditional vector + training-by-sampling).

`loss` names a configuration of the one tempered objective, so that "PTGAN vs WGAN-GP vs
GAN" is a comparison of parameters, not of code paths:

* ``"ptgan"``: Wasserstein critic with the user's r, coherency and gradient_penalty
  (``PTGAN(r=1.0, coherency=0, gradient_penalty=10)`` is exactly WGAN-GP);
* ``"wgan-gp"``: the same critic with tempering and coherency off (r = 1, λ = 0) and the
  gradient penalty at ``gradient_penalty`` or, when that is 0, at the usual 10;
* ``"ns"``: the non-saturating GAN (logit critic, −log D(G(z)) generator), no tempering,
  no coherency, no gradient penalty, optional one-sided label smoothing.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..errors import InvalidDataError, InvalidParameterError, param_error
from ..train.conditional import ConditionalSampler

LOSSES = ("ptgan", "wgan-gp", "ns")


def resolve_loss(model) -> dict:
    """The objective's effective settings for the model's `loss` preset."""
    if model.loss == "ptgan":
        return {
            "loss": "wasserstein",
            "r": model.r,
            "coherency": model.coherency,
            "gradient_penalty": model.gradient_penalty,
        }
    if model.loss == "wgan-gp":
        return {
            "loss": "wasserstein",
            "r": 1.0,
            "coherency": 0.0,
            "gradient_penalty": model.gradient_penalty or 10.0,
        }
    return {"loss": "ns", "r": 1.0, "coherency": 0.0, "gradient_penalty": 0.0}


def check_stabilisers(model) -> None:
    name = type(model).__name__
    if model.loss not in LOSSES:
        raise param_error("loss", model.loss, f"use one of {', '.join(LOSSES)}")
    if not 0.0 <= model.label_smoothing < 0.5:
        raise InvalidParameterError(
            f"label_smoothing={model.label_smoothing!r} must lie in [0, 0.5); 0.1 gives the "
            "usual one-sided target 0.9"
        )
    if model.label_smoothing > 0 and model.loss != "ns":
        raise InvalidParameterError(
            f"label_smoothing only applies to loss='ns' (a Wasserstein critic has no labels); "
            f"got loss={model.loss!r}"
        )
    every = model.log_gradient_variance
    if isinstance(every, bool) or not isinstance(every, int) or every < 0:
        raise InvalidParameterError(
            f"log_gradient_variance={every!r}: give a number of steps between measurements "
            f"(0 = off); see help({name})"
        )


def check_conditional_column(model, df, schema) -> None:
    col = model.conditional
    if col is None:
        return
    if col not in df.columns:
        raise InvalidDataError(f"conditional column {col!r} is not in the table")
    kind = schema[col].kind
    if kind not in ("categorical", "boolean"):
        raise InvalidDataError(
            f"conditional column {col!r} was detected as {kind}; conditional generation needs "
            f"a categorical column (pass kinds={{{col!r}: 'categorical'}} to force it)"
        )


def conditional_span(transformer, column: str) -> tuple[int, int]:
    (span,) = [s for s in transformer.spans_of(column) if s.kind == "onehot" and s.role == "value"]
    return span.start, span.stop


class ConditionalPart:
    """Condition vector, sampler and cross-entropy penalty of conditional generation."""

    def __init__(self, span: tuple[int, int], codes: torch.Tensor | None, shares: torch.Tensor):
        self.start, self.stop = span
        self.codes = codes  # category of each training row (None after loading a file)
        self.shares = shares  # empirical category shares: sampling draws conditions from them

    @classmethod
    def from_data(cls, span, encoded: torch.Tensor) -> ConditionalPart:
        codes = encoded[:, span[0] : span[1]].argmax(1)
        counts = torch.bincount(codes, minlength=span[1] - span[0]).to(torch.float32)
        return cls(span, codes, counts / counts.sum())

    @property
    def width(self) -> int:
        return self.stop - self.start

    def onehot(self, codes: torch.Tensor) -> torch.Tensor:
        return F.one_hot(codes, self.width).to(torch.float32)

    def sampler(self, base) -> ConditionalSampler:
        return ConditionalSampler(base.n_rows, base.batch_size, base.generator, self.codes)

    def penalty(self, fake: torch.Tensor, idx: torch.Tensor):
        # Cross-entropy between the generated span (a softmax) and the asked-for category:
        # without it the generator could ignore the condition and leave it to the critic.
        prob = fake[:, self.start : self.stop].gather(1, self.codes[idx][:, None]).squeeze(1)
        ce = -(prob.clamp_min(1e-8)).log().mean()
        return ce, {"cond_ce": ce.detach()}
