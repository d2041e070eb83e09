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


def discriminator_grid(target, points: int = 201) -> np.ndarray:
    """The fixed points ``(g, dim)`` where D(x) is stored for the figures.

    1-D: ``points`` points over the target's 0.1 %-99.9 % quantile range (exact, or those
    of its data or draws) widened by half its width on each side (so a generator that went
    astray near the data is still on it), at least 1 on each side (a point mass).
    2-D: a 41 x 41 grid over the modes (or mean +- 4 std of the data or draws) with a margin.
    """
    if target.dim == 1:
        low, high = (float(v) for v in quantiles(target, [0.001, 0.999]))
        pad = max(0.5 * (high - low), 1.0 if high == low else 0.0)
        return np.linspace(low - pad, high + pad, points)[:, None]
    modes = getattr(target, "modes", None)
    if modes is not None:
        low, high = np.min(modes, axis=0), np.max(modes, axis=0)
        pad = 0.25 * float(np.max(high - low)) + 4 * float(np.max(target.mode_std))
    else:
        reference = reference_points(target)
        low = high = reference.mean(axis=0)
        pad = max(4 * float(np.max(reference.std(axis=0))), 1.0)
    axes = [np.linspace(lo - pad, hi + pad, 41) for lo, hi in zip(low, high)]
    mesh = np.meshgrid(*axes, indexing="xy")
    return np.stack([m.ravel() for m in mesh], axis=1)
