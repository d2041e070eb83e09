"""One-sample scores of 1-D samples against the exact target: no second random sample needed.

KS, Cramér–von Mises and Anderson–Darling are goodness-of-fit tests against the fully
specified target CDF; W1 and the energy distance are computed exactly from the target's
quantile function and partial expectations; the moments compare the sample's mean, std,
skewness and excess kurtosis with the target's.

These functions are strict: NaN or inf in ``samples`` is a ValueError (``evaluate`` turns
such samples into a 'diverged' report instead).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np
import scipy.stats

from . import _point_mass
from ._cramervonmises import cvm_pvalue, cvm_statistic
from ._exact_rows import ad_statistic, energy_rows, w1_rows
from ._point_mass import PointMass
from ._protocol import present
from ._specs import as_target
from ._target import Target
from ._univariate import DEFAULT_TARGET
from ._validation import as_samples, check_finite, check_int, check_probability

__all__ = [
    "Moments",
    "TestResult",
    "ad_test",
    "anderson_darling_pvalue",
    "cvm_test",
    "energy_distance_to_target",
    "ks_test",
    "moment_errors",
    "wasserstein_to_target",
]


@dataclasses.dataclass(frozen=True)
class TestResult:
    """A goodness-of-fit test: ``statistic`` and ``pvalue`` named as in scipy.stats."""

    __test__ = False  # not a pytest test class, despite the name

    statistic: float
    pvalue: float

    def to_dict(self, prefix: str = "") -> dict[str, float]:
        return {f"{prefix}statistic": float(self.statistic), f"{prefix}pvalue": float(self.pvalue)}


NAN_TEST = TestResult(math.nan, math.nan)


def _identity_cdf(u: np.ndarray) -> np.ndarray:
    return u


def _sorted_1d(
    samples: Any, target: Target, *, min_n: int, what: str, needs: tuple[str, ...] = ()
) -> np.ndarray:
    if target.dim != 1:
        raise ValueError(f"target must be 1-D for {what}, got {target!r} (dim {target.dim})")
    missing = [name for name in needs if not present(target, name)]
    if missing and not isinstance(target, PointMass):
        raise ValueError(
            f"{what} needs a target with {', '.join(needs)}; {target.spec} has no "
            f"{', '.join(missing)} (evaluate() scores such a target against a sample instead)"
        )
    x = check_finite(as_samples(samples, 1, min_n=min_n))
    return np.sort(x[:, 0])


def _ks_from_u(u: np.ndarray) -> TestResult:
    # The KS statistic is invariant under the probability integral transform, so testing
    # u = F(x) against U(0, 1) is scipy.stats.kstest(x, target.cdf) with the CDF evaluated
    # once and shared with the other scores.
    res = scipy.stats.ks_1samp(u, _identity_cdf)
    return TestResult(float(res.statistic), float(res.pvalue))


def _cvm_from_u(u: np.ndarray) -> TestResult:
    # scipy.stats.cramervonmises(u, _identity_cdf), to the bit, without its slow p-value loop.
    statistic = cvm_statistic(u)
    return TestResult(float(statistic), float(cvm_pvalue(statistic, u.size)))


def anderson_darling_pvalue(statistic: float, n: int) -> float:
    """P(A_n^2 >= statistic) for a fully specified continuous CDF (Marsaglia & Marsaglia 2004).

    Uses the short ``adinf`` approximation of the limiting distribution (|error| < 2e-6) plus
    the finite-n correction ``errfix``; the authors report the result uniform to about 4-5
    digits for any n. G. Marsaglia and J. Marsaglia, "Evaluating the Anderson-Darling
    Distribution", J. Stat. Software 9(2), 2004.

    Written here because scipy.stats.anderson only tests families with *estimated*
    parameters, and anderson_ksamp is a k-sample test whose p-value is clipped to
    [0.001, 0.25] unless a permutation method is used.
    """
    n = check_int("n", n, minimum=1)
    z = float(statistic)
    if math.isnan(z):
        return math.nan
    if z <= 0:
        return 1.0
    if math.isinf(z):
        return 0.0
    if z < 2:
        cdf = (
            math.exp(-1.2337141 / z)
            / math.sqrt(z)
            * (
                2.00012
                + (0.247105 - (0.0649821 - (0.0347962 - (0.011672 - 0.00168691 * z) * z) * z) * z)
                * z
            )
        )
        upper = 1.0 - cdf
    else:
        g = 1.0776 - (2.30695 - (0.43424 - (0.082433 - (0.008056 - 0.0003146 * z) * z) * z) * z) * z
        cdf = math.exp(-math.exp(g))
        upper = -math.expm1(-math.exp(g))  # 1 - cdf without cancellation in the far tail
    x = cdf
    if x > 0.8:
        fix = (
            -130.2137
            + (745.2337 - (1705.091 - (1950.646 - (1116.360 - 255.7844 * x) * x) * x) * x) * x
        ) / n
    else:
        c = 0.01265 + 0.1757 / n
        if x < c:
            t = x / c
            t = math.sqrt(t) * (1 - t) * (49 * t - 102)
            fix = t * (0.0037 / n**2 + 0.00078 / n + 0.00006) / n
        else:
            t = (x - c) / (0.8 - c)
            t = (
                -0.00022633
                + (6.54034 - (14.6538 - (14.458 - (8.259 - 1.91864 * t) * t) * t) * t) * t
            )
            fix = t * (0.04213 / n + 0.01365 / n**2)
    # The published upper-tail polynomial leaves about -6e-4/n at A^2 -> inf (rounded
    # coefficients), which would floor every p-value there; the correction is therefore
    # limited to the size of the asymptotic tail itself, so p -> 0 as A^2 -> inf.
    fix = min(max(fix, -upper), upper)
    return min(1.0, max(0.0, upper - fix))


def _ad_from_logs(logcdf: np.ndarray, logsf: np.ndarray) -> TestResult:
    # A^2 from the logs of F and 1 - F at the sorted sample (_exact_rows.ad_statistic).
    a2 = float(ad_statistic(logcdf, logsf))
    return TestResult(a2, anderson_darling_pvalue(a2, logcdf.size))


def _logcdf(target: Any, x: np.ndarray, u: np.ndarray) -> np.ndarray:
    # log F from logcdf if the target has it, else log(F) (which loses the far lower tail).
    if present(target, "logcdf"):
        return target.logcdf(x)
    with np.errstate(divide="ignore"):
        return np.log(u)


def _logsf(target: Any, x: np.ndarray, u: np.ndarray) -> np.ndarray:
    # log(1 - F) from the best member the target has: logsf, else log(sf), else log1p(-F)
    # (the last loses the far upper tail, where F rounds to 1).
    with np.errstate(divide="ignore"):
        if present(target, "logsf"):
            return target.logsf(x)
        if present(target, "sf"):
            return np.log(target.sf(x))
        return np.log1p(-u)


def _w1_sorted(x: np.ndarray, u: np.ndarray, target: Target) -> float:
    return float(w1_rows(x, u, target))


def _energy_sorted(x: np.ndarray, u: np.ndarray, target: Target) -> float:
    return float(energy_rows(x, u, target))


def ks_test(samples: Any, target: Target | str = DEFAULT_TARGET) -> TestResult:
    """Kolmogorov–Smirnov: D = sup_x |F_n(x) - F(x)| against the exact target CDF.

    Equal to ``scipy.stats.kstest(samples, target.cdf)`` (Kolmogorov 1933; Smirnov 1948);
    the p-value is scipy's (exact distribution for moderate n).
    """
    target = as_target(target)
    x = _sorted_1d(samples, target, min_n=1, what="ks_test", needs=("cdf",))
    if isinstance(target, PointMass):
        return TestResult(*_point_mass.ks_statistic(x, target.x))
    return _ks_from_u(target.cdf(x))


def cvm_test(samples: Any, target: Target | str = DEFAULT_TARGET) -> TestResult:
    """Cramér–von Mises: W^2 = 1/(12n) + sum_i (F(x_(i)) - (2i - 1)/(2n))^2.

    Equal to ``scipy.stats.cramervonmises(samples, target.cdf)`` (Anderson 1962 for the
    distribution; Csörgő & Faraway 1996 for scipy's p-value). Needs n >= 2.
    """
    target = as_target(target)
    x = _sorted_1d(samples, target, min_n=2, what="cvm_test", needs=("cdf",))
    if isinstance(target, PointMass):
        return NAN_TEST  # undefined: the statistic assumes a continuous target CDF
    return _cvm_from_u(target.cdf(x))


def ad_test(samples: Any, target: Target | str = DEFAULT_TARGET) -> TestResult:
    """Anderson–Darling against the fully specified CDF (Anderson & Darling 1954):

    A^2 = -n - (1/n) sum_i (2i - 1) [ln F(x_(i)) + ln(1 - F(x_(n+1-i)))],

    p-value from :func:`anderson_darling_pvalue` (Marsaglia & Marsaglia 2004). It weights
    the tails more than KS does, so it sees tail errors KS misses. Needs n >= 2.
    """
    target = as_target(target)
    x = _sorted_1d(samples, target, min_n=2, what="ad_test", needs=("cdf",))
    if isinstance(target, PointMass):
        return NAN_TEST  # undefined: log F = -inf below the point
    u = target.cdf(x)
    return _ad_from_logs(_logcdf(target, x, u), _logsf(target, x, u))


def wasserstein_to_target(samples: Any, target: Target | str = DEFAULT_TARGET) -> float:
    """Exact W1 between the empirical distribution and the target (Villani 2009, ch. 6):

    W1 = int |F_n(x) - F(x)| dx = int_0^1 |F_n^{-1}(u) - F^{-1}(u)| du,

    evaluated in closed form from the target's integrated quantile function (NaN if the
    target has no mean). Shifting a sample far to one side by c changes W1 by |c|; the score
    is in the data's units.
    """
    target = as_target(target)
    x = _sorted_1d(
        samples,
        target,
        min_n=1,
        what="wasserstein_to_target",
        needs=("cdf", "ppf", "partial_expectation", "mean"),
    )
    if isinstance(target, PointMass):
        return float(np.mean(np.abs(x - target.x)))
    return _w1_sorted(x, target.cdf(x), target)


def energy_distance_to_target(samples: Any, target: Target | str = DEFAULT_TARGET) -> float:
    """Energy distance to the target (Székely & Rizzo 2013), scipy's convention:

    D = sqrt(2 E|X - Y| - E|X - X'| - E|Y - Y'|) = sqrt(2 int (F_n - F)^2 dx),

    with X from the sample and Y from the target, computed exactly (NaN if the target has
    no mean).
    """
    target = as_target(target)
    x = _sorted_1d(
        samples,
        target,
        min_n=1,
        what="energy_distance_to_target",
        needs=("cdf", "partial_expectation", "mean_abs_difference", "mean"),
    )
    if isinstance(target, PointMass):
        return _point_mass.energy(x, target.x)
    return _energy_sorted(x, target.cdf(x), target)


@dataclasses.dataclass(frozen=True)
class Moments:
    """Sample moments, the target's, and the errors: ``*_error`` = sample - target.

    ``std`` uses ddof=1; ``skewness`` and ``excess_kurtosis`` are the moment estimators
    m3/m2^1.5 and m4/m2^2 - 3 (scipy.stats.skew/kurtosis with bias=True). ``std_ratio`` is
    sample std / target std. Confidence intervals (``*_ci``) are present only when asked for.
    """

    n: int
    mean: float
    std: float
    skewness: float
    excess_kurtosis: float
    target_mean: float
    target_std: float
    target_skewness: float
    target_excess_kurtosis: float
    confidence_level: float | None = None
    mean_ci: tuple[float, float] | None = None
    std_ci: tuple[float, float] | None = None
    skewness_ci: tuple[float, float] | None = None
    excess_kurtosis_ci: tuple[float, float] | None = None

    @property
    def mean_error(self) -> float:
        return self.mean - self.target_mean

    @property
    def std_error(self) -> float:
        return self.std - self.target_std

    @property
    def std_ratio(self) -> float:
        """std / target std; NaN when the target std is 0 (a point mass), never inf."""
        if self.target_std == 0:
            return math.nan
        with np.errstate(divide="ignore", invalid="ignore"):
            return float(np.float64(self.std) / self.target_std)

    @property
    def skewness_error(self) -> float:
        return self.skewness - self.target_skewness

    @property
    def excess_kurtosis_error(self) -> float:
        return self.excess_kurtosis - self.target_excess_kurtosis

    def to_dict(self) -> dict[str, float]:
        out = {
            "mean": self.mean,
            "std": self.std,
            "skewness": self.skewness,
            "excess_kurtosis": self.excess_kurtosis,
            "mean_error": self.mean_error,
            "std_error": self.std_error,
            "std_ratio": self.std_ratio,
            "skewness_error": self.skewness_error,
            "excess_kurtosis_error": self.excess_kurtosis_error,
        }
        if self.confidence_level is not None:
            out["confidence_level"] = self.confidence_level
            for name in ("mean", "std", "skewness", "excess_kurtosis"):
                low, high = getattr(self, f"{name}_ci")
                out[f"{name}_ci_low"], out[f"{name}_ci_high"] = low, high
        return {k: float(v) for k, v in out.items()}


def _moment_statistics(x: np.ndarray, axis: int = -1) -> np.ndarray:
    """(mean, std ddof=1, skewness, excess kurtosis) along ``axis``; vectorized for bootstrap."""
    n = x.shape[axis]
    mean = x.mean(axis=axis, keepdims=True)
    d = x - mean
    d2 = d * d
    m2 = d2.mean(axis=axis)
    m3 = (d2 * d).mean(axis=axis)
    m4 = (d2 * d2).mean(axis=axis)
    # A constant sample (a collapsed generator) has no defined shape: NaN, quietly.
    with np.errstate(divide="ignore", invalid="ignore"):
        degenerate = m2 <= (np.finfo(float).eps * np.abs(np.squeeze(mean, axis))) ** 2
        # m2^1.5 as m2 sqrt(m2), m2^2 as m2 m2: correctly rounded steps, the same bits for a
        # scalar and any row of an array (numpy's vector pow, SVML on AVX-512, is not libm's).
        skew = np.where(degenerate, np.nan, m3 / (m2 * np.sqrt(m2)))
        kurt = np.where(degenerate, np.nan, m4 / (m2 * m2) - 3.0)
    std = np.sqrt(m2 * n / (n - 1)) if n > 1 else np.full_like(m2, np.nan)
    return np.stack([np.squeeze(mean, axis), std, skew, kurt])


def _moments_from_x(
    x: np.ndarray,
    target: Target,
    *,
    confidence_level: float | None,
    n_resamples: int,
    seed: int,
    statistics: tuple[float, float, float, float] | None = None,
) -> Moments:
    exact = tuple(
        float(getattr(target, name)) if present(target, name) else math.nan
        for name in ("mean", "std", "skewness", "excess_kurtosis")
    )
    return _moments(
        x, exact, confidence_level=confidence_level, n_resamples=n_resamples, seed=seed, statistics=statistics
    )


def _moments(
    x: np.ndarray,
    target_moments: tuple[float, float, float, float],
    *,
    confidence_level: float | None,
    n_resamples: int,
    seed: int,
    statistics: tuple[float, float, float, float] | None = None,
) -> Moments:
    """The sample's moments against ``target_moments`` = (mean, std, skewness, excess kurtosis);
    ``statistics``: the sample's own four if already computed (:func:`_moment_statistics`)."""
    if statistics is None:
        statistics = tuple(float(v) for v in _moment_statistics(x))
    mean, std, skew, kurt = statistics
    cis: dict[str, Any] = {}
    if confidence_level is not None:
        # Percentile intervals: BCa's jackknife is O(n^2) and takes seconds at n = 10,000.
        res = scipy.stats.bootstrap(
            (x,),
            _moment_statistics,
            vectorized=True,
            n_resamples=n_resamples,
            confidence_level=confidence_level,
            method="percentile",
            batch=100,
            rng=np.random.default_rng(seed),
        )
        low, high = res.confidence_interval
        for i, name in enumerate(("mean", "std", "skewness", "excess_kurtosis")):
            cis[f"{name}_ci"] = (float(low[i]), float(high[i]))
    return Moments(
        n=int(x.size),
        mean=mean,
        std=std,
        skewness=skew,
        excess_kurtosis=kurt,
        target_mean=target_moments[0],
        target_std=target_moments[1],
        target_skewness=target_moments[2],
        target_excess_kurtosis=target_moments[3],
        confidence_level=confidence_level,
        **cis,
    )


def moment_errors(
    samples: Any,
    target: Target | str = DEFAULT_TARGET,
    *,
    confidence_level: float | None = None,
    n_resamples: int = 999,
    seed: int = 0,
) -> Moments:
    """Mean, std, skewness, excess kurtosis of the sample and their errors vs the target.

    mean_error = mean(x) - E[X]; std_error = s - sd(X); std_ratio = s / sd(X). With
    ``confidence_level`` (e.g. 0.95), adds percentile bootstrap intervals
    (scipy.stats.bootstrap, Efron & Tibshirani 1993) from ``n_resamples`` resamples drawn
    with ``seed``. Needs n >= 2.
    """
    target = as_target(target)
    x = _sorted_1d(samples, target, min_n=2, what="moment_errors", needs=("mean", "std"))
    if confidence_level is not None:
        confidence_level = check_probability("confidence_level", confidence_level)
    n_resamples = check_int("n_resamples", n_resamples, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    return _moments_from_x(
        x, target, confidence_level=confidence_level, n_resamples=n_resamples, seed=seed
    )
