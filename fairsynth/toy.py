"""2-D toy mixtures of Gaussians for mode-coverage experiments (algorithms.md §7).

* ``"ring8"``: 8 Gaussians with centres evenly spaced on a circle of radius 2 (the first at
  angle 0, then counter-clockwise every 45°), standard deviation σ = 0.02 on each axis.
* ``"grid25"``: 25 Gaussians with centres on the 5×5 grid {-4, -2, 0, 2, 4}², σ = 0.05.

Both mixtures have equal weights: each sample picks its mode uniformly at random (so the
per-mode counts are multinomial, not exactly n/k), then adds isotropic Gaussian noise.
:func:`fairsynth.evaluate.modes.mode_coverage` scores samples against the same centres.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .errors import InvalidParameterError

__all__ = ["TOY_NAMES", "toy", "toy_modes"]

TOY_NAMES: tuple[str, ...] = ("ring8", "grid25")

_RING_RADIUS = 2.0
_RING_SIGMA = 0.02
_GRID_VALUES = (-4.0, -2.0, 0.0, 2.0, 4.0)
_GRID_SIGMA = 0.05


def _check_name(name: str) -> None:
    if name not in TOY_NAMES:
        raise InvalidParameterError(
            f"unknown toy distribution {name!r}; choose one of: {', '.join(TOY_NAMES)}"
        )


def toy_modes(name: str) -> tuple[np.ndarray, float]:
    """Mode centres and per-axis standard deviation of a toy mixture.

    Returns ``(centres, sigma)`` with ``centres`` a float64 array of shape ``(k, 2)``
    (k = 8 for ``"ring8"``, 25 for ``"grid25"``; a fresh copy each call) and ``sigma`` the
    standard deviation of every component on each axis.
    """
    _check_name(name)
    if name == "ring8":
        angles = 2.0 * np.pi * np.arange(8) / 8
        centres = _RING_RADIUS * np.column_stack([np.cos(angles), np.sin(angles)])
        return centres.astype(np.float64), _RING_SIGMA
    # grid25: row-major over x, then y
    gx, gy = np.meshgrid(_GRID_VALUES, _GRID_VALUES, indexing="ij")
    centres = np.column_stack([gx.ravel(), gy.ravel()])
    return centres.astype(np.float64), _GRID_SIGMA


def toy(
    name: str,
    n: int = 2500,
    random_state: int | np.random.Generator | None = None,
) -> pd.DataFrame:
    """Draw ``n`` samples from a toy mixture of Gaussians.

    Parameters
    ----------
    name:
        One of :data:`TOY_NAMES` (``"ring8"``, ``"grid25"``).
    n:
        Number of samples (a non-negative integer; 2,500 is the PacGAN evaluation size).
    random_state:
        Seed or ``numpy.random.Generator``, passed to ``np.random.default_rng``; the same
        seed gives the same samples.

    Returns
    -------
    DataFrame with float64 columns ``x`` and ``y`` and a default RangeIndex.
    """
    _check_name(name)
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or n < 0:
        raise InvalidParameterError(f"n must be a non-negative integer, got {n!r}")
    rng = np.random.default_rng(random_state)
    centres, sigma = toy_modes(name)
    component = rng.integers(0, len(centres), size=int(n))
    points = centres[component] + sigma * rng.standard_normal((int(n), 2))
    return pd.DataFrame({"x": points[:, 0], "y": points[:, 1]}, dtype=np.float64)
