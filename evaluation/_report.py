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
from ._modes import ModeCoverage, _coverage, has_modes
from ._one_sample import (
    NAN_TEST,
    Moments,
    _ad_from_logs,
    _cvm_from_u,
    _energy_sorted,
    _ks_from_u,
    _moments_from_x,
    _w1_sorted,
)
from ._point_mass import PointMass
from ._protocol import classic_layout, members
from ._point_mass_report import evaluate_point_mass
from ._results import MomentsND, Report
from ._sampled import REFERENCE_SIZE, Options, diverged_sampled, evaluate_sampled
from ._specs import as_target
from ._target import Target
from ._two_sample import MMDResult, _reference_sample, energy_distance, mmd_test, sliced_wasserstein
from ._univariate import DEFAULT_TARGET
from ._validation import as_samples, check_bool, check_int, check_probability
from ._verdict import DEFAULT_THRESHOLDS, Thresholds, Verdict, _passes, judge

__all__ = ["MomentsND", "Report", "evaluate"]

_NAN = math.nan


def _shape_ks(xs: np.ndarray, moments: Moments, target: Target) -> float:
    # KS D of the sample moved to the target's mean and std: small when only location or
    # scale is off. Statistic only; its p-value would ignore the two fitted parameters.
    if not (moments.std > 0 and math.isfinite(target.mean) and math.isfinite(target.std)):
        return _NAN
    z = (xs - moments.mean) / moments.std * target.std + target.mean
    u = target.cdf(z)
    n = xs.size
    i = np.arange(1, n + 1)
    return float(max(np.max(i / n - u), np.max(u - (i - 1) / n)))


def _diverged(x: np.ndarray, target: Target, n_nonfinite: int, verdict: Verdict) -> Report:
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
    modes = ModeCoverage(_NAN, len(target.modes), _NAN, _NAN, ()) if has_modes(target) else None
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
    if not isinstance(thresholds, Thresholds):
        raise TypeError(
            f"thresholds must be an evaluation.Thresholds, got {type(thresholds).__name__} {thresholds!r}"
        )
    x = as_samples(samples, target.dim, min_n=2)
    n, dim = x.shape
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
    if history is not None:
        if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
            raise TypeError(
                f"history must be a sequence of Reports, mappings or bools, got {type(history).__name__}"
            )
        # Checked here, not only when the verdict gets as far as reading the history.
        for index, entry in enumerate(history):
            _passes(entry, index)

    n_nonfinite = int(np.sum(~np.isfinite(x).all(axis=1)))
    if not classic_layout(target):
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
        if isinstance(target, PointMass):
            return evaluate_point_mass(x, target, opts, n_nonfinite)
        mem = members(target)
        if n_nonfinite:
            verdict = judge(n=n, n_nonfinite=n_nonfinite, target=target, thresholds=thresholds)
            return diverged_sampled(x, target, mem, opts, verdict)
        # calibrate adds nothing here: applicable_scores() is empty for these targets.
        return evaluate_sampled(x, target, mem, opts)

    if n_nonfinite:
        verdict = judge(n=n, n_nonfinite=n_nonfinite, target=target, thresholds=thresholds)
        return _diverged(x, target, n_nonfinite, verdict)

    coverage = _coverage(x, target) if has_modes(target) else None
    if dim == 1:
        xs = np.sort(x[:, 0])
        u = target.cdf(xs)
        moments = _moments_from_x(
            xs, target, confidence_level=confidence_level, n_resamples=n_resamples, seed=seed
        )
        ks = _ks_from_u(u)
        verdict = judge(
            n=n,
            n_nonfinite=0,
            target=target,
            thresholds=thresholds,
            ks_statistic=ks.statistic,
            shape_ks_statistic=_shape_ks(xs, moments, target),
            mean_error=moments.mean_error,
            std_ratio=moments.std_ratio,
            coverage=coverage,
            history=history,
        )
        report = Report(
            n=n,
            target=target.spec,
            dim=1,
            moments=moments,
            ks=ks,
            cvm=_cvm_from_u(u),
            ad=_ad_from_logs(target.logcdf(xs), target.logsf(xs)),
            wasserstein=_w1_sorted(xs, u, target),
            energy_distance=_energy_sorted(xs, u, target),
            verdict=verdict,
            modes=coverage,
        )
    else:
        reference = _reference_sample(target, n, reference_seed)
        mean = x.mean(axis=0)
        std = x.std(axis=0, ddof=1)
        moments_nd = MomentsND(n, mean, std, np.asarray(target.mean), np.asarray(target.std))
        verdict = judge(
            n=n,
            n_nonfinite=0,
            target=target,
            thresholds=thresholds,
            std_ratio=moments_nd.total_std_ratio,
            coverage=coverage,
            history=history,
        )
        report = Report(
            n=n,
            target=target.spec,
            dim=dim,
            moments=moments_nd,
            ks=NAN_TEST,
            cvm=NAN_TEST,
            ad=NAN_TEST,
            wasserstein=_NAN,
            energy_distance=energy_distance(x, reference, seed=seed),
            verdict=verdict,
            sliced_wasserstein=sliced_wasserstein(x, reference, seed=seed),
            mmd=mmd_test(x, reference, n_permutations=mmd_permutations, max_n=mmd_max_n, seed=seed),
            modes=coverage,
        )
    if calibrate:
        flat = report.to_dict()
        observed = {
            "abs_mean_error": abs(flat["mean_error"]),
            "abs_std_ratio_deviation": abs(flat["std_ratio"] - 1),
            "low_quality_fraction": 1 - flat.get("high_quality_fraction", _NAN),
        }
        percentiles = {}
        for score in applicable_scores(target):
            value = observed[score] if score in observed else flat[score]
            null = null_distribution(score, target, n, n_sims=n_null, reference_seed=reference_seed)
            percentiles[score] = null.percentile(value)
        report = dataclasses.replace(report, null_percentiles=percentiles)
    return report
