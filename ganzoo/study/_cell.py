"""One cell of a study, the unit of work: a setting on a target with some seeds, trained as
one ensemble. :func:`run_cell` returns plain records and never touches the store; a backend
(:mod:`ganzoo.study._backends`) runs it in this process, in worker processes or on a Ray
cluster, and the driver (:func:`ganzoo.study.run_study`) stores what it returns.

Long cells also save their training state every so many steps into
``<study>/checkpoints/`` (:class:`CellCheckpoints`): a study killed mid-cell restarts that
cell from its last checkpoint, exactly (the stored results are those of an uninterrupted
study), and a checkpoint is deleted once its cell's records are committed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import re
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch

from evaluation import target_from_spec

from .._checkpoint import CheckpointError
from .._config import GANConfig
from .._history import window_means
from .._member_reports import member_reports
from .._reference import discriminator_grid
from .._trainer import DIVERGENCE_CHECK_STEPS
from .._version import __version__
from ._store import RunRecord
from ._study import Cell, Study

StepReport = Callable[[int], None]
"""Called with a number of run-steps just done (steps x ensemble members)."""


# --------------------------------------------------------------------------------------
# Checkpoints of cells


def checkpoint_interval(every: int) -> int:
    """``every`` rounded up to a whole number of the trainer's divergence-check spans.

    Training pauses at those steps anyway (:data:`ganzoo._trainer.DIVERGENCE_CHECK_STEPS`),
    so checkpoints taken there change nothing in a run: the stored results do not depend
    on the interval (which is therefore not part of a study's definition). 0 stays 0.
    """
    return -(-every // DIVERGENCE_CHECK_STEPS) * DIVERGENCE_CHECK_STEPS


@dataclasses.dataclass(frozen=True)
class CellCheckpoints:
    """Where cells save their training state (``folder``) and every how many steps.

    A cell longer than ``every`` steps writes ``folder/<cell key>.pt`` every ``every``
    generator steps and when its training ends (``GAN.fit(checkpoint=...)``); a cell
    that finds its file resumes from it. The driver deletes the file once the cell's
    records are committed. ``every`` should come from :func:`checkpoint_interval`.
    """

    folder: Path
    every: int

    def path(self, cell: Cell) -> Path:
        """The cell's file: its setting (readable) and a hash of setting, target and seeds."""
        key = json.dumps([cell.setting.id, cell.target, list(cell.seeds)])
        digest = hashlib.sha256(key.encode()).hexdigest()[:16]
        readable = re.sub(r"[^A-Za-z0-9._-]+", "_", cell.setting.id)[:48]
        return self.folder / f"{readable}-{digest}.pt"

    def remove(self, cell: Cell) -> None:
        self.path(cell).unlink(missing_ok=True)

    def clean(self, keep: list[Cell]) -> None:
        """Delete checkpoints of cells not in ``keep`` (stored before the file could be
        deleted) and temporary files of interrupted writes; the folder too once empty."""
        if not self.folder.is_dir():
            return
        wanted = {self.path(cell) for cell in keep}
        now = time.time()
        for path in self.folder.iterdir():
            stale = path.suffix == ".pt" and path not in wanted
            # A temporary file is left by a write that was killed; a recent one may be
            # another process's write in progress (two drivers on one folder).
            abandoned = path.name.endswith(".tmp") and now - path.stat().st_mtime > 600
            if path.is_file() and (stale or abandoned):
                path.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            self.folder.rmdir()  # only if empty


def _restored(gan, path: Path, target) -> bool:
    """Whether ``gan`` now holds the state of the checkpoint ``path`` (False: none there)."""
    if not path.is_file():
        return False
    try:
        gan.restore(path, target=target)
    except CheckpointError as error:  # cannot happen to an atomically written file of this study
        warnings.warn(f"{error}; training the cell from its start instead", stacklevel=3)
        path.unlink(missing_ok=True)
        return False
    return True


# --------------------------------------------------------------------------------------
# Training a cell


class _StepCounter:
    """The trainer's ``progress`` callable while a cell trains: forwards step counts.

    The trainer calls it with the generator steps just done; here they become
    ``report(members x steps)``, at most twice a second (and at :meth:`flush`), so that the
    driver's bar moves while workers train.
    """

    def __init__(self, report: StepReport | None, members: int) -> None:
        self.report, self.members = report, members
        self.pending, self.last = 0, time.monotonic()

    def __call__(self, steps: int) -> None:
        self.pending += steps
        now = time.monotonic()
        if now - self.last > 0.5:
            self.flush()
            self.last = now

    def flush(self) -> None:
        if self.pending and self.report is not None:
            self.report(self.pending * self.members)
        self.pending = 0


def run_cell(
    study: Study, cell: Cell, report: StepReport | None = None, *, checkpoints: CellCheckpoints | None = None
) -> list[RunRecord]:
    """Train one cell as one ensemble and return one record per seed (nothing is stored).

    With ``checkpoints``, a cell longer than ``checkpoints.every`` steps saves its state
    there as it trains, and resumes from a checkpoint it finds (left by a killed study):
    the records are the same as those of an uninterrupted cell. ``seconds`` and
    ``cpu_seconds`` then count only the time spent in this process.
    """
    target = target_from_spec(cell.target)
    config = cell.setting.config(study.steps)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny ops: a second thread only adds hand-offs
    try:
        start, cpu_start = time.perf_counter(), time.process_time()
        gan = _trained(study, cell, config, target, report, checkpoints)
        samples = gan.sample(study.final_samples, seed=0)  # (K, n, dim)
        grid = discriminator_grid(target, study.grid_points)
        on_grid = gan.discriminate(grid)  # (K, g)
        # A member that diverged during training is labelled so, with no scores (stored as
        # null), whatever its final sample looks like; the others are scored.
        diverged_at = np.atleast_1d(gan.history.diverged_at)
        reports = member_reports(samples, gan.trainer.scoring_target, diverged_at, gan.trainer.divergence_reasons)
        seconds = (time.perf_counter() - start) / len(cell.seeds)
        cpu_seconds = (time.process_time() - cpu_start) / len(cell.seeds)
    finally:
        torch.set_num_threads(threads)
    engine = gan.trainer.engine_kind
    overrides = dict(cell.setting.overrides) | ({"recommended": True} if cell.setting.recommended else {})
    records = []
    for k, seed in enumerate(cell.seeds):
        member = gan.history.member(k)
        records.append(
            RunRecord(
                setting=cell.setting.id,
                target=cell.target,
                seed=seed,
                variant=cell.setting.variant,
                overrides=overrides,
                config=config.to_dict(),
                steps=config.steps,
                version=__version__,
                engine=engine,
                scores=reports[k],
                history=_stored_history(member),
                sample=samples[k, : study.stored_samples].astype(np.float32),
                grid=grid.astype(np.float32),
                scores_on_grid=on_grid[k].astype(np.float32),
                seconds=seconds,
                cpu_seconds=cpu_seconds,
                snapshots=member.snapshots,
            )
        )
    return records


def _trained(study: Study, cell: Cell, config: GANConfig, target, report, checkpoints: CellCheckpoints | None):
    """The cell's GAN (an ensemble of its seeds) trained for the study's budget, resuming
    from the cell's checkpoint if a killed study left one."""
    gan = cell.setting.gan(config, seeds=cell.seeds, engine=study.engine, device=study.device)
    path = None
    if checkpoints is not None and checkpoints.every and config.steps > checkpoints.every:
        path = checkpoints.path(cell)
    counter = _StepCounter(report, len(cell.seeds))
    if path is not None and _restored(gan, path, target):
        gan.resume(progress=counter)  # the rest of the interrupted fit below, exactly
    else:
        gan.fit(
            target,
            steps=config.steps,
            eval_every=study.eval_every,
            eval_samples=study.eval_samples,
            progress=counter,
            **({} if path is None else {"checkpoint": path, "checkpoint_every": checkpoints.every}),
        )
    counter.flush()
    return gan


def _stored_history(member) -> dict:
    """What the store keeps of a run's history: the checks and mean losses between them."""
    return {
        "eval_steps": member.eval_steps.tolist(),
        "scores": {key: value.tolist() for key, value in member.scores.items()},
        "labels": member.labels.tolist(),
        "d_loss_mean": window_means(member.d_loss, member.eval_steps),
        "g_loss_mean": window_means(member.g_loss, member.eval_steps),
        # The generator step at which the run diverged, or None (never).
        "diverged_at": int(member.diverged_at) if member.diverged_at >= 0 else None,
        # What the discriminator was doing at each check (ganzoo._traces): the causes' evidence.
        "traces": {key: value.tolist() for key, value in member.traces.items()},
    }
