"""A frozen ``scipy.stats.multivariate_normal`` as a d-dimensional target (d >= 2)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ._target import _readonly, format_number
from ._validation import check_int, check_rng

__all__ = ["ScipyMultivariateNormal"]


class ScipyMultivariateNormal:
    """A frozen ``scipy.stats.multivariate_normal`` (d >= 2) as a d-dimensional target.

    mean, per-coordinate std sqrt(diag cov), cov, pdf and sampling are scipy's. It has no
    modes, so :func:`evaluation.evaluate` scores it like the other d-D targets against a
    seeded reference sample, with per-coordinate checks in the verdict.
    """

    kind = "scipy"

    def __init__(self, dist: Any) -> None:
        if type(dist).__name__ != "multivariate_normal_frozen":
            raise TypeError(
                "dist must be a frozen scipy.stats.multivariate_normal, got "
                f"{type(dist).__name__} {dist!r}"
            )
        mean = np.array(dist.mean, dtype=float).ravel()
        cov = np.array(dist.cov, dtype=float).reshape(mean.size, mean.size)
        if mean.size < 2:
            raise ValueError(
                f"a multivariate_normal target needs dimension >= 2, got {mean.size}; for one "
                "dimension use scipy.stats.norm(mean, std)"
            )
        if not (np.isfinite(mean).all() and np.isfinite(cov).all()):
            raise ValueError("multivariate_normal mean and cov must be finite")
        self._dist = dist
        self._mean = _readonly(mean)
        self._cov = _readonly(cov)
        self._std = _readonly(np.sqrt(np.diag(cov)))

    def _key(self) -> tuple[Any, ...]:
        return (tuple(self._mean.tolist()), tuple(self._cov.ravel().tolist()))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ScipyMultivariateNormal):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"ScipyMultivariateNormal(scipy.stats.multivariate_normal({self._mean.tolist()}, {self._cov.tolist()}))"

    def __reduce__(self) -> tuple[Any, ...]:
        return (ScipyMultivariateNormal, (self._dist,))

    @property
    def dim(self) -> int:
        return int(self._mean.size)

    @property
    def dist(self) -> Any:
        return self._dist

    @property
    def spec(self) -> str:
        mean = ";".join(format_number(v) for v in self._mean)
        cov = ";".join(format_number(v) for v in self._cov.ravel())
        return f"scipy:multivariate_normal,mean={mean},cov={cov}"

    @property
    def mean(self) -> np.ndarray:
        return self._mean

    @property
    def std(self) -> np.ndarray:
        return self._std

    @property
    def cov(self) -> np.ndarray:
        return self._cov

    def pdf(self, x: Any) -> np.ndarray:
        x = np.asarray(x, dtype=float)
        if x.shape[-1:] != (self.dim,):
            raise ValueError(
                f"x must have shape (..., {self.dim}) for a {self.dim}-D target, got {x.shape}"
            )
        return np.asarray(self._dist.pdf(x), dtype=float).reshape(x.shape[:-1])

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws from scipy (``rvs(size=n, random_state=rng)``), shape (n, dim)."""
        n = check_int("n", n, minimum=0)
        check_rng("rng", rng)
        if n == 0:
            return np.zeros((0, self.dim))
        return np.asarray(self._dist.rvs(size=n, random_state=rng), dtype=np.float64).reshape(
            n, self.dim
        )
