"""Label constraints: how the target of generated rows is drawn, with a dial α.

A constraint is fitted on the real encoded rows (`fit`) and, when sampling, relabels the
rows a generator produced (`labels`): any generator's rows go through it. It is chosen by
name (`fairness="teacher"`) or by object (`fairness=QuantileMapConstraint(...)`); a new
constraint is a new subclass registered in `CONSTRAINTS`, the models do not change.

* `TeacherConstraint` ("teacher"): the target of a share 2·(1 − α) of the rows is drawn
  from a demographic-parity teacher (fairlearn ExponentiatedGradient over logistic
  regressions, which does not read the group), that of the others from a free label model
  (which does): a one-hidden-layer MLP by default (`free="mlp"`; `"logistic"` before).
  Binary targets.
* `QuantileMapConstraint` ("quantile"): "strong statistical parity" (Krchova, Platzer &
  Tiwald 2023). One free classifier of y given the row (a small MLP, or logistic); at
  sampling each group's distribution of P(y = k | row) over the generated rows is pushed
  through a quantile map onto the pooled distribution, and the probabilities are blended
  p = (1 − s)·p_free + s·p_mapped with s = 2·(1 − α). K ≥ 2 classes; no refit per α.
* `NoConstraint` ("none"): the generator's own labels (tempering only).
* `FreeLabels` ("free", not a FairPTGAN choice): the free classifier alone, no fairness
  constraint — PTGAN's label model, and the quantile map's base.

The constraint's fitted state is JSON (`state`) plus tensors (`tensors`): model files hold
it without pickle.
"""

from __future__ import annotations

import copy
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import torch

from ..errors import InvalidDataError, InvalidParameterError, ModelFileError
from .teachers import FairTeacher, MLPTeacher, teacher_strength

__all__ = [
    "CONSTRAINTS",
    "FreeLabels",
    "LabelColumns",
    "LabelConstraint",
    "NoConstraint",
    "QuantileMapConstraint",
    "TeacherConstraint",
    "resolve",
    "restore",
]


@dataclass
class LabelColumns:
    """Where the target and the sensitive group sit in the encoded row: the target's
    one-hot span and the one-hot span of each sensitive column (several columns make one
    group, the combination of their values)."""

    target: tuple[int, int]
    sensitive: tuple[tuple[int, int], ...]
    width: int
    device: torch.device
    # every categorical one-hot span of the row (the teacher collapses the wide ones)
    onehots: tuple[tuple[int, int], ...] = ()

    @classmethod
    def of(cls, transformer, target: tuple[int, int], sensitive, device) -> LabelColumns:
        """The columns of a fitted TableTransformer's row: its width and one-hot spans."""
        onehots = tuple(
            (s.start, s.stop) for s in transformer.spans if s.kind == "onehot" and s.role == "value"
        )
        return cls(target, tuple(sensitive), int(transformer.output_dim), device, onehots)

    def all_but(self, *spans: tuple[int, int]) -> torch.Tensor:
        keep = [i for i in range(self.width) if not any(start <= i < stop for start, stop in spans)]
        return torch.tensor(keep, device=self.device)


class LabelConstraint:
    """Base class. Subclasses set `name`, implement `fit`, `labels` and their state."""

    name: ClassVar[str] = ""
    max_classes: ClassVar[int | None] = None  # None: any number of classes
    is_label_constraint: ClassVar[bool] = True  # duck-typed by fairsynth.params

    # ---------------------------------------------------------------- fitting
    def check_classes(self, target: str, n_classes: int) -> None:
        if self.max_classes is not None and n_classes > self.max_classes:
            raise InvalidDataError(
                f"target {target!r} has {n_classes} classes; fairness={self.name!r} takes "
                f"binary targets only: use fairness='quantile' (--fairness quantile), which "
                "takes any number of classes, or fairness='none'"
            )

    def fit(self, encoded: torch.Tensor, y: np.ndarray, groups: np.ndarray, seed: int):
        """Fit on the real encoded rows (full width), their class codes and groups."""
        raise NotImplementedError

    def bind(self, columns: LabelColumns) -> None:
        """Set the encoded columns this constraint reads (at fit and at load)."""
        self.columns = columns

    def wait(self) -> None:
        """Return once every part of `fit` has finished (some run on a second thread)."""

    # --------------------------------------------------------------- sampling
    def feature_alpha(self, alpha: float) -> float:
        """The temperature of the features' cross-group tempering under this constraint
        (the dial itself by default; 1 = the original law's features)."""
        return alpha

    def active(self, alpha: float) -> bool:
        """Whether `labels` rewrites the target at this temperature."""
        return False

    def labels(
        self, rows: torch.Tensor, groups: torch.Tensor, alpha: float, gen: torch.Generator
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """(class codes, mask of the rows to relabel or None for all) of hard rows."""
        raise NotImplementedError

    # ------------------------------------------------------------------ files
    def settings(self) -> dict:
        """The constructor's keywords (JSON-safe)."""
        return {}

    def state(self) -> dict:
        return {"name": self.name, "settings": self.settings()}

    def tensors(self) -> dict[str, torch.Tensor]:
        return {}

    def restore_tensors(self, tensors: dict[str, torch.Tensor], device) -> None:
        pass

    def describe(self) -> str:
        return self.name

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.settings().items())
        return f"{type(self).__name__}({args})"


class NoConstraint(LabelConstraint):
    """The generator's own labels: cross-group tempering only."""

    name = "none"

    def fit(self, encoded, y, groups, seed):
        return self

    def describe(self) -> str:
        return "none (tempering only, the generator's own labels)"


class TeacherConstraint(LabelConstraint):
    """A share 2·(1 − α) of the labels from a demographic-parity teacher, the others from a
    free label model (fairsynth.fairness.teachers): `free` = 'logistic' or 'mlp' (one
    hidden layer: keeps a label that is non-linear in the row)."""

    name = "teacher"
    max_classes = 2

    def __init__(self, bound: float = 0.003, free: str = "mlp"):
        self.bound = bound
        self.free_model = free
        self.teacher = self.free = None

    # `teacher` may still be fitting on a second thread (`fit`): reading it waits.
    @property
    def teacher(self) -> FairTeacher | None:
        if self._pending is not None:
            self._teacher, self._pending = self._pending.result(), None
        return self._teacher

    @teacher.setter
    def teacher(self, value: FairTeacher | None) -> None:
        self._teacher, self._pending = value, None

    def wait(self) -> None:
        self.teacher  # noqa: B018 - joins the fit's thread, raises what it raised

    def settings(self) -> dict:
        return {"bound": self.bound, "free": self.free_model}

    def bind(self, columns: LabelColumns) -> None:
        super().bind(columns)
        # The fair teacher must not read the group itself: at α < 1 the generated rows'
        # proxies are tempered away, and a teacher that compensated for them through the
        # group one-hot would then create the opposite gap. The free teacher reads it:
        # the original law's label depends on the group directly too.
        self.teacher_columns = columns.all_but(columns.target, *columns.sensitive)
        self.free_columns = columns.all_but(columns.target)

    def fit(self, encoded, y, groups, seed):
        dev = self.columns.device
        x = encoded[:, self.free_columns].cpu().numpy()
        projection = collapse_wide_onehots(x, y, self.free_columns, self.columns.onehots)
        self.free = _free_classifier(self.free_model, x, y, 2, seed, projection).to(dev)
        x = encoded[:, self.teacher_columns].cpu().numpy()
        projection = collapse_wide_onehots(x, y, self.teacher_columns, self.columns.onehots)
        # The reduction (tens of logistic regressions) runs on a second thread while the
        # generator trains: only α < 1 reads the teacher (early stopping's α = 1 rows do
        # not), a fit uses one core for torch, and numpy and scipy release the GIL in their
        # loops. Its inputs are fixed here and it draws no torch random numbers: the same
        # teacher as on the main thread.
        self._pending = _in_background(
            lambda: FairTeacher.fit(
                x, y, groups, bound=self.bound, max_rows=20_000, random_state=seed,
                projection=projection,
            ).to(dev)
        )  # fmt: skip
        return self

    def active(self, alpha: float) -> bool:
        # without a free teacher (model files written before it) only the fair share
        has_teacher = self._pending is not None or self._teacher is not None
        return has_teacher and (teacher_strength(alpha) > 0 or self.free is not None)

    def labels(self, rows, groups, alpha, gen):
        m, dev, strength = len(rows), rows.device, teacher_strength(alpha)
        fair = torch.rand(m, device=dev, generator=gen) < strength
        if self.free is None:
            p = self.teacher.positive_probability(rows[:, self.teacher_columns])
        else:
            p = self.free.class_probabilities(rows[:, self.free_columns])[:, 1]
            if strength > 0:  # at α = 1 no row is the teacher's (it may still be fitting)
                p_fair = self.teacher.positive_probability(rows[:, self.teacher_columns])
                p = torch.where(fair, p_fair, p)
        label = (torch.rand(m, device=dev, generator=gen) < p).long()
        return label, (fair if self.free is None else None)

    def tensors(self):
        out = {}
        for prefix, teacher in (("teacher", self.teacher), ("free_teacher", self.free)):
            if teacher is not None:
                out.update({f"{prefix}.{k}": v for k, v in teacher.tensors().items()})
        return out

    def restore_tensors(self, tensors, device):
        part = _part(tensors, "teacher")
        self.teacher = FairTeacher.from_tensors(part).to(device) if part else None
        part = _part(tensors, "free_teacher")
        # files written before the MLP default name no `free`: their tensors say which
        self.free_model = "mlp" if "w1" in part else "logistic"
        cls = MLPTeacher if self.free_model == "mlp" else FairTeacher
        self.free = cls.from_tensors(part).to(device) if part else None

    def describe(self) -> str:
        return (
            f"teacher (demographic-parity bound {self.bound:g}, share 2·(1 − α); "
            f"{self.free_model} free label model)"
        )


class FreeLabels(LabelConstraint):
    """The target drawn from one free classifier of y given the row, fitted on the real
    rows: no fairness constraint (PTGAN's label model; the base of the quantile map).

    classifier : 'mlp' (default: one hidden layer of `hidden` units, `epochs` passes) or
        'logistic' (multinomial logistic regression), fitted on every encoded column but the
        target (the group included). K ≥ 2 classes.
    """

    name = "free"

    def __init__(self, classifier: str = "mlp", hidden: int = 64, epochs: int = 30):
        self.classifier = classifier
        self.hidden = hidden
        self.epochs = epochs
        self.model = None

    def settings(self) -> dict:
        return {"classifier": self.classifier, "hidden": self.hidden, "epochs": self.epochs}

    def bind(self, columns: LabelColumns) -> None:
        super().bind(columns)
        self.free_columns = columns.all_but(columns.target)
        self.n_classes = columns.target[1] - columns.target[0]

    def fit(self, encoded, y, groups, seed):
        if self.classifier not in ("logistic", "mlp"):
            raise InvalidParameterError(
                f"{type(self).__name__}(classifier={self.classifier!r}): use 'logistic' or 'mlp'"
            )
        x = encoded[:, self.free_columns].cpu().numpy()
        projection = collapse_wide_onehots(x, y, self.free_columns, self.columns.onehots)
        model = _free_classifier(
            self.classifier, x, y, self.n_classes, seed, projection,
            hidden=self.hidden, epochs=self.epochs,
        )  # fmt: skip
        self.model = model.to(self.columns.device)
        return self

    def active(self, alpha: float) -> bool:
        return self.model is not None

    def probabilities(self, rows, groups, alpha) -> torch.Tensor:
        """(m, K) probabilities of each class."""
        return self.model.class_probabilities(rows[:, self.free_columns])

    def labels(self, rows, groups, alpha, gen):
        p = self.probabilities(rows, groups, alpha)
        cdf = p.cumsum(1)
        u = torch.rand(len(p), device=p.device, generator=gen)[:, None] * cdf[:, -1:]
        return (cdf <= u).sum(1).clamp_max(p.shape[1] - 1), None

    def tensors(self):
        if self.model is None:
            return {}
        return {f"label_model.{k}": v for k, v in self.model.tensors().items()}

    def restore_tensors(self, tensors, device):
        part = _part(tensors, "label_model")
        cls = MLPTeacher if self.classifier == "mlp" else FairTeacher
        self.model = cls.from_tensors(part).to(device) if part else None

    def describe(self) -> str:
        return f"free ({self.classifier} classifier of the target given the row, no constraint)"


class QuantileMapConstraint(FreeLabels):
    """Strong statistical parity: per-group quantile maps of P(y | row) onto the pooled law.

    classifier, hidden, epochs : the free classifier (FreeLabels).
    temper : whether the features are cross-group tempered by α too. Off by default: the
        map must equalise the labels on rows whose proxies look like the real rows', or a
        classifier trained on them is unfair on real rows again (Adult, α = 1/2, tempered
        features: LR SP 0.11, as with tempering alone; docs/benchmarks.md).
    """

    name = "quantile"

    def __init__(self, classifier: str = "mlp", hidden: int = 64, epochs: int = 30, temper=False):
        super().__init__(classifier, hidden, epochs)
        self.temper = temper

    def settings(self) -> dict:
        return {**super().settings(), "temper": self.temper}

    def feature_alpha(self, alpha: float) -> float:
        return alpha if self.temper else 1.0

    def probabilities(self, rows, groups, alpha) -> torch.Tensor:
        """(m, K) probabilities of each class: the free classifier's, blended towards their
        per-group quantile map onto the pooled law by s = 2·(1 − α)."""
        p = super().probabilities(rows, groups, alpha)
        s = teacher_strength(alpha)
        if s > 0:
            p = (1.0 - s) * p + s * quantile_map(p, groups)
        return p

    def describe(self) -> str:
        return f"quantile (strong statistical parity, {self.classifier} classifier, s = 2·(1 − α))"


# A one-hot span wider than this is one column for the label models (the teacher and the
# free MLP): its category's smoothed positive rate. The reduction refits its logistic
# regressions tens of times on dense rows and the MLP's first layer is as wide as the row,
# so wide spans dominate their cost (a 20k-row table with five 1,000-category columns:
# 5,600 encoded columns). A linear map of the collapsed column is a linear map of the
# one-hot, so the fitted models read the encoded row as before.
COLLAPSE_WIDTH = 50
_RATE_PRIOR_ROWS = 20  # smoothing of a category's positive rate towards the overall one


def collapse_wide_onehots(x: np.ndarray, y: np.ndarray, columns, onehots) -> np.ndarray | None:
    """(d, d') projection of a label model's features: identity on every column but the
    one-hot spans wider than COLLAPSE_WIDTH, each replaced by its categories' smoothed rate
    of each class but the first (centred; one column for a binary target); None when there
    is no such span."""
    position = {int(c): i for i, c in enumerate(columns.tolist())}
    # a span inside `columns` sits at consecutive positions (columns are sorted): a slice
    wide = [
        slice(position[start], position[start] + stop - start)
        for start, stop in onehots
        if stop - start > COLLAPSE_WIDTH and all(c in position for c in range(start, stop))
    ]
    if not wide:
        return None
    in_wide = np.zeros(x.shape[1], dtype=bool)
    for block in wide:
        in_wide[block] = True
    narrow = np.flatnonzero(~in_wide)
    classes = list(range(1, int(y.max()) + 1)) or [1]  # a rate column per class but the first
    projection = np.zeros((x.shape[1], len(narrow) + len(wide) * len(classes)))
    projection[narrow, np.arange(len(narrow))] = 1.0
    j = len(narrow)
    for block in wide:
        rows = x[:, block].sum(0)  # a view: no copy of the (n, width) block
        for k in classes:
            prior = float(np.mean(y == k))
            hits = (y == k).astype(x.dtype) @ x[:, block]
            rate = (hits + _RATE_PRIOR_ROWS * prior) / (rows + _RATE_PRIOR_ROWS)
            projection[block, j] = rate - prior
            j += 1
    return projection


# fairness='auto' on a binary target takes the quantile map (with an MLP) instead of the
# teacher when an MLP's held-out AUC beats a logistic regression's by more than this: the
# teacher's fair labels are a linear model's, which drops a non-linear label's structure
# at the fair end (XOR table: margin 0.32; Adult: 0.001–0.002; docs/benchmarks.md).
NONLINEAR_MARGIN = 0.02
_CHOICE_ROWS = 10_000


def choose_binary(encoded, y, columns: LabelColumns, seed: int, bound: float, n_groups: int = 2):
    """(unfitted constraint, reason) for fairness='auto' on a binary target: the quantile
    map for more than two groups (with rows); else a logistic regression and an MLP of y
    given the row, fitted on 80 % of at most 10,000 real rows and compared by AUC on the
    other 20 %."""
    from sklearn.metrics import roc_auc_score

    if n_groups > 2:
        # The teacher's demographic-parity bound holds every pair of groups at once, small
        # ones included: on Adult's 5 races it cost AUC and positives where the per-group
        # quantile map did not (docs/benchmarks.md, "Eighth session").
        return QuantileMapConstraint("mlp"), f"quantile: {n_groups} groups (more than two)"

    free_columns = columns.all_but(columns.target)
    x = encoded[:, free_columns].cpu().numpy()
    idx = np.random.default_rng(seed).permutation(len(x))[:_CHOICE_ROWS]
    cut = int(0.8 * len(idx))
    fit, held = idx[:cut], idx[cut:]
    if len(np.unique(y[held])) < 2 or len(np.unique(y[fit])) < 2:
        return TeacherConstraint(bound), "teacher: too few rows of a class to compare"
    # the MLP as the constraints train it: wide one-hots collapsed
    projection = collapse_wide_onehots(x[fit], y[fit], free_columns, columns.onehots)
    auc = {}
    for kind in ("logistic", "mlp"):
        model = _free_classifier(kind, x[fit], y[fit], 2, seed, projection)
        p = model.class_probabilities(torch.as_tensor(x[held]))[:, 1].numpy()
        auc[kind] = float(roc_auc_score(y[held], p))
    figures = (
        f"held-out AUC of y given the row: MLP {auc['mlp']:.3f}, logistic {auc['logistic']:.3f}"
    )
    if auc["mlp"] - auc["logistic"] > NONLINEAR_MARGIN:
        return QuantileMapConstraint("mlp"), f"quantile: the label is non-linear ({figures})"
    return TeacherConstraint(bound), f"teacher: the label is close to linear ({figures})"


def _in_background(fn) -> Future:
    """fn() on a thread of its own; `.result()` waits for it and raises what it raised."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="fairsynth-label-model")
    future = pool.submit(fn)
    pool.shutdown(wait=False)  # the thread ends with fn
    return future


def _free_classifier(kind: str, x, y, n_classes: int, seed: int, projection=None, **mlp):
    """The unconstrained label model: logistic regression or a one-hidden-layer MLP (the
    MLP trained on the collapsed view of wide one-hots when `projection` is given)."""
    if kind == "logistic":
        return FairTeacher.fit_free(x, y, max_rows=100_000, random_state=seed)
    if kind == "mlp":
        return MLPTeacher.fit(x, y, n_classes, 100_000, seed, projection=projection, **mlp)
    raise InvalidParameterError(f"free label model {kind!r}: use 'logistic' or 'mlp'")


def quantile_map(p: torch.Tensor, groups: torch.Tensor) -> torch.Tensor:
    """Each group's values of each column of `p` replaced by the pooled quantile at their
    within-group rank (mid-ranks, linear interpolation); rows renormalised to sum to 1.
    For two classes only the second column is mapped (the first is its complement)."""
    m, k = p.shape
    cols = [1] if k == 2 else list(range(k))
    out = p.clone()
    for c in cols:
        pooled = torch.sort(p[:, c]).values
        for g in torch.unique(groups):
            idx = (groups == g).nonzero().squeeze(1)
            n = len(idx)
            ranks = torch.empty(n, device=p.device, dtype=p.dtype)
            ranks[torch.argsort(p[idx, c])] = torch.arange(n, device=p.device, dtype=p.dtype)
            pos = (ranks + 0.5) / n * (m - 1)
            lo = pos.floor().long().clamp(0, m - 1)
            hi = (lo + 1).clamp_max(m - 1)
            w = pos - lo.to(p.dtype)
            out[idx, c] = (1 - w) * pooled[lo] + w * pooled[hi]
    if k == 2:
        out[:, 0] = 1.0 - out[:, 1]
        return out
    out = out.clamp_min(0)
    return out / out.sum(1, keepdim=True).clamp_min(1e-12)


def _part(tensors: dict, prefix: str) -> dict:
    prefix += "."
    return {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}


CONSTRAINTS: dict[str, type[LabelConstraint]] = {
    c.name: c for c in (TeacherConstraint, QuantileMapConstraint, NoConstraint, FreeLabels)
}


def resolve(spec, **defaults) -> LabelConstraint:
    """A fresh (unfitted) constraint from a name or an object (copied: the object given as
    a parameter is never fitted in place). `defaults` are keywords of a named one."""
    if isinstance(spec, LabelConstraint):
        return copy.deepcopy(spec)
    if spec not in CONSTRAINTS:
        raise InvalidParameterError(
            f"fairness={spec!r}: use one of {', '.join(map(repr, CONSTRAINTS))}, 'auto' or a "
            "fairsynth.fairness.LabelConstraint"
        )
    cls = CONSTRAINTS[spec]
    import inspect

    accepted = inspect.signature(cls.__init__).parameters
    return cls(**{k: v for k, v in defaults.items() if k in accepted})


def restore(state: dict, tensors: dict, columns: LabelColumns | None) -> LabelConstraint:
    """The fitted constraint of a model file."""
    name = state.get("name")
    if name not in CONSTRAINTS:
        raise ModelFileError(
            f"the model file's label constraint {name!r} is unknown to this fairsynth "
            f"(known: {', '.join(CONSTRAINTS)}); register its class in "
            "fairsynth.fairness.CONSTRAINTS before loading"
        )
    constraint = CONSTRAINTS[name](**state.get("settings", {}))
    if columns is not None:
        constraint.bind(columns)
        constraint.restore_tensors(tensors, columns.device)
    return constraint
