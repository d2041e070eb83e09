"""Frozen scipy.stats distributions as targets: scores equal scipy's, specs round-trip."""

from __future__ import annotations

import math
import pickle

import numpy as np
import pytest
import scipy.integrate
import scipy.stats

from evaluation import (
    Gaussian,
    ScipyMultivariateNormal,
    ScipyTarget,
    ad_test,
    as_target,
    cvm_test,
    energy_distance_to_target,
    evaluate,
    ks_test,
    moment_errors,
    target_from_spec,
    wasserstein_to_target,
)

FROZEN = [
    scipy.stats.gamma(2, scale=1.5),
    scipy.stats.norm(4, 1.25),
    scipy.stats.beta(2, 5),
    scipy.stats.lognorm(0.5, loc=1.0),
    scipy.stats.t(5, loc=1, scale=2),
    scipy.stats.weibull_min(1.5, scale=2.0),
]
IDS = [ScipyTarget(d).spec for d in FROZEN]


def _ecdf_gap_integrals(x: np.ndarray, dist) -> tuple[float, float]:
    """Reference: int |F_n - F| dx and int (F_n - F)^2 dx by scipy.integrate.quad, piece by
    piece between order statistics (F_n = i/n there), split where F crosses i/n."""
    x = np.sort(x)
    n = x.size
    lo, hi = dist.support()
    w1 = scipy.integrate.quad(dist.cdf, lo, x[0], epsabs=1e-14, limit=200)[0]
    w1 += scipy.integrate.quad(dist.sf, x[-1], hi, epsabs=1e-14, limit=200)[0]
    sq = scipy.integrate.quad(lambda t: dist.cdf(t) ** 2, lo, x[0], epsabs=1e-14, limit=200)[0]
    sq += scipy.integrate.quad(lambda t: dist.sf(t) ** 2, x[-1], hi, epsabs=1e-14, limit=200)[0]
    for i in range(1, n):
        a, b, level = x[i - 1], x[i], i / n
        cross = float(dist.ppf(level))
        points = [cross] if a < cross < b else None
        w1 += scipy.integrate.quad(
            lambda t, level=level: abs(level - dist.cdf(t)), a, b, points=points, epsabs=1e-15
        )[0]
        sq += scipy.integrate.quad(
            lambda t, level=level: (level - dist.cdf(t)) ** 2, a, b, points=points, epsabs=1e-15
        )[0]
    return w1, sq


@pytest.mark.parametrize("dist", FROZEN, ids=IDS)
def test_scores_equal_scipy_computed_directly(dist):
    x = dist.rvs(size=200, random_state=np.random.default_rng(0))
    report = evaluate(x, dist)  # a frozen distribution is accepted as is
    # KS and Cramér–von Mises: scipy's own one-sample tests against the same CDF.
    ks = scipy.stats.kstest(x, dist.cdf)
    assert report.ks.statistic == pytest.approx(ks.statistic, abs=1e-12)
    assert report.ks.pvalue == pytest.approx(ks.pvalue, abs=1e-12)
    cvm = scipy.stats.cramervonmises(x, dist.cdf)
    assert report.cvm.statistic == pytest.approx(cvm.statistic, abs=1e-12)
    assert report.cvm.pvalue == pytest.approx(cvm.pvalue, abs=1e-9)
    # Anderson–Darling: the statistic of scipy.stats.goodness_of_fit with every parameter
    # known (its p-value is Monte Carlo, so only the statistic is compared).
    target = ScipyTarget(dist)
    gen = getattr(scipy.stats, dist.dist.name)
    known = {**dict(target.shapes), "loc": target.loc, "scale": target.scale}
    gof = scipy.stats.goodness_of_fit(
        gen, x, known_params=known, statistic="ad", n_mc_samples=1, rng=np.random.default_rng(0)
    )
    assert report.ad.statistic == pytest.approx(gof.statistic, abs=1e-9)
    # W1 and the energy distance: int |F_n - F| and sqrt(2 int (F_n - F)^2) by quadrature.
    w1, sq = _ecdf_gap_integrals(x, dist)
    assert report.wasserstein == pytest.approx(w1, abs=1e-9)
    assert report.energy_distance == pytest.approx(math.sqrt(2 * sq), abs=1e-9)
    # Moments: scipy's stats().
    m, v, s, k = (float(t) for t in dist.stats(moments="mvsk"))
    moments = report.moments
    assert (moments.target_mean, moments.target_std) == pytest.approx((m, math.sqrt(v)), rel=1e-14)
    assert (moments.target_skewness, moments.target_excess_kurtosis) == pytest.approx(
        (s, k), rel=1e-12, abs=1e-14
    )
    assert moments.mean_error == pytest.approx(np.mean(x) - m, abs=1e-12)
    assert moments.std_ratio == pytest.approx(np.std(x, ddof=1) / math.sqrt(v), rel=1e-12)
    # The public one-sample functions agree with the report.
    assert ks_test(x, dist) == report.ks and cvm_test(x, dist) == report.cvm
    assert ad_test(x, dist) == report.ad and moment_errors(x, dist) == report.moments
    assert wasserstein_to_target(x, dist) == report.wasserstein
    assert energy_distance_to_target(x, dist) == report.energy_distance


def test_wasserstein_against_a_quantile_sample():
    # A second reference: scipy.stats.wasserstein_distance against the midpoint quantiles
    # F^{-1}((j - 1/2) / N) of N = 10^6 points, which approximate F to O(1/N).
    dist = scipy.stats.gamma(2, scale=1.5)
    x = dist.rvs(size=500, random_state=np.random.default_rng(1))
    grid = dist.ppf((np.arange(1_000_000) + 0.5) / 1_000_000)
    assert wasserstein_to_target(x, dist) == pytest.approx(
        scipy.stats.wasserstein_distance(x, grid), abs=1e-5
    )


def test_scipy_norm_spec_scores_like_the_gaussian():
    x = Gaussian(4, 1.25).sample(2000, np.random.default_rng(2))
    exact = evaluate(x, Gaussian(4, 1.25)).to_dict()
    scipy_ = evaluate(x, "scipy:norm,loc=4,scale=1.25").to_dict()
    assert list(scipy_) == list(exact)  # the same keys in the same order
    for key, value in exact.items():
        if key == "target":
            assert scipy_[key] == "scipy:norm,loc=4,scale=1.25"
        elif isinstance(value, float) and not math.isnan(value):
            assert scipy_[key] == pytest.approx(value, abs=1e-9), key
        else:
            assert scipy_[key] == value or (math.isnan(value) and math.isnan(scipy_[key])), key


@pytest.mark.parametrize("dist", FROZEN, ids=IDS)
def test_partial_expectation_and_mean_abs_difference_by_quadrature(dist):
    target = ScipyTarget(dist)
    lo, hi = target.support
    # E[X 1{X <= x}] = int y f(y) dy up to x; E|X - X'| = 2 int F (1 - F).
    points = dist.ppf([0.001, 0.2, 0.5, 0.8, 0.999])
    expected = [
        scipy.integrate.quad(lambda y: y * dist.pdf(y), lo, p, epsabs=1e-14, limit=400)[0]
        for p in points
    ]
    np.testing.assert_allclose(target.partial_expectation(points), expected, rtol=0, atol=1e-10)
    assert target.partial_expectation(-np.inf) == 0.0
    assert target.partial_expectation(np.inf) == pytest.approx(target.mean, abs=1e-14)
    assert np.isnan(target.partial_expectation(np.nan))
    mad = 2 * scipy.integrate.quad(lambda y: dist.cdf(y) * dist.sf(y), lo, hi, limit=400)[0]
    assert target.mean_abs_difference == pytest.approx(mad, rel=1e-8)


def test_closed_forms_of_the_gaussian_are_matched():
    g, s = Gaussian(4, 1.25), ScipyTarget(scipy.stats.norm(4, 1.25))
    x = np.r_[np.linspace(-5, 13, 301), -np.inf, np.inf]
    np.testing.assert_allclose(
        s.partial_expectation(x), g.partial_expectation(x), rtol=0, atol=1e-13
    )
    assert s.mean_abs_difference == pytest.approx(g.mean_abs_difference, rel=1e-12)
    assert s.partial_expectation(x.reshape(1, -1)).shape == (1, x.size)


def test_moments_that_do_not_exist():
    cauchy = ScipyTarget(scipy.stats.cauchy())
    assert math.isnan(cauchy.mean) and math.isnan(cauchy.std)
    t1 = ScipyTarget(scipy.stats.t(1))  # scipy says mean inf; both tails diverge: no mean
    assert math.isnan(t1.mean)
    assert ScipyTarget(scipy.stats.t(1.5)).std == math.inf
    pareto = ScipyTarget(scipy.stats.pareto(0.8))  # support [1, inf): E[X] = +inf honestly
    assert pareto.mean == math.inf and pareto.mean_abs_difference == math.inf
    assert np.all(np.isnan(cauchy.partial_expectation([0.0, 1.0])))
    # Scores that need a mean are NaN; the rest still score, and evaluate does not raise.
    x = scipy.stats.cauchy().rvs(size=500, random_state=np.random.default_rng(3))
    report = evaluate(x, scipy.stats.cauchy())
    assert math.isnan(report.wasserstein) and math.isnan(report.energy_distance)
    assert report.ks.statistic == pytest.approx(
        scipy.stats.kstest(x, "cauchy").statistic, abs=1e-12
    )
    assert report.label == "converged"  # only the KS check applies, and real data pass it


@pytest.mark.parametrize(
    "spec, canonical",
    [
        ("scipy:gamma,a=2,scale=1.5", "scipy:gamma,a=2,scale=1.5"),
        (" scipy : norm , loc = 4 , scale = 1.25 ", "scipy:norm,loc=4,scale=1.25"),
        ("scipy:norm", "scipy:norm"),
        ("scipy:beta,b=5,a=2", "scipy:beta,a=2,b=5"),
        ("scipy:gamma,a=2,loc=0,scale=1", "scipy:gamma,a=2"),
        ("scipy:t,df=3,loc=-1", "scipy:t,df=3,loc=-1"),
        (
            "scipy:multivariate_normal,mean=0;1,cov=1;0.5;0.5;2",
            "scipy:multivariate_normal,mean=0;1,cov=1;0.5;0.5;2",
        ),
    ],
)
def test_specs_round_trip(spec, canonical):
    target = target_from_spec(spec)
    assert target.spec == canonical
    assert target_from_spec(target.spec) == target and hash(target_from_spec(canonical)) == hash(
        target
    )
    assert pickle.loads(pickle.dumps(target)) == target


def test_a_frozen_distribution_and_its_spec_are_the_same_target():
    assert as_target(scipy.stats.gamma(2, scale=1.5)) == target_from_spec(
        "scipy:gamma,a=2,scale=1.5"
    )
    assert as_target(scipy.stats.gamma(a=2, scale=1.5)) == as_target(scipy.stats.gamma(2, 0, 1.5))
    assert as_target(scipy.stats.gamma(2)) != as_target(scipy.stats.gamma(3))
    t = as_target(scipy.stats.beta(2, 5))
    assert isinstance(t, ScipyTarget) and t.dim == 1 and t.dist.mean() == pytest.approx(2 / 7)
    x = t.sample(10, np.random.default_rng(0))
    np.testing.assert_array_equal(
        x[:, 0], scipy.stats.beta(2, 5).rvs(size=10, random_state=np.random.default_rng(0))
    )


@pytest.mark.parametrize(
    "spec, message",
    [
        ("scipy:gausian,loc=1", r"'gausian' is not a continuous scipy.stats distribution"),
        ("scipy:gamma,a=-1", r"scipy.stats.gamma rejects the parameters a=-1"),
        ("scipy:gamma", r"scipy.stats.gamma needs its shape parameter\(s\) a"),
        (
            "scipy:gamma,a=2,foo=1",
            r"scipy.stats.gamma has no parameter 'foo'; its parameters are a, loc, scale",
        ),
        ("scipy:norm,scale=0", r"scipy.stats.norm rejects the parameters loc=0, scale=0"),
        ("scipy:norm,scale=nan", r"scale must be finite, got nan"),
        ("scipy:norm,loc", r"argument 'loc' is not key=value"),
        ("scipy:norm,loc=x", r"argument 'x' is not a number"),
        ("scipy:norm,loc=1,loc=2", r"parameter 'loc' given twice"),
        ("scipy:poisson,mu=3", r"scipy.stats.poisson is discrete"),
        (
            "scipy:dirichlet,alpha=1",
            r"scipy.stats.dirichlet is multivariate; of those only multivariate_normal",
        ),
        ("scipy:kstest", r"'kstest' is not a continuous scipy.stats distribution"),
        ("scipy:__class__", r"'__class__' is not a continuous scipy.stats distribution"),
        ("scipy:,a=1", r"no distribution name"),
        ("scipy", r"'scipy' needs arguments"),
        ("scipy:multivariate_normal,mean=0;0,cov=1;0;0", r"cov must list d\*d = 4 numbers"),
        (
            "scipy:multivariate_normal,mean=0;0,cov=1;2;2;1",
            r"multivariate_normal rejects these parameters",
        ),
        ("scipy:multivariate_normal,mean=0,cov=1", r"needs dimension >= 2"),
    ],
)
def test_bad_scipy_specs_are_one_clear_error(spec, message):
    with pytest.raises(ValueError, match=message) as info:
        target_from_spec(spec)
    text = str(info.value)
    assert text.startswith(f"target spec {spec!r}: ") and "\n" not in text


@pytest.mark.parametrize(
    "obj, message",
    [
        (scipy.stats.poisson(3), r"scipy.stats.poisson is discrete"),
        (scipy.stats.gamma, r"scipy.stats.gamma is not frozen: pass it with its parameters"),
        (
            scipy.stats.dirichlet([1.0, 2.0]),
            r"dirichlet is a multivariate scipy.stats distribution",
        ),
    ],
)
def test_scipy_objects_that_cannot_be_targets(obj, message):
    with pytest.raises(ValueError, match=message):
        as_target(obj)
    with pytest.raises(ValueError, match=message):
        evaluate(np.zeros(10), obj)


def test_bad_frozen_parameters():
    with pytest.raises(ValueError, match=r"scipy.stats.gamma rejects the parameters a=-1"):
        as_target(scipy.stats.gamma(-1))
    with pytest.raises(
        TypeError, match=r"dist must be a frozen continuous scipy.stats distribution"
    ):
        ScipyTarget(Gaussian())


def test_multivariate_normal_target():
    mean, cov = np.array([1.0, -2.0]), np.array([[1.0, 0.6], [0.6, 2.0]])
    frozen = scipy.stats.multivariate_normal(mean, cov)
    target = as_target(frozen)
    assert isinstance(target, ScipyMultivariateNormal) and target.dim == 2
    np.testing.assert_array_equal(target.mean, mean)
    np.testing.assert_allclose(target.std, np.sqrt(np.diag(cov)))
    pts = np.array([[0.0, 0.0], [1.0, -2.0], [2.0, 1.0]])
    np.testing.assert_allclose(target.pdf(pts), frozen.pdf(pts), rtol=1e-14)
    assert target.pdf(pts[:1]).shape == (1,)
    x = target.sample(3000, np.random.default_rng(4))
    assert x.shape == (3000, 2) and target.sample(1, np.random.default_rng(0)).shape == (1, 2)
    report = evaluate(x, target)
    assert report.label == "converged" and report.reference.startswith("reference sample")
    assert report.mmd.pvalue > 1e-3 and report.to_dict()["mean_error_0"] == pytest.approx(
        x[:, 0].mean() - 1
    )
    shifted = evaluate(x + [0.0, 0.5], target)
    assert shifted.label == "not_converged" and any(
        "coordinate 1: |mean error|" in r for r in shifted.reasons
    )
    assert target_from_spec(target.spec) == target
