"""Frozen scipy.stats distributions as exact targets.

:class:`ScipyTarget` wraps any frozen continuous univariate distribution
(``scipy.stats.gamma(2, scale=1.5)``): cdf, sf, logcdf, logsf, ppf, pdf, moments and
sampling are scipy's own, so KS, Cramér–von Mises and Anderson–Darling are exact against
it. W1 and the energy distance also need E[X 1{X <= x}] and E|X - X'|, which scipy does not
offer for a generic distribution; they are computed by quadrature (see
:meth:`ScipyTarget.partial_expectation` and :attr:`ScipyTarget.mean_abs_difference`).

:class:`evaluation.ScipyMultivariateNormal` (in :mod:`evaluation._scipy_mvn`) wraps a frozen
``scipy.stats.multivariate_normal`` as a d-dimensional target.

Spec strings: ``scipy:NAME,key=value,...`` (``scipy:gamma,a=2,scale=1.5``); for the
multivariate normal, list values are separated by ``;`` (``scipy:multivariate_normal,
mean=0;0,cov=1;0;0;1``, the covariance row by row).
"""

from __future__ import annotations

import difflib
import math
from functools import cached_property
from typing import Any

import numpy as np
import scipy.integrate
import scipy.stats

from ._scipy_mvn import ScipyMultivariateNormal
from ._target import format_number
from ._univariate import _FrozenScipyFunctions
from ._validation import check_int, check_real, check_rng

__all__ = ["ScipyTarget", "from_scipy", "scipy_target"]

# Gauss–Legendre rules for the pieces of the partial expectation; a piece whose two rules
# disagree goes to adaptive quadrature instead (see ScipyTarget.partial_expectation).
_GL_LOW = np.polynomial.legendre.leggauss(10)
_GL_HIGH = np.polynomial.legendre.leggauss(20)
# Interior split points (as probabilities) for the adaptive integrals over the support.
_SPLITS = (1e-12, 1e-8, 1e-4, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 1 - 1e-4, 1 - 1e-8, 1 - 1e-12)


def _shape_names(gen: Any) -> list[str]:
    return [s.strip() for s in gen.shapes.split(",")] if gen.shapes else []


def _continuous_names() -> list[str]:
    return sorted(
        name
        for name in dir(scipy.stats)
        if not name.startswith("_")
        and isinstance(getattr(scipy.stats, name), scipy.stats.rv_continuous)
    )


def _quad(f: Any, a: float, b: float, points: np.ndarray, tol: float) -> tuple[float, bool]:
    """int_a^b f, split at ``points`` inside (a, b); returns (value, converged)."""
    edges = [a, *[p for p in points if a < p < b], b]
    total, ok = 0.0, True
    for lo, hi in zip(edges, edges[1:]):
        if lo == hi:
            continue
        out = scipy.integrate.quad(f, lo, hi, epsabs=tol, epsrel=1e-13, limit=200, full_output=1)
        total += out[0]
        ok = ok and len(out) == 3 and math.isfinite(out[0])  # a 4th item is quad's warning
    return total, ok


class ScipyTarget(_FrozenScipyFunctions):
    """A frozen continuous univariate scipy.stats distribution as an exact 1-D target.

    ``ScipyTarget(scipy.stats.gamma(2, scale=1.5))``; ``evaluation.as_target`` wraps a frozen
    distribution automatically. Equality and hashing follow the distribution's name and its
    canonical parameters (shapes in scipy's order, then loc and scale), so
    ``target_from_spec(t.spec) == t`` (for scipy.stats' own distributions: one defined
    elsewhere, a user's ``rv_continuous`` subclass, scores the same but its spec names a
    distribution ``target_from_spec`` does not know). ``dist`` is the frozen distribution.

    Moments are scipy's ``stats(moments="mvsk")``, reported honestly where they do not
    exist: an infinite variance is ``std = inf``; a mean whose two tails both diverge
    (scipy reports inf for Student t with df = 1) is NaN; skewness and kurtosis that do not
    exist are NaN or inf as scipy says.
    """

    dim = 1
    kind = "scipy"

    def __init__(self, dist: Any) -> None:
        gen = getattr(dist, "dist", None)
        if not isinstance(gen, scipy.stats.rv_continuous) or not hasattr(dist, "args"):
            raise TypeError(
                "dist must be a frozen continuous scipy.stats distribution such as "
                f"scipy.stats.norm(4, 1.25), got {type(dist).__name__} {dist!r}"
            )
        name = gen.name
        shape_names = _shape_names(gen)
        names = [*shape_names, "loc", "scale"]
        args, kwds = tuple(dist.args), dict(dist.kwds)
        if len(args) > len(names):
            raise ValueError(
                f"scipy.stats.{name} takes at most {len(names)} parameters "
                f"({', '.join(names)}), got {len(args)} positional: {args!r}"
            )
        values: dict[str, Any] = dict(zip(names, args))
        for key, value in kwds.items():
            if key not in names:
                raise ValueError(
                    f"scipy.stats.{name} has no parameter {key!r}; its parameters are "
                    f"{', '.join(names)}"
                )
            if key in values:
                raise ValueError(f"scipy.stats.{name}: parameter {key!r} given twice")
            values[key] = value
        missing = [s for s in shape_names if s not in values]
        if missing:
            raise ValueError(
                f"scipy.stats.{name} needs its shape parameter(s) {', '.join(missing)} "
                f"(parameters: {', '.join(names)})"
            )
        shapes = tuple(check_real(s, values[s]) for s in shape_names)
        loc = check_real("loc", values.get("loc", 0.0))
        scale = check_real("scale", values.get("scale", 1.0))
        frozen = gen(*shapes, loc=loc, scale=scale)
        with np.errstate(all="ignore"):
            support = frozen.support()
        if np.isnan(support).any():
            given = ", ".join(
                f"{k}={format_number(v)}" for k, v in zip(names, (*shapes, loc, scale))
            )
            raise ValueError(
                f"scipy.stats.{name} rejects the parameters {given} (scipy's argcheck: "
                "outside the distribution's domain, e.g. a shape or scale <= 0)"
            )
        self._gen_type = type(gen)
        self.name = name
        self.shapes = tuple(zip(shape_names, shapes))
        self.loc = loc
        self.scale = scale
        self._dist = frozen
        self._support = (float(support[0]), float(support[1]))

    # -- identity --------------------------------------------------------------------------
    def _key(self) -> tuple[Any, ...]:
        return (self._gen_type, self.name, self.shapes, self.loc, self.scale)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScipyTarget):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key()[1:])

    def __repr__(self) -> str:
        params = [f"{k}={format_number(v)}" for k, v in self.shapes]
        if self.loc != 0:
            params.append(f"loc={format_number(self.loc)}")
        if self.scale != 1:
            params.append(f"scale={format_number(self.scale)}")
        return f"ScipyTarget(scipy.stats.{self.name}({', '.join(params)}))"

    def __reduce__(self) -> tuple[Any, ...]:
        return (ScipyTarget, (self._dist,))

    @property
    def dist(self) -> Any:
        """The frozen scipy.stats distribution."""
        return self._dist

    @property
    def spec(self) -> str:
        """``scipy:NAME,shape=...,loc=...,scale=...`` (loc 0 and scale 1 are left out)."""
        parts = [f"{k}={format_number(v)}" for k, v in self.shapes]
        if self.loc != 0:
            parts.append(f"loc={format_number(self.loc)}")
        if self.scale != 1:
            parts.append(f"scale={format_number(self.scale)}")
        return f"scipy:{self.name}" + "".join(f",{p}" for p in parts)

    @property
    def support(self) -> tuple[float, float]:
        return self._support

    # -- moments ---------------------------------------------------------------------------
    @cached_property
    def _mvsk(self) -> tuple[float, float, float, float]:
        with np.errstate(all="ignore"):
            m, v, s, k = (float(t) for t in self._dist.stats(moments="mvsk"))
        if math.isinf(m):
            # E[X] = +-inf needs the other tail to be integrable; if it diverges too (scipy
            # says inf for Student t with df = 1), the mean does not exist.
            lo, hi = self._support
            median = float(self._dist.ppf(0.5))
            other = (lo, median) if m > 0 else (median, hi)
            if math.isinf(other[0] if m > 0 else other[1]):
                _, ok = _quad(lambda y: y * self._dist.pdf(y), *other, np.array([]), 1e-10)
                if not ok:
                    m = v = s = k = math.nan
        return m, v, s, k

    @property
    def mean(self) -> float:
        return self._mvsk[0]

    @property
    def std(self) -> float:
        v = self._mvsk[1]
        return math.sqrt(v) if v >= 0 else math.nan

    # -- distribution functions: pdf, cdf, sf, logcdf, logsf, ppf (_FrozenScipyFunctions) ----

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws from scipy (``rvs(size=n, random_state=rng)``), float64 of shape (n, 1)."""
        n = check_int("n", n, minimum=0)
        check_rng("rng", rng)
        return np.asarray(self._dist.rvs(size=n, random_state=rng), dtype=np.float64).reshape(n, 1)

    # -- the two quantities that make W1 and the energy distance exact -------------------
    @cached_property
    def _splits(self) -> np.ndarray:
        with np.errstate(all="ignore"):
            return np.unique(np.asarray(self._dist.ppf(_SPLITS), dtype=float))

    @cached_property
    def _tolerance(self) -> float:
        # An absolute tolerance in the units of x * probability: 1e-14 of the distribution's
        # location plus spread (its median and interquartile range).
        q1, med, q3 = (float(v) for v in self._dist.ppf([0.25, 0.5, 0.75]))
        return 1e-14 * (abs(med) + (q3 - q1))

    def _y_pdf(self, y: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            out = y * self._dist.pdf(y)
        return np.where(np.isfinite(out), out, 0.0)

    @cached_property
    def _anchor(self) -> tuple[float, float]:
        """(median, E[X 1{X <= median}]) by adaptive quadrature over the lower half."""
        median = float(self._dist.ppf(0.5))
        value, _ = _quad(self._y_pdf, self._support[0], median, self._splits, self._tolerance)
        return median, value

    def partial_expectation(self, x: Any) -> np.ndarray:
        """E[X 1{X <= x}] = int_{-inf}^x y f(y) dy, by quadrature (NaN if E[X] is not finite).

        Evaluated at many points at once (a whole sample), as W1 and the energy distance
        need: the points (clipped to the support) are sorted, together with the median;
        each gap between neighbours is integrated with 10- and 20-point Gauss–Legendre
        rules, and a gap where the two disagree by more than 1e-14 (|median| + IQR) is
        redone by ``scipy.integrate.quad``; cumulative sums from the median, where the value
        is one adaptive ``quad`` over the lower half, give every point. Agrees with the
        closed forms of the built-in targets to about 1e-13.
        """
        x = np.asarray(x, dtype=float)
        mean = self.mean
        if not math.isfinite(mean):
            return np.full(x.shape, np.nan)[()]
        lo, hi = self._support
        flat = np.clip(x.ravel(), lo, hi)
        out = np.full(flat.shape, np.nan)
        out[flat <= lo] = 0.0
        out[flat >= hi] = mean
        inner = (flat > lo) & (flat < hi)
        if inner.any():
            median, at_median = self._anchor
            grid, inverse = np.unique(np.r_[flat[inner], median], return_inverse=True)
            a, b = grid[:-1], grid[1:]
            pieces = self._gl(a, b, _GL_HIGH)
            rough = self._gl(a, b, _GL_LOW)
            redo = np.flatnonzero(np.abs(pieces - rough) > self._tolerance)
            for i in redo:
                pieces[i] = scipy.integrate.quad(
                    self._y_pdf, a[i], b[i], epsabs=self._tolerance, epsrel=1e-13, limit=200
                )[0]
            cumulative = np.r_[0.0, np.cumsum(pieces)]
            k = int(np.searchsorted(grid, median))
            values = at_median + cumulative - cumulative[k]
            out[inner] = values[inverse[:-1]]
        return out.reshape(x.shape)[()]

    def _gl(self, a: np.ndarray, b: np.ndarray, rule: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
        t, w = rule
        half = 0.5 * (b - a)
        y = (0.5 * (a + b))[:, None] + half[:, None] * t
        return half * (self._y_pdf(y) @ w)

    @cached_property
    def mean_abs_difference(self) -> float:
        """E|X - X'| = 2 int F (1 - F) dx (Gini's mean difference), by adaptive quadrature
        over the support split at 13 quantiles; inf when E[X] is not finite."""
        if not math.isfinite(self.mean):
            return math.inf

        def integrand(y: float) -> float:
            return float(self._dist.cdf(y) * self._dist.sf(y))

        value, _ = _quad(integrand, *self._support, self._splits, self._tolerance)
        return 2 * value


def from_scipy(obj: Any) -> ScipyTarget | ScipyMultivariateNormal | None:
    """The target for a scipy.stats object, None if ``obj`` is not one; ValueError if it is
    one that cannot be a target (discrete, multivariate other than the normal, not frozen)."""
    module = type(obj).__module__ or ""
    if not module.startswith("scipy.stats"):
        return None
    gen = getattr(obj, "dist", None)
    if isinstance(gen, scipy.stats.rv_continuous):
        return ScipyTarget(obj)
    if isinstance(gen, scipy.stats.rv_discrete):
        raise ValueError(
            f"target scipy.stats.{gen.name} is discrete; only continuous distributions can be "
            "targets (the scores assume a continuous CDF)"
        )
    name = type(obj).__name__
    if name == "multivariate_normal_frozen":
        return ScipyMultivariateNormal(obj)
    if name.endswith("_frozen"):
        raise ValueError(
            f"target {name[: -len('_frozen')]} is a multivariate scipy.stats distribution; of "
            "those only multivariate_normal is supported"
        )
    if isinstance(obj, (scipy.stats.rv_continuous, scipy.stats.rv_discrete)) or name.endswith(
        "_gen"
    ):
        label = getattr(obj, "name", name)
        raise ValueError(
            f"target scipy.stats.{label} is not frozen: pass it with its parameters, e.g. "
            "scipy.stats.gamma(2, scale=1.5) or scipy.stats.norm(4, 1.25)"
        )
    return None


def scipy_target(
    name: str, params: dict[str, tuple[float, ...]]
) -> ScipyTarget | ScipyMultivariateNormal:
    """Build from a spec's parts: ``name`` and ``{key: values}`` (one value for a scalar)."""
    gen = (
        getattr(scipy.stats, name, None)
        if name.isidentifier() and not name.startswith("_")
        else None
    )
    if name == "multivariate_normal":
        return _multivariate_normal(params)
    _check_continuous(name, gen)
    scalars: dict[str, float] = {}
    for key, values in params.items():
        if len(values) != 1:
            raise ValueError(f"parameter {key!r} must be one number, got {len(values)}")
        scalars[key] = values[0]
    names = [*_shape_names(gen), "loc", "scale"]
    unknown = [k for k in scalars if k not in names]
    if unknown:
        raise ValueError(
            f"scipy.stats.{name} has no parameter {unknown[0]!r}; its parameters are {', '.join(names)}"
        )
    shapes = [s for s in _shape_names(gen) if s in scalars]
    missing = [s for s in _shape_names(gen) if s not in scalars]
    if missing:
        raise ValueError(
            f"scipy.stats.{name} needs its shape parameter(s) {', '.join(missing)} "
            f"(parameters: {', '.join(names)})"
        )
    frozen = gen(
        *(scalars[s] for s in shapes), loc=scalars.get("loc", 0.0), scale=scalars.get("scale", 1.0)
    )
    return ScipyTarget(frozen)


def _multivariate_normal(params: dict[str, tuple[float, ...]]) -> ScipyMultivariateNormal:
    """The ``scipy:multivariate_normal,mean=...,cov=...`` target (cov listed row by row)."""
    unknown = sorted(set(params) - {"mean", "cov"})
    if unknown:
        raise ValueError(f"multivariate_normal takes mean and cov, got {', '.join(unknown)}")
    if "mean" not in params or "cov" not in params:
        raise ValueError(
            "multivariate_normal needs mean=m1;m2;... and cov=c11;c12;...;cdd (row by row)"
        )
    mean = np.array(params["mean"], dtype=float)
    cov = np.array(params["cov"], dtype=float)
    d = mean.size
    if cov.size != d * d:
        raise ValueError(
            f"multivariate_normal: cov must list d*d = {d * d} numbers for a mean of "
            f"dimension {d}, got {cov.size}"
        )
    try:
        dist = scipy.stats.multivariate_normal(mean, cov.reshape(d, d))
    except (ValueError, np.linalg.LinAlgError) as exc:
        raise ValueError(f"multivariate_normal rejects these parameters: {exc}") from None
    return ScipyMultivariateNormal(dist)


def _check_continuous(name: str, gen: Any) -> None:
    """Raise ValueError, with close names, unless ``gen`` is a continuous scipy.stats generator."""
    if isinstance(gen, scipy.stats.rv_discrete):
        raise ValueError(
            f"scipy.stats.{name} is discrete; only continuous distributions can be targets"
        )
    if not isinstance(gen, scipy.stats.rv_continuous):
        if type(gen).__name__.endswith("_gen"):
            raise ValueError(
                f"scipy.stats.{name} is multivariate; of those only multivariate_normal is supported"
            )
        close = difflib.get_close_matches(name, _continuous_names(), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ValueError(
            f"{name!r} is not a continuous scipy.stats distribution{hint}; e.g. norm, gamma, "
            "beta, t, lognorm"
        )
