"""Mode coverage on samples with known answers: all modes, one dropped, all mass on one."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluation import Gaussian, GaussianMixture, Grid, Ring, mode_coverage


def _on_modes(target, counts, seed=0):
    """Exactly counts[k] samples from mode k (within its own normal spread)."""
    rng = np.random.default_rng(seed)
    parts = [
        target.modes[k]
        + rng.normal(
            0, np.broadcast_to(target.mode_std, (len(target.modes),))[k], size=(c, target.dim)
        )
        for k, c in enumerate(counts)
    ]
    return np.concatenate(parts)


@pytest.mark.parametrize("target", [Ring(), Grid(), GaussianMixture()], ids=lambda t: t.spec)
def test_all_modes_in_proportion(target):
    m = len(target.modes)
    cov = mode_coverage(_on_modes(target, [400] * m), target)
    assert cov.modes_covered == cov.n_modes == m
    # Within 3 sd: 1 - exp(-9/2) = 0.9889 in 2-D, 0.9973 in 1-D; 400 per mode leaves ~1 % noise.
    expected = 0.9889 if target.dim == 2 else 0.9973
    assert cov.high_quality_fraction == pytest.approx(expected, abs=0.01)
    assert cov.mode_kl < 0.01


def test_one_mode_dropped():
    ring = Ring()
    counts = [500] * 7 + [0]
    cov = mode_coverage(_on_modes(ring, counts), ring)
    assert cov.modes_covered == 7
    assert cov.counts[-1] == 0
    # KL(p || uniform) with p uniform on 7 of 8 modes = log(8 / 7) exactly (up to the
    # ~1 % of samples that fall outside 3 sd, spread evenly).
    assert cov.mode_kl == pytest.approx(math.log(8 / 7), abs=2e-3)


def test_all_mass_on_one_mode():
    grid = Grid()
    cov = mode_coverage(_on_modes(grid, [1000] + [0] * 24), grid)
    assert cov.modes_covered == 1
    assert cov.mode_kl == pytest.approx(math.log(25), rel=1e-12)
    assert cov.high_quality_fraction == pytest.approx(0.9889, abs=0.01)


def test_a_thin_mode_is_not_covered():
    # Coverage needs 20 % of the expected count: with n = 2,500 on the grid, 20 samples.
    grid = Grid()
    counts = [104] * 24 + [19]
    assert mode_coverage(_on_modes(grid, counts, seed=1), grid).modes_covered <= 24
    counts = [100] * 24 + [60]
    assert mode_coverage(_on_modes(grid, counts, seed=1), grid).modes_covered == 25


def test_samples_far_from_every_mode():
    ring = Ring()
    cov = mode_coverage(np.full((100, 2), 10.0), ring)
    assert cov.modes_covered == 0 and cov.high_quality_fraction == 0.0 and math.isnan(cov.mode_kl)
    d = cov.to_dict()
    assert d["modes_covered"] == 0 and isinstance(d["modes_covered"], int)


def test_unequal_mixture_weights_are_the_reference():
    t = GaussianMixture((0.8, 0.2), (-3.0, 3.0), (0.5, 0.5))
    cov = mode_coverage(_on_modes(t, [800, 200]), t)
    assert cov.modes_covered == 2 and cov.mode_kl < 1e-3
    cov = mode_coverage(_on_modes(t, [500, 500]), t)
    # KL(p || (.8, .2)) with p the observed high-quality histogram (about (.5, .5); a few
    # samples per mode fall beyond 3 sd).
    p = np.array(cov.counts) / sum(cov.counts)
    assert abs(p[0] - 0.5) < 0.01
    assert cov.mode_kl == pytest.approx(
        p[0] * math.log(p[0] / 0.8) + p[1] * math.log(p[1] / 0.2), rel=1e-12
    )


def test_bad_input():
    with pytest.raises(ValueError, match=r"target must be mixture-like .* got Gaussian"):
        mode_coverage(np.zeros(10), Gaussian())
    with pytest.raises(
        ValueError, match=r"samples must have shape \(n, 2\) for a 2-D target, got \(10,\)"
    ):
        mode_coverage(np.zeros(10), Ring())
    with pytest.raises(ValueError, match=r"samples must be finite"):
        mode_coverage(np.full((3, 2), np.nan), Ring())
    with pytest.raises(ValueError, match=r"n_std must be > 0, got 0"):
        mode_coverage(np.zeros((3, 2)), Ring(), n_std=0)
