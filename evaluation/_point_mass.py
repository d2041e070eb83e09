"""A point mass (Dirac delta) target: every draw is the same point.

It is the target of the Dirac-GAN of Mescheder, Geiger & Nowozin (2018), "Which Training
Methods for GANs do actually Converge?", ICML: the data distribution is a point mass at 0
and the generator is itself a point mass at theta, so whether training reaches theta = 0,
circles it or drifts away is a question about a distance to one point.

What is defined against a point mass and what is not (see docs/evaluation.md):

- defined: W1 = E|X - location| (the transport to a single point is unique; in d-D the
  Euclidean mean distance), the energy distance, the mean error, the exact KS statistic;
- undefined (NaN with a reason, never an exception or an infinity): the std ratio (the
  target std is 0), skewness and kurtosis errors, Cramér–von Mises and Anderson–Darling
  (both assume a continuous target CDF; log F = -inf below the point).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar

import numpy as np

from ._target import _readonly, _set, format_number
from ._validation import check_int, check_real, check_rng

__all__ = ["PointMass"]


@dataclasses.dataclass(frozen=True)
class PointMass:
    """The point mass at ``x`` (1-D) or at ``(x, y)`` (2-D); spec ``dirac:x`` or ``dirac:x,y``.

    std 0; cdf the step 1{t >= x}; ppf(q) = x for 0 < q <= 1 (-inf at q = 0); mean the
    location. No pdf (a Dirac delta has no density). The default, ``dirac`` = ``dirac:0``, is
    the Dirac-GAN's target.
    """

    x: float = 0.0
    y: float | None = None
    kind: ClassVar[str] = "dirac"

    def __post_init__(self) -> None:
        _set(self, "x", check_real("x", self.x))
        if self.y is not None:
            _set(self, "y", check_real("y", self.y))
        loc = np.array([self.x] if self.y is None else [self.x, self.y])
        _set(self, "_location", _readonly(loc))

    @property
    def dim(self) -> int:
        return 1 if self.y is None else 2

    @property
    def location(self) -> float | np.ndarray:
        """The point: a float in 1-D, a read-only array of shape (2,) in 2-D."""
        return self.x if self.y is None else self._location

    @property
    def spec(self) -> str:
        args = [self.x] if self.y is None else [self.x, self.y]
        return f"{self.kind}:" + ",".join(format_number(v) for v in args)

    # -- moments ---------------------------------------------------------------------------
    @property
    def mean(self) -> float | np.ndarray:
        return self.location

    @property
    def std(self) -> float | np.ndarray:
        return 0.0 if self.y is None else _readonly(np.zeros(2))

    @property
    def skewness(self) -> float:
        """Undefined (0 / 0): NaN."""
        return math.nan

    @property
    def excess_kurtosis(self) -> float:
        """Undefined (0 / 0): NaN."""
        return math.nan

    # -- distribution functions (1-D) ------------------------------------------------------
    def cdf(self, t: Any) -> np.ndarray:
        """The step 1{t >= x} (right-continuous)."""
        return (np.asarray(t, dtype=float) >= self.x).astype(float)

    def sf(self, t: Any) -> np.ndarray:
        return (np.asarray(t, dtype=float) < self.x).astype(float)

    def logcdf(self, t: Any) -> np.ndarray:
        return np.where(np.asarray(t, dtype=float) >= self.x, 0.0, -np.inf)

    def logsf(self, t: Any) -> np.ndarray:
        return np.where(np.asarray(t, dtype=float) < self.x, 0.0, -np.inf)

    def ppf(self, q: Any) -> np.ndarray:
        """inf{t : F(t) >= q}: x for 0 < q <= 1, -inf at q = 0, NaN outside [0, 1]."""
        q = np.asarray(q, dtype=float)
        return np.where((q > 0) & (q <= 1), self.x, np.where(q == 0, -np.inf, np.nan))

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` copies of the point, float64 of shape (n, dim) (``rng`` is checked, not used)."""
        n = check_int("n", n, minimum=0)
        check_rng("rng", rng)
        return np.tile(self._location, (n, 1))


def distances(x: np.ndarray, target: PointMass) -> np.ndarray:
    """|x_i - location| (Euclidean in d-D) for samples of shape (n, dim)."""
    return np.sqrt(((x - target._location) ** 2).sum(axis=1))


def ks_statistic(xs: np.ndarray, location: float) -> tuple[float, float]:
    """Exact KS D = sup_t |F_n(t) - 1{t >= location}| = max(P_n(X < loc), P_n(X > loc)), and
    its exact p-value under the degenerate null (every draw is the point, so D = 0 surely):
    1 if D = 0, else 0."""
    n = xs.size
    d = max(float(np.sum(xs < location)), float(np.sum(xs > location))) / n
    return d, 1.0 if d == 0 else 0.0


def energy(xs: np.ndarray, location: float) -> float:
    """D = sqrt(2 E|X - loc| - E|X - X'|), V-statistics; E|Y - Y'| = 0 for the point."""
    n = xs.size
    within = 2.0 / n**2 * ((2.0 * np.arange(1, n + 1) - n - 1) @ np.sort(xs))
    return math.sqrt(max(2 * float(np.mean(np.abs(xs - location))) - within, 0.0))
