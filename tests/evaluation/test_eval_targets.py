"""Targets: exact functions against scipy and quadrature, validation, the 2-D geometries."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import scipy.integrate
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import (
    Gaussian,
    GaussianMixture,
    Grid,
    LogNormal,
    Ring,
    StudentT,
    Target,
    Uniform,
    target_from_spec,
)

ONE_D = [
    Gaussian(),
    Gaussian(-1.0, 0.3),
    GaussianMixture(),
    GaussianMixture((0.2, 0.5, 0.3), (-1.0, 0.0, 4.0), (0.3, 1.0, 0.5)),
    StudentT(5.0, 1.0, 2.0),
    Uniform(-1.0, 3.0),
    LogNormal(0.2, 0.5),
]
ALL = ONE_D + [Ring(), Grid()]


@pytest.mark.parametrize("target", ALL, ids=lambda t: t.spec)
def test_common_interface(target):
    assert isinstance(target, Target)
    x = target.sample(7, np.random.default_rng(0))
    assert x.shape == (7, target.dim) and x.dtype == np.float64
    assert target.sample(0, np.random.default_rng(0)).shape == (0, target.dim)
    assert target_from_spec(target.spec) == target
    assert eval(repr(target), {**globals()}) == target  # a readable, faithful repr
    assert hash(target) == hash(target_from_spec(target.spec))
    assert pickle.loads(pickle.dumps(target)) == target
    if target.dim == 1:
        assert isinstance(target.mean, float) and isinstance(target.std, float)
    else:
        assert np.shape(target.mean) == (2,) and np.shape(target.std) == (2,)


@pytest.mark.parametrize("target", ALL, ids=lambda t: t.spec)
def test_sampling_is_reproducible_and_matches_moments(target):
    a = target.sample(200_000, np.random.default_rng(1))
    b = target.sample(200_000, np.random.default_rng(1))
    np.testing.assert_array_equal(a, b)
    # 200,000 draws: the sample mean is within 5 standard errors of the exact mean.
    se = np.asarray(target.std) / math.sqrt(a.shape[0])
    assert np.all(np.abs(a.mean(axis=0) - target.mean) < 5 * se)
    np.testing.assert_allclose(a.std(axis=0), target.std, rtol=0.02)


@pytest.mark.parametrize(
    "target, frozen",
    [
        (Gaussian(), scipy.stats.norm(4, 1.25)),
        (StudentT(5.0, 1.0, 2.0), scipy.stats.t(5, 1, 2)),
        (Uniform(-1.0, 3.0), scipy.stats.uniform(-1, 4)),
        (LogNormal(0.2, 0.5), scipy.stats.lognorm(0.5, scale=math.exp(0.2))),
    ],
    ids=lambda v: getattr(v, "spec", ""),
)
def test_scipy_backed_targets_equal_scipy(target, frozen):
    # Reference values: the same scipy.stats distributions called directly.
    x = np.linspace(-3, 8, 23)
    q = np.linspace(0.01, 0.99, 17)
    np.testing.assert_allclose(target.cdf(x), frozen.cdf(x), rtol=1e-14)
    np.testing.assert_allclose(target.pdf(x), frozen.pdf(x), rtol=1e-14)
    np.testing.assert_allclose(target.ppf(q), frozen.ppf(q), rtol=1e-14)
    m, v, s, k = frozen.stats(moments="mvsk")
    assert target.mean == pytest.approx(float(m), rel=1e-13, abs=1e-15)
    assert target.std == pytest.approx(math.sqrt(float(v)), rel=1e-13)
    assert target.skewness == pytest.approx(float(s), abs=1e-12)
    assert target.excess_kurtosis == pytest.approx(float(k), abs=1e-12)


_EDGES = [-np.inf, -1e308, -40.0, -38.5, -8.3, -1e-300, -0.0, 0.0, 5e-324, 1.0, 4.0, 37.9, 1e308, np.inf, np.nan]


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")  # 1e308 / std, scipy's too
@pytest.mark.parametrize("mean, std", [(4.0, 1.25), (0.0, 1.0), (-3.5, 1e-3), (1e6, 7e5)])
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.int64])
def test_gaussian_functions_are_scipys_to_the_bit(mean, std, dtype):
    """Gaussian computes cdf, sf, logcdf and logsf as scipy.stats.norm does, without its
    argument handling: the same bits for arrays of any shape and type, scalars, lists and
    the edges (±inf, NaN, the tails where log_ndtr switches to its asymptotic series)."""
    target, frozen = Gaussian(mean, std), scipy.stats.norm(mean, std)
    grid = np.concatenate([np.linspace(mean - 45 * std, mean + 45 * std, 2001), _EDGES])
    if dtype is np.int64:
        grid = np.round(grid[np.isfinite(grid) & (np.abs(grid) < 1e18)])
    if dtype is np.float32:
        grid = grid[~(np.isfinite(grid) & (np.abs(grid) > np.finfo(np.float32).max))]  # finite float64 beyond float32: not a float32 input
    for x in (grid.astype(dtype), grid.astype(dtype).reshape(-1, 1)[:24], grid.astype(dtype)[:0], list(grid[-5:]), grid[3], dtype(grid[7])):
        for name in ("cdf", "sf", "logcdf", "logsf"):
            ours, scipys = getattr(target, name)(x), getattr(frozen, name)(x)
            assert type(ours) is type(scipys) and np.shape(ours) == np.shape(scipys), name
            np.testing.assert_array_equal(np.asarray(ours).view(np.int64), np.asarray(scipys).view(np.int64), err_msg=name)


@pytest.mark.parametrize("target", ONE_D, ids=lambda t: t.spec)
def test_partial_expectation_and_mean_abs_difference_by_quadrature(target):
    # E[X 1{X <= x}] = int_{-inf}^x y f(y) dy and E|X - X'| = 2 int F (1 - F), by quad.
    lo, hi = target.ppf(1e-12), target.ppf(1 - 1e-12)
    for x in np.linspace(lo, hi, 5)[1:-1]:
        expected, _ = scipy.integrate.quad(
            lambda y: y * target.pdf(y), lo, x, epsabs=1e-12, limit=200
        )
        assert target.partial_expectation(x) == pytest.approx(expected, abs=1e-8)
    assert target.partial_expectation(np.inf) == pytest.approx(target.mean, abs=1e-12)
    assert target.partial_expectation(-np.inf) == pytest.approx(0.0, abs=1e-12)
    expected, _ = scipy.integrate.quad(
        lambda y: target.cdf(y) * target.sf(y), -np.inf, np.inf, limit=400
    )
    assert target.mean_abs_difference == pytest.approx(2 * expected, rel=1e-6)


@pytest.mark.parametrize("target", ONE_D, ids=lambda t: t.spec)
def test_pdf_integrates_to_one_and_cdf_is_its_integral(target):
    total, _ = scipy.integrate.quad(target.pdf, -np.inf, np.inf, limit=400)
    assert total == pytest.approx(1.0, abs=1e-8)
    x0 = float(target.ppf(0.3))
    left, _ = scipy.integrate.quad(target.pdf, -np.inf, x0, limit=400)
    assert left == pytest.approx(0.3, abs=1e-8)
    np.testing.assert_allclose(np.exp(target.logcdf(x0)), target.cdf(x0), rtol=1e-12)
    np.testing.assert_allclose(np.exp(target.logsf(x0)), target.sf(x0), rtol=1e-12)


def test_mixture_moments_are_exact():
    # 0.5 N(-2, 0.25) + 0.5 N(2, 0.25): mean 0, variance 4 + 0.25; the 4th central moment is
    # E[d^4 + 6 d^2 s^2 + 3 s^4] = 16 + 6 * 4 * 0.25 + 3 * 0.0625 (hand computation).
    t = GaussianMixture()
    assert t.mean == 0.0
    assert t.std == pytest.approx(math.sqrt(4.25))
    assert t.skewness == pytest.approx(0.0)
    assert t.excess_kurtosis == pytest.approx((16 + 6 + 0.1875) / 4.25**2 - 3)
    np.testing.assert_array_equal(t.modes, [[-2.0], [2.0]])
    np.testing.assert_array_equal(t.mode_std, [0.5, 0.5])


def test_mixture_ppf_edges_and_scalars():
    t = GaussianMixture()
    assert t.ppf(0.5) == pytest.approx(0.0, abs=1e-12)
    assert isinstance(t.ppf(0.5), float)
    np.testing.assert_array_equal(t.ppf([0.0, 1.0]), [-np.inf, np.inf])
    assert np.isnan(t.ppf(1.5)) and np.isnan(t.ppf(np.nan))
    one = GaussianMixture((1.0,), (3.0,), (2.0,))  # one component: the bracket is a point
    np.testing.assert_allclose(
        one.ppf([0.1, 0.9]), scipy.stats.norm(3, 2).ppf([0.1, 0.9]), rtol=1e-12
    )


@settings(max_examples=60, deadline=None)
@given(
    x=st.floats(-5.0, 5.0),
    w=st.floats(0.05, 0.95),
    gap=st.floats(0.0, 6.0),
    s1=st.floats(0.1, 2.0),
    s2=st.floats(0.1, 2.0),
)
def test_mixture_ppf_inverts_cdf(x, w, gap, s1, s2):
    t = GaussianMixture((w, 1 - w), (-gap / 2, gap / 2), (s1, s2))
    q = float(t.cdf(x))
    if not 1e-10 < q < 1 - 1e-10:
        return  # beyond double precision's resolution of the CDF
    # The root is exact to about eps(q) / pdf(x) in x.
    tol = 1e-9 + 4e-16 / float(t.pdf(x))
    assert float(t.ppf(q)) == pytest.approx(x, abs=tol)


def test_ring_has_eight_distinct_modes_on_the_circle():
    ring = Ring()
    modes = ring.modes
    assert modes.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(modes, axis=1), 2.0)
    angles = np.sort(np.mod(np.arctan2(modes[:, 1], modes[:, 0]), 2 * np.pi))
    np.testing.assert_allclose(angles, 2 * np.pi * np.arange(8) / 8, atol=1e-12)
    # No duplicated mode (the linspace(0, 2 pi, 8) endpoint slip would give distance 0).
    d = np.linalg.norm(modes[:, None] - modes[None], axis=-1) + np.eye(8) * 10
    assert d.min() == pytest.approx(2 * 2 * math.sin(math.pi / 8))
    assert ring.mode_std == 0.02
    np.testing.assert_allclose(ring.std, math.sqrt(2 + 0.02**2))  # var of r cos(theta) = r^2 / 2


def test_grid_modes():
    grid = Grid()
    assert grid.modes.shape == (25, 2)
    assert {tuple(m) for m in grid.modes} == {
        (a, b) for a in (-4.0, -2.0, 0.0, 2.0, 4.0) for b in (-4.0, -2.0, 0.0, 2.0, 4.0)
    }
    assert grid.mode_std == 0.05
    np.testing.assert_allclose(grid.std, math.sqrt(8 + 0.05**2))
    np.testing.assert_allclose(grid.weights, np.full(25, 1 / 25))


def test_planar_pdf_integrates_to_one():
    ring = Ring(mode_std=0.3)
    total, _ = scipy.integrate.dblquad(
        lambda y, x: ring.pdf(np.array([x, y])), -4, 4, -4, 4, epsabs=1e-7
    )
    assert total == pytest.approx(1.0, abs=1e-5)
    with pytest.raises(ValueError, match=r"x must have shape \(\.\.\., 2\)"):
        ring.pdf(np.zeros((3, 3)))


def test_arrays_exposed_by_targets_are_read_only():
    with pytest.raises(ValueError):
        Ring().modes[0, 0] = 1.0
    with pytest.raises(ValueError):
        GaussianMixture().modes[0, 0] = 1.0


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Gaussian(std=0), r"std must be > 0, got 0"),
        (lambda: Gaussian(std=-1.0), r"std must be > 0, got -1.0"),
        (lambda: Gaussian(mean=float("nan")), r"mean must be finite, got nan"),
        (lambda: Gaussian(mean="4"), r"mean must be a real number, got str '4'"),
        (lambda: StudentT(df=0), r"df must be > 0, got 0"),
        (lambda: Uniform(2, 1), r"high must be > low, got low=2.0, high=1.0"),
        (lambda: LogNormal(sigma=-0.5), r"sigma must be > 0, got -0.5"),
        (lambda: GaussianMixture((0.5, 0.6), (0, 1), (1, 1)), r"weights must sum to 1"),
        (lambda: GaussianMixture((1.5, -0.5), (0, 1), (1, 1)), r"weights must be >= 0"),
        (lambda: GaussianMixture((1.0,), (0, 1), (1, 1)), r"same length"),
        (lambda: GaussianMixture((0.5, 0.5), (0, 1), (1, 0)), r"stds\[1\] must be > 0, got 0"),
        (lambda: Ring(n_modes=0), r"n_modes must be >= 1, got 0"),
        (lambda: Ring(n_modes=2.5), r"n_modes must be an integer, got float 2.5"),
        (lambda: Grid(mode_std=0.0), r"mode_std must be > 0, got 0.0"),
    ],
)
def test_parameters_are_validated(make, message):
    with pytest.raises((ValueError, TypeError), match=message):
        make()


def test_sample_arguments_are_validated():
    with pytest.raises(TypeError, match=r"rng must be a numpy.random.Generator .* got int 0"):
        Gaussian().sample(3, 0)
    with pytest.raises(ValueError, match=r"n must be >= 0, got -1"):
        Ring().sample(-1, np.random.default_rng(0))
    with pytest.raises(TypeError, match=r"n must be an integer, got float 2.5"):
        Gaussian().sample(2.5, np.random.default_rng(0))


def test_moments_that_do_not_exist_are_reported_as_such():
    assert math.isnan(StudentT(1.0).mean)
    assert StudentT(2.0).std == math.inf
    assert StudentT(4.0).excess_kurtosis == math.inf
    assert np.all(np.isnan(StudentT(1.0).partial_expectation([0.0, 1.0])))
