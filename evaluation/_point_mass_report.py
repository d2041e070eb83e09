"""evaluate() against a point mass (:class:`evaluation.PointMass`).

Exact W1 (mean distance to the point), energy distance, KS statistic and mean error; the
scores that need a positive target std are NaN, named in the report's ``skipped``, never an
exception or an infinity. The verdict is :func:`evaluation._verdict.judge_point_mass`.
"""

from __future__ import annotations

import math

import numpy as np

from . import _point_mass
from ._one_sample import NAN_TEST, Moments, TestResult, _moments
from ._point_mass import PointMass
from ._results import MomentsND, Report
from ._sampled import NAN_MMD, Options
from ._two_sample import two_sample_scores
from ._verdict import Thresholds, judge_point_mass

__all__ = ["evaluate_point_mass"]

_NAN = math.nan

_POINT_MASS_SKIPPED_1D = (
    "cvm_statistic: undefined for a point mass (the statistic assumes a continuous target cdf)",
    "ad_statistic: undefined for a point mass (log F(x) = -inf below the point)",
    "std_ratio: undefined (the target's std is 0)",
    "skewness_error, excess_kurtosis_error: undefined (the target's std is 0)",
)
_POINT_MASS_SKIPPED_ND = ("std_ratio, total_std_ratio: undefined (the target's std is 0)",)


def evaluate_point_mass(
    x: np.ndarray, target: PointMass, opts: Options, n_nonfinite: int = 0
) -> Report:
    """Score samples against a point mass: W1 = mean |x - location|, energy distance, the
    exact KS statistic, the mean error; a 'diverged' Report for non-finite samples."""
    if n_nonfinite:
        return _diverged(x, target, opts.thresholds, n_nonfinite)
    distance = float(np.mean(_point_mass.distances(x, target)))
    if x.shape[1] == 1:
        return _evaluate_1d(x, target, opts, distance)
    return _evaluate_nd(x, target, opts, distance)


def _diverged(x: np.ndarray, target: PointMass, t: Thresholds, n_nonfinite: int) -> Report:
    """The 'diverged' Report of a point mass: NaN scores, the same keys as a finite one."""
    n, dim = x.shape
    verdict = judge_point_mass(
        n=n, n_nonfinite=n_nonfinite, thresholds=t, distance=_NAN, spread=_NAN
    )
    if dim == 1:
        moments: Moments | MomentsND = Moments(n, _NAN, _NAN, _NAN, _NAN, target.x, 0.0, _NAN, _NAN)
    else:
        moments = MomentsND(
            n, np.full(dim, _NAN), np.full(dim, _NAN), target._location, np.zeros(dim)
        )
    return Report(
        n=n,
        target=target.spec,
        dim=dim,
        moments=moments,
        ks=NAN_TEST,
        cvm=NAN_TEST,
        ad=NAN_TEST,
        wasserstein=_NAN,
        energy_distance=_NAN,
        verdict=verdict,
        mmd=NAN_MMD if dim > 1 else None,
        n_nonfinite=n_nonfinite,
        skipped=_POINT_MASS_SKIPPED_1D if dim == 1 else _POINT_MASS_SKIPPED_ND,
        reference="none",
        protocol_keys=True,
    )


def _evaluate_1d(x: np.ndarray, target: PointMass, opts: Options, distance: float) -> Report:
    """Finite 1-D samples: exact KS statistic and energy distance, W1 = ``distance``, moments."""
    n = x.shape[0]
    xs = np.sort(x[:, 0])
    moments = _moments(
        xs,
        (target.x, 0.0, _NAN, _NAN),
        confidence_level=opts.confidence_level,
        n_resamples=opts.n_resamples,
        seed=opts.seed,
    )
    verdict = judge_point_mass(
        n=n,
        n_nonfinite=0,
        thresholds=opts.thresholds,
        distance=distance,
        spread=moments.std,
        history=opts.history,
    )
    return Report(
        n=n,
        target=target.spec,
        dim=1,
        moments=moments,
        ks=TestResult(*_point_mass.ks_statistic(xs, target.x)),
        cvm=NAN_TEST,
        ad=NAN_TEST,
        wasserstein=distance,
        energy_distance=_point_mass.energy(xs, target.x),
        verdict=verdict,
        skipped=_POINT_MASS_SKIPPED_1D,
        reference="none",
        protocol_keys=True,
    )


def _evaluate_nd(x: np.ndarray, target: PointMass, opts: Options, distance: float) -> Report:
    """Finite d-D samples: W1 = ``distance``, two-sample scores against the point n times."""
    n, dim = x.shape
    # The "reference" is the point itself, n times: exact, not a random sample.
    point = np.tile(target._location, (n, 1))
    std = x.std(axis=0, ddof=1)
    moments = MomentsND(n, x.mean(axis=0), std, target._location, np.zeros(dim))
    verdict = judge_point_mass(
        n=n,
        n_nonfinite=0,
        thresholds=opts.thresholds,
        distance=distance,
        spread=float(np.sqrt(np.sum(std**2))),
        history=opts.history,
    )
    return Report(
        n=n,
        target=target.spec,
        dim=dim,
        moments=moments,
        ks=NAN_TEST,
        cvm=NAN_TEST,
        ad=NAN_TEST,
        wasserstein=distance,
        verdict=verdict,
        **two_sample_scores(
            x, point, n_permutations=opts.mmd_permutations, max_n=opts.mmd_max_n, seed=opts.seed
        ),
        skipped=_POINT_MASS_SKIPPED_ND,
        reference="none",
        protocol_keys=True,
    )
