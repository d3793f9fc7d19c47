"""FairPTGAN: cross-group tempering with the sensitive attribute as a condition (§2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..data.validate import check_group_column
from ..errors import InvalidDataError, InvalidParameterError, spelled
from ..nn.activations import draw_categories, onehot_groups
from ..train import TemperedObjective
from .fair_teacher import FairTeacher, teacher_strength
from .layout import TrainingData
from .ptgan import PTGAN, PTGANLayout


@dataclass(kw_only=True)
class FairLayout(PTGANLayout):
    """FairPTGAN's layout: the networks model every column but the sensitive one (a
    condition, copied into the output); what sampling needs is built once here.

    sensitive : the sensitive one-hot's (start, stop) in the encoded row; keep : the
    encoded columns the networks model; onehots : the one-hot spans grouped for category
    draws; teacher_columns / free_teacher_columns : what each teacher reads (None without
    a label constraint).
    """

    sensitive: tuple[int, int]
    keep: torch.Tensor
    onehots: list
    teacher_columns: torch.Tensor | None = None
    free_teacher_columns: torch.Tensor | None = None


class FairPTGAN(PTGAN):
    """PTGAN whose temperature moves the data towards independence from a sensitive column.

    Each row of group a is tempered with a partner drawn from the *other* groups:
    q = α·x_a + (1 − α)·x_b, labelled with group a. α = 1 is the original data; for two
    groups α = 1/2 makes every column independent of the sensitive attribute. The sensitive
    column is not interpolated: it is a condition of both networks and is copied into the
    output. One fit serves every α: `alpha` is only the default of `sample`.

    Parameters (beyond PTGAN's)
    ---------------------------
    sensitive : name of the sensitive column (categorical or boolean, ≥ 2 groups, no NaN).
    alpha : default temperature of `sample` (0.5 = fair for two groups, 1 = original law).
    fairness : the additional fairness constraint on the target: 'teacher' (default; the
        target of a share 2·(1 − α) of the rows is drawn from a demographic-parity teacher,
        that of the others from an unconstrained logistic teacher, both fitted on the real
        rows, see fair_teacher.py) or 'none' (cross-group tempering only, the generator's own
        labels). Needs a binary `target`.
    fairness_bound : the teacher's demographic-parity bound (fairlearn difference_bound).
    coherency : as in PTGAN, but 0 by default here: even λ = 1 halves how much the income
        rate depends on the group at α = 1 (gap 0.115–0.165 vs real 0.196; λ = 0: 0.169–0.198
        over 3 seeds, docs/benchmarks.md). Tempering and the gradient penalty stay on.
    target_consistency : as in PTGAN, but off by default here: it lifts the α = 1 rows' LR AUC
        (0.845 → 0.882) yet makes the fair rows less fair downstream (α = 1/2 statistical
        parity 0.08–0.10 with it, 0.02–0.03 without, over 4 fits; docs/benchmarks.md).
    """

    def __init__(
        self,
        sensitive: str | None = None,
        *,
        alpha: float = 0.5,
        fairness: str = "teacher",
        fairness_bound: float = 0.003,
        epochs: int = 150,
        max_seconds: float | None = None,
        early_stopping: bool = True,
        validation_size: float | int = 0.1,
        batch_size: int = 500,
        r: float = 0.9,
        coherency: float = 0.0,
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
        target_consistency: float = 0.0,
        continuous: str = "mode",
        decode: str = "sample",
        kinds: dict[str, str] | None = None,
        target: str | None = None,
        device: str = "auto",
        random_state: int | None = None,
        verbose: bool = False,
        callbacks=None,
    ):
        super().__init__(
            epochs=epochs,
            max_seconds=max_seconds,
            early_stopping=early_stopping,
            validation_size=validation_size,
            batch_size=batch_size,
            r=r,
            coherency=coherency,
            gradient_penalty=gradient_penalty,
            loss=loss,
            label_smoothing=label_smoothing,
            spectral_norm=spectral_norm,
            conditional=conditional,
            log_gradient_variance=log_gradient_variance,
            noise_dim=noise_dim,
            generator_dims=generator_dims,
            critic_dims=critic_dims,
            lr_generator=lr_generator,
            lr_critic=lr_critic,
            betas=betas,
            critic_steps=critic_steps,
            ema_decay=ema_decay,
            target_consistency=target_consistency,
            continuous=continuous,
            decode=decode,
            kinds=kinds,
            target=target,
            device=device,
            random_state=random_state,
            verbose=verbose,
            callbacks=callbacks,
        )
        self.sensitive = sensitive
        self.alpha = alpha
        self.fairness = fairness
        self.fairness_bound = fairness_bound

    def _check_params(self) -> None:
        super()._check_params()
        if self.conditional is not None:
            # Cross-group partners would mix the condition's categories; the two schemes
            # need a joint design (partners of the other group *and* the same category).
            raise InvalidParameterError(
                "FairPTGAN does not support conditional= yet; use PTGAN(conditional=...)"
            )

    def _check_roles(self, df, schema) -> None:
        super()._check_roles(df, schema)
        candidates = schema.categorical_candidates()
        hint = f"low-cardinality categorical columns: {', '.join(candidates) or 'none'}"
        if self.sensitive is None:
            raise InvalidParameterError(
                f"FairPTGAN needs a sensitive column: FairPTGAN(sensitive=...); {hint}. "
                "For plain tempering without one, use PTGAN."
            )
        check_group_column(df, self.sensitive, "sensitive", hint)
        if self.sensitive == self.target:
            raise InvalidParameterError("the sensitive column and the target must differ")
        if self.fairness == "teacher" and self.target is not None:
            y = df[self.target]
            if y.nunique(dropna=False) != 2 or schema[self.target].kind not in (
                "categorical",
                "boolean",
            ):
                raise spelled(
                    InvalidDataError,
                    f"target {self.target!r} has {y.nunique(dropna=False)} distinct values "
                    "(NaN included); the fairness teacher needs a binary target without "
                    "missing values: clean it, or pass ",
                    ("fairness='none'", "--fairness none"),
                )
        kind = schema[self.sensitive].kind
        if kind not in ("categorical", "boolean"):
            raise spelled(
                InvalidDataError,
                f"sensitive column {self.sensitive!r} was detected as {kind}; it must be "
                "categorical: pass ",
                (
                    f"kinds={{{self.sensitive!r}: 'categorical'}}",
                    f"--kind {self.sensitive}=categorical",
                ),
                f" or choose among the {hint}",
            )

    def _default_alpha(self) -> float:
        return float(self.alpha)

    def _layout(self) -> FairLayout:
        t = self.transformer_
        (span,) = [s for s in t.spans_of(self.sensitive) if s.kind == "onehot"]
        sensitive = (span.start, span.stop)
        keep = self._columns_except(sensitive)
        teacher_columns = free_teacher_columns = None
        if self.fairness == "teacher" and self.target is not None:
            target = self._target_span()
            # The fair teacher must not read the group itself: at α < 1 the generated rows'
            # proxies are tempered away, and a teacher that compensated for them through the
            # group one-hot would then create the opposite gap. The free teacher reads it:
            # the original law's label depends on the group directly too.
            teacher_columns = self._columns_except(target, sensitive)
            free_teacher_columns = self._columns_except(target)
        return FairLayout(
            _shift_spans(t.spans, span),
            len(keep),
            1 + (span.stop - span.start),
            sensitive=sensitive,
            keep=keep,
            onehots=onehot_groups(t.spans, self.device_),
            teacher_columns=teacher_columns,
            free_teacher_columns=free_teacher_columns,
        )

    def _columns_except(self, *spans: tuple[int, int]) -> torch.Tensor:
        """Indices of the encoded row's columns outside the given (start, stop) spans."""
        keep = [
            i
            for i in range(self.transformer_.output_dim)
            if not any(start <= i < stop for start, stop in spans)
        ]
        return torch.tensor(keep, device=self.device_)

    def _prepare(self, df, encoded: torch.Tensor, seed: int) -> TrainingData:
        layout = self.layout_
        start, stop = layout.sensitive
        groups = encoded[:, start:stop].argmax(1)
        rows = encoded[:, layout.keep]
        counts = torch.bincount(groups, minlength=stop - start)
        self.group_shares_ = (counts / counts.sum()).cpu().numpy()
        self.teacher_ = self.free_teacher_ = None
        if layout.teacher_columns is not None:
            features = encoded[:, layout.teacher_columns].cpu().numpy()
            t_start, t_stop = self._target_span()
            y = encoded[:, t_start:t_stop].argmax(1).cpu().numpy()
            self.free_teacher_ = FairTeacher.fit_free(
                encoded[:, layout.free_teacher_columns].cpu().numpy(),
                y,
                max_rows=100_000,
                random_state=seed,
            ).to(self.device_)
            self.teacher_ = FairTeacher.fit(
                features,
                y,
                groups.cpu().numpy(),
                bound=self.fairness_bound,
                max_rows=20_000,
                random_state=seed,
            ).to(self.device_)
        return TrainingData(rows, groups=groups)

    def _target_span(self) -> tuple[int, int]:
        (span,) = [s for s in self.transformer_.spans_of(self.target) if s.kind == "onehot"]
        return span.start, span.stop

    def _tensors(self) -> dict[str, torch.Tensor]:
        tensors = super()._tensors()
        for name in ("teacher", "free_teacher"):
            teacher = getattr(self, f"{name}_")
            if teacher is not None:
                tensors.update({f"{name}.{k}": v for k, v in teacher.tensors().items()})
        return tensors

    def _restore_tensors(self, tensors: dict) -> None:
        for name in ("teacher", "free_teacher"):
            prefix = f"{name}."
            part = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
            teacher = FairTeacher.from_tensors(part).to(self.device_) if part else None
            setattr(self, f"{name}_", teacher)

    def _file_state(self) -> dict:
        return {**super()._file_state(), "group_shares": self.group_shares_.tolist()}

    def _restore_state(self, state: dict) -> None:
        super()._restore_state(state)
        self.group_shares_ = np.asarray(state["group_shares"], dtype=np.float64)

    @property
    def _n_groups(self) -> int:
        start, stop = self.layout_.sensitive
        return stop - start

    def _condition(self, alpha: torch.Tensor, idx: torch.Tensor, data) -> torch.Tensor:
        return self._condition_groups(alpha, data.groups[idx])

    def _condition_groups(self, alpha: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        onehot = torch.nn.functional.one_hot(groups, self._n_groups).to(alpha.dtype)
        return torch.cat([alpha[:, None], onehot], dim=1)

    def _objective(self, data, sampler, networks=None) -> TemperedObjective:
        objective = super()._objective(data, sampler, networks)
        objective.cross_group = True
        return objective

    def _generate_with(
        self, generator, m: int, alpha: float, gen: torch.Generator, group_shares=None
    ) -> torch.Tensor:
        shares = self._check_shares(group_shares)
        dev, layout = self.device_, self.layout_
        groups = torch.multinomial(shares, m, replacement=True, generator=gen)
        full = self._rows_of_groups(generator, groups, gen)
        if alpha < 1.0:
            # Cross-group tempering of the generated law (algorithms.md §2, as implemented):
            # each row is mixed with a generated row of another group, exactly as training
            # tempers real rows. The networks' own α input moves their output too little to
            # be relied on (docs/benchmarks.md), this construction is exact: for two groups,
            # α = 1/2 gives every column the same law in both groups.
            partners = self._partner_groups(groups, shares, gen)
            full = alpha * full + (1.0 - alpha) * self._rows_of_groups(generator, partners, gen)
        start, stop = layout.sensitive
        full[:, start:stop] = torch.nn.functional.one_hot(groups, stop - start).to(full.dtype)
        strength = teacher_strength(alpha)
        free = self.free_teacher_  # None in model files written before the free teacher
        if self.teacher_ is not None and (strength > 0 or free is not None):
            # The teachers must label the rows the user will see: draw each category of the
            # soft (tempered) row first, as decoding would, then draw the target of a
            # `strength` share of rows from the fair teacher applied to those hard rows and
            # that of the others from the free teacher (without one: keep the generator's).
            full = draw_categories(full, layout.onehots, gen)
            fair = torch.rand(m, device=dev, generator=gen) < strength
            p = self.teacher_.positive_probability(full[:, layout.teacher_columns])
            if free is not None:
                p_free = free.positive_probability(full[:, layout.free_teacher_columns])
                p = torch.where(fair, p, p_free)
            label = (torch.rand(m, device=dev, generator=gen) < p).long()
            start, stop = self._target_span()
            teacher_onehot = torch.nn.functional.one_hot(label, stop - start).to(full.dtype)
            taught = fair if free is None else torch.ones_like(fair)
            full[:, start:stop] = torch.where(taught[:, None], teacher_onehot, full[:, start:stop])
        return full

    def _rows_of_groups(
        self, generator, groups: torch.Tensor, gen: torch.Generator
    ) -> torch.Tensor:
        """Encoded rows (full transformer width) of the data law (α = 1) for these groups."""
        m, dev = len(groups), self.device_
        z = torch.randn(m, self.noise_dim, device=dev, generator=gen)
        out = generator(z, self._condition_groups(torch.ones(m, device=dev), groups))
        full = torch.zeros(m, self.transformer_.output_dim, device=dev)
        full[:, self.layout_.keep] = out
        return full

    def _partner_groups(
        self, groups: torch.Tensor, shares: torch.Tensor, gen: torch.Generator
    ) -> torch.Tensor:
        """A group other than each row's own, drawn by the shares of the others (the pooled
        partner law of training)."""
        weights = shares.expand(len(groups), -1).clone()
        weights[torch.arange(len(groups), device=groups.device), groups] = 0.0
        if self._n_groups == 1 or bool((weights.sum(1) == 0).any()):
            return groups  # no other group to mix with (e.g. group_shares on one group)
        return torch.multinomial(weights, 1, generator=gen)[:, 0]

    def _check_shares(self, group_shares) -> torch.Tensor:
        if group_shares is None:
            shares = np.asarray(self.group_shares_, dtype=np.float64)
        else:
            labels = self.group_labels_
            if isinstance(group_shares, dict):
                unknown = set(group_shares) - set(labels)
                if unknown:
                    raise InvalidParameterError(
                        f"group_shares names unknown groups {sorted(map(str, unknown))}; "
                        f"groups of {self.sensitive!r} are {labels}"
                    )
                shares = np.array([float(group_shares.get(g, 0.0)) for g in labels])
            else:
                shares = np.asarray(group_shares, dtype=np.float64)
            if shares.shape != (len(labels),) or (shares < 0).any() or shares.sum() <= 0:
                raise InvalidParameterError(
                    f"group_shares must give a non-negative weight to each group of "
                    f"{self.sensitive!r} ({labels})"
                )
        return torch.as_tensor(shares / shares.sum(), dtype=torch.float32, device=self.device_)

    @property
    def group_labels_(self) -> list:
        """The sensitive groups, in the order of the one-hot span (and of group_shares_)."""
        start, stop = self.layout_.sensitive
        eye = np.eye(stop - start, self.transformer_.output_dim, k=start, dtype=np.float32)
        return self.transformer_.inverse_transform(eye, decode="argmax")[self.sensitive].tolist()


def _shift_spans(spans, removed):
    """The span layout once the `removed` span's columns are cut out of the encoded row."""
    width = removed.stop - removed.start
    out = []
    for s in spans:
        if s == removed:
            continue
        shift = width if s.start >= removed.stop else 0
        out.append(s._replace(start=s.start - shift, stop=s.stop - shift))
    return out
