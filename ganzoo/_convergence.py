"""The convergence protocol of ``docs/convergence.md``: did a run learn its target, and stay there?

A run *meets the strict verdict* when :func:`evaluation.evaluate` labels it ``converged``
at every check over the last 10 % of its training: :data:`TAIL_CHECKS` checks, evenly
spaced and ending at the last step (for 20,000 steps: after steps 18,500, 19,000, 19,500
and 20,000), each on :data:`EVAL_SAMPLES` = 10,000 generated points drawn from the run's
fixed evaluation noise. At n = 10,000 the noise floor of :class:`evaluation.Thresholds`
(``noise_quantile`` = 0.999) is below every fixed threshold for N(4, 1.25) (KS D 0.0195,
|mean error| 0.041, |std ratio - 1| 0.023), so the exact thresholds apply at every check:
KS D <= 0.02, |mean error| <= 0.05, |std ratio - 1| <= 0.05. A run that drifts in and
out of the acceptance region in its last 10 % fails.

:func:`strict_outcome` trains a GAN (an ensemble: one member per seed) under this protocol
and returns an :class:`Outcome` with each member's pass/fail and scores.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

import numpy as np

from evaluation import DEFAULT_THRESHOLDS, Gaussian, wilson_interval

from ._gan import GAN

TAIL_FRACTION = 0.1
TAIL_CHECKS = 4
EVAL_SAMPLES = 10_000


def check_schedule(steps: int) -> tuple[int, int]:
    """``(head, eval_every)``: train ``head`` steps unscored, then ``TAIL_CHECKS`` checks ``eval_every`` apart.

    The checks cover the last ``TAIL_FRACTION`` of ``steps`` and end at the last step.
    """
    eval_every = max(1, round(steps * TAIL_FRACTION / TAIL_CHECKS))
    head = steps - eval_every * TAIL_CHECKS
    if head < 0:
        raise ValueError(f"steps must be >= {TAIL_CHECKS} to hold the tail checks, got {steps}")
    return head, eval_every


@dataclasses.dataclass(frozen=True)
class Outcome:
    """Strict-verdict outcome of an ensemble: arrays ``(K,)`` or ``(K, checks)``."""

    seeds: tuple[int, ...]
    success: np.ndarray  # met the verdict at every tail check
    eval_steps: np.ndarray
    labels: np.ndarray
    ks_statistic: np.ndarray
    wasserstein: np.ndarray
    mean_error: np.ndarray
    std_ratio: np.ndarray
    seconds: float
    engine: str = "autograd"  # the engine that trained: autograd, fused or numba

    @property
    def successes(self) -> int:
        return int(self.success.sum())

    @property
    def rate(self) -> float:
        return self.successes / len(self.seeds)

    def summary(self) -> dict[str, object]:
        """Counts, Wilson 95 % interval, medians at the last check and last-check labels."""
        low, high = wilson_interval(self.successes, len(self.seeds))
        return {
            "seeds": len(self.seeds),
            "successes": self.successes,
            "rate": self.rate,
            "wilson_low": low,
            "wilson_high": high,
            "median_ks": float(np.nanmedian(self.ks_statistic[:, -1])),
            "median_w1": float(np.nanmedian(self.wasserstein[:, -1])),
            "median_abs_mean_error": float(np.nanmedian(np.abs(self.mean_error[:, -1]))),
            "median_abs_std_ratio_deviation": float(np.nanmedian(np.abs(self.std_ratio[:, -1] - 1))),
            "final_labels": dict(Counter(self.labels[:, -1].tolist())),
            "seconds": round(self.seconds, 1),
            "engine": self.engine,
        }


def strict_outcome(gan: GAN, target=None, *, progress: bool = False) -> Outcome:
    """Train ``gan`` (not yet fitted) for its budget and judge every member by the protocol."""
    if gan.trainer is not None:
        raise ValueError("strict_outcome needs a fresh GAN: this one is already built or fitted")
    start = time.perf_counter()
    head, eval_every = check_schedule(gan.config.steps)
    if head:
        gan.fit(target, steps=head, eval_every=0, progress=progress)
    gan.fit(target, steps=eval_every * TAIL_CHECKS, eval_every=eval_every, eval_samples=EVAL_SAMPLES, progress=progress)
    record = gan.trainer.history  # ensemble layout (K, ...) even for a single run
    tail = record.eval_steps > head
    labels = record.labels[:, tail]
    return Outcome(
        seeds=tuple(gan.seeds),
        success=(labels == "converged").all(axis=1),
        eval_steps=record.eval_steps[tail],
        labels=labels,
        ks_statistic=record.scores["ks_statistic"][:, tail],
        wasserstein=record.scores["wasserstein"][:, tail],
        mean_error=record.scores["mean_error"][:, tail],
        std_ratio=record.scores["std_ratio"][:, tail],
        seconds=time.perf_counter() - start,
        engine=gan.trainer.engine_kind,
    )


def strict_threshold_floor(n: int = EVAL_SAMPLES, target=None) -> dict[str, float]:
    """The verdict's effective thresholds at sample size ``n`` (fixed threshold or noise floor)."""
    target = Gaussian() if target is None else target
    t = DEFAULT_THRESHOLDS
    return {
        "ks_statistic": t.ks_at(n),
        "abs_mean_error": t.mean_error_at(n, target.std),
        "abs_std_ratio_deviation": t.std_ratio_at(n, target.excess_kurtosis),
    }
