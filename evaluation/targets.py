"""Target distributions with an exact density, CDF, quantile function, moments and sampler.

Every target is a frozen (hashable) dataclass that validates its parameters and exposes the
same interface, which ganzoo and the scores rely on:

``dim``, ``mean``, ``std`` (floats in 1-D, arrays of shape (dim,) in 2-D), ``sample(n, rng)``
returning float64 of shape (n, dim), ``pdf(x)``, ``spec`` (round-trips through
:func:`evaluation.target_from_spec`); 1-D targets add ``cdf``, ``sf``, ``logcdf``, ``logsf``,
``ppf``, ``skewness``, ``excess_kurtosis``, ``partial_expectation`` and
``mean_abs_difference`` (the last two make W1 and the energy distance to the target exact);
mixture-like targets (GaussianMixture, Ring, Grid) add ``modes`` (m, dim), ``weights`` (m,)
and ``mode_std``.
"""

from __future__ import annotations

import dataclasses
import math
from functools import cached_property
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
import scipy.integrate
import scipy.special
import scipy.stats
from scipy.optimize import elementwise as _elementwise

from ._validation import check_int, check_real, check_rng

__all__ = [
    "DEFAULT_TARGET",
    "Gaussian",
    "GaussianMixture",
    "Grid",
    "LogNormal",
    "Ring",
    "StudentT",
    "Target",
    "Uniform",
    "format_number",
]

# Weights are accepted when they sum to 1 within this tolerance (so "0.3333,0.3333,0.3334"
# style specs work) and are renormalised internally; the stored values are kept as given so
# that ``spec`` round-trips bit for bit.
_WEIGHT_SUM_TOLERANCE = 1e-6


@runtime_checkable
class Target(Protocol):
    """What every target offers (see the module docstring for the 1-D and mixture extras)."""

    dim: int

    @property
    def mean(self) -> float | np.ndarray: ...

    @property
    def std(self) -> float | np.ndarray: ...

    @property
    def spec(self) -> str: ...

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray: ...

    def pdf(self, x: Any) -> np.ndarray: ...


def format_number(value: float) -> str:
    """Shortest text that parses back to exactly ``value`` (``4.0`` -> ``"4"``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _set(obj: object, name: str, value: Any) -> None:
    # Frozen dataclasses normalise their own fields in __post_init__ through this door.
    object.__setattr__(obj, name, value)


def _normal_partial_expectation(x: np.ndarray, mean: Any, std: Any) -> np.ndarray:
    """E[X 1{X <= x}] for X ~ N(mean, std^2): mean Phi(z) - std phi(z), z = (x - mean)/std."""
    z = (x - mean) / std
    with np.errstate(invalid="ignore", over="ignore"):
        density = np.where(np.isinf(z), 0.0, np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi))
    return mean * scipy.special.ndtr(z) - std * density


def _normal_abs_mean(m: np.ndarray, s: np.ndarray) -> np.ndarray:
    """E|Z| for Z ~ N(m, s^2): s sqrt(2/pi) exp(-m^2 / 2 s^2) + m (1 - 2 Phi(-m / s))."""
    return s * math.sqrt(2 / math.pi) * np.exp(-0.5 * (m / s) ** 2) + m * (
        1 - 2 * scipy.special.ndtr(-m / s)
    )


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


class _ScipyBacked(_Univariate):
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

    def _draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        return self._dist.rvs(size=n, random_state=rng)


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


def _as_float_tuple(name: str, values: Any) -> tuple[float, ...]:
    if isinstance(values, (str, bytes)) or not np.iterable(values):
        raise TypeError(f"{name} must be a sequence of real numbers, got {values!r}")
    return tuple(check_real(f"{name}[{i}]", v) for i, v in enumerate(values))


@dataclasses.dataclass(frozen=True)
class GaussianMixture(_Univariate):
    """sum_k w_k N(means_k, stds_k^2). cdf is exact; ppf inverts it by a bracketed root-find.

    Default: 0.5 N(-2, 0.5^2) + 0.5 N(2, 0.5^2).
    """

    weights: tuple[float, ...] = (0.5, 0.5)
    means: tuple[float, ...] = (-2.0, 2.0)
    stds: tuple[float, ...] = (0.5, 0.5)
    kind: ClassVar[str] = "mixture"

    def __post_init__(self) -> None:
        weights = _as_float_tuple("weights", self.weights)
        means = _as_float_tuple("means", self.means)
        stds = _as_float_tuple("stds", self.stds)
        if not (len(weights) == len(means) == len(stds)) or not weights:
            raise ValueError(
                "weights, means and stds must have the same length >= 1, got lengths "
                f"{len(weights)}, {len(means)}, {len(stds)}"
            )
        if any(w < 0 for w in weights):
            raise ValueError(f"weights must be >= 0, got {weights}")
        if abs(sum(weights) - 1) > _WEIGHT_SUM_TOLERANCE:
            raise ValueError(
                f"weights must sum to 1 (within {_WEIGHT_SUM_TOLERANCE:g}), got {weights} "
                f"summing to {sum(weights)!r}"
            )
        for i, s in enumerate(stds):
            check_real(f"stds[{i}]", s, positive=True)
        _set(self, "weights", weights)
        _set(self, "means", means)
        _set(self, "stds", stds)
        w = np.array(weights)
        _set(self, "_w", _readonly(w / w.sum()))
        _set(self, "_mu", _readonly(np.array(means)))
        _set(self, "_sigma", _readonly(np.array(stds)))
        _set(self, "_modes", _readonly(np.array(means)[:, None]))

    @property
    def spec(self) -> str:
        parts = (
            ",".join(format_number(v) for v in comp)
            for comp in zip(self.weights, self.means, self.stds)
        )
        return f"{self.kind}:" + ";".join(parts)

    # -- mixture-like interface ------------------------------------------------------------
    @property
    def modes(self) -> np.ndarray:
        return self._modes

    @property
    def mode_std(self) -> np.ndarray:
        return self._sigma

    @property
    def n_modes(self) -> int:
        return len(self.weights)

    # -- moments -----------------------------------------------------------------------------
    @cached_property
    def _central_moments(self) -> tuple[float, float, float, float]:
        # Central moments of a mixture from each component's offset d_k = mu_k - mean.
        w, s = self._w, self._sigma
        mean = float(w @ self._mu)
        d = self._mu - mean
        m2 = float(w @ (d**2 + s**2))
        m3 = float(w @ (d**3 + 3 * d * s**2))
        m4 = float(w @ (d**4 + 6 * d**2 * s**2 + 3 * s**4))
        return mean, m2, m3, m4

    @property
    def mean(self) -> float:
        return self._central_moments[0]

    @property
    def std(self) -> float:
        return math.sqrt(self._central_moments[1])

    @property
    def skewness(self) -> float:
        _, m2, m3, _ = self._central_moments
        return m3 / m2**1.5

    @property
    def excess_kurtosis(self) -> float:
        _, m2, _, m4 = self._central_moments
        return m4 / m2**2 - 3

    # -- distribution functions ------------------------------------------------------------
    def _z(self, x: Any) -> np.ndarray:
        return (np.asarray(x, dtype=float)[..., None] - self._mu) / self._sigma

    def pdf(self, x: Any) -> np.ndarray:
        z = self._z(x)
        return (np.exp(-0.5 * z * z) / (math.sqrt(2 * math.pi) * self._sigma)) @ self._w

    def cdf(self, x: Any) -> np.ndarray:
        return scipy.special.ndtr(self._z(x)) @ self._w

    def sf(self, x: Any) -> np.ndarray:
        return scipy.special.ndtr(-self._z(x)) @ self._w

    def logcdf(self, x: Any) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return scipy.special.logsumexp(
                scipy.special.log_ndtr(self._z(x)) + np.log(self._w), axis=-1
            )

    def logsf(self, x: Any) -> np.ndarray:
        with np.errstate(divide="ignore"):
            return scipy.special.logsumexp(
                scipy.special.log_ndtr(-self._z(x)) + np.log(self._w), axis=-1
            )

    def ppf(self, q: Any) -> np.ndarray:
        """F^{-1}(q) by Chandrupatla's bracketed root-find (scipy.optimize.elementwise).

        The root lies between the smallest and largest component quantile at q (at the
        former every component CDF is <= q, at the latter >= q), an exact bracket. Above
        q = 1/2 the survival function is matched instead, to keep upper-tail precision.
        """
        q = np.asarray(q, dtype=float)
        comp = scipy.special.ndtri(q[..., None]) * self._sigma + self._mu
        lo, hi = comp.min(axis=-1), comp.max(axis=-1)
        out = np.where(q == 0, -np.inf, np.where(q == 1, np.inf, np.nan))
        inside = (q > 0) & (q < 1)
        narrow = inside & (lo == hi)
        out = np.where(narrow, lo, out)
        todo = inside & (lo < hi)
        if todo.any():
            qt, lt, ht = q[todo], lo[todo], hi[todo]
            upper = qt > 0.5

            def f(x: np.ndarray, qq: np.ndarray, up: np.ndarray) -> np.ndarray:
                return np.where(up, (1 - qq) - self.sf(x), self.cdf(x) - qq)

            res = _elementwise.find_root(f, (lt, ht), args=(qt, upper))
            # An endpoint that is already the root makes the bracket "invalid"; keep it.
            x = np.where(res.status == -1, np.where(f(lt, qt, upper) == 0, lt, ht), res.x)
            out = np.array(out, dtype=float, copy=True)
            out[todo] = x
        return out[()] if out.ndim == 0 else out

    def partial_expectation(self, x: Any) -> np.ndarray:
        """E[X 1{X <= x}] = sum_k w_k (mu_k Phi(z_k) - sigma_k phi(z_k))."""
        x = np.asarray(x, dtype=float)[..., None]
        return _normal_partial_expectation(x, self._mu, self._sigma) @ self._w

    @cached_property
    def mean_abs_difference(self) -> float:
        """E|X - X'| = sum_jk w_j w_k E|N(mu_j - mu_k, sigma_j^2 + sigma_k^2)|."""
        m = self._mu[:, None] - self._mu[None, :]
        s = np.sqrt(self._sigma[:, None] ** 2 + self._sigma[None, :] ** 2)
        return float(self._w @ _normal_abs_mean(m, s) @ self._w)

    def _draw(self, n: int, rng: np.random.Generator) -> np.ndarray:
        k = rng.choice(len(self._w), size=n, p=self._w)
        return rng.normal(self._mu[k], self._sigma[k])


#: The most modes a Ring or Grid may have: mode coverage compares every sample with every
#: mode (an (n, modes) matrix), so a typo such as ``ring:80000000`` must not exhaust memory.
MAX_MODES = 1000


class _PlanarMixture:
    """Equal-weight isotropic Gaussian mixture in 2-D (the Ring and Grid benchmarks)."""

    dim: ClassVar[int] = 2
    kind: ClassVar[str]
    mode_std: float
    _modes: np.ndarray

    def _finish(self) -> None:
        modes = self._modes
        mean = modes.mean(axis=0)
        var = ((modes - mean) ** 2).mean(axis=0) + self.mode_std**2
        _set(self, "_mean", _readonly(mean))
        _set(self, "_std", _readonly(np.sqrt(var)))
        _set(self, "_weights", _readonly(np.full(len(modes), 1.0 / len(modes))))
        _readonly(modes)

    @property
    def modes(self) -> np.ndarray:
        return self._modes

    @property
    def weights(self) -> np.ndarray:
        return self._weights

    @property
    def n_modes(self) -> int:
        return len(self._modes)

    @property
    def mean(self) -> np.ndarray:
        return self._mean

    @property
    def std(self) -> np.ndarray:
        """Per-coordinate standard deviation, sqrt(var of the mode coordinates + mode_std^2)."""
        return self._std

    @property
    def spec(self) -> str:
        args = ",".join(format_number(getattr(self, f.name)) for f in dataclasses.fields(self))
        return f"{self.kind}:{args}"

    def pdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != (2,):
            raise ValueError(f"x must have shape (..., 2) for a 2-D target, got {x.shape}")
        d2 = ((x[..., None, :] - self._modes) ** 2).sum(axis=-1)
        s2 = self.mode_std**2
        return np.exp(-0.5 * d2 / s2).mean(axis=-1) / (2 * math.pi * s2)

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` i.i.d. draws as float64 of shape (n, 2): a uniform mode plus N(0, mode_std^2 I)."""
        n = check_int("n", n, minimum=0)
        check_rng("rng", rng)
        k = rng.integers(len(self._modes), size=n)
        return self._modes[k] + rng.normal(0.0, self.mode_std, size=(n, 2))


@dataclasses.dataclass(frozen=True)
class Ring(_PlanarMixture):
    """8 modes at radius 2, angles 2 pi k / 8 (k = 0..7), std 0.02 (Unrolled GAN, VEEGAN).

    The angles deliberately exclude 2 pi: ``linspace(0, 2 pi, 8)`` would put two modes on
    the same point, a slip found in some public demos.
    """

    n_modes: int = 8
    radius: float = 2.0
    mode_std: float = 0.02
    kind: ClassVar[str] = "ring"

    def __post_init__(self) -> None:
        _set(self, "n_modes", check_int("n_modes", self.n_modes, minimum=1))
        if self.n_modes > MAX_MODES:
            raise ValueError(f"n_modes must be <= {MAX_MODES}, got {self.n_modes}")
        _set(self, "radius", check_real("radius", self.radius, positive=True))
        _set(self, "mode_std", check_real("mode_std", self.mode_std, positive=True))
        angles = 2 * np.pi * np.arange(self.n_modes) / self.n_modes
        _set(self, "_modes", self.radius * np.column_stack([np.cos(angles), np.sin(angles)]))
        self._finish()


@dataclasses.dataclass(frozen=True)
class Grid(_PlanarMixture):
    """side x side modes spaced ``spacing`` apart, centred on 0: {-4,-2,0,2,4}^2, std 0.05 by default
    (VEEGAN, PacGAN)."""

    side: int = 5
    spacing: float = 2.0
    mode_std: float = 0.05
    kind: ClassVar[str] = "grid"

    def __post_init__(self) -> None:
        _set(self, "side", check_int("side", self.side, minimum=1))
        if self.side**2 > MAX_MODES:
            side = math.isqrt(MAX_MODES)
            raise ValueError(f"side must be <= {side} (side**2 modes, at most {MAX_MODES}), got {self.side}")
        _set(self, "spacing", check_real("spacing", self.spacing, positive=True))
        _set(self, "mode_std", check_real("mode_std", self.mode_std, positive=True))
        coords = (np.arange(self.side) - (self.side - 1) / 2) * self.spacing
        gx, gy = np.meshgrid(coords, coords, indexing="ij")
        _set(self, "_modes", np.column_stack([gx.ravel(), gy.ravel()]))
        self._finish()

    @property
    def n_modes(self) -> int:  # type: ignore[override]
        return self.side**2
