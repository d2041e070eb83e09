"""``reproduce(NAME)``: run a preset of the literature and write its report beside the paper's numbers."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path

from evaluation import target_from_spec

from .._validation import check_device, check_int
from ..study._report import _slug, build_report
from ..study._runner import run_study
from ..study._study import Study, read_toml
from ._dirac import run_dirac
from ._dirac_report import write_dirac_report
from ._presets import PRESETS, Preset, preset
from ._tables import comparison_markdown, mode_tables, verdict_markdown


def study_of(chosen: Preset, *, quick: bool = False, seeds: int | None = None, steps: int | None = None, device: str = "cpu") -> Study:
    """The preset's study: its shipped definition, scaled down by ``quick``, ``seeds`` and ``steps``."""
    options = read_toml(chosen.study_file)
    if quick:
        options.update(chosen.quick)
    if seeds is not None:
        options["seeds"] = check_int("seeds", seeds, minimum=1)
    if steps is not None:
        options["steps"] = check_int("steps", steps, minimum=1)
    if device != "cpu":
        options["device"] = device
    return Study(**options)


def first_line(chosen: Preset, study: Study | None, quick: bool) -> str:
    """The report's first line: the full protocol, or what the scaled-down run changed."""
    if study is None:
        return f"**{chosen.name}: the full protocol** ({chosen.paper})."
    full = Study(**read_toml(chosen.study_file))
    if (len(study.seeds), study.steps) == (len(full.seeds), full.steps):
        return f"**{chosen.name}: the full protocol** ({chosen.paper})."
    return (
        f"**{chosen.name}: {'QUICK, ' if quick else ''}scaled down** to {len(study.seeds)} seeds × {study.steps:,} steps "
        f"(the full protocol: {len(full.seeds)} seeds × {full.steps:,} steps; everything else as in the source)."
    )


def reproduce(
    name: str,
    *,
    quick: bool = False,
    seeds: int | None = None,
    steps: int | None = None,
    out: str | Path | None = None,
    device: str = "cpu",
    progress: bool | None = None,
    announce: Callable[[str], object] | None = None,
) -> Path:
    """Run the preset ``name`` (:data:`ganzoo.literature.PRESETS`) into ``out`` and return its report.

    ``quick`` scales it down to the preset's quick protocol (fewer seeds and steps, same
    everything else); ``seeds`` / ``steps`` override the count of seeds and steps. Study
    presets resume like any study (``ganzoo compare``); ``out`` defaults to
    ``studies/literature/NAME`` (``NAME-quick`` with ``quick``).
    """
    chosen = preset(name)
    check_device("device", device)
    out = Path(out) if out is not None else Path("studies") / "literature" / (name + ("-quick" if quick else ""))
    say = announce or (lambda line: print(line, file=sys.stderr))
    start = time.perf_counter()
    if chosen.study_file is None:  # the Dirac-GAN: a two-parameter game, seconds in full
        if steps is not None or seeds is not None:
            raise ValueError("dirac-gan has one protocol (500 steps, no seeds): --steps and --seeds do not apply")
        out.mkdir(parents=True, exist_ok=True)
        path = write_dirac_report(out, run_dirac(), first_line=first_line(chosen, None, quick))
        say(f"ganzoo reproduce: dirac-gan in {time.perf_counter() - start:.1f} s; report in {path}")
        return path
    study = study_of(chosen, quick=quick, seeds=seeds, steps=steps, device=device)
    workers = 1 if device != "cpu" else None  # one process drives the GPU
    run_study(study, out, workers=workers, progress=progress, announce=say)
    study_report = build_report(out)
    lines = [first_line(chosen, study, quick), "", f"# {chosen.name}: {chosen.shows}", "", f"Source: {chosen.paper}.", ""]
    lines += [
        f"The study definition, with every detail's source: `{chosen.study_file.name}` "
        f"(`ganzoo reproduce --list` shows where it lies; `ganzoo compare --config` runs and edits it). "
        f"ganzoo's full study report, with its figures: [{study_report.name}]({study_report.name}).",
        "",
    ]
    verdicts = verdict_markdown(out)
    if verdicts:
        lines += ["ganzoo's strict verdict (docs/evaluation.md) over seeds:", "", *verdicts]
        lines += [f"![samples](figures/{_slug(t)}-samples.png)" for t in study.targets if target_from_spec(t).dim == 1]
        lines.append("")
    rows = mode_tables(out)
    if rows:
        lines += comparison_markdown(chosen, rows)
        lines += [f"![modes](figures/{_slug(target)}-modes.png)" for target in dict.fromkeys(r.target for r in rows)]
    for target in study.targets:
        built = target_from_spec(target)
        if built.dim == 2 and getattr(built, "modes", None) is None:  # nothing to count: two-sample scores in report.md
            lines += ["", f"### {target}", "", "No modes to count: see [report.md](report.md) for its two-sample scores.", ""]
            lines.append(f"![critic](figures/{_slug(target)}-critic.png)")
    path = out / "literature.md"
    path.write_text("\n".join(lines) + "\n")
    say(f"ganzoo reproduce: {name} in {time.perf_counter() - start:.1f} s; report in {path}")
    return path


def list_text() -> str:
    """The ``ganzoo reproduce --list`` table: name, paper, what it shows, costs, study file."""
    lines = []
    for chosen in PRESETS.values():
        lines += [
            f"{chosen.name}",
            f"    paper: {chosen.paper}",
            f"    shows: {chosen.shows}",
            f"    quick: {chosen.quick_seconds:.0f} s measured on 2 CPU cores; full: {chosen.full_estimate}",
        ]
        if chosen.study_file is not None:
            lines.append(f"    study file: {chosen.study_file}")
    return "\n".join(lines)
