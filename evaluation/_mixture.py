"""A one-dimensional Gaussian mixture with exact cdf, quantiles and moments."""

from __future__ import annotations

import dataclasses
import math
from functools import cached_property
from typing import Any, ClassVar

import numpy as np
import scipy.special
from scipy.optimize import elementwise as _elementwise

from ._target import _normal_abs_mean, _normal_partial_expectation, _readonly, _set, format_number
from ._univariate import _Univariate
from ._validation import check_real

# Weights are accepted when they sum to 1 within this tolerance (so "0.3333,0.3333,0.3334"
# style specs work) and are renormalised internally; the stored values are kept as given so
# that ``spec`` round-trips bit for bit.
_WEIGHT_SUM_TOLERANCE = 1e-6


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
