"""What stands in for a target's exact quantiles and density where it has none: its data,
or seeded draws from its sampler (the target protocol makes ``ppf`` and ``pdf`` optional)."""

from __future__ import annotations

import numpy as np
import scipy.stats

REFERENCE_DRAWS = 20_000
"""Draws that stand in for a target's exact quantiles or density where it has none."""


def reference_points(target) -> np.ndarray:
    """A target's data rows (a target known by its data), else seeded draws from it."""
    data = getattr(target, "data", None)
    if isinstance(data, np.ndarray):
        return np.asarray(data, dtype=float)
    return np.asarray(target.sample(REFERENCE_DRAWS, np.random.default_rng(0)), dtype=float)


def quantiles(target, q: np.ndarray) -> np.ndarray:
    """The 1-D target's quantiles at ``q``: exact (``ppf``) where it has them, else those of
    :func:`reference_points`."""
    q = np.asarray(q, dtype=float)
    if callable(getattr(target, "ppf", None)):
        return np.asarray(target.ppf(q), dtype=float)
    return np.quantile(reference_points(target)[:, 0], q)


def density(target, x: np.ndarray) -> tuple[np.ndarray, str]:
    """The 1-D target's density at ``x`` and how it was found: its exact ``pdf``, else a
    Gaussian KDE (Scott's rule) of :func:`reference_points`."""
    if callable(getattr(target, "pdf", None)):
        return np.asarray(target.pdf(x), dtype=float), "exact"
    points = reference_points(target)[:, 0]
    if np.std(points) == 0:  # a point mass: no density
        return np.zeros_like(np.asarray(x, dtype=float)), "none"
    return scipy.stats.gaussian_kde(points)(x), "KDE of the data"
