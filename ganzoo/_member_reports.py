"""The final or periodic report of each ensemble member: scored, or labelled diverged."""

from __future__ import annotations

import math

import numpy as np

from evaluation import evaluate, evaluate_many


def member_reports(samples: np.ndarray, target, diverged_at: np.ndarray, reasons: list[str]) -> list[dict]:
    """For each member k of ``samples (K, n, dim)``: ``evaluate(samples[k], target).to_dict()``
    (the members still training scored by one :func:`evaluation.evaluate_many` call),
    or, for a member that diverged in training (``diverged_at[k] >= 0``), its
    :func:`diverged_report` (labelled so whatever its samples look like, with no scores)."""
    n = samples.shape[1]
    training = np.flatnonzero(diverged_at < 0)
    scored = iter(evaluate_many(samples[training], target))
    return [
        next(scored).to_dict()
        if diverged_at[k] < 0
        else diverged_report(
            target,
            n,
            step=int(diverged_at[k]),
            reason=reasons[k],
            n_nonfinite=int(np.sum(~np.isfinite(samples[k]).all(axis=-1))),
        )
        for k in range(len(samples))
    ]


def diverged_report(target, n: int, *, step: int, reason: str, n_nonfinite: int = 0) -> dict:
    """The report, as :meth:`evaluation.Report.to_dict` gives it, of a run that diverged at ``step``.

    Labelled ``'diverged'`` with every score NaN (none is computed: a diverged run has no
    scores), the same keys as any report on ``target`` of ``n`` samples, ``n_nonfinite``
    as counted in the run's samples, and ``reasons`` saying when and why it diverged.
    """
    # evaluate on an all-NaN sample: the 'diverged' report with the target's exact keys.
    report = evaluate(np.full((max(n, 2), target.dim), math.nan), target).to_dict()
    report.update(n=int(n), n_nonfinite=int(n_nonfinite), reasons=f"training diverged at step {step}: {reason}")
    return report
