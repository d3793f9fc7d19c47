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

from ..errors import InvalidDataError, InvalidParameterError
from ..train.conditional import ConditionalSampler


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
    """The checks that involve several keywords (each one's range is in fairsynth.params)."""
    if model.label_smoothing > 0 and model.loss != "ns":
        raise InvalidParameterError(
            f"label_smoothing only applies to loss='ns' (a Wasserstein critic has no labels); "
            f"got loss={model.loss!r}"
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
    """Condition vector, sampler and cross-entropy penalty of conditional generation.

    Learned state is the span and the category shares (sampling draws conditions from
    them); each training row's category (`codes`) belongs to the fit's TrainingData.
    """

    def __init__(self, span: tuple[int, int], shares: torch.Tensor | None = None):
        self.start, self.stop = span
        self.shares = shares

    def fit(self, encoded: torch.Tensor) -> torch.Tensor:
        """Set the shares from the encoded training rows; returns each row's category."""
        codes = encoded[:, self.start : self.stop].argmax(1)
        counts = torch.bincount(codes, minlength=self.width).to(torch.float32)
        self.shares = counts / counts.sum()
        return codes

    @property
    def width(self) -> int:
        return self.stop - self.start

    def onehot(self, codes: torch.Tensor) -> torch.Tensor:
        return F.one_hot(codes, self.width).to(torch.float32)

    def sampler(self, base, codes: torch.Tensor) -> ConditionalSampler:
        return ConditionalSampler(base.n_rows, base.batch_size, base.generator, codes)

    def penalty(self, codes: torch.Tensor):
        """The generator penalty (fake, idx) -> (loss, logs) for rows of these categories."""

        def cross_entropy(fake: torch.Tensor, idx: torch.Tensor):
            # Cross-entropy between the generated span (a softmax) and the asked-for
            # category: without it the generator could ignore the condition.
            prob = fake[:, self.start : self.stop].gather(1, codes[idx][:, None]).squeeze(1)
            ce = -(prob.clamp_min(1e-8)).log().mean()
            return ce, {"cond_ce": ce.detach()}

        return cross_entropy
