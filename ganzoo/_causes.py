"""Why a run failed: one cause per failed run, from its training trace, with the numbers behind it.

``evaluation``'s label says *how* the final sample is wrong (``not_converged``,
``biased``, ...); a cause says *why*, which needs the record of training: the scores at
every check and the discriminator's traces (:mod:`ganzoo._traces`). The causes, in the
order of precedence (the first that applies is the run's cause: what D does explains
what G does, and a state explains more than the shape of one final sample):

``diverged``
    a loss, weight or sample became NaN or inf (``History.diverged_at``).
``discriminator_dead``
    at the last check one hidden layer of D has every ReLU unit inactive on all the real
    trace points (``d_dead_fraction == 1``): D is constant on the data range and gives the
    generator no gradient there at all.
``discriminator_saturated``
    at the last check the generator's loss passes on less than :data:`SATURATED_RATIO` of
    its drive (``g_gradient_ratio`` < 0.01: the fakes D rejects push G less than a
    hundredth as hard as a sample halfway between real and fake would). For the minimax
    objective with real and fake scores symmetric about 0 this means D(fake) < 0.005
    (fake logits below -5.3), far into its flat tail. Adam rescales gradients, so this is
    not a stall but a generator moved only by the few fakes D is unsure of.
``generator_collapsed``
    the final sample's spread is below :data:`COLLAPSED_STD_RATIO` (a quarter) of the
    target's (the total-std ratio in 2-D).
``modes_dropped``
    a target with modes, and the final sample covers fewer than all of them.
``oscillating``
    over the last half of the checks, the pass/fail state switched at least 3 times
    (:func:`evaluation.is_oscillating`), or (1-D) the generated mean swung from more than
    :data:`SWING_BAND` target standard deviations above the target's mean to as far below
    (or back) at least :data:`SWINGS` times, or its log std ratio across ±0.1 as often:
    training circles the target instead of settling.
``too_slow``
    still improving when the budget ran out: over the last half of the checks (at least
    :data:`TREND_MIN_CHECKS`) the distance to the target (KS D in 1-D, else the energy
    distance) falls with step, Kendall's tau < 0 at one-sided p < :data:`TREND_P`.
``off_target``
    the shape is right, the location or scale is not (``evaluation``'s ``biased`` label
    on the final sample), or (1-D) the sample's mean is :data:`FAR_OFF` (1) target
    standard deviation or more from the target's, whatever its shape: then where the
    generator sits is the error that matters.
``misshapen``
    none of the above: the sample's shape itself is wrong (e.g. skewed or bimodal for a
    Gaussian target), without a trace that explains it; the evidence gives its skewness
    and excess-kurtosis errors.

Each cause comes with ``since``: the first check from which its condition held at every
check to the end (the divergence step for ``diverged``; the start of the window for the
two trend causes). A run whose final sample converged has no cause (``name == ""``).
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import numpy as np
import scipy.stats

from evaluation import is_oscillating

from ._history import none_to_nan

CAUSES = (
    "diverged",
    "discriminator_dead",
    "discriminator_saturated",
    "generator_collapsed",
    "modes_dropped",
    "oscillating",
    "too_slow",
    "off_target",
    "misshapen",
)
COLLAPSED_STD_RATIO = 0.25
SATURATED_RATIO = 0.01
SWING_BAND = 0.1
SWINGS = 3
TREND_P = 0.01
TREND_MIN_CHECKS = 6
FAR_OFF = 1.0


@dataclasses.dataclass(frozen=True)
class Cause:
    """Why a run failed: ``name`` (one of :data:`CAUSES`; ``""`` for a converged run), the
    generator step ``since`` when its condition began (None when it has no start), and
    ``evidence``, the numbers behind it in words."""

    name: str
    since: int | None
    evidence: str


@dataclasses.dataclass(frozen=True)
class Trace:
    """One run's record at its checks: ``eval_steps (c,)``, ``scores`` and ``traces``
    (key -> ``(c,)`` arrays), ``labels (c,)`` and ``diverged_at`` (-1: never)."""

    eval_steps: np.ndarray
    scores: Mapping[str, np.ndarray]
    labels: np.ndarray
    traces: Mapping[str, np.ndarray]
    diverged_at: int = -1

    @classmethod
    def of_history(cls, history) -> Trace:
        """From a single run's :class:`ganzoo.History` (``history.member(k)`` for an ensemble)."""
        if np.ndim(history.diverged_at):
            raise ValueError("failure_cause needs one run's history: pass history.member(k)")
        return cls(history.eval_steps, history.scores, history.labels, history.traces, int(history.diverged_at))

    @classmethod
    def of_stored(cls, stored: Mapping) -> Trace:
        """From the history a study stores per run (``RunRecord.history``: lists, None for NaN)."""

        def floats(values) -> np.ndarray:
            return np.array(none_to_nan(values), dtype=float)

        diverged = stored.get("diverged_at")
        return cls(
            eval_steps=np.array(stored["eval_steps"], dtype=int),
            scores={key: floats(value) for key, value in stored["scores"].items()},
            labels=np.array(stored["labels"], dtype=object),
            traces={key: floats(value) for key, value in stored.get("traces", {}).items()},
            diverged_at=-1 if diverged is None else int(diverged),
        )

    def series(self, key: str) -> np.ndarray:
        """The score or trace ``key`` at each check (all NaN when it was not recorded)."""
        values = self.traces.get(key, self.scores.get(key))
        return np.full(len(self.eval_steps), math.nan) if values is None else np.asarray(values, dtype=float)

    def since(self, holds: np.ndarray) -> int | None:
        """The first check step from which ``holds`` is true at every check to the end."""
        if not len(holds) or not holds[-1]:
            return None
        first = len(holds) - int(np.argmin(holds[::-1])) if not holds.all() else 0
        return int(self.eval_steps[first])


def failure_cause(final: Mapping, trace: Trace) -> Cause:
    """The cause (module docstring) of a run whose final report is ``final``
    (:meth:`evaluation.Report.to_dict`) and whose record at its checks is ``trace``."""
    if final.get("converged"):
        return Cause("", None, "converged")
    if final.get("label") == "diverged" or trace.diverged_at >= 0:
        return Cause("diverged", trace.diverged_at if trace.diverged_at >= 0 else None, str(final.get("reasons", "")))
    for rule in (_dead, _saturated, _collapsed, _modes_dropped, _oscillating, _too_slow, _off_target):
        cause = rule(final, trace)
        if cause is not None:
            return cause
    shape = ", ".join(
        f"{key.replace('_', ' ')} {final[key]:.3g}" for key in ("skewness_error", "excess_kurtosis_error") if _finite(final.get(key))
    )
    return Cause("misshapen", None, f"{final.get('reasons') or 'shape wrong'}" + (f"; {shape}" if shape else ""))


def _last(values: np.ndarray) -> float:
    return float(values[-1]) if len(values) else math.nan


def _dead(final: Mapping, trace: Trace) -> Cause | None:
    dead = trace.series("d_dead_fraction")
    if not _last(dead) == 1.0:
        return None
    spread = _last(trace.series("d_score_range"))
    since = trace.since(dead == 1.0)
    return Cause(
        "discriminator_dead",
        since,
        f"every ReLU unit of a hidden layer of D inactive on the data; D's score range on the data {spread:.3g}",
    )


def _saturated(final: Mapping, trace: Trace) -> Cause | None:
    ratio = trace.series("g_gradient_ratio")
    if not _last(ratio) < SATURATED_RATIO:
        return None
    since = trace.since(ratio < SATURATED_RATIO)
    real, fake = _last(trace.series("d_real_score")), _last(trace.series("d_fake_score"))
    return Cause(
        "discriminator_saturated",
        since,
        f"generator gradient ratio {_last(ratio):.3g} < {SATURATED_RATIO}; "
        f"mean D score real {real:.3g}, fake {fake:.3g}",
    )


def _std_ratio_key(final: Mapping) -> str:
    return "std_ratio" if _finite(final.get("std_ratio")) else "total_std_ratio"


def _collapsed(final: Mapping, trace: Trace) -> Cause | None:
    key = _std_ratio_key(final)
    ratio = final.get(key, math.nan)
    if not _finite(ratio) or not ratio < COLLAPSED_STD_RATIO:
        return None
    since = trace.since(trace.series(key) < COLLAPSED_STD_RATIO)
    return Cause(
        "generator_collapsed",
        since,
        f"{key.replace('_', ' ')} {ratio:.3g} < {COLLAPSED_STD_RATIO} (final sample)",
    )


def _modes_dropped(final: Mapping, trace: Trace) -> Cause | None:
    covered, modes = final.get("modes_covered"), final.get("n_modes")
    if not _finite(covered) or not _finite(modes) or covered >= modes:
        return None
    since = trace.since(trace.series("modes_covered") < modes)
    return Cause("modes_dropped", since, f"{int(covered)} of {int(modes)} modes covered (final sample)")


def _oscillating(final: Mapping, trace: Trace) -> Cause | None:
    if len(trace.labels) >= 4 and is_oscillating([label == "converged" for label in trace.labels]):
        half = trace.eval_steps[len(trace.eval_steps) // 2]
        return Cause("oscillating", int(half), "pass/fail switched at least 3 times over the last half of the checks")
    std, ratio = final.get("std"), final.get("std_ratio")  # 1-D only (NaN in 2-D)
    if not (_finite(std) and _finite(ratio) and ratio > 0) or len(trace.eval_steps) < 4:
        return None
    window = slice(len(trace.eval_steps) // 2, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        deviations = {
            "mean": trace.series("mean_error")[window] / (std / ratio),  # in target sd
            "std": np.log(trace.series("std_ratio")[window]),  # log std ratio: +-0.1 is about +-10 %
        }
    for what, offsets in deviations.items():
        swings = _swings(offsets, SWING_BAND)
        if swings >= SWINGS:
            unit = "target sd" if what == "mean" else "in log std ratio"
            return Cause(
                "oscillating",
                int(trace.eval_steps[window][0]),
                f"the {what} swung across the target's {swings} times beyond +-{SWING_BAND} {unit} over the "
                f"last half of the checks (largest offset {float(np.nanmax(np.abs(offsets))):.3g})",
            )
    return None


def _swings(offsets: np.ndarray, band: float) -> int:
    """How often ``offsets`` went from beyond ``+band`` to beyond ``-band`` or back."""
    sides = np.sign(offsets) * (np.abs(offsets) > band)
    sides = sides[np.isfinite(sides) & (sides != 0)]  # the excursions beyond the band, in order
    return int(np.sum(sides[1:] != sides[:-1]))


def _too_slow(final: Mapping, trace: Trace) -> Cause | None:
    key = "ks_statistic" if np.isfinite(trace.series("ks_statistic")).any() else "energy_distance"
    distance = trace.series(key)
    window = slice(len(distance) // 2, None)
    steps, values = trace.eval_steps[window], distance[window]
    keep = np.isfinite(values)
    if keep.sum() < TREND_MIN_CHECKS:
        return None
    result = scipy.stats.kendalltau(steps[keep], values[keep], alternative="less")
    if not result.pvalue < TREND_P:
        return None
    return Cause(
        "too_slow",
        int(steps[0]),
        f"{key.replace('_', ' ')} still falling at the end: {values[keep][0]:.3g} -> {values[keep][-1]:.3g} "
        f"over the last {int(keep.sum())} checks (Kendall tau {result.statistic:.2f}, p = {result.pvalue:.2g})",
    )


def _off_target(final: Mapping, trace: Trace) -> Cause | None:
    if final.get("label") == "biased":
        since = trace.since(np.array([label == "biased" for label in trace.labels], dtype=bool))
        return Cause(
            "off_target",
            since,
            f"shape right, place wrong: mean error {final.get('mean_error', math.nan):.3g}, "
            f"std ratio {final.get('std_ratio', math.nan):.3g} (final sample)",
        )
    std, ratio, error = final.get("std"), final.get("std_ratio"), final.get("mean_error")
    if not (_finite(std) and _finite(ratio) and _finite(error) and ratio > 0):
        return None
    target_std = std / ratio
    if not abs(error) >= FAR_OFF * target_std:
        return None
    since = trace.since(np.abs(trace.series("mean_error")) >= FAR_OFF * target_std)
    return Cause(
        "off_target",
        since,
        f"far from the data: mean error {error:.3g} = {error / target_std:.3g} target sd (final sample)",
    )


def _finite(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
