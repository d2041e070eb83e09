"""Two-sample scores: brute-force reference values, invariants, null calibration, power."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.spatial.distance
import scipy.stats

from evaluation import (
    Gaussian,
    Grid,
    Ring,
    energy_distance,
    mmd_test,
    reference_sample,
    sliced_wasserstein,
)

ALPHA = 1e-3  # fixed-seed false-failure rate of each uniformity check


def _brute_mmd2(x, y, h):
    # Reference: the unbiased estimator written out term by term (Gretton et al. 2012, eq. 3).
    k = lambda a, b: np.exp(-scipy.spatial.distance.cdist(a, b, "sqeuclidean") / (2 * h * h))  # noqa: E731
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    m, n = len(x), len(y)
    return (
        (kxx.sum() - np.trace(kxx)) / (m * (m - 1))
        + (kyy.sum() - np.trace(kyy)) / (n * (n - 1))
        - 2 * kxy.mean()
    )


def test_mmd_equals_the_brute_force_estimator():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 2)), rng.normal(size=(45, 2)) + 0.4
    res = mmd_test(x, y, bandwidth=1.3, n_permutations=0)
    # float32 kernel entries (see mmd_test), float64 sums: agreement to ~1e-7.
    assert res.statistic == pytest.approx(_brute_mmd2(x, y, 1.3), rel=1e-6, abs=1e-8)
    assert math.isnan(res.pvalue) and (res.n_x, res.n_y) == (30, 45)
    # The median heuristic: the median pairwise distance of the pooled sample.
    res = mmd_test(x, y, n_permutations=0)
    assert res.bandwidth == pytest.approx(
        np.median(scipy.spatial.distance.pdist(np.vstack([x, y])))
    )
    assert res.statistic == pytest.approx(_brute_mmd2(x, y, res.bandwidth), rel=1e-6, abs=1e-8)


def test_mmd_permutation_pvalue_matches_explicit_permutations():
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(20, 2)), rng.normal(size=(25, 2)) + 0.3
    res = mmd_test(x, y, bandwidth=1.0, n_permutations=99, seed=3)
    # Reference: the same 99 label permutations, each scored by the brute-force estimator.
    pooled = np.vstack([x, y])
    s0 = np.r_[np.ones(20, np.float32), np.zeros(25, np.float32)]
    labels = np.random.default_rng(3).permuted(np.tile(s0, (99, 1)), axis=1)
    stats = [_brute_mmd2(pooled[s == 1], pooled[s == 0], 1.0) for s in labels]
    expected = (1 + sum(s >= res.statistic - 1e-6 for s in stats)) / 100
    assert res.pvalue == pytest.approx(expected)


def test_mmd_null_pvalues_are_uniform_and_statistic_near_zero():
    rng = np.random.default_rng(2)
    target = Ring(mode_std=0.2)
    pvalues, stats = [], []
    for i in range(150):
        res = mmd_test(target.sample(40, rng), target.sample(40, rng), n_permutations=99, seed=i)
        pvalues.append(res.pvalue)
        stats.append(res.statistic)
    # Permutation p-values live on the grid k/100; the KS test of uniformity tolerates that.
    assert scipy.stats.kstest(pvalues, "uniform").pvalue > ALPHA
    assert abs(np.mean(stats)) < 3 * np.std(stats) / math.sqrt(len(stats))  # unbiased: mean ~ 0


def test_mmd_power_and_subsampling():
    rng = np.random.default_rng(3)
    ring = Ring()
    x = ring.sample(10_000, rng)
    ref = reference_sample(ring, 10_000, seed=0)
    same = mmd_test(x, ref)
    assert (same.n_x, same.n_y) == (1000, 1000)
    assert abs(same.statistic) < 2e-3 and same.pvalue > 0.01
    # Half the modes dropped: a change at the scale of the median-heuristic bandwidth.
    angle = np.mod(np.arctan2(x[:, 1], x[:, 0]), 2 * np.pi)
    half = x[np.round(angle / (np.pi / 4)).astype(int) % 8 < 4]
    assert mmd_test(half, ref).pvalue < 0.01
    assert mmd_test(x, ref) == same  # seeded: reproducible


def test_energy_distance_properties():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=(300, 2)), rng.normal(size=(200, 2)) + [0.5, 0.0]
    assert energy_distance(x, x) == 0.0
    assert energy_distance(x, y) == pytest.approx(energy_distance(y, x), rel=1e-12)
    assert energy_distance(x, y) > 0.1
    # Reference: the V-statistic definition with scipy's pairwise distances.
    cd = scipy.spatial.distance.cdist
    expected = math.sqrt(2 * cd(x, y).mean() - cd(x, x).mean() - cd(y, y).mean())
    assert energy_distance(x, y) == pytest.approx(expected, rel=1e-12)
    # 1-D: scipy.stats.energy_distance itself.
    a, b = rng.normal(size=100), rng.normal(size=70)
    assert energy_distance(a, b) == pytest.approx(scipy.stats.energy_distance(a, b), rel=1e-12)
    # Subsampled (n > max_n): still symmetric and zero on identical input.
    big = rng.normal(size=(3000, 2))
    assert energy_distance(big, big) == 0.0
    big_y = rng.normal(size=(2500, 2))
    assert energy_distance(big, big_y) == energy_distance(big_y, big)


def test_sliced_wasserstein_invariants():
    rng = np.random.default_rng(5)
    x = Grid().sample(2000, rng)
    assert sliced_wasserstein(x, x) == 0.0
    # SW(x, x + c) = mean over directions of |theta . c| (each projection shifts by theta . c).
    c = np.array([0.3, -0.1])
    angles = np.pi * np.arange(50) / 50
    expected = np.mean(np.abs(np.cos(angles) * c[0] + np.sin(angles) * c[1]))
    assert sliced_wasserstein(x, x + c) == pytest.approx(expected, rel=1e-9)
    # Unequal sizes go through scipy.stats.wasserstein_distance per direction.
    y = Grid().sample(1500, rng)
    theta = np.column_stack([np.cos(angles), np.sin(angles)])
    ref = np.mean([scipy.stats.wasserstein_distance(x @ t, y @ t) for t in theta])
    assert sliced_wasserstein(x, y) == pytest.approx(ref, rel=1e-12)
    assert sliced_wasserstein(y, x) == pytest.approx(ref, rel=1e-12)
    # 1-D: W1(a, a + c) = |c|.
    a = rng.normal(size=100)
    assert sliced_wasserstein(a, a + 2.5) == pytest.approx(2.5)
    # d > 2 uses random directions and still satisfies W(x, x) = 0.
    z = rng.normal(size=(50, 3))
    assert sliced_wasserstein(z, z) == 0.0 and sliced_wasserstein(z, z + 1.0) > 0


def test_reference_sample_is_cached_and_read_only():
    a = reference_sample("ring", 100, seed=0)
    assert a is reference_sample(Ring(), 100, seed=0)
    np.testing.assert_array_equal(a, Ring().sample(100, np.random.default_rng(0)))
    with pytest.raises(ValueError):
        a[0, 0] = 1.0


def test_two_sample_bad_input():
    x = np.zeros((10, 2))
    with pytest.raises(
        ValueError, match=r"y must have shape \(n, 2\) for a 2-D target, got \(10, 3\)"
    ):
        mmd_test(x, np.zeros((10, 3)))
    with pytest.raises(ValueError, match=r"x must be finite, got 1 of 10"):
        energy_distance(np.r_[x[:9], [[np.inf, 0]]], x)
    with pytest.raises(ValueError, match=r"x must contain at least 2 samples, got 1"):
        mmd_test(x[:1], x)
    with pytest.raises(ValueError, match=r"x must have shape \(n,\) or \(n, d\), got \(2, 2, 2\)"):
        sliced_wasserstein(np.zeros((2, 2, 2)), x)
    with pytest.raises(ValueError, match=r"bandwidth must be > 0, got -1.0"):
        mmd_test(x, x, bandwidth=-1.0)
    with pytest.raises(ValueError, match=r"n_permutations must be >= 0, got -5"):
        mmd_test(x, x, n_permutations=-5)
    with pytest.raises(TypeError, match=r"x must be a numeric array, got str"):
        energy_distance("abc", x)


def test_mmd_on_a_collapsed_sample_has_a_usable_bandwidth():
    # All generated points identical: the median distance can be 0; the fallback keeps h > 0.
    ring = Ring()
    res = mmd_test(np.zeros((500, 2)), ring.sample(50, np.random.default_rng(6)), n_permutations=20)
    assert res.bandwidth > 0 and res.statistic > 0.1 and math.isfinite(res.pvalue)
    assert Gaussian() is not None
