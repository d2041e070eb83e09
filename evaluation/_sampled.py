"""The protocol paths of :func:`evaluation.evaluate`: targets that are not fully exact.

- 1-D targets missing an exact member (an :class:`evaluation.Empirical`, a custom target
  with only ``dim``, ``spec``, ``sample``, ...): each score uses the exact member where
  present; otherwise it is computed against a sample (the Empirical's data, or a reference
  sample of ``max(n, reference_size)`` draws from ``target.sample`` with a fixed seed) or
  skipped, and the Report says which. The verdict's noise floors use both sizes where a
  check compares two samples (see :mod:`evaluation._verdict`).
- d-D targets other than Ring and Grid: per-coordinate moments, MMD, energy distance and
  sliced W1 against the data or reference sample, with a verdict over per-coordinate
  checks (KS, mean, std; Bonferroni over coordinates) and mode coverage where the target
  has modes.

Point masses have their own path, :mod:`evaluation._point_mass_report`.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import scipy.stats

from ._empirical import Empirical
from ._exact_rows import shape_ks_rows
from ._modes import _coverage, has_modes, nan_coverage
from ._one_sample import (
    NAN_TEST,
    Moments,
    TestResult,
    _ad_from_logs,
    _cvm_from_u,
    _energy_sorted,
    _ks_from_u,
    _logcdf,
    _logsf,
    _moment_statistics,
    _moments,
    _w1_sorted,
)
from ._protocol import Members
from ._results import MomentsND, Report
from ._two_sample import MMDResult, _reference_sample, energy_distance, mmd_test, two_sample_scores
from ._verdict import Check, Thresholds, Verdict, judge_checks

__all__ = [
    "REFERENCE_SIZE",
    "NAN_MMD",
    "Options",
    "diverged_sampled",
    "evaluate_sampled",
    "shape_ks_statistic",
]

_NAN = math.nan
#: Default size of the reference sample drawn from a target that lacks exact members.
REFERENCE_SIZE = 20_000
NAN_MMD = MMDResult(_NAN, _NAN, _NAN, 0, 0, 0)
_MOMENT_NAMES = ("mean", "std", "skewness", "excess_kurtosis")


@dataclasses.dataclass(frozen=True)
class Options:
    """evaluate()'s already-checked settings, passed down in one piece."""

    thresholds: Thresholds
    history: Sequence[Any] | None
    confidence_level: float | None
    n_resamples: int
    mmd_permutations: int
    mmd_max_n: int
    reference_seed: int
    reference_size: int
    seed: int


@dataclasses.dataclass(frozen=True)
class _Plan:
    """What a target is compared with: nothing, its data, or a reference sample of size m."""

    needed: bool
    m: int
    label: str

    def sample(self, target: Any, seed: int) -> np.ndarray:
        if isinstance(target, Empirical):
            return target.data
        return _reference_sample(target, self.m, seed)


def _plan(target: Any, mem: Members, n: int, opts: Options) -> _Plan:
    if isinstance(target, Empirical):
        return _Plan(True, target.n, "data")
    needed = target.dim > 1 or not (
        mem.cdf
        and mem.exact_w1
        and mem.exact_energy
        and all(getattr(mem, k) for k in _MOMENT_NAMES)
    )
    if not needed:
        return _Plan(False, 0, "none")
    return _Plan(
        True, max(n, opts.reference_size), f"reference sample (seed {opts.reference_seed})"
    )


def _why_missing(target: Any, member: str) -> str:
    if isinstance(target, Empirical):
        return "the target is data, known only by its samples"
    return f"the target has no {member}"


def _exact_moments(target: Any, mem: Members) -> tuple[float, float, float, float]:
    return tuple(float(getattr(target, k)) if getattr(mem, k) else _NAN for k in _MOMENT_NAMES)


# -- 1-D ---------------------------------------------------------------------------------------


def _skipped_1d(target: Any, mem: Members) -> tuple[str, ...]:
    out = []
    if not mem.cdf:
        why = _why_missing(target, "cdf")
        out.append(f"cvm_statistic: needs the target's cdf ({why})")
        out.append(f"ad_statistic: needs the target's cdf ({why})")
    return tuple(out)


def _two_sample_1d(target: Any, mem: Members, plan: _Plan) -> tuple[str, ...]:
    if not plan.needed:
        return ()
    names = []
    if not mem.cdf:
        names.append("ks_statistic")
    if not mem.exact_w1:
        names.append("wasserstein")
    if not mem.exact_energy:
        names.append("energy_distance")
    names.append("mmd")
    for key, member in (
        ("mean_error", "mean"),
        ("std_ratio", "std"),
        ("skewness_error", "skewness"),
        ("excess_kurtosis_error", "excess_kurtosis"),
    ):
        if isinstance(target, Empirical) or not getattr(mem, member):
            names.append(key)
    return tuple(names)


def shape_ks_statistic(xs: np.ndarray, moments: Moments, target: Any, t_mean: float, t_std: float) -> float:
    """KS D against ``target``'s CDF of the sorted sample ``xs`` moved to mean t_mean and std t_std."""
    return float(shape_ks_rows(xs, moments.mean, moments.std, target, t_mean, t_std))


def _ks_2samp_statistic(a: np.ndarray, b: np.ndarray) -> float:
    # Only the statistic is needed (the verdict uses effect sizes): method="asymp" gives the
    # same D without scipy's exact p-value, whose cost grows with n * m.
    return float(scipy.stats.ks_2samp(a, b, method="asymp").statistic)


def _moments_of(ref: np.ndarray) -> tuple[float, float, float, float]:
    return tuple(float(v) for v in _moment_statistics(ref))


def _target_moments_1d(
    target: Any, mem: Members, ref: np.ndarray | None
) -> tuple[tuple[float, float, float, float], tuple[bool, ...]]:
    """The target's (mean, std, skewness, excess kurtosis) and which were estimated from ref."""
    estimated = _moments_of(ref) if ref is not None else (_NAN,) * 4
    if isinstance(target, Empirical):
        exact = (_NAN,) * 4  # the data's moments are estimates: all two-sample
    else:
        exact = _exact_moments(target, mem)
    # Each moment is the target's own where it has that member, else the data's or the
    # reference sample's estimate (an Empirical's moments are always estimates).
    from_data = tuple(
        ref is not None and (isinstance(target, Empirical) or not getattr(mem, k))
        for k in _MOMENT_NAMES
    )
    target_moments = tuple(r if d else e for d, e, r in zip(from_data, exact, estimated))
    return target_moments, from_data


def _scores_1d(
    x: np.ndarray,
    xs: np.ndarray,
    u: np.ndarray | None,
    ref: np.ndarray | None,
    target: Any,
    mem: Members,
    opts: Options,
) -> dict[str, Any]:
    """KS, CvM, AD, W1, energy distance and MMD: exact where the members allow, else vs ref."""
    if u is not None:
        ks = _ks_from_u(u)
        cvm = _cvm_from_u(u)
    else:
        res = scipy.stats.ks_2samp(xs, ref)
        ks, cvm = TestResult(float(res.statistic), float(res.pvalue)), NAN_TEST
    ad = _ad_from_logs(_logcdf(target, xs, u), _logsf(target, xs, u)) if u is not None else NAN_TEST
    w1 = (
        _w1_sorted(xs, u, target)
        if mem.exact_w1
        else float(scipy.stats.wasserstein_distance(xs, ref))
    )
    energy = _energy_sorted(xs, u, target) if mem.exact_energy else energy_distance(xs, ref)
    mmd = (
        mmd_test(x, ref, n_permutations=opts.mmd_permutations, max_n=opts.mmd_max_n, seed=opts.seed)
        if ref is not None
        else None
    )
    return dict(ks=ks, cvm=cvm, ad=ad, wasserstein=w1, energy_distance=energy, mmd=mmd)


def _checks_1d(
    xs: np.ndarray,
    u: np.ndarray | None,
    ref: np.ndarray | None,
    target: Any,
    target_moments: tuple[float, float, float, float],
    from_data: tuple[bool, ...],
    ks: TestResult,
    moments: Moments,
    t: Thresholds,
) -> tuple[list[Check], Check | None]:
    """The 1-D verdict's checks and its standardised-sample shape check (or None)."""
    # One-sample floors where the target member is exact, two-sample (both sizes) where it
    # was estimated from the data or the reference sample.
    n = xs.size
    m = ref.size if ref is not None else 0
    t_mean, t_std, _, t_kurt = target_moments
    ks_name = "KS D" if u is not None else "two-sample KS D"
    checks = [Check("fit", ks_name, ks.statistic, t.ks_at(n, m=None if u is not None else m))]
    shape = None
    if math.isfinite(t_mean) and math.isfinite(t_std) and t_std > 0:
        checks.append(
            Check(
                "location_scale",
                "|mean error|",
                abs(moments.mean_error),
                t.mean_error_at(n, t_std, m=m if from_data[0] else None),
            )
        )
        checks.append(
            Check(
                "location_scale",
                "|std ratio - 1|",
                abs(moments.std_ratio - 1),
                t.std_ratio_at(n, t_kurt, m=m if from_data[1] else None),
            )
        )
        if moments.std > 0 and u is not None:
            d = shape_ks_statistic(xs, moments, target, t_mean, t_std)
            shape = Check("fit", "KS D of the standardised sample", d, t.ks_at(n))
        elif moments.std > 0:
            z = (xs - moments.mean) / moments.std * t_std + t_mean
            d = _ks_2samp_statistic(z, ref)
            shape = Check("fit", "two-sample KS D of the standardised sample", d, t.ks_at(n, m=m))
    return checks, shape


def _evaluate_1d(x: np.ndarray, target: Any, mem: Members, opts: Options, coverage: Any) -> Report:
    """Score finite 1-D samples with exact members where present, else against a sample."""
    n = x.shape[0]
    plan = _plan(target, mem, n, opts)
    xs = np.sort(x[:, 0])
    ref = plan.sample(target, opts.reference_seed)[:, 0] if plan.needed else None
    target_moments, from_data = _target_moments_1d(target, mem, ref)
    u = target.cdf(xs) if mem.cdf else None
    scores = _scores_1d(x, xs, u, ref, target, mem, opts)
    moments = _moments(
        xs,
        target_moments,
        confidence_level=opts.confidence_level,
        n_resamples=opts.n_resamples,
        seed=opts.seed,
    )
    checks, shape = _checks_1d(
        xs, u, ref, target, target_moments, from_data, scores["ks"], moments, opts.thresholds
    )
    verdict = judge_checks(
        n=n,
        n_nonfinite=0,
        thresholds=opts.thresholds,
        checks=checks,
        collapse_std_ratio=moments.std_ratio,
        coverage=coverage,
        shape=shape,
        history=opts.history,
    )
    return Report(
        n=n,
        target=target.spec,
        dim=1,
        moments=moments,
        **scores,
        verdict=verdict,
        modes=coverage,
        two_sample=_two_sample_1d(target, mem, plan),
        skipped=_skipped_1d(target, mem),
        reference=plan.label,
        n_reference=plan.m,
        protocol_keys=True,
    )


# -- d-D ---------------------------------------------------------------------------------------


def _two_sample_nd(target: Any, mem: Members) -> tuple[str, ...]:
    names = ["energy_distance", "mmd", "sliced_wasserstein"]
    names += [f"ks_statistic_{j}" for j in range(target.dim)]
    if isinstance(target, Empirical) or not mem.mean:
        names.append("mean_error")
    if isinstance(target, Empirical) or not mem.std:
        names.append("std_ratio")
    return tuple(names)


def _checks_nd(
    n: int,
    m: int,
    moments: MomentsND,
    kurt: np.ndarray,
    marginal: tuple[float, ...],
    exact: tuple[bool, bool],
    t: Thresholds,
) -> list[Check]:
    """Per-coordinate checks (KS, and mean and std where the std is usable), Bonferroni."""
    dim = len(marginal)
    exact_mean, exact_std = exact
    t_std = moments.target_std
    checks = []
    for j in range(dim):
        checks.append(
            Check(
                "fit",
                f"coordinate {j}: two-sample KS D",
                marginal[j],
                t.ks_at(n, m=m, coordinates=dim),
            )
        )
        if t_std[j] > 0 and math.isfinite(t_std[j]):
            checks.append(
                Check(
                    "location_scale",
                    f"coordinate {j}: |mean error|",
                    abs(float(moments.mean_error[j])),
                    t.mean_error_at(
                        n, float(t_std[j]), m=None if exact_mean else m, coordinates=dim
                    ),
                )
            )
            checks.append(
                Check(
                    "location_scale",
                    f"coordinate {j}: |std ratio - 1|",
                    abs(float(moments.std_ratio[j]) - 1),
                    t.std_ratio_at(n, float(kurt[j]), m=None if exact_std else m, coordinates=dim),
                )
            )
    return checks


def _evaluate_nd(x: np.ndarray, target: Any, mem: Members, opts: Options, coverage: Any) -> Report:
    """Score finite d-D samples: per-coordinate checks and two-sample scores against a sample."""
    n, dim = x.shape
    plan = _plan(target, mem, n, opts)
    ref = plan.sample(target, opts.reference_seed)
    m = ref.shape[0]
    exact_mean = mem.mean and not isinstance(target, Empirical)
    exact_std = mem.std and not isinstance(target, Empirical)
    t_mean = np.asarray(target.mean, dtype=float) if exact_mean else ref.mean(axis=0)
    t_std = np.asarray(target.std, dtype=float) if exact_std else ref.std(axis=0, ddof=1)
    moments = MomentsND(n, x.mean(axis=0), x.std(axis=0, ddof=1), t_mean, t_std)
    kurt = _moment_statistics(ref, axis=0)[3]
    marginal = tuple(_ks_2samp_statistic(x[:, j], ref[:, j]) for j in range(dim))
    checks = _checks_nd(n, m, moments, kurt, marginal, (exact_mean, exact_std), opts.thresholds)
    verdict = judge_checks(
        n=n,
        n_nonfinite=0,
        thresholds=opts.thresholds,
        checks=checks,
        collapse_std_ratio=moments.total_std_ratio,
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
            x, ref, n_permutations=opts.mmd_permutations, max_n=opts.mmd_max_n, seed=opts.seed
        ),
        modes=coverage,
        two_sample=_two_sample_nd(target, mem),
        skipped=(),
        reference=plan.label,
        n_reference=m,
        marginal_ks=marginal,
        protocol_keys=True,
    )


def evaluate_sampled(x: np.ndarray, target: Any, mem: Members, opts: Options) -> Report:
    """Score finite samples ``x`` (n, dim) against a target on the protocol paths."""
    coverage = _coverage(x, target) if has_modes(target) else None
    if target.dim == 1:
        return _evaluate_1d(x, target, mem, opts, coverage)
    return _evaluate_nd(x, target, mem, opts, coverage)


def diverged_sampled(
    x: np.ndarray, target: Any, mem: Members, opts: Options, verdict: Verdict
) -> Report:
    """The 'diverged' Report of a protocol-path target: NaN scores, the same keys."""
    n, dim = x.shape
    plan = _plan(target, mem, n, opts)
    modes = nan_coverage(target)
    if dim == 1:
        exact = _exact_moments(target, mem)
        return Report(
            n=n,
            target=target.spec,
            dim=1,
            moments=Moments(n, _NAN, _NAN, _NAN, _NAN, *exact),
            ks=NAN_TEST,
            cvm=NAN_TEST,
            ad=NAN_TEST,
            wasserstein=_NAN,
            energy_distance=_NAN,
            verdict=verdict,
            mmd=NAN_MMD if plan.needed else None,
            modes=modes,
            n_nonfinite=int(np.sum(~np.isfinite(x).all(axis=1))),
            two_sample=_two_sample_1d(target, mem, plan),
            skipped=_skipped_1d(target, mem),
            reference=plan.label,
            n_reference=plan.m,
            protocol_keys=True,
        )
    nan = np.full(dim, _NAN)
    mean = np.asarray(target.mean, dtype=float) if mem.mean else nan
    std = np.asarray(target.std, dtype=float) if mem.std else nan
    return Report(
        n=n,
        target=target.spec,
        dim=dim,
        moments=MomentsND(n, nan, nan, mean, std),
        ks=NAN_TEST,
        cvm=NAN_TEST,
        ad=NAN_TEST,
        wasserstein=_NAN,
        energy_distance=_NAN,
        verdict=verdict,
        mmd=NAN_MMD,
        modes=modes,
        n_nonfinite=int(np.sum(~np.isfinite(x).all(axis=1))),
        two_sample=_two_sample_nd(target, mem),
        reference=plan.label,
        n_reference=plan.m,
        marginal_ks=(_NAN,) * dim,
        protocol_keys=True,
    )
