"""``evaluate``: the battery of scores that fits the target, with a verdict, as one Report.

1-D targets: KS, Cramér–von Mises, Anderson–Darling, exact W1 and energy distance to the
target, moments (+ mode coverage for a mixture). 2-D targets: per-coordinate moments, MMD,
energy distance and sliced W1 against the seeded reference sample, mode coverage.

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
    TestResult,
    _ad_from_logs,
    _cvm_from_u,
    _energy_sorted,
    _ks_from_u,
    _moments_from_x,
    _w1_sorted,
)
from ._specs import as_target
from ._target import Target
from ._two_sample import MMDResult, _reference_sample, energy_distance, mmd_test, sliced_wasserstein
from ._univariate import DEFAULT_TARGET
from ._validation import as_samples, check_bool, check_int, check_probability
from ._verdict import DEFAULT_THRESHOLDS, Thresholds, Verdict, _passes, judge

__all__ = ["MomentsND", "Report", "evaluate"]

_NAN = math.nan
_SCALAR_MOMENT_KEYS = (
    "mean",
    "std",
    "skewness",
    "excess_kurtosis",
    "mean_error",
    "std_error",
    "std_ratio",
)


@dataclasses.dataclass(frozen=True, eq=False)
class MomentsND:
    """Per-coordinate mean and std (ddof=1) of a d-D sample vs the target's.

    ``mean_error``, ``std_error``, ``std_ratio`` are arrays (sample - target, sample /
    target); ``mean_error_norm`` = |mean - target mean|; ``total_std_ratio`` =
    sqrt(trace cov / trace target cov), the scale used for the 'collapsed' label.
    """

    n: int
    mean: np.ndarray
    std: np.ndarray
    target_mean: np.ndarray
    target_std: np.ndarray

    def __eq__(self, other: object) -> bool:
        # Field-wise array comparison (the generated __eq__ would compare arrays with ==).
        if not isinstance(other, MomentsND):
            return NotImplemented
        return self.n == other.n and all(
            np.array_equal(getattr(self, f), getattr(other, f), equal_nan=True)
            for f in ("mean", "std", "target_mean", "target_std")
        )

    @property
    def mean_error(self) -> np.ndarray:
        return self.mean - self.target_mean

    @property
    def std_error(self) -> np.ndarray:
        return self.std - self.target_std

    @property
    def std_ratio(self) -> np.ndarray:
        return self.std / self.target_std

    @property
    def mean_error_norm(self) -> float:
        return float(np.linalg.norm(self.mean_error))

    @property
    def total_std_ratio(self) -> float:
        return float(np.sqrt(np.sum(self.std**2) / np.sum(self.target_std**2)))

    def to_dict(self) -> dict[str, float]:
        out: dict[str, float] = {}
        for name in ("mean", "std", "mean_error", "std_error", "std_ratio"):
            for i, v in enumerate(getattr(self, name)):
                out[f"{name}_{i}"] = float(v)
        out["mean_error_norm"] = self.mean_error_norm
        out["total_std_ratio"] = self.total_std_ratio
        return out


@dataclasses.dataclass(frozen=True)
class Report:
    """Scores of one sample against one target, and the verdict.

    Fields that do not apply to the target hold NaN results (``ks``, ``cvm``, ``ad``,
    ``wasserstein`` in 2-D; ``sliced_wasserstein`` in 1-D) or None (``mmd`` in 1-D,
    ``modes`` for targets without modes), so generic code can read them all.
    """

    n: int
    target: str
    dim: int
    moments: Moments | MomentsND
    ks: TestResult
    cvm: TestResult
    ad: TestResult
    wasserstein: float
    energy_distance: float
    verdict: Verdict
    sliced_wasserstein: float = _NAN
    mmd: MMDResult | None = None
    modes: ModeCoverage | None = None
    n_nonfinite: int = 0
    null_percentiles: dict[str, float] | None = None

    @property
    def label(self) -> str:
        return self.verdict.label

    @property
    def converged(self) -> bool:
        return self.verdict.converged

    @property
    def reasons(self) -> tuple[str, ...]:
        return self.verdict.reasons

    def to_dict(self) -> dict[str, Any]:
        """Flat, JSON-ready (plain float/int/str/bool; NaN where undefined), one key per number."""
        out: dict[str, Any] = {
            "n": int(self.n),
            "target": self.target,
            "label": self.label,
            "converged": bool(self.converged),
        }
        moments = self.moments.to_dict()
        # The scalar moment keys come first; a d-D report has per-coordinate keys instead.
        scalar = isinstance(self.moments, Moments)
        out.update({k: moments.pop(k) if scalar else _NAN for k in _SCALAR_MOMENT_KEYS})
        out.update(self.ks.to_dict("ks_"))
        out["wasserstein"] = float(self.wasserstein)
        out.update(self.cvm.to_dict("cvm_"))
        out.update(self.ad.to_dict("ad_"))
        out["energy_distance"] = float(self.energy_distance)
        if self.dim > 1:
            out.update(self.mmd.to_dict())
            out["sliced_wasserstein"] = float(self.sliced_wasserstein)
        if self.modes is not None:
            out.update(self.modes.to_dict())
        elif self.dim > 1:
            out.update(
                {
                    "modes_covered": _NAN,
                    "n_modes": _NAN,
                    "high_quality_fraction": _NAN,
                    "mode_kl": _NAN,
                }
            )
        out.update(moments)
        out["n_nonfinite"] = int(self.n_nonfinite)
        out["reasons"] = "; ".join(self.reasons)
        for score, pct in (self.null_percentiles or {}).items():
            out[f"{score}_null_percentile"] = float(pct)
        return out

    def summary(self) -> str:
        """One line for a log or a report."""
        head = f"{self.label}: n={self.n} vs {self.target}"
        if self.dim == 1:
            m = self.moments
            body = (
                f"KS D={self.ks.statistic:.4g} (p={self.ks.pvalue:.3g}), mean error {m.mean_error:+.4g}, "
                f"std ratio {m.std_ratio:.4g}, W1 {self.wasserstein:.4g}"
            )
        else:
            mmd = self.mmd.statistic if self.mmd is not None else _NAN
            body = f"MMD^2={mmd:.3g}, sliced W1 {self.sliced_wasserstein:.4g}"
        if self.modes is not None:
            c = self.modes
            body += (
                f", modes {c.modes_covered}/{c.n_modes}, high quality {c.high_quality_fraction:.3f}"
            )
        if self.null_percentiles:
            worst = max(self.null_percentiles, key=lambda k: self.null_percentiles[k])
            body += (
                f"; worst score vs real data of this n: {worst} at percentile "
                f"{self.null_percentiles[worst]:.0f}"
            )
        reasons = f" ({'; '.join(self.reasons)})" if self.reasons else ""
        return f"{head}: {body}{reasons}"


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
    seed: int = 0,
) -> Report:
    """Score ``samples`` against ``target`` with the battery that fits it; label the outcome.

    samples: shape (n,) or (n, 1) for a 1-D target, (n, 2) for a 2-D one; n >= 2.
    target: a target or a spec string (default N(4, 1.25)).
    history: optional earlier Reports (or their to_dict()s, or bools), oldest first, for the
        'oscillating' label; see evaluation._verdict.
    thresholds: the effect-size thresholds of the verdict.
    confidence_level: if given, percentile-bootstrap CIs of the 1-D moments (n_resamples,
        seeded with ``seed``); off by default because it costs ~0.7 s at n = 10,000.
    calibrate: if True, add ``null_percentiles``: each score's percentile among ``n_null``
        i.i.d. target samples of the same n (simulated once per (target, n), cached).
    mmd_permutations, mmd_max_n: permutation count and per-sample subsample size of MMD (2-D).
    reference_seed: seed of the reference sample for 2-D two-sample scores.

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
    if history is not None:
        if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
            raise TypeError(
                f"history must be a sequence of Reports, mappings or bools, got {type(history).__name__}"
            )
        # Checked here, not only when the verdict gets as far as reading the history.
        for index, entry in enumerate(history):
            _passes(entry, index)

    n_nonfinite = int(np.sum(~np.isfinite(x).all(axis=1)))
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
