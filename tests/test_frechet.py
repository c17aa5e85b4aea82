"""Tests for course_utils.generation_metrics.frechet_distance against independent references."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

from course_utils.generation_metrics import frechet_distance


def _scipy_frechet(features_a, features_b):
    """The textbook formula with scipy's general matrix square root (as in the FID paper's code)."""
    mean_a, mean_b = features_a.mean(axis=0), features_b.mean(axis=0)
    cov_a, cov_b = np.cov(features_a, rowvar=False), np.cov(features_b, rowvar=False)
    root = scipy.linalg.sqrtm(cov_a @ cov_b).real
    return float(np.sum((mean_a - mean_b) ** 2) + np.trace(cov_a + cov_b - 2 * root))


def test_one_dimensional_gaussians_match_the_closed_form():
    # For 1-D Gaussians the distance is (mu_a - mu_b)^2 + (sigma_a - sigma_b)^2.
    rng = np.random.default_rng(0)
    a = rng.normal(1.0, 2.0, size=(400, 1))
    b = rng.normal(-0.5, 0.5, size=(300, 1))
    expected = (a.mean() - b.mean()) ** 2 + (a.std(ddof=1) - b.std(ddof=1)) ** 2
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-10)


def test_hand_computed_one_dimensional_value():
    # a: mean 1, sample std 1; b: mean 4, sample std 2  ->  3^2 + 1^2 = 10
    a = np.array([[0.0], [1.0], [2.0]])
    b = np.array([[2.0], [4.0], [6.0]])
    assert frechet_distance(a, b) == pytest.approx(10.0, abs=1e-12)


@pytest.mark.parametrize("dimension", [2, 5, 16])
def test_matches_scipy_sqrtm_on_correlated_features(dimension):
    rng = np.random.default_rng(dimension)
    mixing_a = rng.normal(size=(dimension, dimension))
    mixing_b = rng.normal(size=(dimension, dimension))
    a = rng.normal(size=(500, dimension)) @ mixing_a
    b = rng.normal(size=(400, dimension)) @ mixing_b + 0.3
    assert frechet_distance(a, b) == pytest.approx(_scipy_frechet(a, b), rel=1e-6)


def test_identical_sets_give_zero_and_the_distance_is_symmetric():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(200, 8))
    b = rng.normal(size=(250, 8)) * 1.5
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    assert frechet_distance(a, b) == pytest.approx(frechet_distance(b, a), rel=1e-9)


def test_a_pure_shift_adds_its_squared_length():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(100, 3))
    shift = np.array([1.0, -2.0, 0.5])
    assert frechet_distance(a, a + shift) == pytest.approx(shift @ shift, rel=1e-9)


def test_too_little_variety_is_penalised():
    # Same mean, but one set has collapsed to a tenth of the spread.
    rng = np.random.default_rng(3)
    real = rng.normal(size=(1000, 4))
    collapsed = 0.1 * rng.normal(size=(1000, 4))
    assert frechet_distance(real, collapsed) > 2.0


@pytest.mark.parametrize(
    "a, b, message",
    [
        (np.zeros((1, 3)), np.zeros((5, 3)), "N >= 2"),
        (np.zeros(5), np.zeros((5, 1)), "shape"),
        (np.zeros((5, 3)), np.zeros((5, 4)), "differ in length"),
        (np.full((5, 2), np.nan), np.zeros((5, 2)), "NaN"),
    ],
)
def test_bad_input_gets_a_clear_error(a, b, message):
    with pytest.raises(ValueError, match=message):
        frechet_distance(a, b)
