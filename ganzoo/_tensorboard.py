"""Optional TensorBoard logging of a run's record: ``fit(..., log_dir=...)``, ``--tensorboard DIR``.

Written with ``torch.utils.tensorboard`` (the ``tensorboard`` package: ``pip install
'ganzoo[tensorboard]'``; without it, asking for a log is one clear error, and nothing else
needs it). Per run, at each evaluation check (the generator step is TensorBoard's step):

- ``loss/d``, ``loss/g``: the mean discriminator and generator loss since the previous check;
- ``score/<key>``: every numeric score of :func:`evaluation.evaluate` on the check's sample;
- ``trace/<key>``: the discriminator's traces (:mod:`ganzoo._traces`);
- ``generated`` (1-D) or ``generated/x1``, ``generated/x2``, ...: a histogram of the
  check's snapshot points.

An ensemble's runs are written under ``seed_<s>/``; a study's under
``<setting>/<target>/seed_<s>/``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from ._history import Snapshots, window_means


def summary_writer(log_dir: str | Path):
    """A ``torch.utils.tensorboard.SummaryWriter`` on ``log_dir``; a RuntimeError that says
    what to install when the tensorboard package is missing."""
    try:
        from torch.utils.tensorboard import SummaryWriter
    except ImportError as error:
        raise RuntimeError(
            f"TensorBoard logging (log_dir={str(log_dir)!r}) needs the tensorboard package: "
            f"pip install 'ganzoo[tensorboard]' ({error})"
        ) from None
    return SummaryWriter(log_dir=str(log_dir))


def log_run(
    writer,
    *,
    prefix: str,
    eval_steps: Sequence[int],
    scores: Mapping[str, Sequence[float]],
    traces: Mapping[str, Sequence[float]],
    d_loss_mean: Sequence[float],
    g_loss_mean: Sequence[float],
    snapshots: Snapshots | None = None,
) -> int:
    """Write one run's record at its checks under ``prefix``; returns the events written."""
    events = 0
    series = {"loss/d": d_loss_mean, "loss/g": g_loss_mean}
    series |= {f"score/{key}": values for key, values in scores.items()}
    series |= {f"trace/{key}": values for key, values in traces.items()}
    for tag, values in series.items():
        for step, value in zip(eval_steps, values):
            if value is not None and math.isfinite(value):
                writer.add_scalar(prefix + tag, float(value), int(step))
                events += 1
    if snapshots is not None:
        dim = snapshots.samples.shape[-1]
        for c, step in enumerate(eval_steps):
            for i in range(dim):
                points = snapshots.samples[c, :, i]
                points = points[np.isfinite(points)]
                if len(points):
                    writer.add_histogram(prefix + ("generated" if dim == 1 else f"generated/x{i + 1}"), points, int(step))
                    events += 1
    return events


def log_history(writer, record, seeds: Sequence[int], *, single: bool, offset: int) -> int:
    """Write an ensemble record (a :class:`ganzoo.History` with a member axis, whose first
    step follows generator step ``offset``) run by run; returns the events written."""
    events = 0
    for k, seed in enumerate(seeds):
        member = record.member(k)
        events += log_run(
            writer,
            prefix="" if single else f"seed_{seed}/",
            eval_steps=member.eval_steps.tolist(),
            scores={key: value.tolist() for key, value in member.scores.items()},
            traces={key: value.tolist() for key, value in member.traces.items()},
            d_loss_mean=window_means(member.d_loss, member.eval_steps - offset),
            g_loss_mean=window_means(member.g_loss, member.eval_steps - offset),
            snapshots=member.snapshots,
        )
    writer.flush()
    return events
