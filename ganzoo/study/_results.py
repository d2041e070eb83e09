"""A stored study for analysis: ``ganzoo.study.load(folder)``, tidy pandas frames, notebook tables.

.. code-block:: python

    from ganzoo import study
    results = study.load("studies/default")
    runs = results.to_frame()              # one row per run
    runs.groupby("setting")["converged"].mean()
    curves = results.history_frame()       # one row per (run, check, score)
    results                                # in a notebook: the summary table

pandas is imported when a frame is first asked for.
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import math
from pathlib import Path
from typing import Any

from evaluation import to_html, wilson_interval

from .._causes import Cause
from . import _story as story
from ._report import load_runs
from ._store import RunRecord

RUN_COLUMNS = ("setting", "variant", "target", "seed", "label", "converged", "cause", "cause_since", "cause_evidence")
"""The leading columns of :meth:`StudyResults.to_frame`; every numeric final score follows, then provenance."""


@dataclasses.dataclass(frozen=True)
class StudyResults:
    """Every stored run of one study folder, with its definition (:func:`load`)."""

    folder: Path
    definition: dict[str, Any]
    runs: tuple[RunRecord, ...]

    @functools.cached_property
    def causes(self) -> dict[tuple[str, str, int], Cause]:
        """Each run's cause of failure (:mod:`ganzoo._causes`), by ``(setting, target, seed)``."""
        return {run.key(): story.run_cause(run) for run in self.runs}

    def to_frame(self):
        """A tidy ``pandas.DataFrame``, one row per run: :data:`RUN_COLUMNS`, every numeric
        final score (NaN where it does not apply or the run diverged), then ``steps``,
        ``engine``, ``version``, ``seconds`` and ``cpu_seconds``."""
        import pandas as pd

        causes = self.causes
        rows = []
        for run in self.runs:
            cause = causes[run.key()]
            row: dict[str, Any] = {
                "setting": run.setting,
                "variant": run.variant,
                "target": run.target,
                "seed": run.seed,
                "label": run.label,
                "converged": run.converged,
                "cause": cause.name,
                "cause_since": math.nan if cause.since is None else cause.since,
                "cause_evidence": cause.evidence,
            }
            row.update({k: float(v) for k, v in run.scores.items() if _is_number(v) and k not in ("n", "n_nonfinite")})
            row.update(steps=run.steps, engine=run.engine, version=run.version, seconds=run.seconds, cpu_seconds=run.cpu_seconds)
            rows.append(row)
        return pd.DataFrame(rows, columns=_columns(rows))

    def history_frame(self):
        """The score histories in long format: one row per run, check and score (the scores
        of :func:`evaluation.evaluate` at each check and the discriminator's traces), with
        columns ``setting, target, seed, step, score, value, kind`` (``"score"`` or ``"trace"``)."""
        import pandas as pd

        rows = []
        for run in self.runs:
            steps = run.history["eval_steps"]
            for kind, series in (("score", run.history["scores"]), ("trace", run.history.get("traces", {}))):
                for name, values in series.items():
                    for step, value in zip(steps, values):
                        value = math.nan if value is None else float(value)
                        rows.append((run.setting, run.target, run.seed, int(step), name, value, kind))
        return pd.DataFrame(rows, columns=["setting", "target", "seed", "step", "score", "value", "kind"])

    def summary_rows(self) -> list[dict[str, Any]]:
        """Per setting and target: runs, converged, success rate with its Wilson 95 % interval
        and the main cause of failure."""
        causes = self.causes
        groups: dict[tuple[str, str], list[RunRecord]] = collections.defaultdict(list)
        for run in self.runs:
            groups[(run.setting, run.target)].append(run)
        rows = []
        for setting in story.paired_order(self.definition["settings"]):
            for target in self.definition["targets"]:
                runs = groups.get((setting, target))
                if not runs:
                    continue
                successes = sum(r.converged for r in runs)
                low, high = wilson_interval(successes, len(runs))
                rows.append(
                    {
                        "setting": setting,
                        "target": target,
                        "runs": len(runs),
                        "converged": successes,
                        "success rate [95 % CI]": f"{successes / len(runs):.2f} [{low:.2f}, {high:.2f}]",
                        "main cause of failure": story.main_cause(runs, causes),
                    }
                )
        return rows

    def _repr_html_(self) -> str:
        total = len(self.definition["settings"]) * len(self.definition["targets"]) * len(self.definition["seeds"])
        return f"<p>Study <code>{self.folder}</code>: {len(self.runs)} of {total} runs stored</p>" + to_html(
            self.summary_rows()
        )


def load(folder: str | Path) -> StudyResults:
    """The study stored in ``folder`` (its ``study.sqlite``), for analysis."""
    definition, runs = load_runs(folder)
    return StudyResults(Path(folder), definition, tuple(runs))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _columns(rows: list[dict[str, Any]]) -> list[str]:
    seen: dict[str, None] = dict.fromkeys(RUN_COLUMNS)
    for row in rows:
        seen.update(dict.fromkeys(row))
    return list(seen)
