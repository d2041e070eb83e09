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

Two samples. Against a target known only by a sample of m points (an Empirical target's
data, or the reference sample of a target without a cdf or moments), both samples are
noisy, and each floor uses both sizes (pass ``m``):

- KS: the two-sample D_{n,m} under the null is close to the one-sample D at the effective
  size n_e = n m / (n + m) (Smirnov 1939: sqrt(n_e) D_{n,m} has Kolmogorov's limit), so the
  floor is scipy.stats.kstwo.ppf(q, floor(n_e));
- |mean error| = |mean(x) - mean(y)|: its null sd is sd sqrt(1/n + 1/m) = sd / sqrt(n_e),
  with sd the reference's std (an estimate), so the floor is z sd sqrt(1/n + 1/m);
- |std ratio - 1|: log(s_x / s_y) has null variance ((kurtosis - 1) / 4) (1/n + 1/m) (delta
  method), so the floor is expm1(z sqrt((excess kurtosis + 2) (1/n + 1/m) / 4)), set on the
  log scale where that null is symmetric, with the reference's excess kurtosis (an
  estimate).

The fixed effect-size thresholds are the same as in one sample. d-D targets without modes
are checked per coordinate (KS, mean, std of each marginal); with d coordinates each floor
uses the quantile 1 - (1 - q) / d (``coordinates=d``, Bonferroni), so the family's
false-failure rate stays that of one coordinate's checks.

False failures: each check fails a sample from the target itself with probability at most
1 - q wherever its floor is active (less where a fixed threshold is above the floor), so a
report's false-failure rate is at most 3 (1 - q) = 0.3 % at the default q = 0.999 (union
bound over the KS, mean and std checks). tests/evaluation/test_eval_empirical.py
measures it for data against data.

Point mass (:class:`evaluation.PointMass`): std ratio and shape are undefined, so the
verdict is on distance: ``converged`` when W1 to the point, mean |x - location| (Euclidean
in 2-D), is at most ``point_mass_distance`` (default 0.01, in data units: the target has no
scale to measure by); ``biased`` when it is not but the sample is itself (nearly) a point,
std <= ``point_mass_distance`` (in 2-D the root of the summed variances): a point mass in
the wrong place, as the Dirac-GAN's generator is; ``not_converged`` otherwise.
``collapsed`` does not apply (a spike is the goal); ``diverged`` and ``oscillating`` do.
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
    point_mass_distance: max mean distance to the point of a point-mass target (data units).

    The ``*_at`` methods give a threshold at sample size n with the noise floor; with ``m``
    they give the two-sample threshold against a sample of m points, and with
    ``coordinates=d`` the floor of one of d per-coordinate checks (module docstring).
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
    point_mass_distance: float = 0.01

    def __post_init__(self) -> None:
        for name in (
            "ks_statistic",
            "mean_error",
            "std_ratio",
            "collapse_std_ratio",
            "max_mode_kl",
            "point_mass_distance",
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
    def _quantile(self, coordinates: int) -> float:
        # Bonferroni over d per-coordinate checks: each uses 1 - (1 - q) / d.
        q = self.noise_quantile
        return q if coordinates == 1 else 1 - (1 - q) / coordinates

    def _z(self, coordinates: int = 1) -> float:
        return (
            float(scipy.special.ndtri(0.5 * (1 + self._quantile(coordinates))))
            if self.noise_quantile
            else 0.0
        )

    def ks_at(self, n: int, *, m: int | None = None, coordinates: int = 1) -> float:
        """KS D threshold at sample size n (with the noise floor); two-sample with ``m``:
        the floor at the effective size floor(n m / (n + m))."""
        if self.noise_quantile is None:
            return self.ks_statistic
        size = n if m is None else max(1, math.floor(effective_size(n, m)))
        return max(self.ks_statistic, _kstwo_quantile(self._quantile(coordinates), size))

    def mean_error_at(
        self, n: int, target_std: float, *, m: int | None = None, coordinates: int = 1
    ) -> float:
        """|mean error| threshold in data units at sample size n: target_std x max(mean_error,
        z / sqrt(n)); two-sample with ``m``: z sqrt(1/n + 1/m)."""
        if m is None and coordinates == 1:
            return target_std * max(self.mean_error, self._z() / math.sqrt(n))
        scale = math.sqrt(1 / n + (1 / m if m is not None else 0.0))
        return target_std * max(self.mean_error, self._z(coordinates) * scale)

    def std_ratio_at(
        self,
        n: int,
        target_excess_kurtosis: float,
        *,
        m: int | None = None,
        coordinates: int = 1,
    ) -> float:
        """|std ratio - 1| threshold at n; the null sd of s / sd is sqrt((kurtosis - 1) / 4n).

        Two-sample (``m``): log(s_x / s_y) has null sd sqrt((kurtosis - 1) (1/n + 1/m) / 4),
        and the floor is set on that log scale, expm1(z sd_log), where the ratio's null is
        symmetric (at n = m = 200 the linear z sd would be exceeded by real data about 1.5x
        as often as 1 - q)."""
        if self.noise_quantile is None:
            return self.std_ratio
        if not math.isfinite(target_excess_kurtosis):
            return max(self.std_ratio, math.inf)
        if m is None:
            spread = math.sqrt(max(target_excess_kurtosis + 2.0, 0.0) / (4 * n))
            return max(self.std_ratio, self._z(coordinates) * spread)
        spread = math.sqrt(max(target_excess_kurtosis + 2.0, 0.0) * (1 / n + 1 / m) / 4)
        return max(self.std_ratio, math.expm1(self._z(coordinates) * spread))

    def mode_kl_at(self, n_high_quality: int, n_modes: int) -> float:
        """Mode-KL threshold: 2 N KL is approximately chi2 with m - 1 degrees of freedom."""
        if self.noise_quantile is None or n_modes < 2 or n_high_quality < 1:
            return self.max_mode_kl
        floor = float(scipy.stats.chi2.ppf(self.noise_quantile, n_modes - 1)) / (2 * n_high_quality)
        return max(self.max_mode_kl, floor)


def effective_size(n: int, m: int) -> float:
    """n m / (n + m): the size of one sample as noisy as the difference of two."""
    return n * m / (n + m)


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


def _mode_failures(coverage: Any, thresholds: Thresholds) -> list[str]:
    failures: list[str] = []
    if coverage is None:
        return failures
    if coverage.modes_covered < coverage.n_modes:
        failures.append(f"{coverage.modes_covered} of {coverage.n_modes} modes covered")
    if not coverage.high_quality_fraction >= thresholds.min_high_quality_fraction:
        failures.append(
            f"high-quality fraction {_fmt(coverage.high_quality_fraction)} < "
            f"{_fmt(thresholds.min_high_quality_fraction)}"
        )
    kl_max = thresholds.mode_kl_at(sum(coverage.counts), coverage.n_modes)
    if not coverage.mode_kl <= kl_max:
        failures.append(f"mode KL {_fmt(coverage.mode_kl)} > {_fmt(kl_max)}")
    return failures


def _collapsed(std_ratio: float, coverage: Any, thresholds: Thresholds) -> Verdict | None:
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
    return None


def _conclude(
    failures: list[str],
    *,
    location_scale: list[str],
    mode_failures: list[str],
    shape_note: str | None,
    history: Sequence[Any] | None,
    thresholds: Thresholds,
) -> Verdict:
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
    if location_scale and not mode_failures and shape_note is not None:
        return Verdict("biased", False, (*failures, shape_note))
    return Verdict("not_converged", False, tuple(failures))


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
    the total-std ratio and rely on ``coverage``. For targets with an exact cdf and
    moments (the built-in ones); :func:`judge_checks` is the general form.
    """
    if n_nonfinite:
        return Verdict("diverged", False, (f"{n_nonfinite} of {n} samples are NaN or inf",))
    collapsed = _collapsed(std_ratio, coverage, thresholds)
    if collapsed is not None:
        return collapsed

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
    mode_failures = _mode_failures(coverage, thresholds)
    failures += location_scale + mode_failures
    shape_note = None
    if target.dim == 1 and shape_ks_statistic <= thresholds.ks_at(n):
        shape_note = f"shape fine: KS D of the standardised sample {_fmt(shape_ks_statistic)}"
    return _conclude(
        failures,
        location_scale=location_scale,
        mode_failures=mode_failures,
        shape_note=shape_note,
        history=history,
        thresholds=thresholds,
    )


@dataclasses.dataclass(frozen=True)
class Check:
    """One effect-size check: passes when ``value <= limit`` (NaN fails). ``kind`` is
    "fit" (a distribution distance such as KS D) or "location_scale" (mean, std)."""

    kind: str
    name: str
    value: float
    limit: float

    @property
    def passed(self) -> bool:
        return bool(self.value <= self.limit)

    @property
    def reason(self) -> str:
        return f"{self.name} {_fmt(self.value)} > {_fmt(self.limit)}"


def judge_checks(
    *,
    n: int,
    n_nonfinite: int,
    thresholds: Thresholds,
    checks: Sequence[Check],
    collapse_std_ratio: float = math.nan,
    coverage: Any = None,
    shape: Check | None = None,
    history: Sequence[Any] | None = None,
) -> Verdict:
    """The rules of the module docstring over checks computed by the caller (any target).

    ``collapse_std_ratio`` is the std ratio for the 'collapsed' rule (NaN: the rule does
    not apply); ``shape`` the standardised-sample check that tells 'biased' from
    'not_converged' (None: never 'biased').
    """
    if n_nonfinite:
        return Verdict("diverged", False, (f"{n_nonfinite} of {n} samples are NaN or inf",))
    collapsed = _collapsed(collapse_std_ratio, coverage, thresholds)
    if collapsed is not None:
        return collapsed
    fit = [c.reason for c in checks if c.kind == "fit" and not c.passed]
    location_scale = [c.reason for c in checks if c.kind == "location_scale" and not c.passed]
    mode_failures = _mode_failures(coverage, thresholds)
    shape_note = None
    if shape is not None and shape.passed:
        shape_note = f"shape fine: {shape.name} {_fmt(shape.value)}"
    return _conclude(
        fit + location_scale + mode_failures,
        location_scale=location_scale,
        mode_failures=mode_failures,
        shape_note=shape_note,
        history=history,
        thresholds=thresholds,
    )


def judge_point_mass(
    *,
    n: int,
    n_nonfinite: int,
    thresholds: Thresholds,
    distance: float,
    spread: float,
    history: Sequence[Any] | None = None,
) -> Verdict:
    """The point-mass rules of the module docstring: ``distance`` = W1 to the point (mean
    |x - location|), ``spread`` = the sample's std (total std in d-D)."""
    if n_nonfinite:
        return Verdict("diverged", False, (f"{n_nonfinite} of {n} samples are NaN or inf",))
    tol = thresholds.point_mass_distance
    far = [] if distance <= tol else [f"W1 to the point {_fmt(distance)} > {_fmt(tol)}"]
    shape_note = None
    if spread <= tol:
        shape_note = f"a point mass elsewhere: sample std {_fmt(spread)} <= {_fmt(tol)}"
    return _conclude(
        far,
        location_scale=far,
        mode_failures=[],
        shape_note=shape_note,
        history=history,
        thresholds=thresholds,
    )
