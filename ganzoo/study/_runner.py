"""Running a study: train the missing cells, store each one as soon as it finishes.

:func:`run_study` is the driver: it opens (or resumes) the study folder's store, hands the
missing cells (:mod:`ganzoo.study._cell`) to a backend (:mod:`ganzoo.study._backends`),
longest first, and commits each result in one transaction as it arrives.
"""

from __future__ import annotations

import dataclasses
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tqdm.auto import tqdm

from .._manifest import write_manifest
from .._networks import MLPSpec
from .._validation import check_int
from .._version import __version__
from ..engine import unsupported_features
from ._backends import check_backend, make_backend
from ._cell import CellCheckpoints, checkpoint_interval
from ._store import Store
from ._study import Cell, Study

DEFAULT_CHECKPOINT_EVERY = 2000
"""Generator steps between a long cell's checkpoints (``ganzoo compare --checkpoint-every``)."""

SECONDS_PER_COST = 7.1e-5
"""Seconds of one worker per unit of :func:`estimated_cost`, measured on the reference
machine (a 2-core Intel Xeon with AVX-512, numba engine, width-16 networks, 2026-12-03
evening, float32 losses): 0.057 to 0.10 ms per unit over the cells of the default study
(4.8 s for a 32-seed ``vanilla`` cell, 11.8 s for ``nonsaturating:recommended``, 18 s for
``wgan-gp``), 0.071 ms over all of them less the compile. Only for the estimate printed
before a study starts."""

FIRST_RUN_SECONDS = 13
"""The one-time compilation of the numba kernels per worker on a machine's first run
(12-13 s on the reference machine, 2026-12-03 evening)."""

CHECKPOINTS = "checkpoints"
"""The study folder's subfolder for the checkpoints of cells in training."""


@dataclasses.dataclass(frozen=True)
class StudyRun:
    """What :func:`run_study` did: runs in the study, found stored, trained now, seconds."""

    out: Path
    total: int
    existing: int
    trained: int
    seconds: float

    @property
    def complete(self) -> bool:
        return self.existing + self.trained == self.total


def missing_cells(study: Study, done: set[tuple[str, str, int]]) -> list[Cell]:
    """The cells (with only their missing seeds) still to train, longest first."""
    todo = []
    for cell in study.cells():
        seeds = tuple(s for s in cell.seeds if (cell.setting.id, cell.target, s) not in done)
        if seeds:
            todo.append(Cell(cell.setting, cell.target, seeds))
    # Longest first: a better finish time on a few workers (LPT scheduling).
    return sorted(todo, key=lambda c: -estimated_cost(c, study))


def run_study(
    study: Study,
    out: str | Path,
    *,
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    progress: bool | None = None,
    checkpoint_every: int = DEFAULT_CHECKPOINT_EVERY,
    announce: Callable[[str], object] | None = None,
) -> StudyRun:
    """Train every run of ``study`` not yet stored in ``out`` and store each as it finishes.

    ``out`` is the study folder: created if new, resumed if it holds this study (only the
    missing runs train), refused if it holds another study or other files.
    ``backend``: ``"local"`` (``workers`` processes, default one per CPU core, each
    single-threaded; ``workers=1``, and the default for a tiny study, trains in this process) or ``"ray"`` (cells as Ray
    tasks; ``address`` joins a running cluster, else a local Ray instance starts with
    ``workers`` CPUs). ``progress``: tqdm bars over runs and steps (default: when
    stderr is a terminal).

    ``checkpoint_every``: a cell longer than that many generator steps saves its training
    state every that many steps (rounded up to a multiple of 1024,
    :func:`checkpoint_interval`) into ``out/checkpoints/``, so that a study killed
    mid-cell (even ``kill -9``) loses at most that many steps of the cells in training;
    rerunning resumes them from there, with results identical to an uninterrupted study.
    0: no checkpoints (a killed cell restarts from its first step). It is not part of the
    study's definition: any value resumes any study. On Ray, workers write the files on
    their own node (resuming from them needs a shared file system).

    ``announce``, if given, is called once before training starts with a line that gives
    the study's planned size and an estimated time (:func:`plan_text`).

    Worker processes are spawned, so a script that calls this with more than one worker
    needs the usual ``if __name__ == "__main__":`` guard around its main code.
    """
    if not isinstance(study, Study):
        raise TypeError(f"study must be a ganzoo.study.Study, got {study!r}")
    check_backend(backend, workers=workers, address=address)
    check_int("checkpoint_every", checkpoint_every, minimum=0)
    out = Path(out)
    start = time.perf_counter()
    definition = study.to_dict()  # resolves every setting's config
    with Store.create_or_open(out, definition, version=__version__) as store:
        write_manifest(out, config=definition, seeds=list(study.seeds))  # what (re)started it, and where
        done = store.done()
        todo = missing_cells(study, done)
        existing = study.n_runs - sum(len(c.seeds) for c in todo)
        checkpoints = CellCheckpoints(out / CHECKPOINTS, checkpoint_interval(checkpoint_every))
        checkpoints.clean(keep=todo)  # files of cells stored by a run killed before deleting them
        if not todo:
            return StudyRun(out, study.n_runs, existing, 0, time.perf_counter() - start)
        configs = [c.setting.config(study.steps) for c in todo]
        updates = sum(config.steps * (config.n_critic + 1) for config in configs)
        runner = make_backend(backend, workers=workers, address=address, cells=len(todo), updates=updates)
        if announce is not None:
            announce(plan_text(study, todo, existing, getattr(runner, "workers", None)))
        if progress is None:
            progress = sys.stderr.isatty()
        steps_total = sum(len(c.seeds) * c.setting.config(study.steps).steps for c in todo)
        run_bar = tqdm(
            total=study.n_runs, initial=existing, desc="runs", unit="run", disable=not progress, position=0
        )
        step_bar = tqdm(
            total=steps_total, desc="steps", unit="step", unit_scale=True, disable=not progress, position=1,
            mininterval=0.5,
        )
        trained = 0
        counted: dict[Cell, int] = {}
        try:
            cell_checkpoints = checkpoints if checkpoints.every else None
            for cell, records in runner.run(study, todo, step_bar.update, checkpoints=cell_checkpoints):
                trained += store.add(records)
                checkpoints.remove(cell)  # committed: its checkpoint is of no more use
                run_bar.update(len(records))
                run_bar.set_postfix_str(f"last: {cell.setting.id} ({len(records)} seeds)")
                counted[cell] = len(cell.seeds) * records[0].steps if records else 0
                # Steps reported live may lag the finish; settle the bar at each cell's end.
                step_bar.n = max(step_bar.n, sum(counted.values()))
                step_bar.refresh()
        finally:
            runner.close()
            step_bar.close()
            run_bar.close()
        if trained + existing == study.n_runs:
            checkpoints.clean(keep=[])
    return StudyRun(out, study.n_runs, existing, trained, time.perf_counter() - start)


def estimated_cost(cell: Cell, study: Study) -> float:
    """A rough relative cost of a cell, to start the longest first (a better finish time)."""
    config = cell.setting.config(study.steps)
    # Per network update, autograd costs several times the fused engine at tens of members
    # (7x for vanilla, 17x for WGAN-GP at 64; docs/engine.md); penalties are fused too.
    autograd = study.engine == "autograd" or bool(unsupported_features(config))
    per_update = 6.0 if autograd else 1.0
    # Wide networks: the arithmetic, not the per-step overhead, sets the pace.
    arithmetic = 1.0 + _multiply_adds(config) * config.batch_size * config.packing / MULTIPLY_ADDS_PER_OVERHEAD
    return config.steps * (config.n_critic + 1) * per_update * (1.0 + len(cell.seeds) / 64) * arithmetic


MULTIPLY_ADDS_PER_OVERHEAD = 2e6
"""Multiply-adds of a batch through both networks that cost as much as a step's fixed
overhead: calibrated on 8 seeds of ``nonsaturating:packing=2`` with 3 × 128 networks on
``ring`` (10,000 steps in 110 s on autograd; docs/modes.md)."""


def _multiply_adds(config) -> int:
    """Multiply-adds of one sample through the generator and the discriminator (their MLP
    layers; 0 for a user's own module), counting 1-D data."""
    total = 0
    for spec, size_in in ((config.generator, config.latent_dim), (config.discriminator, config.packing)):
        if isinstance(spec, MLPSpec):
            sizes = spec.layer_sizes(size_in, 1)
            total += sum(a * b for a, b in zip(sizes[:-1], sizes[1:]))
    return total


def plan_text(study: Study, todo: list[Cell], existing: int, workers: int | None) -> str:
    """One line: the study's size, what is left to train and an estimated time for it."""
    runs = sum(len(c.seeds) for c in todo)
    steps = sum(len(c.seeds) * c.setting.config(study.steps).steps for c in todo)
    workers = max(1, workers or 1)
    costs = [estimated_cost(c, study) for c in todo]
    seconds = max(sum(costs) / workers, max(costs, default=0.0)) * SECONDS_PER_COST
    return (
        f"ganzoo compare: {len(study.settings)} settings x {len(study.targets)} target(s) x {len(study.seeds)} seeds = "
        f"{study.n_runs} runs; {runs} to train ({existing} stored), {steps:,} generator steps, "
        f"in {len(todo)} cells on {workers} worker(s); estimated {_duration(seconds)} "
        f"(plus about {FIRST_RUN_SECONDS} s on a machine's first run, while numba compiles; "
        "measured on a 2-core Intel Xeon)"
    )


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.1f} min"
