"""Early stopping on a cheap held-out fidelity signal (docs/algorithms.md, "Early stopping").

`HoldoutScore` scores generated *encoded* rows against a fixed set of real encoded rows
held out of training, like sdmetrics' QualityReport (the mean of column shapes and column
pair trends) but on the device in a few tensor operations: no decoding, no per-row
Python. `EarlyStopping` evaluates it every few epochs, keeps the generator weights of the
best score, stops training once the score has stalled, and restores those weights.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..nn.activations import draw_categories, onehot_groups
from .energy import EnergyDistance

__all__ = ["EarlyStopping", "HoldoutScore", "SIGNALS"]

SIGNALS = ("energy", "quality")
# With every=None (the default) the signal is evaluated every EVAL_STEPS generator steps,
# rounded down to whole epochs (every epoch from EVAL_STEPS steps per epoch up: Adult's 59),
# and at the budget's last epoch: on small tables an epoch is a handful of steps (the
# 2,500-row ring: 5), and one evaluation per epoch cost more than the training itself.
EVAL_STEPS = 50

# sdmetrics' QualityReport averages the pair trends only over pairs of columns associated in
# the real data: |Pearson| above 0.5 for two numbers, Cramér's V above 0.3 otherwise (its
# DEFAULT_REAL_CORRELATION_THRESHOLD / DEFAULT_REAL_ASSOCIATION_THRESHOLD). The other pairs
# score near 1 under almost any model and would only dilute the signal.
CORRELATION_THRESHOLD = 0.5
ASSOCIATION_THRESHOLD = 0.3


class HoldoutScore:
    """Fidelity of generated encoded rows to real ones, in [0, 1] (1: same statistics).

    * column shapes: per one-hot span 1 − total-variation distance between category
      frequencies; per scalar span 1 − the two-sample Kolmogorov–Smirnov statistic;
      averaged per column, then over columns.
    * pair trends: per pair of spans of different columns, 1 − |ρ_real − ρ_gen| / 2 (Pearson)
      for two scalars, else 1 − the total-variation distance between their joint
      frequency tables, a scalar being cut into `bins` bins at the real deciles (sdmetrics'
      ContingencySimilarity); averaged per column pair, then over the pairs of columns
      associated in the real rows (thresholds above; all pairs if none is).
    * overall: the mean of the two.

    Generated one-hot spans are soft (softmax). `decode="sample"` draws each category from
    the soft vector, so the frequency the decoded table will show is the soft vector's mean
    (used for shapes) and its joint law is that of categories drawn from it (drawn here,
    with the caller's generator, for the pair trends); `decode="argmax"` uses the argmax.
    Generated scalars are first made to look like decoded-then-encoded ones: snapped onto
    the code of a tied value (a spike) when they fall in the interval that decodes to it,
    and set to 0 where the column's missing flag says missing, as the encoder does.
    Mode-specific columns (`modes`, from `TableTransformer.mode_tables()`) are compared on
    their values, mean_k + 4·std_k·scalar with k the row's drawn mode, as sdmetrics compares
    the decoded table; their mode one-hot then counts only through that value.
    """

    def __init__(
        self, real: torch.Tensor, spans, tied=None, decode: str = "sample", bins=10, modes=None
    ):
        dev = real.device
        self.device, self.decode = dev, decode
        spans = list(spans)
        # Every category is drawn, modes included; one-hot spans of one width are handled
        # together, as in nn/activations.py.
        self.onehot_groups = onehot_groups(spans, dev)
        # (scalar dim, mode span start, stop, means, stds) of each mode-specific column.
        self.modes = [
            (
                start,
                start + 1,
                start + 1 + len(mu),
                torch.as_tensor(mu, device=dev).float(),
                torch.as_tensor(sd, device=dev).float(),
            )
            for start, (mu, sd) in (modes or {}).items()
        ]
        valued = {s.column for s in spans if s.kind == "scalar" and s.start in (modes or {})}
        spans = [s for s in spans if not (s.role == "mode" and s.column in valued)]
        columns = list(dict.fromkeys(s.column for s in spans))
        self.n_columns = len(columns)
        n_spans = len(spans)
        scalar = [s for s in spans if s.kind == "scalar"]
        self.scalar_idx = torch.tensor([s.start for s in scalar], dtype=torch.long, device=dev)
        onehot_dims = [i for s in spans if s.kind == "onehot" for i in range(s.start, s.stop)]
        self.onehot_idx = torch.tensor(onehot_dims, dtype=torch.long, device=dev)
        var_of = {s.start: v for v, s in enumerate(spans)}
        # Tied intervals of each scalar, padded to one (n_scalars, k) table; low = +inf
        # marks padding, which no value reaches.
        tied = tied or {}
        k = max([len(tied.get(s.start, ())) for s in scalar] + [0])
        table = np.full((len(scalar), k, 3), np.inf)
        for j, s in enumerate(scalar):
            t = np.asarray(tied.get(s.start, np.zeros((0, 3))))
            table[j, : len(t)] = t
        table = torch.as_tensor(table, dtype=real.dtype, device=dev)
        self.tied_low, self.tied_high, self.tied_code = table.unbind(-1)
        self.tied_low = self.tied_low.contiguous()
        # Missing flags: (position among scalars, encoded dim of 'present') per column.
        present = {s.column: s.start for s in spans if s.role == "missing"}
        pairs = [(j, present[s.column]) for j, s in enumerate(scalar) if s.column in present]
        self.missing_scalar = torch.tensor([p[0] for p in pairs], dtype=torch.long, device=dev)
        self.missing_present = torch.tensor([p[1] for p in pairs], dtype=torch.long, device=dev)
        # Bins of the scalars for the pair trends: the real deciles.
        real = self._values(real.to(torch.float32))
        levels = torch.linspace(0, 1, bins + 1, device=dev)[1:-1]
        self.edges = (
            torch.quantile(real[:, self.scalar_idx], levels, dim=0).T.contiguous()
            if len(scalar)
            else None
        )
        # Membership matrices: indicator columns (categories, then bins) -> spans, for block
        # sums; spans -> columns, rows normalised (a column is the mean of its spans).
        dim_var = [var_of[s.start] for s in spans if s.kind == "onehot" for _ in range(s.width)]
        dim_var += [var_of[s.start] for s in scalar for _ in range(bins)]
        self.members = torch.zeros(len(dim_var), n_spans, device=dev)
        rows = torch.arange(len(dim_var), device=dev)
        self.members[rows, torch.tensor(dim_var, dtype=torch.long, device=dev)] = 1.0
        col = torch.zeros(self.n_columns, n_spans, device=dev)
        for v, s in enumerate(spans):
            col[columns.index(s.column), v] = 1.0
        self.column_weights = col / col.sum(1, keepdim=True)
        scalar_var = [var_of[s.start] for s in scalar]
        self.scalar_var = torch.tensor(scalar_var, dtype=torch.long, device=dev)
        onehot_var = [var_of[s.start] for s in spans if s.kind == "onehot"]
        self.onehot_var = torch.tensor(onehot_var, dtype=torch.long, device=dev)
        # What the real rows contribute, computed once.
        self.n_spans = n_spans
        self.real_freq = real[:, self.onehot_idx].mean(0)
        self.real_sorted = real[:, self.scalar_idx].T.sort(dim=1).values.contiguous()
        self.real_corr = _corr(real[:, self.scalar_idx])
        self.real_joint = _joint(self._indicators(real))
        strong = self._associated().to(torch.float32)
        col = (self.column_weights > 0).to(torch.float32)
        strong = (col @ strong @ col.T) > 0  # columns with any pair of associated spans
        upper = torch.triu_indices(self.n_columns, self.n_columns, 1, device=dev)
        keep = strong[upper[0], upper[1]]
        self.pairs = upper[:, keep] if keep.any() else upper

    def _associated(self) -> torch.Tensor:
        """(n_spans, n_spans) bool: pairs of spans associated in the real rows."""
        joint, members = self.real_joint, self.members
        p = joint.diagonal()  # frequency of each category / bin
        expected = p[:, None] * p[None, :]
        cells = torch.where(expected > 0, (joint - expected) ** 2 / expected.clamp_min(1e-30), 0)
        phi2 = members.T @ cells @ members  # chi² / n of each contingency table
        levels = members.T @ (p > 0).to(torch.float32)  # categories present per span
        k = torch.minimum(levels[:, None], levels[None, :]) - 1
        cramer = torch.where(k > 0, (phi2 / k.clamp_min(1)).sqrt(), 0)
        strong = cramer > ASSOCIATION_THRESHOLD
        if len(self.scalar_idx):
            both = (self.scalar_var[:, None], self.scalar_var[None, :])
            strong[both] = self.real_corr.abs() > CORRELATION_THRESHOLD
        return strong

    # ------------------------------------------------------------------ the score
    @torch.no_grad()
    def __call__(
        self, fake: torch.Tensor, generator: torch.Generator, hard: torch.Tensor | None = None
    ) -> dict[str, float]:
        """{'shapes', 'trends', 'overall'} of `fake` (rows of the full encoded width);
        `generator` draws the categories of soft one-hots (decode='sample'); `hard`: the
        rows as `hard_rows` made them, if the caller has them already."""
        fake = fake.to(torch.float32)
        hard = self.hard_rows(fake, generator) if hard is None else hard
        freq = (fake if self.decode == "sample" else hard)[:, self.onehot_idx].mean(0)
        shapes = torch.ones(self.n_spans, device=self.device)
        if len(self.onehot_idx):
            tv = 0.5 * (freq - self.real_freq).abs() @ self.members[: len(self.onehot_idx)]
            shapes[self.onehot_var] = 1.0 - tv[self.onehot_var]
        if len(self.scalar_idx):
            shapes[self.scalar_var] = 1.0 - _ks(self.real_sorted, hard[:, self.scalar_idx].T)
        shapes = (self.column_weights @ shapes).mean()
        if self.n_columns < 2:
            return {"shapes": shapes.item(), "trends": math.nan, "overall": shapes.item()}
        diff = (_joint(self._indicators(hard)) - self.real_joint).abs()
        pair = 1.0 - 0.5 * self.members.T @ diff @ self.members
        if len(self.scalar_idx):
            corr = 1.0 - 0.5 * (_corr(hard[:, self.scalar_idx]) - self.real_corr).abs()
            pair[self.scalar_var[:, None], self.scalar_var[None, :]] = corr
        by_column = self.column_weights @ pair @ self.column_weights.T
        trends = by_column[self.pairs[0], self.pairs[1]].mean()
        both = torch.stack([shapes, trends]).cpu()  # one device-to-host copy
        return {
            "shapes": both[0].item(),
            "trends": both[1].item(),
            "overall": both.mean().item(),
        }

    def hard_rows(self, fake: torch.Tensor, generator: torch.Generator) -> torch.Tensor:
        """The rows as decoding sees them: hard one-hots, snapped scalars (class docstring)."""
        out = draw_categories(fake, self.onehot_groups, generator, self.decode)
        if len(self.scalar_idx):
            x = out[:, self.scalar_idx].T.contiguous()  # (n_scalars, n)
            if self.tied_low.shape[1]:
                i = (torch.searchsorted(self.tied_low, x, right=True) - 1).clamp_min(0)
                inside = (x >= self.tied_low.gather(1, i)) & (x <= self.tied_high.gather(1, i))
                x = torch.where(inside, self.tied_code.gather(1, i), x)
            if len(self.missing_scalar):
                x[self.missing_scalar] *= out[:, self.missing_present].T
            out[:, self.scalar_idx] = x.T
        return self._values(out)

    def _values(self, rows: torch.Tensor) -> torch.Tensor:
        """Rows whose mode-specific scalars are replaced by the values they decode to."""
        if not self.modes:
            return rows
        rows = rows.clone()
        for dim, start, stop, mu, sd in self.modes:  # one pass per column, not per row
            k = rows[:, start:stop].argmax(1)
            rows[:, dim] = mu[k] + 4.0 * sd[k] * rows[:, dim].clamp(-1.0, 1.0)
        return rows

    def _indicators(self, hard: torch.Tensor) -> torch.Tensor:
        """One indicator column per category, then per bin of each scalar (as `members`)."""
        parts = [hard[:, self.onehot_idx]]
        if len(self.scalar_idx):
            x = hard[:, self.scalar_idx].T.contiguous()
            b = torch.searchsorted(self.edges, x)  # (n_scalars, n) bin of each value
            parts.append(torch.nn.functional.one_hot(b.T, self.edges.shape[1] + 1).flatten(1))
        return torch.cat([p.to(torch.float32) for p in parts], dim=1)


def _joint(ind: torch.Tensor) -> torch.Tensor:
    """Joint frequencies of every pair of indicator columns (all contingency tables)."""
    return ind.T @ ind / ind.shape[0]


def _corr(x: torch.Tensor) -> torch.Tensor:
    x = x - x.mean(0)
    cov = x.T @ x
    std = cov.diagonal().clamp_min(1e-12).sqrt()
    return cov / std[:, None] / std[None, :]


def _ks(real_sorted: torch.Tensor, fake: torch.Tensor) -> torch.Tensor:
    """Two-sample KS statistic per row of (n_scalars, n) samples: both empirical CDFs at
    every point of either sample (their difference is largest at one of them)."""
    fake_sorted = fake.sort(dim=1).values.contiguous()
    points = torch.cat([real_sorted, fake_sorted], dim=1)
    cdf_r = torch.searchsorted(real_sorted, points, right=True) / real_sorted.shape[1]
    cdf_f = torch.searchsorted(fake_sorted, points, right=True) / fake_sorted.shape[1]
    return (cdf_r - cdf_f).abs().amax(1)


class EarlyStopping:
    """Stop a fit when the held-out signal stalls; keep the generator of the best signal.

    Every `every` epochs (None: every EVAL_STEPS generator steps, in whole epochs, known once
    `bind` gives the loop) and at the last epoch of the budget, the model generates `rows`
    encoded rows at α = 1, compared with the held-out rows two ways: `HoldoutScore`
    (sdmetrics-like quality, logged as
    `holdout_quality`) and `EnergyDistance` (the mean energy distance between the 2-D laws
    of associated column pairs, logged as `holdout_energy`; train/energy.py). `signal`
    says which one decides: "energy" (the default, lower is better: it sees the joint law)
    or "quality" (higher is better; the rule before the energy distance). The noise, the
    sampled categories and everything else random in an evaluation come from a generator
    re-seeded from `seed` each time: the training stream is untouched (a fit is as
    reproducible as without early stopping), and two evaluations differ only by the
    weights (common random numbers: less noise in the comparison).

    The weights of the best signal are copied on the device; with the energy signal, those
    of the latest evaluation within `keep_tolerance` of the lowest distance so far (a share
    of it, or `keep_floor` of the first evaluation's distance, whichever is larger: near 0
    the distance is all estimation noise): a later generator that is as close on the
    held-out rows is kept rather than an earlier one (on Adult the distance flattens while
    detection still improves). An evaluation is progress when it beats the best one before
    it by at least `min_delta` (quality: absolute) or by a share `min_rel_delta` of it
    (energy). Training stops after `patience` evaluations in a row without progress, but
    never before the generator has taken `min_steps` steps: a GAN's first few hundred swing far
    (the 2-D ring's generator is closer to the data after its first epoch than for the
    next 25), and judging them stops a fit before it has begun. `restore()` puts the best
    weights back.

    It runs as two loop callbacks: `evaluate` before the checkpoint callback (so that a
    checkpoint holds this epoch's evaluation), `should_stop` after every other callback.
    """

    def __init__(
        self,
        model,
        holdout: torch.Tensor,
        seed: int,
        *,
        every: int | None = None,
        patience: int = 20,
        min_delta: float = 1e-3,
        min_rel_delta: float = 0.02,
        min_steps: int = 2000,
        keep_tolerance: float = 0.1,
        keep_floor: float = 0.01,
        rows: int = 5000,
        signal: str = "energy",
    ):
        if signal not in SIGNALS:
            raise ValueError(f"signal={signal!r}; use one of {', '.join(SIGNALS)}")
        self.model = model
        t = model.transformer_
        self.score = HoldoutScore(
            holdout, t.spans, t.tied_intervals(), decode=model.decode, modes=t.mode_tables()
        )
        self.signal = signal
        gen = torch.Generator(device=model.device_).manual_seed(seed)
        self.energy = EnergyDistance(self.score, holdout, gen)
        self.holdout_rows = len(holdout)
        self.seed, self.every, self.patience = seed, every or 1, patience
        self._every_from_steps = every is None
        self.min_delta, self.min_rel_delta, self.rows = min_delta, min_rel_delta, rows
        self.min_steps, self.keep_tolerance = min_steps, keep_tolerance
        self.keep_floor = keep_floor
        self.first_score: float | None = None
        self.loop = None
        self.best_score: float | None = None  # the signal's own value (energy: the distance)
        self.best_epoch = 0  # the epoch of the weights kept
        self.kept_score: float | None = None  # their signal
        self.best_state: dict[str, torch.Tensor] | None = None
        self.wait = 0
        self.evaluations = 0
        self.stopped = False

    def bind(self, loop) -> None:
        self.loop = loop  # its history rows get the scores; its config, the steps per epoch
        if self._every_from_steps:
            self.every = max(1, EVAL_STEPS // max(1, loop.config.steps_per_epoch))

    def _step(self, value: float) -> tuple[bool, bool]:
        """Update the best signal; (progress, keep these weights)."""
        best = self.best_score
        if self.signal == "quality":
            progress = best is None or value >= best + self.min_delta
            better = best is None or value > best
            keep = better
        else:
            progress = best is None or value <= best - self.min_rel_delta * abs(best)
            better = best is None or value < best
            lowest = value if better else best
            if self.first_score is None:
                self.first_score = value
            # the latest weights within the tolerance of the lowest distance: a share of it,
            # or of the first distance (near 0 the estimate's noise is the yardstick)
            slack = max(self.keep_tolerance * abs(lowest), self.keep_floor * abs(self.first_score))
            keep = value <= lowest + slack
        if better:
            self.best_score = value
        return progress, keep

    @torch.no_grad()
    def evaluate(self, epoch: int, logs: dict) -> bool:
        last = self.loop is not None and epoch >= self.loop.config.epochs
        if epoch % self.every and not last:
            return False
        gen = torch.Generator(device=self.model.device_).manual_seed(self.seed)
        fake = self.model._holdout_rows(self.rows, gen).to(torch.float32)
        # one set of drawn categories for both: the energy is the stopping signal, the
        # score is logged beside it
        hard = self.score.hard_rows(fake, gen)
        scores = self.score(fake, gen, hard)
        energy = self.energy(hard)
        new = {"holdout_quality": scores["overall"], "holdout_shapes": scores["shapes"]}
        if not math.isnan(scores["trends"]):  # NaN: a one-column table has no pairs
            new["holdout_trends"] = scores["trends"]
        new["holdout_energy"] = energy
        logs.update(new)  # later callbacks see them
        if self.loop is not None:
            self.loop.rows[-1].update(new)  # history_
        value = scores["overall"] if self.signal == "quality" else energy
        self.evaluations += 1
        progress, keep = self._step(value)
        self.wait = 0 if progress else self.wait + 1
        steps = epoch * self.loop.config.steps_per_epoch if self.loop is not None else math.inf
        self.stopped = self.wait >= self.patience and steps >= self.min_steps
        if keep:
            self.kept_score, self.best_epoch = value, epoch
            self.best_state = {
                k: v.detach().clone() for k, v in self.model.generator_.state_dict().items()
            }
        return False

    def should_stop(self, epoch: int, logs: dict) -> bool:
        return self.stopped

    def describe_stop(self, epoch: int) -> str:
        """The line that says why early stopping ended the fit at `epoch`."""
        if self.signal == "quality":
            return (
                f"early stopping at epoch {epoch}: the held-out score did not improve by "
                f"{self.min_delta:g} for {self.patience} evaluations; best epoch "
                f"{self.best_epoch} (held-out score {self.best_score:.3f}), whose generator "
                "is kept"
            )
        # energy: the kept generator is the latest one within tolerance of the lowest
        # distance, so its epoch and the lowest distance are two different facts
        return (
            f"early stopping at epoch {epoch}: the held-out energy distance did not fall "
            f"{self.min_rel_delta:.0%} below its lowest for {self.patience} evaluations; the "
            f"generator of epoch {self.best_epoch} is kept (distance {self.kept_score:.5f}, "
            f"lowest {self.best_score:.5f})"
        )

    def restore(self) -> None:
        """Put the best generator weights back (at the end of the fit)."""
        if self.best_state is not None:
            self.model.generator_.load_state_dict(self.best_state)

    def summary(self) -> dict:
        return {
            "holdout_rows": self.holdout_rows,
            "best_epoch": self.best_epoch,
            "signal": self.signal,
            "best_score": None if self.best_score is None else round(self.best_score, 5),
            "kept_score": None if self.kept_score is None else round(self.kept_score, 5),
            "stopped_early": self.stopped,
            "evaluations": self.evaluations,
        }

    # ------------------------------------------------------------------ checkpoints
    def state(self) -> tuple[dict, dict[str, torch.Tensor]]:
        """(JSON part, tensors) of what the rest of the fit depends on."""
        config = {
            "best_score": self.best_score,
            "kept_score": self.kept_score,
            "first_score": self.first_score,
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "evaluations": self.evaluations,
            "stopped": self.stopped,
        }
        return config, dict(self.best_state or {})

    def load_state(self, config: dict, tensors: dict[str, torch.Tensor]) -> None:
        self.best_score = config["best_score"]
        self.kept_score = config.get("kept_score", self.best_score)
        self.first_score = config.get("first_score")
        self.best_epoch = int(config["best_epoch"])
        self.wait = int(config["wait"])
        self.evaluations = int(config["evaluations"])
        # a checkpoint of the epoch that stopped the fit resumes into a finished fit
        self.stopped = bool(config.get("stopped", self.wait >= self.patience))
        dev = self.model.device_
        self.best_state = {k: v.to(dev) for k, v in tensors.items()} or None
