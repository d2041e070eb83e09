"""Where cells train: this process, local worker processes, or a Ray cluster.

A backend (:class:`Backend`) yields ``(cell, records)`` as cells finish, in any order; the
driver (:func:`ganzoo.study.run_study`) stores them. Workers never write the store.
"""

from __future__ import annotations

import concurrent.futures
import importlib.util
import multiprocessing
import os
import queue as queue_module
from collections.abc import Iterator, Sequence
from typing import Protocol

import torch

from .._validation import check_int
from ._cell import CellCheckpoints, StepReport, run_cell
from ._store import RunRecord
from ._study import Cell, Study

BACKENDS = ("local", "ray")

Results = Iterator[tuple[Cell, list[RunRecord]]]


class Backend(Protocol):
    """Trains cells somewhere and hands their records back to the driver."""

    def run(
        self, study: Study, cells: Sequence[Cell], report: StepReport, *, checkpoints: CellCheckpoints | None = None
    ) -> Results:
        """Train ``cells`` of ``study``; yield each with its records as it finishes.

        ``report(n)`` is called with run-steps done, as they are done (or when a cell ends);
        ``checkpoints`` is where long cells save their training state.
        """
        ...

    def close(self) -> None:
        """Release workers; cells still training are abandoned (they were not stored)."""
        ...


def check_backend(name: str, *, workers: int | None = None, address: str | None = None) -> None:
    """A ValueError for backend options that cannot work (checked before anything starts)."""
    if name not in BACKENDS:
        raise ValueError(f"backend must be one of {', '.join(BACKENDS)}, got {name!r}")
    if workers is not None:
        check_int("workers", workers, minimum=1)
    if name == "local" and address is not None:
        raise ValueError(f"address applies to the ray backend only, got address={address!r} with backend 'local'")
    if name == "ray" and importlib.util.find_spec("ray") is None:
        raise ValueError(_NO_RAY)


_NO_RAY = "the ray backend needs Ray: pip install 'ganzoo[ray]' (or pip install ray)"


SMALL_WORK = 20_000
"""Below this many network updates in all (steps x (n_critic + 1), summed over cells), the
local backend trains in-process by default: starting a worker (importing torch) costs
more CPU than such a study (e.g. ``--quick``) saves."""


def make_backend(
    name: str, *, workers: int | None = None, address: str | None = None, cells: int = 0, updates: int | None = None
) -> Backend:
    """The backend called ``name``. Local ``workers`` default to the CPU count, at most one
    per cell, or 1 when the work (``updates``, see :data:`SMALL_WORK`) is small."""
    check_backend(name, workers=workers, address=address)
    if name == "ray":
        return RayBackend(address=address, num_cpus=workers)
    if workers is None:
        small = updates is not None and updates < SMALL_WORK
        workers = 1 if small else max(1, min(os.cpu_count() or 1, cells or 1))
    return LocalBackend(workers)


class LocalBackend:
    """``workers`` = 1: cells train one after another in this process. More: a pool of
    worker processes (spawned, each single-threaded: the networks are tiny and a second
    thread per process only adds hand-offs on a machine whose cores are all busy)."""

    def __init__(self, workers: int = 1) -> None:
        self.workers = workers
        self.pool: concurrent.futures.ProcessPoolExecutor | None = None

    def run(
        self, study: Study, cells: Sequence[Cell], report: StepReport, *, checkpoints: CellCheckpoints | None = None
    ) -> Results:
        if self.workers == 1 or len(cells) == 1:
            for cell in cells:
                yield cell, run_cell(study, cell, report, checkpoints=checkpoints)
            return
        context = multiprocessing.get_context("spawn")  # fork after torch started threads can hang
        steps = context.Queue()
        self.pool = concurrent.futures.ProcessPoolExecutor(
            min(self.workers, len(cells)), mp_context=context, initializer=_init_worker, initargs=(steps,)
        )
        futures = {self.pool.submit(_worker_cell, study, cell, checkpoints): cell for cell in cells}
        pending = set(futures)
        while pending:
            finished, pending = concurrent.futures.wait(
                pending, timeout=0.5, return_when=concurrent.futures.FIRST_COMPLETED
            )
            _drain(steps, report)
            for future in finished:
                yield futures[future], future.result()
        _drain(steps, report)

    def close(self) -> None:
        if self.pool is not None:
            # Not waiting: after an error or Ctrl-C, cells still training are abandoned
            # (they were not stored, so a rerun trains them again).
            self.pool.shutdown(wait=False, cancel_futures=True)
            self.pool = None


def _drain(steps, report: StepReport) -> None:
    while True:
        try:
            report(steps.get_nowait())
        except queue_module.Empty:
            return


_STEPS = None  # the worker's queue of step counts, set by _init_worker


def _init_worker(steps) -> None:
    global _STEPS
    torch.set_num_threads(1)
    _STEPS = steps


def _worker_cell(study: Study, cell: Cell, checkpoints: CellCheckpoints | None = None) -> list[RunRecord]:
    return run_cell(study, cell, _STEPS.put if _STEPS is not None else None, checkpoints=checkpoints)


class RayBackend:
    """Cells as Ray tasks (one CPU each); results come back to the driver, which stores them.

    ``address``: a running cluster (``"auto"``, ``"ray://host:10001"``, ...); without
    it a local Ray instance starts with ``num_cpus`` CPUs (default: all). Every node needs
    this ganzoo installed (same version). Steps are counted when a cell finishes.
    """

    def __init__(self, *, address: str | None = None, num_cpus: int | None = None) -> None:
        try:
            import ray
        except ImportError:
            raise ValueError(_NO_RAY) from None
        self.ray = ray
        self.started = False
        if not ray.is_initialized():
            options = {"address": address, "include_dashboard": False, "log_to_driver": False}
            if address is None:
                options["num_cpus"] = num_cpus
            ray.init(**options)
            self.started = True

    def run(
        self, study: Study, cells: Sequence[Cell], report: StepReport, *, checkpoints: CellCheckpoints | None = None
    ) -> Results:
        ray = self.ray
        task = ray.remote(num_cpus=1, max_retries=0)(_ray_cell)
        study_ref = ray.put(study)
        refs = {task.remote(study_ref, cell, checkpoints): cell for cell in cells}
        while refs:
            ready, _ = ray.wait(list(refs), num_returns=1, timeout=0.5)
            for ref in ready:
                cell = refs.pop(ref)
                try:
                    records = ray.get(ref)
                except ray.exceptions.RayError as error:  # one line, not a remote traceback
                    cause = getattr(error, "cause", None) or error
                    message = str(cause).strip().splitlines()[-1] if str(cause).strip() else type(cause).__name__
                    raise RuntimeError(
                        f"cell {cell.setting.id} on {cell.target} failed on Ray: {type(cause).__name__}: {message}"
                    ) from error
                report(sum(r.steps for r in records))
                yield cell, records

    def close(self) -> None:
        if self.started:
            self.ray.shutdown()
            self.started = False


def _ray_cell(study: Study, cell: Cell, checkpoints: CellCheckpoints | None = None) -> list[RunRecord]:
    torch.set_num_threads(1)
    return run_cell(study, cell, checkpoints=checkpoints)
