"""The pass band of a documented success rate, shared by the convergence property tests."""

from __future__ import annotations

import scipy.stats

ALPHA = 0.01


def pass_band(successes: int, seeds: int, n: int, alpha: float = ALPHA) -> tuple[int, int]:
    """Central ``1 - alpha`` interval of successes on ``n`` new seeds after ``successes``/``seeds``.

    The beta-binomial posterior predictive with Jeffreys' prior Beta(1/2, 1/2): each tail
    outside the band holds at most ``alpha / 2``.
    """
    predictive = scipy.stats.betabinom(n, successes + 0.5, seeds - successes + 0.5)
    return int(predictive.ppf(alpha / 2)), int(predictive.ppf(1 - alpha / 2))
