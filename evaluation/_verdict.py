"""Verdicts: did the samples reach the target, and if not, how did training fail?

The verdict rests on effect sizes (how far off), never on p-values (how sure): at n = 10,000
a KS test rejects errors far too small to matter. Thresholds live in :class:`Thresholds`.

Labels, checked in this order (the first that applies wins):

``diverged``
    the sample holds NaN or inf. A label, never an exception.
``collapsed``
    std / target std < ``collapse_std_ratio`` (default 0.1: a spike, 10x too narrow; in
    d-D the ratio of total standard deviations, sqrt(trace cov / trace target cov)), or, for
    a target with several modes, at most one mode covered (mode collapse).
``oscillating``
    a history was given and the pass/fail state (each entry's ``converged``, then the
    sample being judged) switched at least ``oscillation_min_switches`` (3) times over the
    last ``oscillation_window`` (half) of it: training went in and out of the acceptance
    region instead of settling. A short history rarely qualifies: 3 switches need at least
    4 points in the window.
``converged``
    every effect size within its threshold (1-D: KS D, |mean error|, |std ratio - 1|, and
    the mode checks for a mixture; 2-D: all modes covered, high-quality fraction and mode
    KL).
``biased``
    1-D only: location or scale off while the shape is right: the KS statistic of the
    standardised sample, ((x - mean(x)) / s) * sd + E[X] against the target, is within the
    KS threshold (and every mode check passes).
``not_converged``
    the catch-all: finite, not collapsed, not within the thresholds, shape off too.

Noise floor: at small n, sampling noise alone exceeds the fixed thresholds (KS D of a
perfect sample of 2,000 is 0.02 or more about half the time). With ``noise_quantile`` =
q (default 0.999) each threshold is raised to the q-quantile of its own null distribution
at that n when that is larger: KS D to scipy.stats.kstwo.ppf(q, n); |mean error| to
z sd / sqrt(n); |std ratio - 1| to z sqrt((kurtosis - 1) / 4n) (z = Phi^{-1}((1 + q)/2));
mode KL to chi2_{m-1}.ppf(q) / (2 n_hq). At n = 10,000 for N(4, 1.25) no floor is active,
so the defaults there are exactly KS D <= 0.02, |mean error| <= 0.05, |std ratio - 1| <= 0.05.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import scipy.special
import scipy.stats

from ._validation import check_int, check_probability, check_real

__all__ = [
    "DEFAULT_THRESHOLDS",
    "LABELS",
    "Thresholds",
    "Verdict",
    "is_oscillating",
]

LABELS: tuple[str, ...] = (
    "converged",
    "biased",
    "oscillating",
    "collapsed",
    "diverged",
    "not_converged",
)


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """Acceptance thresholds on effect sizes; see the module docstring for how each is used.

    ks_statistic: max KS D. mean_error: max |mean error| in units of the target std (0.04 *
    1.25 = 0.05 for N(4, 1.25)). std_ratio: max |std / target std - 1|. noise_quantile:
    raise each threshold to this quantile of its null at the sample size (None: never).
    collapse_std_ratio: below this std ratio the label is 'collapsed'.
    min_high_quality_fraction, max_mode_kl: mixture checks (see evaluation._modes).
    oscillation_window, oscillation_min_switches: the 'oscillating' rule.
    """

    ks_statistic: float = 0.02
    mean_error: float = 0.04
    std_ratio: float = 0.05
    noise_quantile: float | None = 0.999
    collapse_std_ratio: float = 0.1
    min_high_quality_fraction: float = 0.9
    max_mode_kl: float = 0.05
    oscillation_window: float = 0.5
    oscillation_min_switches: int = 3

    def __post_init__(self) -> None:
        for name in (
            "ks_statistic",
            "mean_error",
            "std_ratio",
            "collapse_std_ratio",
            "max_mode_kl",
        ):
            object.__setattr__(self, name, check_real(name, getattr(self, name), positive=True))
        if self.noise_quantile is not None:
            object.__setattr__(
                self, "noise_quantile", check_probability("noise_quantile", self.noise_quantile)
            )
        object.__setattr__(
            self,
            "min_high_quality_fraction",
            check_probability(
                "min_high_quality_fraction", self.min_high_quality_fraction, open_interval=False
            ),
        )
        window = check_real("oscillation_window", self.oscillation_window)
        if not 0 < window <= 1:
            raise ValueError(f"oscillation_window must satisfy 0 < value <= 1, got {window!r}")
        object.__setattr__(self, "oscillation_window", window)
        object.__setattr__(
            self,
            "oscillation_min_switches",
            check_int("oscillation_min_switches", self.oscillation_min_switches, minimum=1),
        )

    # -- thresholds at a given n -----------------------------------------------------------
    def _z(self) -> float:
        return (
            float(scipy.special.ndtri(0.5 * (1 + self.noise_quantile)))
            if self.noise_quantile
            else 0.0
        )

    def ks_at(self, n: int) -> float:
        """KS D threshold at sample size n (with the noise floor)."""
        if self.noise_quantile is None:
            return self.ks_statistic
        return max(self.ks_statistic, _kstwo_quantile(self.noise_quantile, n))

    def mean_error_at(self, n: int, target_std: float) -> float:
        """|mean error| threshold in data units at sample size n."""
        return target_std * max(self.mean_error, self._z() / math.sqrt(n))

    def std_ratio_at(self, n: int, target_excess_kurtosis: float) -> float:
        """|std ratio - 1| threshold at n; the null sd of s / sd is sqrt((kurtosis - 1) / 4n)."""
        if self.noise_quantile is None:
            return self.std_ratio
        spread = (
            math.sqrt(max(target_excess_kurtosis + 2.0, 0.0) / (4 * n))
            if math.isfinite(target_excess_kurtosis)
            else math.inf
        )
        return max(self.std_ratio, self._z() * spread)

    def mode_kl_at(self, n_high_quality: int, n_modes: int) -> float:
        """Mode-KL threshold: 2 N KL is approximately chi2 with m - 1 degrees of freedom."""
        if self.noise_quantile is None or n_modes < 2 or n_high_quality < 1:
            return self.max_mode_kl
        floor = float(scipy.stats.chi2.ppf(self.noise_quantile, n_modes - 1)) / (2 * n_high_quality)
        return max(self.max_mode_kl, floor)


DEFAULT_THRESHOLDS = Thresholds()


@lru_cache(maxsize=256)
def _kstwo_quantile(q: float, n: int) -> float:
    return float(scipy.stats.kstwo.ppf(q, n))


@dataclasses.dataclass(frozen=True)
class Verdict:
    """The label, whether it counts as converged, and the reasons in words."""

    label: str
    converged: bool
    reasons: tuple[str, ...] = ()


def _passes(entry: Any, index: int) -> bool:
    if isinstance(entry, bool):
        return entry
    if isinstance(entry, Mapping):
        if "converged" not in entry:
            raise ValueError(
                f"history[{index}] is a mapping without a 'converged' key: {dict(entry)!r}"
            )
        return bool(entry["converged"])
    if hasattr(entry, "converged"):
        return bool(entry.converged)
    raise TypeError(
        f"history[{index}] must be a Report, a mapping with a 'converged' key, or a bool, "
        f"got {type(entry).__name__} {entry!r}"
    )


def is_oscillating(
    history: Sequence[Any],
    *,
    window: float = DEFAULT_THRESHOLDS.oscillation_window,
    min_switches: int = DEFAULT_THRESHOLDS.oscillation_min_switches,
) -> bool:
    """True if pass/fail switched >= ``min_switches`` times over the last ``window`` of history.

    ``history`` entries are Reports, mappings with a 'converged' key (Report.to_dict()), or
    bools, oldest first. With the defaults, fail-pass-fail-pass in the second half of
    training is oscillating; fail-fail-pass-pass (settling) is not.
    """
    if isinstance(history, (str, bytes)) or not isinstance(history, Sequence):
        raise TypeError(
            f"history must be a sequence of Reports, mappings or bools, got {type(history).__name__}"
        )
    passes = [_passes(entry, i) for i, entry in enumerate(history)]
    tail = passes[len(passes) - max(2, math.ceil(window * len(passes))) :]
    switches = sum(a != b for a, b in zip(tail, tail[1:]))
    return switches >= min_switches


def _fmt(value: float) -> str:
    return f"{value:.4g}"


def judge(
    *,
    n: int,
    n_nonfinite: int,
    target: Any,
    thresholds: Thresholds,
    ks_statistic: float = math.nan,
    shape_ks_statistic: float = math.nan,
    mean_error: float = math.nan,
    std_ratio: float = math.nan,
    coverage: Any = None,
    history: Sequence[Any] | None = None,
) -> Verdict:
    """Apply the rules of the module docstring to already computed scores.

    1-D callers pass the KS statistics and moment errors; d-D callers pass ``std_ratio`` as
    the total-std ratio and rely on ``coverage``.
    """
    if n_nonfinite:
        return Verdict("diverged", False, (f"{n_nonfinite} of {n} samples are NaN or inf",))

    if std_ratio < thresholds.collapse_std_ratio:
        return Verdict(
            "collapsed",
            False,
            (f"std ratio {_fmt(std_ratio)} < {_fmt(thresholds.collapse_std_ratio)}",),
        )
    if coverage is not None and coverage.n_modes > 1 and coverage.modes_covered <= 1:
        return Verdict(
            "collapsed", False, (f"{coverage.modes_covered} of {coverage.n_modes} modes covered",)
        )

    failures: list[str] = []
    location_scale: list[str] = []
    if target.dim == 1:
        ks_max = thresholds.ks_at(n)
        if not ks_statistic <= ks_max:
            failures.append(f"KS D {_fmt(ks_statistic)} > {_fmt(ks_max)}")
        if math.isfinite(target.mean) and math.isfinite(target.std):
            mean_max = thresholds.mean_error_at(n, target.std)
            if not abs(mean_error) <= mean_max:
                location_scale.append(f"|mean error| {_fmt(abs(mean_error))} > {_fmt(mean_max)}")
            std_max = thresholds.std_ratio_at(n, target.excess_kurtosis)
            if not abs(std_ratio - 1) <= std_max:
                location_scale.append(
                    f"|std ratio - 1| {_fmt(abs(std_ratio - 1))} > {_fmt(std_max)}"
                )
    mode_failures: list[str] = []
    if coverage is not None:
        if coverage.modes_covered < coverage.n_modes:
            mode_failures.append(f"{coverage.modes_covered} of {coverage.n_modes} modes covered")
        if not coverage.high_quality_fraction >= thresholds.min_high_quality_fraction:
            mode_failures.append(
                f"high-quality fraction {_fmt(coverage.high_quality_fraction)} < "
                f"{_fmt(thresholds.min_high_quality_fraction)}"
            )
        kl_max = thresholds.mode_kl_at(sum(coverage.counts), coverage.n_modes)
        if not coverage.mode_kl <= kl_max:
            mode_failures.append(f"mode KL {_fmt(coverage.mode_kl)} > {_fmt(kl_max)}")
    failures += location_scale + mode_failures

    # The sample being judged is the latest point of the history.
    if history is not None and is_oscillating(
        [*history, not failures],
        window=thresholds.oscillation_window,
        min_switches=thresholds.oscillation_min_switches,
    ):
        reason = "pass/fail switched repeatedly over the last part of the history"
        return Verdict("oscillating", False, (reason, *failures))
    if not failures:
        return Verdict("converged", True, ())
    if (
        target.dim == 1
        and location_scale
        and not mode_failures
        and shape_ks_statistic <= thresholds.ks_at(n)
    ):
        shape = f"shape fine: KS D of the standardised sample {_fmt(shape_ks_statistic)}"
        return Verdict("biased", False, (*failures, shape))
    return Verdict("not_converged", False, tuple(failures))
