"""FairPTGAN: cross-group tempering with the sensitive attribute as a condition (§2)."""

from __future__ import annotations

import itertools
import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .. import fairness as F
from ..data.canonical import CanonicalRows
from ..data.validate import check_group_column
from ..errors import FairsynthWarning, InvalidDataError, InvalidParameterError, spelled
from ..nn.activations import draw_categories, onehot_groups
from ..train import TemperedObjective
from .layout import TrainingData
from .ptgan import PTGAN, PTGANLayout


@dataclass(kw_only=True)
class FairLayout(PTGANLayout):
    """FairPTGAN's layout: the networks model every column but the sensitive ones (their
    group is a condition, written into the output); what sampling needs is built once here.

    sensitive : each sensitive column's one-hot (start, stop) in the encoded row, in the
    order the columns were given; components : (groups, columns) the category of each
    column in each group; strides : a row's group code is Σ category · stride (the last
    column varies fastest, so one column's codes are its categories); keep : the encoded
    columns the networks model; tempering : how sampling tempers
    (fairsynth.fairness.tempering's scheme: files written before the pooled scheme keep
    giving the rows they gave).
    What the label constraint reads is its own (fairsynth.fairness).
    """

    sensitive: tuple[tuple[int, int], ...]
    components: torch.Tensor
    strides: tuple[int, ...]
    keep: torch.Tensor
    tempering: str = "pooled"

    @property
    def n_groups(self) -> int:
        return len(self.components)


class FairPTGAN(PTGAN):
    """PTGAN whose temperature moves the data towards independence from a sensitive column.

    In training each row of group a is tempered with a partner drawn from the *other*
    groups: q = α·x_a + (1 − α)·x_b, labelled with group a. Sampling moves each group's law
    towards the table's, (2α − 1)·P_a + (2 − 2α)·P for α ≥ 1/2 (fairsynth.fairness.tempering):
    α = 1 is the original data, α = 1/2 makes every column independent of the sensitive
    attribute, for any number of groups. The sensitive
    column is not interpolated: it is a condition of both networks and is copied into the
    output. One fit serves every α: `alpha` is only the default of `sample`.

    Parameters (beyond PTGAN's)
    ---------------------------
    sensitive : name of the sensitive column (categorical or boolean, ≥ 2 groups, no NaN),
        or a list of several such columns: the groups are then the combinations of their
        values ('Female & Black', at most 64 of them), tempered against each other exactly
        as one column's groups are; each column comes out with its own values and dtype.
    alpha : default temperature of `sample` (0.5 = fair for two groups, 1 = original law).
    fairness : the label constraint on the target (fairsynth.fairness), by name or object:
        'teacher' (the target of a share 2·(1 − α) of the rows is drawn from a
        demographic-parity teacher, that of the others from an unconstrained MLP, both
        fitted on the real rows; binary targets), 'quantile' (strong statistical parity:
        one free MLP classifier, each group's P(y | row) quantile-mapped onto the pooled
        law at sampling; any number of classes), 'none' (cross-group tempering only, the
        generator's own labels), or 'auto' (default: for a binary target 'teacher', or
        'quantile' when an MLP predicts the label clearly better than a logistic regression
        — the teacher's fair labels are linear — or there are more than two groups;
        'quantile' for more classes). Both read the
        generated rows as their decoded values would be encoded. Without `target` the
        label is inferred when the table makes it unambiguous (fairsynth.fairness.targets,
        with a warning naming it); otherwise 'auto' warns that no label constraint runs and a named
        constraint is an error. `fairness_` is the fitted constraint, `target_` its column,
        training_summary_["fairness"] says which is active.
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
        sensitive: str | list[str] | tuple[str, ...] | None = None,
        *,
        alpha: float = 0.5,
        fairness="auto",
        fairness_bound: float = 0.003,
        epochs: int | None = None,
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
        heads: str = "chain",
        continuous: str = "bins",
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
            heads=heads,
            continuous=continuous,
            decode=decode,
            kinds=kinds,
            target=target,
            device=device,
            random_state=random_state,
            verbose=verbose,
            callbacks=callbacks,
        )
        del self.labels  # PTGAN's label model: FairPTGAN's labels are its `fairness`
        self.sensitive = sensitive
        self.alpha = alpha
        self.fairness = fairness
        self.fairness_bound = fairness_bound

    def _check_params(self) -> None:
        self._check_distinct_sensitive()
        super()._check_params()
        if self.conditional is not None:
            # Cross-group partners would mix the condition's categories; the two schemes
            # need a joint design (partners of the other group *and* the same category).
            raise InvalidParameterError(
                "FairPTGAN does not support conditional= yet; use PTGAN(conditional=...)"
            )

    def _sensitive_columns(self) -> list[str]:
        """The sensitive columns as a list: the one name, or the several given."""
        return [self.sensitive] if isinstance(self.sensitive, str) else list(self.sensitive)

    def _sensitive_spelled(self) -> tuple[str, str]:
        """The sensitive columns as the caller wrote them, in Python and CLI spelling."""
        names = self._sensitive_columns()
        return f"sensitive={self.sensitive!r}", f"--sensitive {','.join(names)}"

    def _check_distinct_sensitive(self) -> None:
        # Before the table's constraint message: that one cannot say which name repeats.
        if isinstance(self.sensitive, list | tuple):
            names = [n for n in self.sensitive if isinstance(n, str)]
            twice = sorted({n for n in names if names.count(n) > 1})
            if twice:
                raise spelled(
                    InvalidParameterError,
                    "",
                    self._sensitive_spelled(),
                    f" names {', '.join(map(repr, twice))} more than once; list each "
                    "sensitive column once",
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
        names = self._sensitive_columns()
        for name in names:
            self._check_sensitive_column(df, schema, name, hint)
        if len(names) > 1:
            self._check_combinations(df, names)
        _warn_small_groups(_group_counts(df, names), names)
        self._choose_constraint(df, schema)

    def _choose_labels(self, df, schema) -> None:
        # The label constraint takes PTGAN's label model's place; it is chosen once the
        # sensitive columns are checked (_choose_constraint).
        self.label_model_ = self.labels_summary_ = None

    def _check_sensitive_column(self, df, schema, name: str, hint: str) -> None:
        several = not isinstance(self.sensitive, str)
        check_group_column(
            df, name, "sensitive", hint, given=self._sensitive_spelled() if several else None
        )
        if name == self.target:
            python, cli = self._sensitive_spelled()
            raise spelled(
                InvalidParameterError,
                f"column {name!r} is both the target and a sensitive column (",
                (f"{python}, target={name!r}", f"{cli} --target {name}"),
                f"); a label cannot be a group: choose another target or drop {name!r} from "
                "the sensitive columns",
            )
        kind = schema[name].kind
        if kind not in ("categorical", "boolean"):
            raise spelled(
                InvalidDataError,
                f"sensitive column {name!r} was detected as {kind}; it must be categorical: pass ",
                (f"kinds={{{name!r}: 'categorical'}}", f"--kind {name}=categorical"),
                f" or choose among the {hint}",
            )

    def _check_combinations(self, df, names: list[str]) -> None:
        """Refuse more combination groups than can be learned (each is a condition the
        networks must learn and a group the constraint must be fair to)."""
        sizes = [int(df[name].nunique()) for name in names]
        total = math.prod(sizes)
        if total > MAX_GROUPS:
            raise spelled(
                InvalidDataError,
                f"the sensitive columns {', '.join(map(repr, names))} make "
                f"{' × '.join(map(str, sizes))} = {total} combination groups, more than the "
                f"{MAX_GROUPS} FairPTGAN takes: list fewer columns in ",
                self._sensitive_spelled(),
                " or merge rare categories into coarser ones (e.g. 'other') before fitting",
            )

    def _default_alpha(self) -> float:
        return float(self.alpha)

    def _fairness_name(self) -> str:
        f = self.fairness
        return f.name if isinstance(f, F.LabelConstraint) else str(f)

    def _choose_constraint(self, df, schema) -> None:
        """Set `target_` (given or inferred), `fairness_` (the unfitted constraint) and the
        summary that says which constraint is active (issue 14: never silently off)."""
        name = self._fairness_name()
        target, origin = self.target, "given"
        if target is None and name != "none":
            found, reason = F.infer_target(df, schema, self.sensitive)
            if found is not None:
                target, origin = found, f"inferred: {reason}"
                warnings.warn(
                    f"FairPTGAN: no target given; the label constraint acts on {found!r}, "
                    f"{reason}. Pass target=COLUMN (CLI: --target COLUMN) to choose another, "
                    "or fairness='none' (--fairness none) for tempering only",
                    FairsynthWarning,
                    stacklevel=4,
                )
            elif name != "auto":
                raise InvalidParameterError(
                    f"fairness={name!r} constrains a label, but no target was given and none "
                    f"can be inferred ({reason}); pass target=COLUMN (CLI: --target COLUMN), "
                    "or fairness='none' (--fairness none) for tempering only"
                )
            else:
                warnings.warn(
                    f"FairPTGAN: no target given and none can be inferred ({reason}): NO "
                    "label constraint runs. The rows are only tempered: at α = 0.5 (two "
                    f"groups) every column has the same law in each group of "
                    f"{self.sensitive!r}, so the table itself is fair, but a classifier "
                    "trained on the rows can still be unfair on real rows through the "
                    "sensitive column's proxies (Adult: SP 0.11 instead of 0.01). Pass "
                    "target=COLUMN (CLI: --target COLUMN) to constrain a label",
                    FairsynthWarning,
                    stacklevel=4,
                )
                origin = f"none: {reason}"
        self.target_ = target
        classes = None
        if target is None or name == "none":
            constraint = F.NoConstraint()
        else:
            classes = F.label_classes(df, schema, target)
            if name == "auto":  # a binary target's choice is made in _prepare, on the rows
                name = "teacher" if classes == 2 else "quantile"
            constraint = F.resolve(
                self.fairness if name == self._fairness_name() else name,
                bound=self.fairness_bound,
            )
            constraint.check_classes(target, classes)
        self.fairness_ = constraint
        self.fairness_summary_ = {
            "constraint": constraint.name,
            "target": target,
            "target_from": origin,
            "classes": classes,
            "description": constraint.describe(),
        }

    def _layout(self) -> FairLayout:
        t = self.transformer_
        spans = [self._onehot_span(name) for name in self._sensitive_columns()]
        sensitive = tuple((s.start, s.stop) for s in spans)
        widths = [s.stop - s.start for s in spans]
        # Every combination of the columns' categories is a group, in code order; those
        # absent from the training rows get a zero share and are never generated. The
        # layout follows from the transformer alone, so a model file needs no more state.
        components = torch.tensor(
            list(itertools.product(*map(range, widths))), dtype=torch.long, device=self.device_
        )
        keep = self._columns_except(*sensitive)
        return FairLayout(
            _shift_spans(t.spans, spans),
            len(keep),
            1 + len(components),
            sensitive=sensitive,
            components=components,
            strides=tuple(math.prod(widths[i + 1 :]) for i in range(len(widths))),
            keep=keep,
            onehots=onehot_groups(t.spans, self.device_),
            canonical=CanonicalRows(t, self.device_),
        )

    def _onehot_span(self, column: str):
        (span,) = [s for s in self.transformer_.spans_of(column) if s.kind == "onehot"]
        return span

    def _group_codes(self, encoded: torch.Tensor) -> torch.Tensor:
        """Each encoded row's group: its categories of the sensitive columns, as one code."""
        layout = self.layout_
        codes = torch.zeros(len(encoded), dtype=torch.long, device=encoded.device)
        for (start, stop), stride in zip(layout.sensitive, layout.strides, strict=True):
            codes = codes + encoded[:, start:stop].argmax(1) * stride
        return codes

    def _write_groups(self, full: torch.Tensor, groups: torch.Tensor) -> None:
        """Each sensitive column's one-hot of the rows' groups (their categories in it)."""
        layout = self.layout_
        for i, (start, stop) in enumerate(layout.sensitive):
            onehot = torch.nn.functional.one_hot(layout.components[groups, i], stop - start)
            full[:, start:stop] = onehot.to(full.dtype)

    def _columns_except(self, *spans: tuple[int, int]) -> torch.Tensor:
        """Indices of the encoded row's columns outside the given (start, stop) spans."""
        keep = [
            i
            for i in range(self.transformer_.output_dim)
            if not any(start <= i < stop for start, stop in spans)
        ]
        return torch.tensor(keep, device=self.device_)

    def _label_columns(self) -> F.LabelColumns | None:
        if self.target_ is None:
            return None
        return F.LabelColumns.of(
            self.transformer_, self._target_span(self.target_), self.layout_.sensitive, self.device_
        )

    def _prepare(self, df, encoded: torch.Tensor, seed: int) -> TrainingData:
        layout = self.layout_
        groups = self._group_codes(encoded)
        rows = encoded[:, layout.keep]
        counts = torch.bincount(groups, minlength=layout.n_groups)
        self.group_shares_ = (counts / counts.sum()).cpu().numpy()
        if not isinstance(self.fairness_, F.NoConstraint):
            columns = self._label_columns()
            t_start, t_stop = self._target_span(self.target_)
            y = encoded[:, t_start:t_stop].argmax(1).cpu().numpy()
            if self._fairness_name() == "auto" and self.fairness_summary_["classes"] == 2:
                self._choose_binary_constraint(encoded, y, columns, seed)
            self.fairness_.bind(columns)
            self.fairness_.fit(encoded, y, groups.cpu().numpy(), seed)
        return TrainingData(rows, groups=groups)

    def _choose_binary_constraint(self, encoded, y, columns, seed) -> None:
        """fairness='auto' on a binary target: the teacher, or the quantile map when the
        label is non-linear in the row or there are more than two groups
        (fairsynth.fairness.choose_binary)."""
        n_groups = int((self.group_shares_ > 0).sum())
        constraint, reason = F.choose_binary(
            encoded, y, columns, seed, self.fairness_bound, n_groups
        )
        self.fairness_ = constraint
        self.fairness_summary_.update(
            constraint=constraint.name, description=constraint.describe(), auto=reason
        )

    def _end_training(self) -> None:
        self.fairness_.wait()  # the teacher fits on a second thread during training

    def _finish_fit(self, df, data, objective) -> None:
        super()._finish_fit(df, data, objective)
        self.training_summary_["fairness"] = {**self.fairness_summary_, **self._groups_summary()}

    def _groups_summary(self) -> dict:
        """The sensitive columns and how many of their groups have training rows."""
        return {
            "sensitive": self._sensitive_columns(),
            "groups": int((np.asarray(self.group_shares_) > 0).sum()),
        }

    # The teachers of fairness='teacher' (None for another constraint).
    teacher_ = property(lambda self: getattr(self.fairness_, "teacher", None))
    free_teacher_ = property(lambda self: getattr(self.fairness_, "free", None))

    def __repr__(self, N_CHAR_MAX=700) -> str:
        text = super().__repr__(N_CHAR_MAX)
        summary = getattr(self, "fairness_summary_", None)
        if summary is None:
            return text
        on = f" on {summary['target']!r}" if summary["target"] is not None else ""
        groups = self._groups_summary()
        return (
            f"{text}  # fitted: {groups['groups']} groups of {' × '.join(groups['sensitive'])}, "
            f"label constraint {summary['constraint']}{on}"
        )

    def _label_tensors(self) -> dict[str, torch.Tensor]:
        return self.fairness_.tensors()

    def _restore_tensors(self, tensors: dict) -> None:
        super()._restore_tensors(tensors)  # no PTGAN label model in FairPTGAN's files
        state = self._pending_fairness
        if state is None:  # files written before fairsynth.fairness: the teacher or none
            has_teacher = any(k.startswith("teacher.") for k in tensors)
            state = {"name": "teacher" if has_teacher else "none", "settings": {}}
            if has_teacher:
                state["settings"] = {"bound": self.fairness_bound}
        self.fairness_ = F.restore(state, tensors, self._label_columns())
        del self._pending_fairness

    def _file_state(self) -> dict:
        return {
            **super()._file_state(),
            "group_shares": self.group_shares_.tolist(),
            "target": self.target_,
            "fairness": self.fairness_.state(),
            "fairness_summary": self.fairness_summary_,
            "label_rows": "canonical",  # absent from files written before: as generated
            "tempering": self.layout_.tempering,
        }

    def _restore_state(self, state: dict) -> None:
        super()._restore_state(state)
        self.group_shares_ = np.asarray(state["group_shares"], dtype=np.float64)
        self.target_ = state.get("target", self.target)
        self._pending_fairness = state.get("fairness")  # built with the tensors
        # Absent from files written before whole rows; "whole rows": swapped with another
        # group's rows (sixth and seventh sessions).
        scheme = state.get("tempering", "interpolate")
        self.layout_.tempering = "others" if scheme == "whole rows" else scheme
        if state.get("label_rows") != "canonical":
            self.layout_.canonical = CanonicalRows(
                self.transformer_, self.device_, as_generated=True
            )
        self.fairness_summary_ = state.get("fairness_summary") or {
            "constraint": "teacher" if self.target_ is not None else "none",
            "target": self.target_,
            "target_from": "given",
            "classes": None,
            "description": "written before fairsynth.fairness",
        }

    @property
    def _n_groups(self) -> int:
        return self.layout_.n_groups

    def _condition(self, alpha: torch.Tensor, idx: torch.Tensor, data) -> torch.Tensor:
        return self._condition_groups(alpha, data.groups[idx])

    def _condition_groups(self, alpha: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
        onehot = torch.nn.functional.one_hot(groups, self._n_groups).to(alpha.dtype)
        return torch.cat([alpha[:, None], onehot], dim=1)

    def _context_labels(self) -> list[str]:
        return ["temperature", *self._group_names(with_columns=True)]

    def _objective(self, data, sampler, networks=None) -> TemperedObjective:
        objective = super()._objective(data, sampler, networks)
        objective.cross_group = True
        return objective

    def _generate_with(
        self, generator, m: int, alpha: float, gen: torch.Generator, group_shares=None
    ) -> torch.Tensor:
        shares = self._check_shares(group_shares)
        layout = self.layout_
        groups = torch.multinomial(shares, m, replacement=True, generator=gen)
        # Cross-group tempering of the generated law (fairsynth.fairness.tempering): the
        # networks' own α input moves their output too little to be relied on
        # (docs/benchmarks.md), this construction is exact: for two groups, α = 1/2 gives
        # every column the same law in both groups.
        constraint = self.fairness_
        full = F.temper(
            lambda g: self._rows_of_groups(generator, g, gen),
            groups,
            shares,
            constraint.feature_alpha(alpha),
            gen,
            scheme=layout.tempering,
        )
        self._write_groups(full, groups)
        if constraint.active(alpha):
            # The constraint must label the rows the user will see: draw each category of
            # the soft (tempered) row first, as decoding would, and read its numbers as
            # their decoded values would be encoded (data/canonical.py); then its target.
            full = draw_categories(full, layout.onehots, gen)
            label, taught = constraint.labels(layout.canonical(full), groups, alpha, gen)
            start, stop = constraint.columns.target
            onehot = torch.nn.functional.one_hot(label, stop - start).to(full.dtype)
            if taught is not None:  # only some rows relabelled: keep the others' labels
                onehot = torch.where(taught[:, None], onehot, full[:, start:stop])
            full[:, start:stop] = onehot
        return full

    def _rows_of_groups(
        self, generator, groups: torch.Tensor, gen: torch.Generator
    ) -> torch.Tensor:
        """Encoded rows (full transformer width) of the data law (α = 1) for these groups."""
        m, dev = len(groups), self.device_
        z = torch.randn(m, self.noise_dim, device=dev, generator=gen)
        out = generator(z, self._condition_groups(torch.ones(m, device=dev), groups), gen)
        full = torch.zeros(m, self.transformer_.output_dim, device=dev)
        full[:, self.layout_.keep] = out
        return full

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
            self._check_learned(shares, labels)
        return torch.as_tensor(shares / shares.sum(), dtype=torch.float32, device=self.device_)

    def _check_learned(self, shares: np.ndarray, labels: list) -> None:
        # A combination absent from the training rows is a condition the networks never saw.
        trained = np.asarray(self.group_shares_) > 0
        unseen = [g for g, w, t in zip(labels, shares, trained, strict=True) if w > 0 and not t]
        if unseen:
            raise InvalidParameterError(
                f"group_shares asks for groups without training rows {unseen}: the model "
                "never learned them; give them weight 0 (groups with rows: "
                f"{[g for g, t in zip(labels, trained, strict=True) if t]})"
            )

    @property
    def group_labels_(self) -> list:
        """The sensitive groups in code order (that of group_shares_): the sensitive
        column's values, or for several columns the labels of their combinations
        ('Female & Black')."""
        return self._group_names(with_columns=False)

    def _group_names(self, with_columns: bool) -> list:
        """The groups in code order: values ('Female & Black'), or with their columns
        ('sex=Female & race=Black')."""
        columns = zip(self._sensitive_columns(), self.layout_.sensitive, strict=True)
        values = [
            [f"{name}={v}" for v in self._categories(name, span)]
            if with_columns
            else self._categories(name, span)
            for name, span in columns
        ]
        if len(values) == 1 and not with_columns:
            return values[0]
        return [GROUP_SEPARATOR.join(map(str, combo)) for combo in itertools.product(*values)]

    def _categories(self, column: str, span: tuple[int, int]) -> list:
        """A sensitive column's values, in the order of its one-hot span."""
        start, stop = span
        eye = np.eye(stop - start, self.transformer_.output_dim, k=start, dtype=np.float32)
        return self.transformer_.inverse_transform(eye, decode="argmax")[column].tolist()


# A sensitive group with fewer rows than this is too small for the networks to learn its law
# (its condition is seen in a handful of minibatches) or for a teacher to be fair to it.
SMALL_GROUP_ROWS = 30
# Several sensitive columns make at most this many combination groups: beyond it most
# groups are too small to learn (Adult's 32,561 rows: sex × race is 10, the smallest 109 rows).
MAX_GROUPS = 64
GROUP_SEPARATOR = " & "  # between the values of a combination group's label


def _group_counts(df: pd.DataFrame, names: list[str]) -> pd.Series:
    """Rows per group present in the table, labelled as group_labels_ labels them."""
    if len(names) == 1:
        return df[names[0]].value_counts()
    counts = df.groupby(names, observed=True, sort=False).size()
    counts.index = [GROUP_SEPARATOR.join(map(str, combo)) for combo in counts.index]
    return counts


def _warn_small_groups(counts: pd.Series, names: list[str]) -> None:
    small = counts[counts < SMALL_GROUP_ROWS].sort_values(kind="stable")  # smallest first
    if not len(small):
        return
    shown = ", ".join(f"{g!r} ({n})" for g, n in small.head(5).items())
    more = f" and {len(small) - 5} more" if len(small) > 5 else ""
    if len(names) == 1:
        what = f"sensitive column {names[0]!r}: {len(small)} of its {len(counts)} groups"
        fix = "merge them into larger groups (e.g. 'other') before fitting"
    else:
        what = (
            f"sensitive columns {', '.join(map(repr, names))}: {len(small)} of their "
            f"{len(counts)} combination groups"
        )
        fix = "merge rare categories into larger ones (e.g. 'other') or list fewer columns"
    warnings.warn(
        f"{what} have fewer than {SMALL_GROUP_ROWS} rows ({shown}{more}); their law cannot "
        f"be learned and their rows' fairness is not guaranteed: {fix}",
        FairsynthWarning,
        stacklevel=4,  # the caller of fit (via _check_roles and fit)
    )


def _shift_spans(spans, removed):
    """The span layout once the `removed` spans' columns are cut out of the encoded row."""
    out = []
    for s in spans:
        if s in removed:
            continue
        shift = sum(r.stop - r.start for r in removed if s.start >= r.stop)
        out.append(s._replace(start=s.start - shift, stop=s.stop - shift))
    return out
