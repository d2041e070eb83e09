"""``evaluate``: the battery of scores that fits the target, with a verdict, as one Report.

1-D targets with exact functions (the built-in ones, scipy.stats ones): KS, Cramér–von
Mises, Anderson–Darling, exact W1 and energy distance to the target, moments (+ mode
coverage for a mixture). Ring and Grid: per-coordinate moments, MMD, energy distance and
sliced W1 against the seeded reference sample, mode coverage. Every other target (data, a
point mass, a custom target with only some members, d-D targets without modes) goes through
the protocol paths of :mod:`evaluation._sampled`.

Non-finite samples never raise here: the Report is labelled 'diverged' and every score is
NaN, because training code calls ``evaluate`` on runs that blew up.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ._calibration import applicable_scores, null_distribution
from ._modes import _coverage, has_modes, nan_coverage
from ._battery import Battery1D, battery_1d
from ._one_sample import NAN_TEST, Moments, _moments_from_x
from ._point_mass import PointMass
from ._protocol import classic_layout, members
from ._point_mass_report import evaluate_point_mass
from ._results import MomentsND, Report
from ._sampled import (
    REFERENCE_SIZE,
    Options,
    diverged_sampled,
    evaluate_sampled,
)
from ._specs import as_target
from ._target import Target
from ._two_sample import MMDResult, _reference_sample, two_sample_scores
from ._univariate import DEFAULT_TARGET
from ._validation import as_samples, check_bool, check_int, check_probability
from ._verdict import DEFAULT_THRESHOLDS, Thresholds, Verdict, _passes, judge

__all__ = ["MomentsND", "Report", "evaluate"]

_NAN = math.nan


def _diverged(x: np.ndarray, target: Target, n_nonfinite: int, verdict: Verdict) -> Report:
    """The 'diverged' Report of a classic-layout target: NaN scores, the target's moments."""
    n, dim = x.shape
    if dim == 1:
        moments: Moments | MomentsND = Moments(
            n,
            _NAN,
            _NAN,
            _NAN,
            _NAN,
            float(target.mean),
            float(target.std),
            float(target.skewness),
            float(target.excess_kurtosis),
        )
    else:
        nan = np.full(dim, _NAN)
        moments = MomentsND(n, nan, nan, np.asarray(target.mean), np.asarray(target.std))
    modes = nan_coverage(target)
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
        mmd=MMDResult(_NAN, _NAN, _NAN, 0, 0, 0) if dim > 1 else None,
        modes=modes,
        n_nonfinite=n_nonfinite,
    )


def evaluate(
    samples: Any,
    target: Target | str = DEFAULT_TARGET,
    *,
    history: Sequence[Any] | None = None,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    confidence_level: float | None = None,
    n_resamples: int = 999,
    calibrate: bool = False,
    n_null: int = 200,
    mmd_permutations: int = 200,
    mmd_max_n: int = 1000,
    reference_seed: int = 0,
    reference_size: int = REFERENCE_SIZE,
    seed: int = 0,
) -> Report:
    """Score ``samples`` against ``target`` with the battery that fits it; label the outcome.

    samples: shape (n,) or (n, 1) for a 1-D target, (n, d) for a d-D one; n >= 2.
    target: a target, a spec string, a frozen scipy.stats distribution or a numpy array of
        data (see :func:`evaluation.as_target`; default N(4, 1.25)).
    history: optional earlier Reports (or their to_dict()s, or bools), oldest first, for the
        'oscillating' label; see evaluation._verdict.
    thresholds: the effect-size thresholds of the verdict.
    confidence_level: if given, percentile-bootstrap CIs of the 1-D moments (n_resamples,
        seeded with ``seed``); off by default because it costs ~0.7 s at n = 10,000.
    calibrate: if True, add ``null_percentiles``: each score's percentile among ``n_null``
        i.i.d. target samples of the same n (simulated once per (target, n), cached).
    mmd_permutations, mmd_max_n: permutation count and per-sample subsample size of MMD (2-D).
    reference_seed: seed of the reference sample for 2-D two-sample scores.
    reference_size: a target without an exact cdf or moments (other than an Empirical, which
        is compared with all its data) is compared with max(n, reference_size) draws of its
        ``sample`` with ``reference_seed``; the report's ``two_sample`` and ``skipped`` say
        which scores that concerns.

    NaN/inf in samples gives a 'diverged' Report with NaN scores, never an exception. Wrong
    shape, empty or too small input, or non-numeric input raises ValueError/TypeError.
    """
    target = as_target(target)
    _check_thresholds(thresholds)
    x = as_samples(samples, target.dim, min_n=2)
    opts, n_null, calibrate = _checked_options(
        thresholds=thresholds,
        history=history,
        confidence_level=confidence_level,
        n_resamples=n_resamples,
        n_null=n_null,
        seed=seed,
        reference_seed=reference_seed,
        calibrate=calibrate,
        mmd_permutations=mmd_permutations,
        mmd_max_n=mmd_max_n,
        reference_size=reference_size,
    )
    return _evaluate_checked(x, target, opts, n_null, calibrate)


def _evaluate_checked(
    x: np.ndarray,
    target: Target,
    opts: Options,
    n_null: int,
    calibrate: bool,
    scored: tuple[np.ndarray, Battery1D] | None = None,
) -> Report:
    """evaluate() on checked input: ``x`` (n, dim) float64, settings checked. ``scored``: a
    finite 1-D sample's sorted values and battery if already computed (``evaluate_many``
    batches them)."""
    n_nonfinite = int(np.sum(~np.isfinite(x).all(axis=1)))
    if not classic_layout(target):
        return _evaluate_protocol(x, target, opts, n_nonfinite)
    if n_nonfinite:
        verdict = judge(n=x.shape[0], n_nonfinite=n_nonfinite, target=target, thresholds=opts.thresholds)
        return _diverged(x, target, n_nonfinite, verdict)
    coverage = _coverage(x, target) if has_modes(target) else None
    if x.shape[1] == 1:
        report = _evaluate_1d(x, target, opts, coverage, scored)
    else:
        report = _evaluate_nd(x, target, opts, coverage)
    if calibrate:
        report = _with_null_percentiles(report, target, n_null, opts.reference_seed)
    return report


def _check_thresholds(thresholds: Any) -> None:
    if not isinstance(thresholds, Thresholds):
        raise TypeError(
            f"thresholds must be an evaluation.Thresholds, got {type(thresholds).__name__} {thresholds!r}"
        )


def _checked_options(
    *,
    thresholds: Thresholds,
    history: Sequence[Any] | None,
    confidence_level: float | None,
    n_resamples: int,
    n_null: int,
    seed: int,
    reference_seed: int,
    calibrate: bool,
    mmd_permutations: int,
    mmd_max_n: int,
    reference_size: int,
) -> tuple[Options, int, bool]:
    """Check evaluate()'s settings in turn (first bad one raises); (Options, n_null, calibrate)."""
    if confidence_level is not None:
        confidence_level = check_probability("confidence_level", confidence_level)
    n_resamples = check_int("n_resamples", n_resamples, minimum=1)
    n_null = check_int("n_null", n_null, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    reference_seed = check_int("reference_seed", reference_seed, minimum=0)
    calibrate = check_bool("calibrate", calibrate)
    mmd_permutations = check_int("mmd_permutations", mmd_permutations, minimum=0)
    mmd_max_n = check_int("mmd_max_n", mmd_max_n, minimum=2)
    reference_size = check_int("reference_size", reference_size, minimum=2)
    _check_history(history)
    opts = Options(
        thresholds=thresholds,
        history=history,
        confidence_level=confidence_level,
        n_resamples=n_resamples,
        mmd_permutations=mmd_permutations,
        mmd_max_n=mmd_max_n,
        reference_seed=reference_seed,
        reference_size=reference_size,
        seed=seed,
    )
    return opts, n_null, calibrate


def _check_history(history: Sequence[Any] | None) -> None:
    """Raise TypeError/ValueError unless ``history`` is None or a sequence of valid entries."""
    if history is None:
        return
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise TypeError(
            f"history must be a sequence of Reports, mappings or bools, got {type(history).__name__}"
        )
    # Checked here, not only when the verdict gets as far as reading the history.
    for index, entry in enumerate(history):
        _passes(entry, index)


def _evaluate_protocol(x: np.ndarray, target: Any, opts: Options, n_nonfinite: int) -> Report:
    """Route a target that is not classic-layout: point mass, or the protocol paths."""
    if isinstance(target, PointMass):
        return evaluate_point_mass(x, target, opts, n_nonfinite)
    mem = members(target)
    if n_nonfinite:
        verdict = judge(
            n=x.shape[0], n_nonfinite=n_nonfinite, target=target, thresholds=opts.thresholds
        )
        return diverged_sampled(x, target, mem, opts, verdict)
    # calibrate adds nothing here: applicable_scores() is empty for these targets.
    return evaluate_sampled(x, target, mem, opts)


def _evaluate_1d(
    x: np.ndarray, target: Target, opts: Options, coverage: Any, scored: tuple[np.ndarray, Battery1D] | None
) -> Report:
    """The exact 1-D battery (KS, CvM, AD, exact W1 and energy distance, moments) as a Report;
    ``scored``: the sorted sample and its battery if already computed (``evaluate_many``)."""
    n = x.shape[0]
    if scored is None:
        xs = np.sort(x[:, 0])
        (scores,) = battery_1d(xs[None], target)
    else:
        xs, scores = scored
    moments = _moments_from_x(
        xs,
        target,
        confidence_level=opts.confidence_level,
        n_resamples=opts.n_resamples,
        seed=opts.seed,
        statistics=scores.statistics,
    )
    verdict = judge(
        n=n,
        n_nonfinite=0,
        target=target,
        thresholds=opts.thresholds,
        ks_statistic=scores.ks.statistic,
        shape_ks_statistic=scores.shape_ks_statistic,
        mean_error=moments.mean_error,
        std_ratio=moments.std_ratio,
        coverage=coverage,
        history=opts.history,
    )
    return Report(
        n=n,
        target=target.spec,
        dim=1,
        moments=moments,
        ks=scores.ks,
        cvm=scores.cvm,
        ad=scores.ad,
        wasserstein=scores.wasserstein,
        energy_distance=scores.energy_distance,
        verdict=verdict,
        modes=coverage,
    )


def _evaluate_nd(x: np.ndarray, target: Target, opts: Options, coverage: Any) -> Report:
    """Ring and Grid: per-coordinate moments; energy, sliced W1, MMD vs the reference sample."""
    n, dim = x.shape
    reference = _reference_sample(target, n, opts.reference_seed)
    mean = x.mean(axis=0)
    std = x.std(axis=0, ddof=1)
    moments = MomentsND(n, mean, std, np.asarray(target.mean), np.asarray(target.std))
    verdict = judge(
        n=n,
        n_nonfinite=0,
        target=target,
        thresholds=opts.thresholds,
        std_ratio=moments.total_std_ratio,
        coverage=coverage,
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
        wasserstein=_NAN,
        verdict=verdict,
        **two_sample_scores(
            x,
            reference,
            n_permutations=opts.mmd_permutations,
            max_n=opts.mmd_max_n,
            seed=opts.seed,
        ),
        modes=coverage,
    )


def _with_null_percentiles(
    report: Report, target: Target, n_null: int, reference_seed: int
) -> Report:
    """``report`` plus each applicable score's percentile among n_null i.i.d. target samples."""
    flat = report.to_dict()
    observed = {
        "abs_mean_error": abs(flat["mean_error"]),
        "abs_std_ratio_deviation": abs(flat["std_ratio"] - 1),
        "low_quality_fraction": 1 - flat.get("high_quality_fraction", _NAN),
    }
    percentiles = {}
    for score in applicable_scores(target):
        value = observed[score] if score in observed else flat[score]
        null = null_distribution(
            score, target, report.n, n_sims=n_null, reference_seed=reference_seed
        )
        percentiles[score] = null.percentile(value)
    return dataclasses.replace(report, null_percentiles=percentiles)
