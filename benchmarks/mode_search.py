"""Search and confirm the recommended settings of ``docs/modes.md`` (the 2-D mixtures).

``python -m benchmarks.mode_search search --target ring SETTING ...`` trains each setting
(the setting syntax of ``ganzoo compare``) on the :data:`SEARCH_SEEDS` for ``--steps`` and
appends one JSON line per setting to ``docs/modes/search.jsonl``; ``... confirm --target
ring --variant nonsaturating`` trains ``Variant.recommended(target=...)`` on the
:data:`CONFIRM_SEEDS`, which the search never saw, and appends to
``docs/modes/confirm.jsonl``; ``... table`` prints the tables of ``docs/modes.md``.

Each training is one ensemble (one member per seed). A run is scored on 2,500 samples
(PacGAN's count, seed 1 of the sampling stream) by the literature's metrics
(:func:`evaluation.literature_mode_metrics`: modes captured, high-quality fraction,
reverse KL) and *succeeds* when it captures every mode with at least :data:`HQ_GOALS`
of its samples of high quality (the goals of issue #13: 90 % on the ring, 85 % on the grid).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import scipy.stats

from evaluation import as_target, literature_mode_metrics
from ganzoo import VARIANTS
from ganzoo.study import Setting

SEARCH_SEEDS = tuple(range(100, 108))
CONFIRM_SEEDS = tuple(range(1000, 1064))
SAMPLES = 2500
HQ_GOALS = {"ring": 0.90, "grid": 0.85}
OUT = Path(__file__).resolve().parent.parent / "docs" / "modes"


def score(gan, target: str, seconds: float) -> dict:
    """The literature's metrics of each member of a trained ``gan`` and the success count."""
    samples = gan.sample(SAMPLES, seed=1)
    if samples.ndim == 2:  # a single run (seed=...): no member axis
        samples = samples[None]
    metrics = [literature_mode_metrics(x, target) for x in samples]
    n_modes = as_target(target).modes.shape[0]
    goal = HQ_GOALS[target]
    successes = sum(m.modes_captured == n_modes and m.high_quality_fraction >= goal for m in metrics)
    interval = scipy.stats.binomtest(successes, len(metrics)).proportion_ci(method="wilson")
    return {
        "target": target,
        "seeds": [int(s) for s in gan.seeds],
        "engine": gan.trainer.engine_kind,
        "seconds": round(seconds, 1),
        "successes": successes,
        "wilson_95": [round(interval.low, 3), round(interval.high, 3)],
        "all_modes": sum(m.modes_captured == n_modes for m in metrics),
        "mean_modes": sum(m.modes_captured for m in metrics) / len(metrics),
        "mean_high_quality": sum(m.high_quality_fraction for m in metrics) / len(metrics),
        "mean_reverse_kl": sum(m.reverse_kl for m in metrics) / len(metrics),
        "modes": [m.modes_captured for m in metrics],
        "high_quality": [round(m.high_quality_fraction, 4) for m in metrics],
        "reverse_kl": [round(m.reverse_kl, 4) for m in metrics],
    }


def _append(path: Path, row: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as file:
        file.write(json.dumps(row) + "\n")
    print(json.dumps({k: row[k] for k in ("setting", "target", "steps", "seconds", "successes", "all_modes") if k in row}))


def search(target: str, settings: list[str], steps: int, seeds=SEARCH_SEEDS) -> None:
    for text in settings:
        for setting in Setting.parse(text):
            gan = setting.gan(setting.config(steps), seeds=seeds)
            start = time.perf_counter()
            gan.fit(target, eval_every=0, progress=False)
            _append(OUT / "search.jsonl", {"setting": setting.id, "steps": steps, **score(gan, target, time.perf_counter() - start)})


def confirm(target: str, variant: str, seeds=CONFIRM_SEEDS) -> None:
    gan = VARIANTS[variant].recommended(target=target, seeds=seeds)
    start = time.perf_counter()
    gan.fit(eval_every=0, progress=False)
    row = {"variant": variant, "config": gan.config.to_dict(), "steps": gan.config.steps}
    _append(OUT / "confirm.jsonl", {**row, **score(gan, target, time.perf_counter() - start)})


def _rows(name: str) -> list[dict]:
    path = OUT / name
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()] if path.exists() else []


def _line(label: str, row: dict) -> str:
    n = len(row["seeds"])
    low, high = row["wilson_95"]
    return (
        f"| {label} | {row['steps']:,} | {row['successes']}/{n} ({low:.2f}–{high:.2f}) | {row['all_modes']}/{n} | "
        f"{row['mean_modes']:.2f} | {100 * row['mean_high_quality']:.1f} % | {row['mean_reverse_kl']:.3f} | {row['seconds']:,.0f} |"
    )


HEADER = (
    "| {what} | steps | success (Wilson 95 %) | all modes | mean modes captured | mean high quality | mean reverse KL | seconds |\n"
    "|---|---:|---|---:|---:|---:|---:|---:|"
)


def table() -> None:
    """The Markdown tables of docs/modes.md from the two files."""
    print(HEADER.format(what="variant, target"))
    for row in _rows("confirm.jsonl"):
        print(_line(f"{row['variant']}, {row['target']}", row))
    print()
    print(HEADER.format(what="setting (search seeds 100-107)"))
    for row in _rows("search.jsonl"):
        print(_line(f"`{row['setting']}` on {row['target']}", row))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mode_search", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    finding = commands.add_parser("search", help="train settings on the search seeds")
    finding.add_argument("--target", choices=sorted(HQ_GOALS), required=True)
    finding.add_argument("--steps", type=int, default=10_000)
    finding.add_argument("settings", nargs="+")
    checking = commands.add_parser("confirm", help="train the recommended setting on the fresh seeds")
    checking.add_argument("--target", choices=sorted(HQ_GOALS), required=True)
    checking.add_argument("--variant", choices=list(VARIANTS), required=True)
    commands.add_parser("table", help="print the tables of docs/modes.md")
    args = parser.parse_args(argv)
    if args.command == "table":
        table()
    elif args.command == "search":
        search(args.target, args.settings, args.steps)
    else:
        confirm(args.target, args.variant)


if __name__ == "__main__":
    main()
