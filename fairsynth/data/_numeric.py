"""Numeric codecs: quantile-to-normal and mode-specific (soft one-hot decoding: _decode.py).

Every codec is fitted with rdt / numpy, keeps only JSON-safe state (lists of floats) and
encodes / decodes with vectorised numpy.

Quantile-to-normal (``continuous="quantile"``)
    The empirical quantiles ``q_j`` of the (sub-sampled) non-null values are taken at
    ``n_quantiles`` evenly spaced levels ``j/(n-1)`` (linear interpolation, so ``q_0`` is the
    minimum and ``q_{n-1}`` the maximum). Grid point ``j`` is given the CDF level
    ``c_j = (j + 1/2)/n`` — strictly inside (0, 1). Tied grid values (a spike such as
    ``capital_gain == 0``) are merged into one knot whose level is the middle of their range
    of levels, so the map value → level is strictly increasing and piecewise linear
    (``np.interp``) and the spike maps to one level and back exactly. The level goes through
    the normal quantile function and is divided by ``z_max = Φ⁻¹(1 - 1/(2n))``, the normal
    quantile of the grid's extreme level: the minimum encodes to -1, the maximum to +1, and
    values outside the fitted range are clipped to [-1, 1]. Decoding clips the scalar to
    [-1, 1], applies ``Φ(s·z_max)`` and interpolates back. The only loss is float32 rounding
    of the scalar, about ``1e-4`` of the local grid spacing.

Mode-specific normalisation (``continuous="mode"``, CTGAN, with atoms)
    Values holding ≥ 5 % of the rows (``ATOM_SHARE``: zero-inflated columns, round numbers
    such as 40 hours) are *atoms*: modes of zero width that encode to their one-hot with
    scalar 0 and decode to the value exactly. On the other values rdt's
    ``ClusterBasedNormalizer`` fits a Bayesian GMM (Dirichlet-process prior, at most
    ``max_modes`` components) on at most ``MODE_FIT_ROWS`` (10,000) sub-sampled values (see
    the constant for why that is enough); the means, standard deviations and weights of its
    valid components are kept. A value that is not an atom is assigned to the component of
    largest posterior ``w_k·N(x; μ_k, σ_k)`` (deterministic, unlike rdt which samples it)
    and encoded as ``(x - μ_k)/(4σ_k)`` clipped to [-1, 1], plus the one-hot of ``k``.
    Values further than 4σ from their mode are clipped (lossy, as in CTGAN).

Quantile bins (``continuous="bins"``)
    The atoms as above, and the other values cut at their quantiles into at most
    ``n_bins`` bins of about equal mass. For the generator each bin is a category (a mode
    of zero width: its one-hot, scalar 0). Decoding draws the value within the drawn bin
    from the bin's own quantile function (``BIN_QUANTILES`` points, linear in between),
    so within a bin the column has the data's law whatever the generator does: a
    generator's scalar inside a mode tends to collapse onto a few values (measured on
    Adult: age 36 in 6.9 % of the generated rows, 2.8 % of the real ones), which a
    classifier telling real rows from generated ones picks up at once.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtr, ndtri

from ._decode import TILE_ROWS

__all__ = [
    "MODE_FIT_ROWS",
    "QuantileCodec",
    "ModeCodec",
    "BinCodec",
    "learn_range_and_digits",
    "subsample",
]


# The Bayesian GMM of the mode-specific encoding is fitted on at most this many rows (drawn
# with the transformer's random_state); all rows are then encoded. sklearn's variational
# fit (up to 100 iterations over all rows × 10 components) grows linearly with the rows:
# ~6 s per numeric column of Adult's 32,561 rows, ~1.5 s on 10,000. Statistically this is
# enough: a 1-D mixture of at most 10 modes has ≤ 30 parameters, and each mode holding
# ≥ 1% of the mass gets ≥ 100 rows, so its mean and spread are estimated to a few percent
# of its width; modes lighter than ~1/1000 of the mass (≤ 10 sampled rows) may be merged
# into a neighbour, or dropped by rdt's 0.5% weight threshold, as they would mostly be on
# all rows anyway. Their values are then encoded relative to the nearest kept mode (and
# clipped beyond 4σ, as for any outlier in CTGAN's encoding).
MODE_FIT_ROWS = 10_000


def subsample(values: np.ndarray, max_rows: int, rng: np.random.Generator) -> np.ndarray:
    """At most ``max_rows`` of ``values``, drawn without replacement."""
    if len(values) <= max_rows:
        return values
    return values[rng.choice(len(values), size=max_rows, replace=False)]


def learn_range_and_digits(
    values: np.ndarray, name: str, integer: bool
) -> tuple[float, float, int | None]:
    """Observed min, max and rounding digits of non-null ``values`` with rdt's FloatFormatter.

    Integer columns always round to 0 digits; ``None`` means "do not round".
    """
    from rdt.transformers import FloatFormatter

    ff = FloatFormatter(
        learn_rounding_scheme=True,
        enforce_min_max_values=True,
        missing_value_generation=None,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ff.fit(pd.DataFrame({name: values}), name)
    digits = 0 if integer else ff._rounding_digits
    return (
        float(ff._min_value),
        float(ff._max_value),
        None if digits is None else int(digits),
    )


def _clipped_scalar(s: np.ndarray) -> np.ndarray:
    """A float64 copy of a scalar span clipped to [-1, 1], NaN set to 0."""
    s = np.array(s, dtype=np.float64)
    np.clip(s, -1.0, 1.0, out=s)
    np.copyto(s, 0.0, where=np.isnan(s))
    return s


class QuantileCodec:
    """Quantile-to-normal scalar codec (see module docstring). Width 1."""

    method = "quantile"

    def __init__(
        self,
        knots: list[float],
        levels: list[float],
        z_max: float,
        lower: list[float],
        upper: list[float],
    ):
        self.knots = np.asarray(knots, dtype=np.float64)
        self.levels = np.asarray(levels, dtype=np.float64)
        self.z_max = float(z_max)
        # Decoding maps the whole CDF range [lower, upper] of a tied value (e.g. the spike
        # capital_gain == 0, 92% of Adult) back to that value; interpolating between mid
        # levels instead would smear the spike into small non-zero values.
        self.lower = np.asarray(lower, dtype=np.float64)
        self.upper = np.asarray(upper, dtype=np.float64)
        self._xp = np.column_stack([self.lower, self.upper]).reshape(-1)
        self._fp = np.repeat(self.knots, 2)
        self._cells = self._grid_cells()

    def _grid_cells(self) -> tuple[int, np.ndarray, np.ndarray, np.ndarray] | None:
        """``(n, grid, values, slopes)`` for an O(1) `np.interp` on the fitted grid, or None.

        Every breakpoint of the decoding map is a grid level ``c_j = (j + 1/2)/n``, so the
        map is linear on each cell ``[c_j, c_{j+1}]``: decoding finds the cell by arithmetic
        instead of np.interp's binary search (~11 steps per value for 1000 quantiles, the
        largest cost of decoding a numeric column). ``values`` and ``slopes`` are the very
        floats np.interp uses, so the result is identical. None (use np.interp) when the
        levels are not such a grid, e.g. a hand-written state.
        """
        if len(self.lower) == 0 or not self.lower[0] > 0:
            return None
        n = int(round(0.5 / self.lower[0]))
        if not 2 <= n <= 10**7:
            return None
        grid = (np.arange(n) + 0.5) / n  # the same floats as QuantileCodec.fit's levels
        pos = np.minimum(np.searchsorted(grid, self._xp), n - 1)
        if not (grid[pos] == self._xp).all() or pos[0] != 0 or pos[-1] != n - 1:
            return None
        values = np.interp(grid, self._xp, self._fp)
        slopes = np.zeros(n + 1)  # the last cell is flat: beyond c_{n-1} np.interp holds
        slopes[: n - 1] = np.diff(values) / np.diff(grid)
        return n, np.r_[grid, np.inf], np.r_[values, values[-1]], slopes

    @property
    def n_modes(self) -> int:
        return 0

    @classmethod
    def fit(cls, values: np.ndarray, n_quantiles: int) -> QuantileCodec:
        n = int(n_quantiles)
        q = np.quantile(values, np.linspace(0.0, 1.0, n))
        q = np.maximum.accumulate(q)  # monotone despite round-off
        c = (np.arange(n) + 0.5) / n
        change = np.r_[True, q[1:] != q[:-1]]
        starts = np.flatnonzero(change)
        stops = np.r_[starts[1:], n] - 1
        knots = q[starts]
        levels = 0.5 * (c[starts] + c[stops])
        z_max = float(ndtri(1.0 - 0.5 / n))
        return cls(knots.tolist(), levels.tolist(), z_max, c[starts].tolist(), c[stops].tolist())

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, None]:
        # Between knots: the exact inverse of `decode`'s piecewise-linear map; on a knot
        # (a tied value): the middle of its CDF range.
        c = np.interp(x, self._fp, self._xp)
        i = np.clip(np.searchsorted(self.knots, x), 0, len(self.knots) - 1)
        on_knot = self.knots[i] == x
        c[on_knot] = self.levels[i[on_knot]]
        s = ndtri(c) / self.z_max
        return np.clip(s, -1.0, 1.0), None

    def decode(self, s: np.ndarray, mode: np.ndarray | None, rng=None) -> np.ndarray:
        s = _clipped_scalar(s)
        for a in range(0, len(s), TILE_ROWS):
            part = s[a : a + TILE_ROWS]
            part *= self.z_max
            c = self._interp(ndtr(part, out=part))
            if c is not part:  # the np.interp fallback returns a new array
                part[:] = c
        return s

    def _interp(self, c: np.ndarray) -> np.ndarray:
        """``np.interp(c, self._xp, self._fp)`` for c in [0, 1], in O(1) per value; may
        overwrite c (and return it)."""
        if self._cells is None:
            return np.interp(c, self._xp, self._fp)
        n, grid, values, slopes = self._cells
        np.clip(c, grid[0], grid[n - 1], out=c)
        # c·n - 1/2 is the cell up to rounding (~n·1e-16); biased down, it is the cell or
        # the one before, and never below 0 (truncation of a tiny negative gives 0)
        t = c * n
        t -= 0.5 + 1e-6
        j = t.astype(np.intp)
        j += c >= grid[j + 1]
        # np.interp's formula on its segment: slope * (x - x_j) + y_j
        c -= grid[j]
        c *= slopes[j]
        c += values[j]
        return c

    def tied_intervals(self) -> np.ndarray:
        """(k, 3) rows [low, high, code]: every encoded scalar in [low, high] decodes to one
        tied value (a spike such as capital_gain == 0), whose own code is `code`."""
        tied = self.upper > self.lower

        def enc(c):
            return np.clip(ndtri(c[tied]) / self.z_max, -1.0, 1.0)

        return np.column_stack([enc(self.lower), enc(self.upper), enc(self.levels)])

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "knots": self.knots.tolist(),
            "levels": self.levels.tolist(),
            "z_max": self.z_max,
            "lower": self.lower.tolist(),
            "upper": self.upper.tolist(),
        }


class ModeCodec:
    """Mode-specific normalisation codec (see module docstring). Width 1 + n_modes."""

    method = "mode"

    def __init__(self, means: list[float], stds: list[float], weights: list[float]):
        self.means = np.asarray(means, dtype=np.float64)
        self.stds = np.asarray(stds, dtype=np.float64)
        self.weights = np.asarray(weights, dtype=np.float64)

    @property
    def n_modes(self) -> int:
        return len(self.means)

    @classmethod
    def fit(cls, values: np.ndarray, max_modes: int, seed: int, name: str) -> ModeCodec:
        atoms, shares = _atoms(values, max_modes)
        rest = values[~np.isin(values, atoms)]
        if np.unique(rest).size == 1:  # a lone leftover value: one more atom
            means, stds, weights = [float(rest[0])], [0.0], [1.0]
        elif len(rest):
            means, stds, weights = _gaussian_modes(rest, max_modes - len(atoms), seed, name)
        else:
            means, stds, weights = [], [], []
        # Weights are shares of all the values: the atoms' own, the rest's split by the GMM.
        rest_share = len(rest) / max(len(values), 1)
        means = np.array([*atoms, *means])
        stds = np.array([0.0] * len(atoms) + stds)
        weights = np.array([*shares, *(rest_share * w for w in weights)])
        weights = np.maximum(weights, 1e-12)  # log-weights are taken when assigning
        order = np.argsort(means, kind="stable")
        return cls(
            means[order].tolist(), stds[order].tolist(), (weights / weights.sum())[order].tolist()
        )

    def assign(self, x: np.ndarray) -> np.ndarray:
        """Mode of each value (deterministic): its atom if it is one, else the Gaussian
        component of largest posterior (the nearest atom when the column has no component)."""
        atom = self.stds == 0
        smooth = np.flatnonzero(~atom)
        if len(smooth):
            mu, sd = self.means[smooth], self.stds[smooth]
            z = (x[:, None] - mu[None, :]) / sd[None, :]
            logp = np.log(self.weights[smooth])[None, :] - np.log(sd)[None, :] - 0.5 * z * z
            k = smooth[logp.argmax(axis=1)]
        else:
            k = np.abs(x[:, None] - self.means[None, :]).argmin(axis=1)
        for j in np.flatnonzero(atom):
            k[x == self.means[j]] = j
        return k

    def encode(self, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        k = self.assign(x)
        sd = self.stds[k]
        with np.errstate(divide="ignore", invalid="ignore"):
            s = np.where(sd > 0, (x - self.means[k]) / (4.0 * sd), 0.0)
        return np.clip(s, -1.0, 1.0), k

    def decode(self, s: np.ndarray, mode: np.ndarray | None, rng=None) -> np.ndarray:
        s = _clipped_scalar(s)
        return s * 4.0 * self.stds[mode] + self.means[mode]  # an atom (std 0) decodes exactly

    def tied_intervals(self) -> np.ndarray:
        return np.zeros((0, 3))  # the scalar is a within-mode offset: no value is tied

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "means": self.means.tolist(),
            "stds": self.stds.tolist(),
            "weights": self.weights.tolist(),
        }


# A value holding at least this share of a column's rows is an *atom* of the mode-specific
# encoding (e.g. capital_gain == 0 in 92 % of Adult's rows, hours_per_week == 40 in 47 %).
# A Gaussian mode cannot put that much mass on one point: it decodes the spike to a cloud of
# nearby values, and a GAN asked to produce a spike plus a thin tail through one scalar tends
# to drop the tail (measured: FairPTGAN's capital_gain non-zero in 0.2 % of rows instead of
# 8 %). An atom is a mode of zero width: it is a category for the generator and decodes to
# its value exactly.
ATOM_SHARE = 0.05


def _atoms(values: np.ndarray, max_modes: int) -> tuple[np.ndarray, np.ndarray]:
    """The values holding ≥ ATOM_SHARE of the rows (at most max_modes - 1, the largest) and
    their shares."""
    if not len(values):
        return np.zeros(0), np.zeros(0)
    uniq, counts = np.unique(values, return_counts=True)
    shares = counts / len(values)
    keep = np.flatnonzero(shares >= ATOM_SHARE)
    keep = keep[np.argsort(-shares[keep], kind="stable")][: max_modes - 1]
    keep = np.sort(keep)
    return uniq[keep].astype(np.float64), shares[keep]


def _gaussian_modes(values: np.ndarray, max_modes: int, seed: int, name: str):
    """Means, stds and weights of the valid components of rdt's Bayesian GMM on values."""
    from rdt.transformers import ClusterBasedNormalizer

    n_modes = max(1, min(int(max_modes), np.unique(values).size))
    cbn = ClusterBasedNormalizer(max_clusters=n_modes, missing_value_generation=None)
    cbn.set_random_state(np.random.RandomState(seed), "fit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cbn.fit(pd.DataFrame({name: values}), name)
    bgm = cbn._bgm_transformer
    valid = np.asarray(cbn.valid_component_indicator, dtype=bool)
    if not valid.any():  # pragma: no cover - rdt always keeps one
        valid[np.argmax(bgm.weights_)] = True
    means = bgm.means_.reshape(-1)[valid]
    stds = np.sqrt(bgm.covariances_.reshape(-1)[valid])
    scale = max(float(np.abs(values).max()), 1.0)
    stds = np.maximum(stds, 1e-12 * scale)  # > 0: zero width is reserved for atoms
    weights = bgm.weights_[valid] / bgm.weights_[valid].sum()
    return means.tolist(), stds.tolist(), weights.tolist()


class BinCodec(ModeCodec):
    """Quantile bins (see module docstring). Width 1 + n_bins; the scalar is always 0."""

    method = "bins"

    def __init__(self, quantiles: list[list[float]], weights: list[float], steps: bool = False):
        self.quantiles = np.asarray(quantiles, dtype=np.float64)  # (bins, BIN_QUANTILES)
        # steps: a column of few distinct values draws one of its own values (the quantile
        # function's steps); interpolating would make values the data never has.
        self.steps = bool(steps)
        # A segment between two quantile points much wider than the bin's typical one is a
        # gap in the data (a bin cut across two clusters): a draw in it goes to its nearer
        # end instead of into the gap.
        widths = np.diff(self.quantiles, axis=1)
        typical = np.median(widths, axis=1, keepdims=True)
        self._gap = widths > GAP_WIDTH * np.maximum(typical, 1e-300)
        medians = self.quantiles[:, self.quantiles.shape[1] // 2]
        super().__init__(medians.tolist(), [0.0] * len(medians), weights)
        atom = self.quantiles[:, 0] == self.quantiles[:, -1]
        self._atoms = np.flatnonzero(atom)
        self._spread = np.flatnonzero(~atom)  # sorted by their lower bound

    @classmethod
    def fit(cls, values: np.ndarray, n_bins: int) -> BinCodec:
        atoms, shares = _atoms(values, n_bins)
        rest = values[~np.isin(values, atoms)]
        rows = [np.full(BIN_QUANTILES, a) for a in atoms]
        weights = list(shares)
        steps = np.unique(values).size <= STEP_VALUES_PER_BIN * n_bins
        method = "inverted_cdf" if steps else "linear"
        if len(rest):
            cuts = np.unique(np.quantile(rest, np.linspace(0, 1, n_bins - len(atoms) + 1)))
            last = max(len(cuts) - 2, 0)
            which = np.clip(np.searchsorted(cuts, rest, side="right") - 1, 0, last)
            for b in np.unique(which):
                inside = rest[which == b]
                levels = np.linspace(0, 1, BIN_QUANTILES)
                rows.append(np.quantile(inside, levels, method=method))
                weights.append(len(inside) / len(values))
        order = np.argsort([r[0] for r in rows], kind="stable")
        weights = np.maximum(np.asarray(weights), 1e-12)
        shares = (weights / weights.sum())[order].tolist()
        return cls([rows[i].tolist() for i in order], shares, steps)

    def assign(self, x: np.ndarray) -> np.ndarray:
        """The bin of each value: its atom, else the last spread bin starting at or below
        it (the first for values below every bin); the nearest atom if there is none."""
        if len(self._spread):
            lower = self.quantiles[self._spread, 0]
            j = np.clip(np.searchsorted(lower, x, side="right") - 1, 0, len(lower) - 1)
            k = self._spread[j]
        else:
            k = np.abs(x[:, None] - self.means[None, :]).argmin(axis=1)
        for j in self._atoms:
            k[x == self.means[j]] = j
        return k

    def decode(self, s: np.ndarray, mode: np.ndarray | None, rng=None) -> np.ndarray:
        rng = np.random.default_rng(rng)
        if self.steps:  # one of the bin's quantile points, each as likely
            return self.quantiles[mode, rng.integers(0, BIN_QUANTILES, len(mode))]
        pos = rng.random(len(mode)) * (BIN_QUANTILES - 1)
        i = np.minimum(pos.astype(np.intp), BIN_QUANTILES - 2)
        frac = pos - i
        gap = self._gap[mode, i]
        frac[gap] = np.round(frac[gap])
        lo, hi = self.quantiles[mode, i], self.quantiles[mode, i + 1]
        return lo + frac * (hi - lo)

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "quantiles": self.quantiles.tolist(),
            "weights": self.weights.tolist(),
            "steps": self.steps,
        }


# Points of a bin's quantile function kept to draw values within it, and the most distinct
# values per bin for which the draw takes one of those points (else interpolates).
BIN_QUANTILES = 17
STEP_VALUES_PER_BIN = 16
# A segment this many times wider than its bin's median segment is a gap (BinCodec).
GAP_WIDTH = 4.0


def codec_from_dict(d: dict[str, Any]) -> QuantileCodec | ModeCodec:
    if d["method"] == "bins":
        return BinCodec(d["quantiles"], d["weights"], d["steps"])
    if d["method"] == "quantile":
        return QuantileCodec(d["knots"], d["levels"], d["z_max"], d["lower"], d["upper"])
    if d["method"] == "mode":
        return ModeCodec(d["means"], d["stds"], d["weights"])
    raise ValueError(f"unknown numeric codec {d['method']!r}")
