"""PTGAN: one generator for a whole family of parallel-tempered laws (algorithms.md §1)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from .. import fairness as F
from ..data.canonical import CanonicalRows
from ..errors import InvalidDataError, InvalidParameterError
from ..nn.activations import draw_categories, onehot_groups
from ..train import TemperedObjective, symmetric_temperature
from ..train.auxiliary import TargetConsistency
from ..train.objectives import condition_extra
from ..train.precision import choose_precision
from ..train.runtime import resolve_device
from ._stabilisers import (
    ConditionalPart,
    check_conditional_column,
    check_stabilisers,
    conditional_span,
    resolve_loss,
)
from .base import BaseSynthesizer
from .layout import Layout, TrainingData


@dataclass
class PTGANLayout(Layout):
    """PTGAN's layout: every encoded column; the condition is t(α) and, with `conditional`,
    the one-hot of the column's category."""

    conditional: ConditionalPart | None = None
    # what relabelling generated rows reads (PTGAN's label model, FairPTGAN's constraint):
    # the one-hot spans grouped for category draws, and the decoded numbers' encoding
    onehots: list | None = None
    canonical: CanonicalRows | None = None


# The fix a PTGAN names when its target cannot have a label model.
_GENERATOR_LABELS = "labels='generator' (--labels generator) for the generator's own labels"


class PTGAN(BaseSynthesizer):
    """Parallel-tempered GAN for mixed-type tables.

    The generator and critic learn, jointly, the data (α = 1) and its tempered laws
    α·x1 + (1 − α)·x2 of independent rows, kept coherent across temperatures by a penalty
    on the critic's directional derivative. `sample(n)` returns rows of the original law.

    Parameters
    ----------
    epochs : passes over the table (steps per epoch = rows / batch_size generator steps);
        None (the default): the automatic budget, at least 150 epochs and at least 3,000
        generator steps (fairsynth.params.budget_epochs). An integer is exactly that many.
    max_seconds : wall-time budget; training stops at whichever of epochs/seconds comes first.
    early_stopping : hold validation_size rows out of training and stop when a cheap fidelity
        score on them stalls (epochs is then the maximum), keeping the generator of the best
        score (docs/user-guide.md, "Early stopping"); skipped on tables under 1,000 rows.
    validation_size : rows held out for early stopping: a fraction of the table (at most
        5,000 rows) or a number of rows.
    batch_size : rows per minibatch.
    r : share of rows kept at the original law in each batch (α ~ r·δ₁ + (1 − r)·U(0, 1));
        r = 1 trains only the data law (no tempering).
    coherency : weight λ of the coherency penalty (0 turns it off).
    gradient_penalty : WGAN-GP weight on real/fake interpolates (0 = off).
    loss : 'ptgan' (Wasserstein critic with the r/coherency/gradient_penalty above),
        'wgan-gp' (r = 1, no coherency, gradient penalty 10 unless set) or 'ns'
        (non-saturating GAN, no tempering); see docs/strategies.md.
    label_smoothing : one-sided label smoothing of the 'ns' critic (0.1: real target 0.9).
    spectral_norm : spectral normalisation of every critic layer.
    conditional : a categorical column to condition on (CTGAN-style conditional vector with
        training-by-sampling by log-frequency and a cross-entropy penalty); None = off.
    log_gradient_variance : every k generator steps log the critic-gradient variance over
        minibatches into history_ (columns grad_var, grad_norm2); 0 = off.
    noise_dim, generator_dims, critic_dims : network sizes.
    lr_generator, lr_critic, betas : Adam settings (separate rates allow TTUR).
    critic_steps : critic updates per generator update.
    ema_decay : the fitted generator is an exponential moving average of its weights over the
        training steps with this decay (0 = the last weights); it damps the step-to-step
        oscillation of adversarial training (docs/algorithms.md).
    target_consistency : weight of the auxiliary-classifier loss that keeps generated rows'
        features consistent with their generated `target` (0 = off; needs `target`).
    continuous : 'bins' (default: quantile bins, values holding ≥ 5 % of the rows exact,
        values drawn within the generated bin from the data's own law in it), 'mode'
        (mode-specific normalisation with the same exact values) or 'quantile'
        (quantile-to-normal). With 'quantile' the
        generator under-disperses numerics and drops zero-inflated tails (Adult: capital_gain
        non-zero in 0.2 % of rows, not 8 %), which costs downstream AUC (docs/benchmarks.md).
    heads : the generator's categorical output heads in training: 'chain' (default: the
        columns emitted in sequence, each head reading the categories drawn before it,
        nn/chain.py), 'commit' (every fake row generated at α = 1 with its categories drawn
        straight-through, so the critic judges rows as decoding draws them; a tempered fake
        is the convex mixture of two generated rows; 'chain' does the same) or 'soft'
        (softmax categories, the generator conditioned on the row's temperature). With
        'commit' or 'chain', sample(alpha < 1) mixes two generated rows the same way.
    decode : how soft categories are decoded: 'sample' (default) or 'argmax'.
    kinds : {column: kind} overrides of the detected column kinds.
    target : name of the label column: evaluation reads it, and `labels` says how it is drawn.
    labels : with a `target`, how the sampled rows' target is drawn: 'auto' (default: from a
        label model — a one-hidden-layer MLP of the target given the rest of the row, fitted
        on the real training rows, fairsynth.fairness.FreeLabels — when the target is a
        column of classes (categorical, boolean, or integer with at most 10 values) other
        than the `conditional` one; else the generator's own), 'model' (the label model;
        an error when the target has no classes) or 'generator' (the generator's own labels).
        The label model draws the target of rows at α = 1 (tempered rows keep the mixture's).
    device : 'auto' (CUDA when present), 'cpu', 'cuda', 'cuda:1', ...
    random_state : seed; the same seed gives the same rows on CPU.
    verbose : show a progress bar with the losses.
    callbacks : callables (epoch, logs) -> bool run after each epoch; True stops training.
    """

    def __init__(
        self,
        *,
        epochs: int | None = None,
        max_seconds: float | None = None,
        early_stopping: bool = True,
        validation_size: float | int = 0.1,
        batch_size: int = 500,
        r: float = 0.9,
        coherency: float = 1.0,
        gradient_penalty: float = 10.0,
        loss: str = "ptgan",
        label_smoothing: float = 0.0,
        spectral_norm: bool = False,
        conditional: str | None = None,
        log_gradient_variance: int = 0,
        noise_dim: int = 64,
        generator_dims: tuple[int, ...] = (256, 256),
        critic_dims: tuple[int, ...] = (256, 256),
        lr_generator: float = 2e-4,
        lr_critic: float = 2e-4,
        betas: tuple[float, float] = (0.5, 0.9),
        critic_steps: int = 1,
        ema_decay: float = 0.999,
        target_consistency: float = 1.0,
        heads: str = "chain",
        continuous: str = "bins",
        decode: str = "sample",
        kinds: dict[str, str] | None = None,
        target: str | None = None,
        labels: str = "auto",
        device: str = "auto",
        random_state: int | None = None,
        verbose: bool = False,
        callbacks=None,
    ):
        self.epochs = epochs
        self.max_seconds = max_seconds
        self.early_stopping = early_stopping
        self.validation_size = validation_size
        self.batch_size = batch_size
        self.r = r
        self.coherency = coherency
        self.gradient_penalty = gradient_penalty
        self.loss = loss
        self.label_smoothing = label_smoothing
        self.spectral_norm = spectral_norm
        self.conditional = conditional
        self.log_gradient_variance = log_gradient_variance
        self.noise_dim = noise_dim
        self.generator_dims = generator_dims
        self.critic_dims = critic_dims
        self.lr_generator = lr_generator
        self.lr_critic = lr_critic
        self.betas = betas
        self.critic_steps = critic_steps
        self.ema_decay = ema_decay
        self.target_consistency = target_consistency
        self.heads = heads
        self.continuous = continuous
        self.decode = decode
        self.kinds = kinds
        self.target = target
        self.labels = labels
        self.device = device
        self.random_state = random_state
        self.verbose = verbose
        self.callbacks = callbacks

    def _check_params(self) -> None:
        super()._check_params()
        check_stabilisers(self)

    def _check_roles(self, df, schema) -> None:
        super()._check_roles(df, schema)
        check_conditional_column(self, df, schema)
        self._choose_labels(df, schema)

    def _choose_labels(self, df, schema) -> None:
        """Set `label_model_` (unfitted; None: the generator's own labels) and
        `labels_summary_`, which says where the target's labels come from."""
        self.label_model_, why = None, None
        if self.target is None:
            self.labels_summary_ = None
            return
        if self.labels == "generator":
            why = "labels='generator'"
        elif self.target == self.conditional:
            why = "the target is the conditional column: its categories are asked for"
            if self.labels == "model":
                raise InvalidParameterError(
                    f"labels='model' relabels the target, but conditional={self.conditional!r} "
                    "asks for its categories: drop one of them"
                )
        else:
            try:
                classes = F.label_classes(df, schema, self.target, _GENERATOR_LABELS)
            except InvalidDataError as exc:
                if self.labels == "model":
                    raise InvalidDataError(
                        f"labels='model' needs a target of classes: {exc}"
                    ) from None
                why = f"target {self.target!r} is not a column of at most {F.MAX_CLASSES} classes"
            else:
                self.label_model_ = F.FreeLabels("mlp")
                self.labels_summary_ = {
                    "target": self.target,
                    "source": "model",
                    "classes": classes,
                    "description": self.label_model_.describe(),
                }
                return
        self.labels_summary_ = {"target": self.target, "source": "generator", "why": why}

    def _layout(self) -> PTGANLayout:
        t = self.transformer_
        cond, cond_dim = None, 1
        if self.conditional is not None:
            cond = ConditionalPart(conditional_span(t, self.conditional))
            cond_dim += cond.width
        return PTGANLayout(
            t.spans,
            t.output_dim,
            cond_dim,
            conditional=cond,
            onehots=onehot_groups(t.spans, self.device_),
            canonical=CanonicalRows(t, self.device_),
        )

    def _prepare(self, df, encoded: torch.Tensor, seed: int) -> TrainingData:
        cond = self.layout_.conditional
        codes = None if cond is None else cond.fit(encoded)
        if self.label_model_ is not None:
            columns = self._label_columns()
            y = encoded[:, columns.target[0] : columns.target[1]].argmax(1).cpu().numpy()
            self.label_model_.bind(columns)
            self.label_model_.fit(encoded, y, None, seed)
        return TrainingData(encoded, codes=codes)

    def _label_columns(self) -> F.LabelColumns:
        return F.LabelColumns.of(
            self.transformer_, self._target_span(self.target), (), self.device_
        )

    def _target_span(self, target: str) -> tuple[int, int]:
        """The (start, stop) of the target's one-hot in the encoded rows."""
        (span,) = [s for s in self.transformer_.spans_of(target) if s.kind == "onehot"]
        return span.start, span.stop

    def _relabel(self, rows: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
        """Generated rows of the original law with their target drawn by the label model:
        each category is drawn first, as decoding would, and the numbers read as their
        decoded values would be encoded (data/canonical.py)."""
        layout, model = self.layout_, self.label_model_
        rows = draw_categories(rows, layout.onehots, gen)
        label, _ = model.labels(layout.canonical(rows), None, 1.0, gen)
        start, stop = model.columns.target
        rows[:, start:stop] = torch.nn.functional.one_hot(label, stop - start).to(rows.dtype)
        return rows

    def _condition(
        self, alpha: torch.Tensor, idx: torch.Tensor, data: TrainingData
    ) -> torch.Tensor:
        t = symmetric_temperature(alpha)[:, None]
        cond = self.layout_.conditional
        if cond is None:
            return t
        return torch.cat([t, cond.onehot(data.codes[idx])], dim=1)

    def _context_labels(self) -> list[str]:
        cond = self.layout_.conditional
        labels = self._row_labels()[cond.start : cond.stop] if cond is not None else []
        return ["temperature", *labels]

    def _objective(self, data: TrainingData, sampler, networks=None) -> TemperedObjective:
        """networks: the (generator, critic) to train, default the model's own (GAP passes
        each pair's)."""
        generator, critic = networks or (self.generator_, self.critic_)
        partner = penalty = None
        cond = self.layout_.conditional
        if cond is not None:
            sampler = cond.sampler(sampler, data.codes)
            partner, penalty = sampler.same_category, cond.penalty(data.codes)
        objective = TemperedObjective(
            generator=generator,
            critic=critic,
            data=data.rows,
            sampler=sampler,
            condition=lambda alpha, idx: self._condition(alpha, idx, data),
            cross_group=False,
            label_smoothing=self.label_smoothing,
            partner=partner,
            generator_penalty=penalty,
            heads=self.heads,
            share_fakes=self.critic_steps == 1,
            **resolve_loss(self),
        )
        if self.target_consistency > 0 and self.target is not None:
            objective.target_consistency = self._target_consistency(data, sampler.generator)
        return objective

    def _target_consistency(
        self, data: TrainingData, generator: torch.Generator
    ) -> TargetConsistency:
        layout = self.layout_
        (span,) = [s for s in layout.spans if s.column == self.target and s.kind == "onehot"]
        features = [i for i in range(layout.width) if not span.start <= i < span.stop]
        n = len(data)
        ones, rows = torch.ones(n, device=self.device_), torch.arange(n, device=self.device_)
        real = self._condition(ones, rows, data)
        return TargetConsistency(
            torch.tensor(features, device=self.device_),
            (span.start, span.stop),
            self.target_consistency,
        ).fit(data.rows, condition_extra(real), generator)

    def _generate(self, m: int, alpha: float, gen: torch.Generator, **options) -> torch.Tensor:
        return self._generate_with(self.generator_, m, alpha, gen, **options)

    def _generate_with(
        self, generator, m: int, alpha: float, gen: torch.Generator, **options
    ) -> torch.Tensor:
        """`_generate` with a given generator network (GAP samples its pairs' this way)."""
        if options:
            raise InvalidParameterError(
                f"{type(self).__name__}.sample got unknown options {sorted(options)}"
            )
        if alpha == 1:
            rows = self._rows(generator, m, alpha, gen)[0]
            return rows if self.label_model_ is None else self._relabel(rows, gen)
        if self.heads == "soft":
            return self._rows(generator, m, alpha, gen)[0]
        # Committed heads learn the data law (α = 1) only: a tempered row is the convex
        # mixture of two of its rows (of the same category when conditional), as the
        # critic saw them in training.
        one, codes = self._rows(generator, m, 1.0, gen)
        two, _ = self._rows(generator, m, 1.0, gen, codes)
        return alpha * one + (1 - alpha) * two

    def _rows(self, generator, m: int, alpha: float, gen, codes=None):
        """m generated rows at α and the conditioning categories they were given."""
        z = torch.randn(m, self.noise_dim, device=self.device_, generator=gen)
        t = symmetric_temperature(torch.full((m,), alpha, device=self.device_))[:, None]
        cond = self.layout_.conditional
        if cond is None:
            return generator(z, t, gen), None
        # Conditions follow the data's category shares; the condition's span of the output
        # is the asked-for category, so the column's marginal is exact.
        if codes is None:
            shares = cond.shares.to(self.device_)
            codes = torch.multinomial(shares, m, replacement=True, generator=gen)
        onehot = cond.onehot(codes)
        out = generator(z, torch.cat([t, onehot], dim=1), gen, {cond.start: onehot})
        out[:, cond.start : cond.stop] = onehot
        return out, codes

    def _gradient_variance_every(self) -> int:
        return self.log_gradient_variance

    def _ema_decay(self) -> float:
        return self.ema_decay

    def _precision(self) -> str:
        # before a fit (planning a budget from _loop_config) the device is not resolved
        # yet: the requested one
        device = getattr(self, "device_", None) or resolve_device(self.device)
        return choose_precision(device)[0]

    def _finish_fit(self, df, data, objective) -> None:
        super()._finish_fit(df, data, objective)
        if self.labels_summary_ is not None:
            self.training_summary_["labels"] = self.labels_summary_

    def _file_state(self) -> dict:
        state = super()._file_state()
        cond = self.layout_.conditional
        if cond is not None:
            state["conditional_shares"] = cond.shares.cpu().tolist()
        if self.label_model_ is not None:
            state["label_model"] = self.label_model_.state()
        return state

    def _restore_state(self, state: dict) -> None:
        super()._restore_state(state)
        cond = self.layout_.conditional
        if cond is not None:
            cond.shares = torch.tensor(state["conditional_shares"], dtype=torch.float32)
        # files written before the label model: the generator's own labels
        self._pending_labels = state.get("label_model")

    def _tensors(self) -> dict[str, torch.Tensor]:
        return {**super()._tensors(), **self._label_tensors()}

    def _label_tensors(self) -> dict[str, torch.Tensor]:
        """The fitted tensors of what draws the target (saved beside the networks)."""
        return {} if self.label_model_ is None else self.label_model_.tensors()

    def _restore_tensors(self, tensors: dict) -> None:
        state = self.__dict__.pop("_pending_labels", None)
        self.label_model_ = None
        if state is not None:
            self.label_model_ = F.restore(state, tensors, self._label_columns())
