"""Toy mixtures (fairsynth.toy) and their mode-coverage score (fairsynth.evaluate.modes)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from fairsynth.errors import InvalidDataError, InvalidParameterError
from fairsynth.evaluate.modes import mode_coverage
from fairsynth.toy import TOY_NAMES, toy, toy_modes

SQUARE = {"ring8": 2.5, "grid25": 5.0}  # half-width of a square that holds every mode


def test_toy_names():
    assert set(TOY_NAMES) == {"ring8", "grid25"}


def test_ring8_modes():
    centres, sigma = toy_modes("ring8")
    assert centres.shape == (8, 2)
    assert sigma == 0.02
    np.testing.assert_allclose(np.hypot(centres[:, 0], centres[:, 1]), 2.0)
    angles = np.sort(np.mod(np.arctan2(centres[:, 1], centres[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(np.diff(angles), np.pi / 4)


def test_grid25_modes():
    centres, sigma = toy_modes("grid25")
    assert centres.shape == (25, 2)
    assert sigma == 0.05
    expected = {(float(a), float(b)) for a in (-4, -2, 0, 2, 4) for b in (-4, -2, 0, 2, 4)}
    assert {tuple(map(float, c)) for c in centres} == expected


def test_toy_modes_returns_a_copy():
    centres, _ = toy_modes("ring8")
    centres[:] = 0.0
    assert not np.allclose(toy_modes("ring8")[0], 0.0)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_toy_frame_shape_and_dtypes(name):
    df = toy(name, n=123, random_state=0)
    assert isinstance(df, pd.DataFrame)
    assert list(df.columns) == ["x", "y"]
    assert len(df) == 123
    assert (df.dtypes == np.float64).all()
    assert np.isfinite(df.to_numpy()).all()
    assert len(toy(name, n=0, random_state=0)) == 0


@pytest.mark.parametrize("name", TOY_NAMES)
def test_seeds_reproduce(name):
    pd.testing.assert_frame_equal(toy(name, random_state=7), toy(name, random_state=7))
    assert not toy(name, random_state=7).equals(toy(name, random_state=8))
    # a Generator is accepted too, and gives the same stream as its seed
    pd.testing.assert_frame_equal(
        toy(name, random_state=np.random.default_rng(7)), toy(name, random_state=7)
    )


@pytest.mark.parametrize("name", TOY_NAMES)
@pytest.mark.parametrize("seed", range(3))
def test_true_distribution_covers_every_mode(name, seed):
    result = mode_coverage(toy(name, n=2500, random_state=seed), name)
    k = len(toy_modes(name)[0])
    assert set(result) == {
        "modes_covered",
        "n_modes",
        "high_quality_share",
        "kl_to_uniform",
        "counts",
    }
    assert result["n_modes"] == k
    assert result["modes_covered"] == k
    assert result["high_quality_share"] >= 0.95  # expected 1 - exp(-4.5) = 0.989
    assert 0.0 <= result["kl_to_uniform"] < 0.02  # multinomial noise only, ~ (k-1)/(2n)
    assert len(result["counts"]) == k
    assert all(isinstance(c, int) for c in result["counts"])
    assert sum(result["counts"]) == round(result["high_quality_share"] * 2500)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_array_and_frame_inputs_agree(name):
    df = toy(name, n=500, random_state=3)
    assert mode_coverage(df, name) == mode_coverage(df.to_numpy(), name)
    assert mode_coverage(df, name) == mode_coverage(df[["y", "x"]], name)  # by column name


@pytest.mark.parametrize("name", TOY_NAMES)
def test_single_mode_collapse(name):
    centres, sigma = toy_modes(name)
    k = len(centres)
    rng = np.random.default_rng(0)
    samples = centres[3] + sigma * rng.standard_normal((2500, 2))
    result = mode_coverage(samples, name)
    assert result["modes_covered"] == 1
    assert result["counts"][3] == sum(result["counts"])
    assert result["high_quality_share"] >= 0.95
    assert result["kl_to_uniform"] == pytest.approx(math.log(k), abs=1e-6)


@pytest.mark.parametrize("name", TOY_NAMES)
def test_uniform_noise_is_low_quality(name):
    h = SQUARE[name]
    samples = np.random.default_rng(0).uniform(-h, h, size=(2500, 2))
    result = mode_coverage(samples, name)
    # expected share: total area of the 3-sigma discs / area of the square (< 2 %)
    assert result["high_quality_share"] < 0.05
    assert result["modes_covered"] == 0


def test_threshold_scales_with_sample_size():
    centres, _ = toy_modes("ring8")
    # 10 samples exactly on mode 0 out of 1,250: threshold 20 * 1250 / 2500 = 10 -> covered
    far = np.full((1240, 2), 100.0)
    samples = np.vstack([np.repeat(centres[:1], 10, axis=0), far])
    result = mode_coverage(samples, "ring8")
    assert result["modes_covered"] == 1
    assert result["counts"][0] == 10
    # the same 10 samples among 2,500 fall short of 20
    samples = np.vstack([np.repeat(centres[:1], 10, axis=0), np.full((2490, 2), 100.0)])
    assert mode_coverage(samples, "ring8")["modes_covered"] == 0
    assert mode_coverage(samples, "ring8", min_per_mode=10)["modes_covered"] == 1


def test_high_quality_radius_is_three_sigma():
    centres, sigma = toy_modes("grid25")
    inside = centres[0] + [2.99 * sigma, 0.0]
    outside = centres[0] + [3.01 * sigma, 0.0]
    assert mode_coverage(np.array([inside]), "grid25")["high_quality_share"] == 1.0
    assert mode_coverage(np.array([outside]), "grid25")["high_quality_share"] == 0.0


def test_non_finite_samples_are_not_high_quality():
    centres, _ = toy_modes("ring8")
    samples = np.vstack([centres, [[np.nan, 0.0], [np.inf, np.inf]]])
    result = mode_coverage(samples, "ring8")
    assert result["counts"] == [1] * 8
    assert result["high_quality_share"] == pytest.approx(0.8)
    assert result["kl_to_uniform"] == pytest.approx(0.0, abs=1e-9)


def test_no_high_quality_samples_gives_nan_kl():
    result = mode_coverage(np.full((50, 2), 100.0), "ring8")
    assert result["high_quality_share"] == 0.0
    assert result["modes_covered"] == 0
    assert math.isnan(result["kl_to_uniform"])


def test_errors():
    with pytest.raises(InvalidParameterError, match="unknown toy"):
        toy("spiral")
    with pytest.raises(InvalidParameterError, match="unknown toy"):
        toy_modes("spiral")
    with pytest.raises(InvalidParameterError, match="n must be"):
        toy("ring8", n=-1)
    with pytest.raises(InvalidParameterError, match="unknown toy"):
        mode_coverage(np.zeros((3, 2)), "spiral")
    with pytest.raises(InvalidDataError, match=r"shape \(n, 2\)"):
        mode_coverage(np.zeros((3, 3)), "ring8")
    with pytest.raises(InvalidDataError, match="column"):
        mode_coverage(pd.DataFrame({"a": [0.0], "b": [1.0]}), "ring8")
    with pytest.raises(InvalidDataError, match="empty"):
        mode_coverage(np.zeros((0, 2)), "ring8")
    with pytest.raises(InvalidParameterError, match="min_per_mode"):
        mode_coverage(np.zeros((3, 2)), "ring8", min_per_mode=0)
