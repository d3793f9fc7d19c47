"""Mode coverage of 2-D samples against a toy mixture (algorithms.md §7, PacGAN convention)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..errors import InvalidDataError, InvalidParameterError
from ..toy import toy_modes

__all__ = ["mode_coverage", "REFERENCE_N"]

#: Sample size for which ``min_per_mode`` is stated (PacGAN: 20 of 2,500 samples).
REFERENCE_N = 2500


def _as_points(samples: pd.DataFrame | np.ndarray) -> np.ndarray:
    if isinstance(samples, pd.DataFrame):
        missing = [c for c in ("x", "y") if c not in samples.columns]
        if missing:
            raise InvalidDataError(
                f"samples DataFrame lacks column(s) {missing}; it needs columns 'x' and 'y' "
                f"(got {list(samples.columns)})"
            )
        samples = samples[["x", "y"]].to_numpy()
    try:
        points = np.asarray(samples, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidDataError(f"samples must be numeric 2-D points: {exc}") from exc
    if points.ndim != 2 or points.shape[1] != 2:
        raise InvalidDataError(
            f"samples must have shape (n, 2) (or be a DataFrame with columns x, y); "
            f"got shape {points.shape}"
        )
    if points.shape[0] == 0:
        raise InvalidDataError("samples is empty; mode coverage needs at least one sample")
    return points


def mode_coverage(
    samples: pd.DataFrame | np.ndarray,
    toy: str,
    min_per_mode: float = 20,
    *,
    eps: float = 1e-12,
) -> dict:
    """Score 2-D samples against the modes of a toy mixture.

    Each sample is assigned to its nearest mode centre (Euclidean distance); it is
    *high-quality* when that distance is at most 3σ (σ the per-axis standard deviation of
    the toy, see :func:`fairsynth.toy.toy_modes`). For samples from the true distribution
    the expected high-quality share is ``1 - exp(-9/2) ≈ 0.989``. Non-finite samples (NaN,
    inf, e.g. from a diverged generator) are counted as not high-quality.

    A mode is *covered* when at least ``min_per_mode`` high-quality samples fall on it.
    ``min_per_mode`` is stated for :data:`REFERENCE_N` = 2,500 samples (the PacGAN
    convention: 20 of 2,500); for another sample size ``n`` the threshold is scaled
    proportionally to ``min_per_mode * n / 2500`` (not rounded; a mode with count ``c`` is
    covered when ``c >= min_per_mode * n / 2500``).

    ``kl_to_uniform`` is ``KL(p || u) = sum_j p_j log(k p_j)`` where ``p`` is the histogram
    of the high-quality samples over the ``k`` modes, normalised, and ``u`` is uniform. To
    keep logarithms finite for empty modes, ``p_j = (c_j + eps) / (sum c + k eps)`` with
    ``eps = 1e-12`` by default, which changes the value by far less than 1e-6 (the limit
    ``0 log 0 = 0`` gives the same). It is 0 for a perfectly balanced histogram and
    ``log k`` when all high-quality samples fall on a single mode. When no sample is
    high-quality the histogram is undefined and ``kl_to_uniform`` is NaN.

    Parameters
    ----------
    samples:
        DataFrame with columns ``x``, ``y`` or array-like of shape ``(n, 2)``.
    toy:
        Toy name, one of :data:`fairsynth.toy.TOY_NAMES`.
    min_per_mode:
        High-quality samples a mode needs to be covered, for 2,500 samples (default 20).
    eps:
        Pseudo-count added to every mode before normalising the histogram (KL only).

    Returns
    -------
    dict with ``modes_covered`` (int), ``n_modes`` (int), ``high_quality_share`` (float,
    high-quality samples / all samples), ``kl_to_uniform`` (float) and ``counts``
    (list of int: high-quality samples per mode, in the order of ``toy_modes(toy)``).
    """
    if not np.isfinite(min_per_mode) or min_per_mode <= 0:
        raise InvalidParameterError(f"min_per_mode must be a positive number, got {min_per_mode!r}")
    if not np.isfinite(eps) or eps <= 0:
        raise InvalidParameterError(f"eps must be a positive number, got {eps!r}")
    points = _as_points(samples)
    centres, sigma = toy_modes(toy)
    k = len(centres)
    n = points.shape[0]

    # (n, k) squared distances, one axis at a time to keep memory at O(n k).
    sq_dist = (points[:, 0, None] - centres[None, :, 0]) ** 2
    sq_dist += (points[:, 1, None] - centres[None, :, 1]) ** 2
    # Non-finite samples get an infinite distance to every mode: never high-quality.
    finite = np.isfinite(sq_dist).all(axis=1)
    sq_dist = np.where(finite[:, None], sq_dist, np.inf)
    nearest = sq_dist.argmin(axis=1)
    nearest_sq = sq_dist[np.arange(n), nearest]
    high_quality = finite & (nearest_sq <= (3.0 * sigma) ** 2)

    counts = np.bincount(nearest[high_quality], minlength=k)
    threshold = float(min_per_mode) * n / REFERENCE_N
    n_hq = int(counts.sum())
    if n_hq == 0:
        kl = float("nan")
    else:
        p = (counts + eps) / (n_hq + k * eps)
        kl = float(np.sum(p * np.log(p * k)))
    return {
        "modes_covered": int((counts >= threshold).sum()),
        "n_modes": int(k),
        "high_quality_share": n_hq / n,
        "kl_to_uniform": kl,
        "counts": [int(c) for c in counts],
    }
