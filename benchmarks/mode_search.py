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

The 1-D Gaussian mixture (``--target mixture``) has no modes to capture: its search judges
each run by the strict verdict of ``docs/convergence.md`` (:func:`ganzoo._convergence.strict_outcome`:
``converged`` at every check of the last 10 %, KS D <= 0.02 on 10,000 points), issue #13's
goal for it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from evaluation import as_target, literature_mode_metrics, wilson_interval
from ganzoo import VARIANTS
from ganzoo._convergence import strict_outcome
from ganzoo.study import Setting

SEARCH_SEEDS = tuple(range(100, 108))
CONFIRM_SEEDS = tuple(range(1000, 1064))
SAMPLES = 2500
HQ_GOALS = {"ring": 0.90, "grid": 0.85}
STRICT_TARGETS = ("mixture",)
OUT = Path(__file__).resolve().parent.parent / "docs" / "modes"


def _wilson_95(successes: int, n: int) -> list[float]:
    """:func:`evaluation.wilson_interval` of ``successes`` out of ``n``, as stored (3 decimals)."""
    return [round(bound, 3) for bound in wilson_interval(successes, n)]


def score(gan, target: str, seconds: float) -> dict:
    """The literature's metrics of each member of a trained ``gan`` and the success count."""
    samples = gan.sample(SAMPLES, seed=1)
    if samples.ndim == 2:  # a single run (seed=...): no member axis
        samples = samples[None]
    metrics = [literature_mode_metrics(x, target) for x in samples]
    n_modes = as_target(target).modes.shape[0]
    goal = HQ_GOALS[target]
    successes = sum(m.modes_captured == n_modes and m.high_quality_fraction >= goal for m in metrics)
    return {
        "target": target,
        "seeds": [int(s) for s in gan.seeds],
        "engine": gan.trainer.engine_kind,
        "seconds": round(seconds, 1),
        "successes": successes,
        "wilson_95": _wilson_95(successes, len(metrics)),
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


def strict_score(gan, target: str) -> dict:
    """Train ``gan`` under the strict verdict's schedule; each member's pass/fail and last KS D."""
    outcome = strict_outcome(gan, target)
    return {
        "target": target,
        "seeds": list(outcome.seeds),
        "engine": outcome.engine,
        "seconds": round(outcome.seconds, 1),
        "successes": outcome.successes,
        "wilson_95": _wilson_95(outcome.successes, len(outcome.seeds)),
        "ks_statistic": [round(float(d), 4) for d in outcome.ks_statistic[:, -1]],
        "worst_tail_ks": [round(float(d), 4) for d in outcome.ks_statistic.max(axis=1)],
        "std_ratio": [round(float(r), 4) for r in outcome.std_ratio[:, -1]],
    }


def search(target: str, settings: list[str], steps: int, seeds=SEARCH_SEEDS) -> None:
    for text in settings:
        for setting in Setting.parse(text):
            gan = setting.gan(setting.config(steps), seeds=seeds)
            if target in STRICT_TARGETS:
                row = strict_score(gan, target)
            else:
                start = time.perf_counter()
                gan.fit(target, eval_every=0, progress=False)
                row = score(gan, target, time.perf_counter() - start)
            _append(OUT / "search.jsonl", {"setting": setting.id, "steps": steps, **row})


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


def _networks_and_lr(config: dict) -> str:
    """``"2 × 128, lr 0.0008"``: what tells one stored confirmation's setting from another."""
    g = config["generator"]
    return f"{g['depth']} × {g['width']}, lr {config['g_optimizer']['lr']:g}"


STRICT_HEADER = (
    "| setting (search seeds 100-107) | target | steps | strict verdict (Wilson 95 %) | median KS D at the end | "
    "KS D of each seed | seconds |\n|---|---|---:|---|---:|---|---:|"
)


def _strict_line(row: dict) -> str:
    n = len(row["seeds"])
    low, high = row["wilson_95"]
    ks = row["ks_statistic"]
    return (
        f"| `{row['setting']}` | {row['target']} | {row['steps']:,} | {row['successes']}/{n} ({low:.2f}–{high:.2f}) | "
        f"{statistics.median(ks):.4f} | {', '.join(f'{d:.3f}' for d in ks)} | {row['seconds']:,.0f} |"
    )


def table() -> None:
    """The Markdown tables of docs/modes.md from the two files: per 2-D target its 64-seed
    confirmations and its search rows (in the order they were run), then the mixture's."""
    confirmed, searched = _rows("confirm.jsonl"), _rows("search.jsonl")
    for target in HQ_GOALS:
        print(HEADER.format(what="variant, target"))
        for row in confirmed:
            if row["target"] == target:
                print(_line(f"{row['variant']}, {row['target']} ({_networks_and_lr(row['config'])})", row))
        print()
        print(HEADER.format(what=f"setting on {target} (search seeds 100-107)"))
        for row in searched:
            if row["target"] == target:
                print(_line(f"`{row['setting']}`", row))
        print()
    print(STRICT_HEADER)
    for row in searched:
        if row["target"] in STRICT_TARGETS:
            print(_strict_line(row))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.mode_search", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    finding = commands.add_parser("search", help="train settings on the search seeds")
    finding.add_argument("--target", choices=sorted(HQ_GOALS) + list(STRICT_TARGETS), required=True)
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
