"""The exact 1-D battery of :func:`evaluation.evaluate`, for rows of sorted samples at once.

On a 1-D target with exact functions, a sample's report rests on KS, Cramér–von Mises and
Anderson–Darling, exact W1 and energy distance, the four moments and the KS D of the
standardised sample (:mod:`evaluation._one_sample`, :mod:`evaluation._exact_rows`).
:func:`battery_1d` computes them for K samples of one size with one call of each function
on the ``(K, n)`` array: an ensemble's check of 64 samples of 2,000 paid most of its time
in the ~40 small numpy calls per sample. ``evaluate`` scores one sample as the row of a
``(1, n)`` array, so both take the same path, and each row has the bits of its own call.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import scipy.stats

from ._cramervonmises import cvm_pvalue, cvm_statistic
from ._exact_rows import ad_statistic, energy_rows, of_rows, shape_ks_rows, w1_rows
from ._one_sample import TestResult, _identity_cdf, _moment_statistics, anderson_darling_pvalue
from ._target import Target


@dataclasses.dataclass(frozen=True)
class Battery1D:
    """One sample's exact 1-D scores, as :func:`evaluation.evaluate` reports them.

    ``statistics``: the sample's (mean, std with ddof=1, skewness, excess kurtosis);
    ``shape_ks_statistic``: KS D of the sample moved to the target's mean and std (NaN
    where the sample's std is 0 or the target's mean or std is not finite).
    """

    ks: TestResult
    cvm: TestResult
    ad: TestResult
    wasserstein: float
    energy_distance: float
    statistics: tuple[float, float, float, float]
    shape_ks_statistic: float


def battery_1d(xs: np.ndarray, target: Target) -> list[Battery1D]:
    """The battery of each row of ``xs`` (K, n): finite samples, each sorted, of a 1-D
    target with exact functions (cdf, logcdf, logsf, partial_expectation, ppf, moments)."""
    n = xs.shape[-1]
    u = of_rows(target, "cdf", xs)
    ks = scipy.stats.ks_1samp(u, _identity_cdf, axis=-1)
    w2 = cvm_statistic(u)
    a2 = ad_statistic(of_rows(target, "logcdf", xs), of_rows(target, "logsf", xs))
    partial = of_rows(target, "partial_expectation", xs) if math.isfinite(target.mean) else None
    w1, energy = w1_rows(xs, u, target, partial), energy_rows(xs, u, target, partial)
    statistics = _moment_statistics(xs, axis=-1)  # (4, K)
    shape = _shape_ks(xs, statistics[0], statistics[1], target)
    return [
        Battery1D(
            ks=TestResult(float(ks.statistic[k]), float(ks.pvalue[k])),
            cvm=TestResult(float(w2[k]), float(p)),
            ad=TestResult(float(a2[k]), anderson_darling_pvalue(float(a2[k]), n)),
            wasserstein=float(w1[k]),
            energy_distance=float(energy[k]),
            statistics=tuple(float(v) for v in statistics[:, k]),
            shape_ks_statistic=float(shape[k]),
        )
        for k, p in enumerate(cvm_pvalue(w2, n))
    ]


def _shape_ks(xs: np.ndarray, mean: np.ndarray, std: np.ndarray, target: Target) -> np.ndarray:
    # KS D of the sample moved to the target's mean and std: small when only location or
    # scale is off. Statistic only; its p-value would ignore the two fitted parameters.
    shape = np.full(xs.shape[0], math.nan)
    rows = std > 0
    if rows.any() and math.isfinite(target.mean) and math.isfinite(target.std):
        shape[rows] = shape_ks_rows(xs[rows], mean[rows], std[rows], target, target.mean, target.std)
    return shape
