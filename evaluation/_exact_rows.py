"""The exact 1-D distances and the Anderson–Darling statistic along the last axis.

Each function takes sorted samples ``x`` of shape ``(..., n)`` (one sample, or the rows of
an ensemble's samples) with their target CDF values ``u = F(x)`` and returns one value per
sample, shape ``x.shape[:-1]``. A row's value has the bits of the same call on that row
alone: every operation is elementwise, a reduction along the last axis (numpy sums a
contiguous row pairwise, whatever the rows around it), or a dot product taken row by row
(:func:`rowwise_dot`). :func:`evaluation.evaluate_many` scores an ensemble's rows in one
call of each, and ``tests/evaluation/test_eval_batch.py`` checks the bits against
:func:`evaluation.evaluate`.

The formulas (Villani 2009 for W1; Székely & Rizzo 2013 for the energy distance; Anderson
& Darling 1954) are in the public functions of :mod:`evaluation._one_sample`.
"""

from __future__ import annotations

import math
from functools import lru_cache
from typing import Any

import numpy as np

from ._target import Target
from ._univariate import _Univariate


def of_rows(target: Target, member: str, x: np.ndarray) -> np.ndarray:
    """``target.<member>`` (cdf, logcdf, partial_expectation, ...) at each row of ``x (..., n)``.

    One call on all rows for the built-in closed-form targets, whose members map each point
    on its own; a call per row for any other target: a scipy distribution's partial
    expectation, for one, sums quadrature pieces between the sorted points it is given, so
    a row's values would depend on the rows beside it.
    """
    function = getattr(target, member)
    if x.ndim == 1 or isinstance(target, _Univariate):
        return np.asarray(function(x.reshape(-1))).reshape(x.shape)
    flat = x.reshape(-1, x.shape[-1])
    return np.stack([np.asarray(function(row)) for row in flat]).reshape(x.shape)


def rowwise_dot(weights: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``weights @ row`` for each row of ``rows (..., n)``: one BLAS dot product per row,
    with the bits of the one-row call (a matrix-vector product sums in another order)."""
    if rows.ndim == 1:
        return np.asarray(weights @ rows)
    flat = rows.reshape(-1, rows.shape[-1])
    return np.array([weights @ row for row in flat]).reshape(rows.shape[:-1])


def ad_statistic(logcdf: np.ndarray, logsf: np.ndarray) -> np.ndarray:
    """A^2 = -n - (1/n) sum_i (2i - 1) [ln F(x_(i)) + ln(1 - F(x_(n+1-i)))] of each row,
    from the logs of the CDF and survival function taken directly (so that far-tail points
    keep their weight instead of rounding to log(0)); inf where the sum is not finite."""
    n = logcdf.shape[-1]
    weights = 2.0 * np.arange(1, n + 1) - 1.0
    total = rowwise_dot(weights, logcdf + logsf[..., ::-1])
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(np.isfinite(total), -n - total / n, math.inf)


def integrated_quantiles(target: Target, n: int) -> np.ndarray:
    """IQ(i/n) = int_0^{i/n} F^{-1}(u) du = E[X 1{X <= F^{-1}(i/n)}] for i = 0..n.

    Depends only on (target, n), so it is cached: repeated scoring at one n is cheap (an
    unhashable custom target is computed afresh each time).
    """
    try:
        hash(target)
    except TypeError:
        return _integrated_quantiles_uncached(target, n)
    return _integrated_quantiles_cached(target, n)


@lru_cache(maxsize=32)
def _integrated_quantiles_cached(target: Target, n: int) -> np.ndarray:
    return _integrated_quantiles_uncached(target, n)


def _integrated_quantiles_uncached(target: Target, n: int) -> np.ndarray:
    q = np.arange(n + 1) / n
    iq = np.asarray(target.partial_expectation(target.ppf(q)), dtype=float)
    iq[0], iq[-1] = 0.0, target.mean  # the exact end values, whatever ppf(0), ppf(1) are
    iq.setflags(write=False)
    return iq


def w1_rows(x: np.ndarray, u: np.ndarray, target: Target, partial: np.ndarray | None = None) -> np.ndarray:
    """Exact W1 of each row; ``partial``: ``target.partial_expectation(x)`` if already taken.

    W1 = int_0^1 |F_n^{-1}(u) - F^{-1}(u)| du. On ((i-1)/n, i/n] the empirical quantile is
    x_(i); the target quantile crosses x_(i) at c = F(x_(i)) (clipped into the interval),
    so the piece is x (c - a) - [IQ(c) - IQ(a)] + [IQ(b) - IQ(c)] - x (b - c), with
    IQ(F(x)) = E[X 1{X <= x}] exactly. No quadrature, no second sample.
    """
    if not math.isfinite(target.mean):
        return np.full(x.shape[:-1], math.nan)
    n = x.shape[-1]
    iq = integrated_quantiles(target, n)
    a = np.arange(n) / n
    b = np.arange(1, n + 1) / n
    iq_a, iq_b = iq[:-1], iq[1:]
    below, above = u <= a, u >= b
    c = np.clip(u, a, b)
    if partial is None:
        partial = of_rows(target, "partial_expectation", x)
    iq_c = np.where(below, iq_a, np.where(above, iq_b, partial))
    pieces = x * (c - a) - (iq_c - iq_a) + (iq_b - iq_c) - x * (b - c)
    return np.sum(pieces, axis=-1)


def energy_rows(x: np.ndarray, u: np.ndarray, target: Target, partial: np.ndarray | None = None) -> np.ndarray:
    """The energy distance of each row to the target; ``partial`` as in :func:`w1_rows`.

    D^2 = 2 E|X - Y| - E|X - X'| - E|Y - Y'| with X ~ the sample (V-statistic, as in
    scipy.stats.energy_distance) and Y ~ the target, using the exact
    E|x - Y| = 2 x F(x) - 2 E[Y 1{Y <= x}] + E[Y] - x and E|Y - Y'| from the target.
    """
    mean = target.mean
    if not math.isfinite(mean):
        return np.full(x.shape[:-1], math.nan)
    n = x.shape[-1]
    if partial is None:
        partial = of_rows(target, "partial_expectation", x)
    cross = np.mean(2 * x * u - 2 * partial + mean - x, axis=-1)
    within = 2.0 / n**2 * rowwise_dot(2.0 * np.arange(1, n + 1) - n - 1, x)
    d2 = 2 * cross - within - target.mean_abs_difference
    return np.sqrt(np.maximum(d2, 0.0))


def shape_ks_rows(x: np.ndarray, mean: np.ndarray, std: np.ndarray, target: Any, t_mean: float, t_std: float) -> np.ndarray:
    """KS D against ``target``'s CDF of each sorted row moved to mean ``t_mean`` and std
    ``t_std`` from its own ``mean`` and ``std`` (shape ``x.shape[:-1]``)."""
    z = (x - np.asarray(mean)[..., None]) / np.asarray(std)[..., None] * t_std + t_mean
    u = of_rows(target, "cdf", z)
    n = x.shape[-1]
    i = np.arange(1, n + 1)
    return np.maximum(np.max(i / n - u, axis=-1), np.max(u - (i - 1) / n, axis=-1))
