"""One-dimensional targets backed by scipy.stats: normal, Student t, uniform, log-normal."""

from __future__ import annotations

import dataclasses
import math
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import scipy.integrate
import scipy.special
import scipy.stats

from ._target import _normal_partial_expectation, _set, format_number
from ._validation import check_int, check_real, check_rng


class _Univariate:
    """Shared 1-D machinery; subclasses supply the distribution functions and ``_draw``."""

    dim: ClassVar[int] = 1
    kind: ClassVar[str]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` i.i.d. draws as float64 of shape (n, 1)."""
        n = check_int("n", n, minimum=0)
        check_rng("rng", rng)
        return np.asarray(self._draw(n, rng), dtype=np.float64).reshape(n, 1)

    def _draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        raise NotImplementedError

    @property
    def spec(self) -> str:
        args = ",".join(format_number(getattr(self, f.name)) for f in dataclasses.fields(self))
        return f"{self.kind}:{args}"


class _FrozenScipyFunctions:
    """The distribution functions and higher moments of a frozen scipy.stats distribution
    ``self._dist`` whose ``(mean, var, skewness, excess kurtosis)`` are ``self._mvsk``."""

    _dist: Any
    _mvsk: tuple[float, float, float, float]

    @property
    def skewness(self) -> float:
        return self._mvsk[2]

    @property
    def excess_kurtosis(self) -> float:
        return self._mvsk[3]

    def pdf(self, x: Any) -> np.ndarray:
        return self._dist.pdf(x)

    def cdf(self, x: Any) -> np.ndarray:
        return self._dist.cdf(x)

    def sf(self, x: Any) -> np.ndarray:
        return self._dist.sf(x)

    def logcdf(self, x: Any) -> np.ndarray:
        return self._dist.logcdf(x)

    def logsf(self, x: Any) -> np.ndarray:
        return self._dist.logsf(x)

    def ppf(self, q: Any) -> np.ndarray:
        return self._dist.ppf(q)


class _ScipyBacked(_FrozenScipyFunctions, _Univariate):
    """A 1-D target whose functions are those of a frozen scipy.stats distribution."""

    def _make_dist(self) -> Any:
        raise NotImplementedError

    @cached_property
    def _dist(self) -> Any:
        return self._make_dist()

    @cached_property
    def _mvsk(self) -> tuple[float, float, float, float]:
        m, v, s, k = self._dist.stats(moments="mvsk")
        return float(m), float(v), float(s), float(k)


    def _draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self._dist.rvs(size=n, random_state=rng)


def _as_scipy_places(values: np.ndarray, z: np.ndarray, *, log_one_at: float | None = None) -> np.ndarray:
    """``values`` computed at ``z``, with what scipy's rv_continuous places there instead: its
    ``badvalue`` (+NaN) where ``z`` is NaN (scipy.special may return -NaN: 1.15's log_ndtr does),
    and for a log function +0.0 at the support's edge ``log_one_at`` (log_ndtr(inf) is -0.0).
    A 0-d result as a numpy scalar, as scipy returns it."""
    values = np.asarray(values)
    nan = np.isnan(z)
    if nan.any():
        values = np.where(nan, np.nan, values)
    if log_one_at is not None:
        edge = z == log_one_at
        if edge.any():
            values = np.where(edge, 0.0, values)
    return values[()]


@dataclasses.dataclass(frozen=True)
class Gaussian(_ScipyBacked):
    """N(mean, std^2); the default N(4, 1.25) is the project's reference target."""

    mean: float = 4.0
    std: float = 1.25
    kind: ClassVar[str] = "gaussian"

    def __post_init__(self) -> None:
        _set(self, "mean", check_real("mean", self.mean))
        _set(self, "std", check_real("std", self.std, positive=True))

    def _make_dist(self) -> Any:
        return scipy.stats.norm(self.mean, self.std)

    # scipy.stats.norm's own arithmetic, z = (x - loc) / scale then scipy.special's ndtr or
    # log_ndtr, without rv_continuous's argument handling: 70 µs a call, which made these four
    # a third of an ensemble check's scoring. Equal to scipy's to the bit, ±inf and NaN
    # included (tests/evaluation/test_eval_targets.py).

    def _standardized(self, x: Any) -> np.ndarray:
        x = np.asarray(x)
        z = (x - np.asarray(self.mean)) / np.asarray(self.std)
        return np.asarray(z, dtype=np.promote_types(x.dtype, np.float64))

    def cdf(self, x: Any) -> np.ndarray:
        z = self._standardized(x)
        return _as_scipy_places(scipy.special.ndtr(z), z)

    def sf(self, x: Any) -> np.ndarray:
        z = self._standardized(x)
        return _as_scipy_places(scipy.special.ndtr(-z), z)

    def logcdf(self, x: Any) -> np.ndarray:
        z = self._standardized(x)
        return _as_scipy_places(scipy.special.log_ndtr(z), z, log_one_at=np.inf)

    def logsf(self, x: Any) -> np.ndarray:
        z = self._standardized(x)
        return _as_scipy_places(scipy.special.log_ndtr(-z), z, log_one_at=-np.inf)

    @property
    def skewness(self) -> float:
        return 0.0

    @property
    def excess_kurtosis(self) -> float:
        return 0.0

    def partial_expectation(self, x: Any) -> np.ndarray:
        """E[X 1{X <= x}] = mean Phi(z) - std phi(z)."""
        return _normal_partial_expectation(np.asarray(x, dtype=float), self.mean, self.std)

    @property
    def mean_abs_difference(self) -> float:
        """E|X - X'| = 2 std / sqrt(pi)."""
        return 2 * self.std / math.sqrt(math.pi)

    def _draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return rng.normal(self.mean, self.std, size=n)


@dataclasses.dataclass(frozen=True)
class StudentT(_ScipyBacked):
    """loc + scale T with T ~ Student t(df). Mean exists for df > 1, std for df > 2."""

    df: float = 3.0
    loc: float = 0.0
    scale: float = 1.0
    kind: ClassVar[str] = "student-t"

    def __post_init__(self) -> None:
        _set(self, "df", check_real("df", self.df, positive=True))
        _set(self, "loc", check_real("loc", self.loc))
        _set(self, "scale", check_real("scale", self.scale, positive=True))

    def _make_dist(self) -> Any:
        return scipy.stats.t(self.df, self.loc, self.scale)

    @property
    def mean(self) -> float:
        """loc for df > 1; NaN below (the mean does not exist; scipy reports inf at df = 1)."""
        return self.loc if self.df > 1 else math.nan

    @property
    def std(self) -> float:
        """scale sqrt(df / (df - 2)) for df > 2, inf for 1 < df <= 2, NaN for df <= 1."""
        if self.df > 2:
            return self.scale * math.sqrt(self.df / (self.df - 2))
        return math.inf if self.df > 1 else math.nan

    def partial_expectation(self, x: Any) -> np.ndarray:
        """E[X 1{X <= x}] = loc F(x) + scale E[T 1{T <= t}], E[T 1{T <= t}] = -(df + t^2) f(t) / (df - 1).

        Defined for df > 1 (NaN otherwise): the mean does not exist below that.
        """
        x = np.asarray(x, dtype=float)
        if self.df <= 1:
            return np.full_like(x, np.nan)
        t = (x - self.loc) / self.scale
        with np.errstate(invalid="ignore"):
            standard = -(self.df + t * t) / (self.df - 1) * scipy.stats.t.pdf(t, self.df)
        standard = np.where(np.isinf(t), 0.0, standard)
        return self.loc * self.cdf(x) + self.scale * standard

    @cached_property
    def mean_abs_difference(self) -> float:
        """E|X - X'| = 2 int F (1 - F) dx, by quadrature (no simple closed form is kept here)."""
        if self.df <= 1:
            return math.inf
        value, _ = scipy.integrate.quad(
            lambda t: scipy.stats.t.cdf(t, self.df) * scipy.stats.t.sf(t, self.df),
            -np.inf,
            np.inf,
            epsabs=1e-13,
            epsrel=1e-12,
            limit=200,
        )
        return 2 * self.scale * value


@dataclasses.dataclass(frozen=True)
class Uniform(_ScipyBacked):
    """U(low, high)."""

    low: float = 0.0
    high: float = 1.0
    kind: ClassVar[str] = "uniform"

    def __post_init__(self) -> None:
        _set(self, "low", check_real("low", self.low))
        _set(self, "high", check_real("high", self.high))
        if not self.high > self.low:
            raise ValueError(f"high must be > low, got low={self.low!r}, high={self.high!r}")

    def _make_dist(self) -> Any:
        return scipy.stats.uniform(self.low, self.high - self.low)

    @property
    def mean(self) -> float:
        return 0.5 * (self.low + self.high)

    @property
    def std(self) -> float:
        return (self.high - self.low) / math.sqrt(12)

    def partial_expectation(self, x: Any) -> np.ndarray:
        """E[X 1{X <= x}] = (c^2 - low^2) / (2 (high - low)), c = clip(x, low, high)."""
        c = np.clip(np.asarray(x, dtype=float), self.low, self.high)
        return (c * c - self.low**2) / (2 * (self.high - self.low))

    @property
    def mean_abs_difference(self) -> float:
        """E|X - X'| = (high - low) / 3."""
        return (self.high - self.low) / 3


@dataclasses.dataclass(frozen=True)
class LogNormal(_ScipyBacked):
    """exp(Y) with Y ~ N(mu, sigma^2) (scipy's lognorm(s=sigma, scale=exp(mu)))."""

    mu: float = 0.0
    sigma: float = 0.5
    kind: ClassVar[str] = "lognormal"

    def __post_init__(self) -> None:
        _set(self, "mu", check_real("mu", self.mu))
        _set(self, "sigma", check_real("sigma", self.sigma, positive=True))

    def _make_dist(self) -> Any:
        return scipy.stats.lognorm(self.sigma, scale=math.exp(self.mu))

    @property
    def mean(self) -> float:
        return math.exp(self.mu + 0.5 * self.sigma**2)

    @property
    def std(self) -> float:
        return self.mean * math.sqrt(math.expm1(self.sigma**2))

    def partial_expectation(self, x: Any) -> np.ndarray:
        """E[X 1{X <= x}] = exp(mu + sigma^2/2) Phi((ln x - mu - sigma^2) / sigma) for x > 0."""
        x = np.asarray(x, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            z = (np.log(np.where(x > 0, x, 1.0)) - self.mu - self.sigma**2) / self.sigma
        return np.where(x > 0, self.mean * scipy.special.ndtr(z), 0.0)

    @property
    def mean_abs_difference(self) -> float:
        """E|X - X'| = 2 E[X] (2 Phi(sigma / sqrt 2) - 1) (twice the mean times the Gini index)."""
        return 2 * self.mean * (2 * scipy.special.ndtr(self.sigma / math.sqrt(2)) - 1)


#: N(4, 1.25), the project's reference target and every function's default.
DEFAULT_TARGET = Gaussian()
