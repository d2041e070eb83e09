"""The ``ganzoo compare``, ``report`` and ``animate`` subcommands (wired into :mod:`ganzoo._cli`)."""

from __future__ import annotations

import argparse
import csv
import math
import sqlite3
import sys
import time
from pathlib import Path

from evaluation import target_from_spec

from .._animation import animate
from .._progress import add_progress_options
from .._tensorboard import log_run, summary_writer
from .._validation import check_int
from ._backends import BACKENDS
from ._report import _is_probabilistic, build_report, check_metric
from ._runner import run_study
from ._store import Store
from ._study import QUICK, Study, read_toml

DEFAULT_TARGET = "gaussian:4,1.25"
DEFAULT_SETTINGS = ("all", "all:recommended")
"""The default study's settings: every variant at its defaults and at its recommended setting."""


def add_parsers(commands) -> None:
    """Add ``compare``, ``report`` and ``animate`` to the ``ganzoo`` command's subparsers."""
    compare = commands.add_parser(
        "compare",
        help="run a comparative study (resumable) and write its report",
        description=(
            "Train every setting x target x seed of a study, store each finished ensemble at once in "
            "OUT/study.sqlite, and write OUT/report.md with tables and figures. Rerunning the same "
            "command resumes: only missing runs train. Settings: VARIANT, VARIANT:key=value[,key=value] "
            "(key=a|b expands), VARIANT:recommended, or all. See docs/studies.md."
        ),
    )
    compare.add_argument("--config", type=Path, help="a TOML study file (command-line options override it)")
    compare.add_argument(
        "--variants", nargs="+", action="extend", metavar="SETTING", help="settings to compare (default: all all:recommended)"
    )
    compare.add_argument("--seeds", help="a count (32 = seeds 0..31), START:STOP or a list 1,5,9 (default 32)")
    compare.add_argument(
        "--target", nargs="+", action="extend", metavar="SPEC", help=f"target spec(s) (default {DEFAULT_TARGET})"
    )
    compare.add_argument("--steps", type=int, help="generator steps per run (default: each variant's budget)")
    compare.add_argument("--eval-every", type=int, help="steps between scored checks for the curves (default 1000)")
    compare.add_argument("--eval-samples", type=int, help="points per scored check (default 2000)")
    compare.add_argument("--final-samples", type=int, help="points in the final scores (default 10000)")
    compare.add_argument("--stored-samples", type=int, help="final points kept per run for the figures (default 2000)")
    compare.add_argument("--chunk", type=int, help="seeds per ensemble (default: all seeds of a cell)")
    compare.add_argument("--engine", help="training engine (default auto)")
    compare.add_argument(
        "--quick",
        action="store_true",
        help=f"a smoke test: {QUICK['seeds']} seeds, {QUICK['steps']} steps (unless given), into studies/quick",
    )
    compare.add_argument("--out", type=Path, help="study folder (default studies/default, or studies/<config name>)")
    compare.add_argument("--backend", choices=BACKENDS, default="local", help="local processes or a Ray cluster")
    compare.add_argument("--workers", type=int, help="worker processes (local) or CPUs of a new local Ray instance")
    compare.add_argument("--address", help="Ray cluster address (default: start a local Ray instance)")
    compare.add_argument(
        "--checkpoint-every",
        type=int,
        metavar="STEPS",
        help=(
            "save each training cell's state every STEPS generator steps (rounded up to a multiple of 1024) "
            "into OUT/checkpoints, so that a killed study resumes mid-cell with identical results "
            "(0: never; default 2000)"
        ),
    )
    compare.add_argument("--tensorboard", type=Path, metavar="DIR", help="also write every run's record as a TensorBoard log there")
    compare.add_argument("--metric", help="metric that ranks settings in the report (default: KS D; 2-D: sliced W1)")
    compare.add_argument("--no-report", action="store_true", help="store results only; `ganzoo report` later")
    add_progress_options(compare)
    # SUPPRESS: when not given here, the subcommand must not reset `ganzoo --debug compare ...`.
    compare.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    report = commands.add_parser("report", help="rebuild a study's report and figures from its stored results")
    report.add_argument("folder", type=Path, help="the study folder (holds study.sqlite)")
    report.add_argument("--metric", help="metric that ranks settings (default: KS D; 2-D: sliced W1)")
    report.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)

    film = commands.add_parser("animate", help="write the film of one stored run's training (GIF or MP4)")
    film.add_argument("folder", type=Path, help="the study folder (holds study.sqlite)")
    film.add_argument("--setting", required=True, help="the setting, as in the report (e.g. vanilla:recommended)")
    film.add_argument("--seed", type=int, default=None, help="the run's seed (default: the study's first)")
    film.add_argument("--target", default=None, help="the target spec (default: the study's first)")
    film.add_argument("--output", type=Path, required=True, help="the film: run.gif, or run.mp4 with ffmpeg")
    film.add_argument("--fps", type=int, default=4, help="frames (checks) per second (default 4)")
    film.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def animate_command(args: argparse.Namespace) -> int:
    """``ganzoo animate STUDY --setting S --seed N --output run.gif``: one frame per check."""
    check_int("--fps", args.fps, minimum=1)
    with Store.open(args.folder) as store:
        definition = store.definition()
        settings, targets = definition["settings"], definition["targets"]
        if args.setting not in settings:
            raise ValueError(f"--setting must be one of the study's settings ({', '.join(settings)}), got {args.setting!r}")
        target = targets[0] if args.target is None else target_from_spec(args.target).spec
        if target not in targets:
            raise ValueError(f"--target must be one of the study's targets ({', '.join(targets)}), got {args.target!r}")
        seed = definition["seeds"][0] if args.seed is None else args.seed
        stored = (args.setting, target, seed) in store.done()
        film = store.snapshots(args.setting, target, seed)
    if not stored:
        raise ValueError(f"{args.folder} holds no run of {args.setting!r} on {target!r} with seed {seed}")
    if film is None:
        raise ValueError(
            f"the run of {args.setting!r}, seed {seed} has no film stored (trained with eval_every = 0, or by a "
            "ganzoo before snapshots): rerun it in a new study folder"
        )
    steps, snapshots = film
    path = animate(
        args.output, snapshots, steps, target_from_spec(target), probabilistic=_is_probabilistic(definition["configs"][args.setting]),
        title=f"{args.setting}, seed {seed}", fps=args.fps,
    )  # fmt: skip
    print(f"ganzoo animate: {len(steps)} frames in {path}", file=sys.stderr)
    return 0


def log_study(writer, out: Path) -> int:
    """Write every stored run of the study ``out`` under ``<setting>/<target>/seed_<s>/``."""
    events = 0
    with Store.open(out) as store:
        for run in store.runs():
            film = store.snapshots(run.setting, run.target, run.seed)
            events += log_run(
                writer, prefix=f"{run.setting}/{run.target}/seed_{run.seed}/", eval_steps=run.history["eval_steps"],
                scores=run.history["scores"], traces=run.history.get("traces", {}),
                d_loss_mean=run.history["d_loss_mean"], g_loss_mean=run.history["g_loss_mean"],
                snapshots=None if film is None else film[1],
            )  # fmt: skip
    writer.flush()
    return events


def study_from_args(args: argparse.Namespace):
    """The :class:`Study` and output folder that the ``compare`` options describe."""
    options: dict = {"settings": DEFAULT_SETTINGS, "seeds": 32, "targets": (DEFAULT_TARGET,)}
    if args.quick:
        options.update(QUICK)
    if args.config is not None:
        options.update(read_toml(args.config))
    given = {
        "settings": args.variants,
        "seeds": args.seeds,
        "targets": args.target,
        "steps": args.steps,
        "eval_every": args.eval_every,
        "eval_samples": args.eval_samples,
        "final_samples": args.final_samples,
        "stored_samples": args.stored_samples,
        "chunk": args.chunk,
        "engine": args.engine,
    }
    options.update({key: value for key, value in given.items() if value is not None})
    if args.quick and options["stored_samples"] > options["final_samples"]:
        options["stored_samples"] = options["final_samples"]
    study = Study(**options)
    if args.out is not None:
        out = args.out
    elif args.config is not None:
        out = Path("studies") / args.config.stem
    else:
        out = Path("studies") / ("quick" if args.quick else "default")
    return study, out


def compare_command(args: argparse.Namespace) -> int:
    study, out = study_from_args(args)
    check_metric(args.metric, study.targets, name="--metric")  # before training, not after
    writer = None if args.tensorboard is None else summary_writer(args.tensorboard)
    start = time.perf_counter()
    try:
        options = {} if args.checkpoint_every is None else {"checkpoint_every": args.checkpoint_every}
        result = run_study(
            study, out, backend=args.backend, workers=args.workers, address=args.address, progress=args.progress,
            announce=lambda line: print(line, file=sys.stderr), **options,
        )  # fmt: skip
        print(
            f"ganzoo compare: {result.trained} runs trained, {result.existing} already stored, "
            f"{result.total} in the study ({result.seconds:.1f} s); results in {out / 'study.sqlite'}",
            file=sys.stderr,
        )
        if writer is not None:
            with writer:
                events = log_study(writer, out)
            print(f"ganzoo compare: {events:,} TensorBoard events in {args.tensorboard}", file=sys.stderr)
        if not args.no_report:
            path = build_report(out, metric=args.metric)
            print(f"ganzoo compare: report in {path} ({time.perf_counter() - start:.1f} s in all)", file=sys.stderr)
            _print_summary(out)
    except sqlite3.Error as error:
        raise RuntimeError(f"study store {out / 'study.sqlite'}: {error}") from None
    except KeyboardInterrupt:
        print(f"ganzoo compare: interrupted; finished runs are stored in {out}, rerun to resume", file=sys.stderr)
        return 130
    return 0


def report_command(args: argparse.Namespace) -> int:
    try:
        if args.metric is not None:
            with Store.open(args.folder) as store:
                targets = store.definition()["targets"]
            check_metric(args.metric, targets, name="--metric")
        path = build_report(args.folder, metric=args.metric)
    except sqlite3.Error as error:
        raise RuntimeError(f"study store {args.folder / 'study.sqlite'}: {error}") from None
    print(f"ganzoo report: wrote {path}", file=sys.stderr)
    _print_summary(args.folder)
    return 0


def _print_summary(out: Path) -> None:
    """One line per setting and target on stdout: success rate and median KS D."""
    path = out / "summary.csv"
    if not path.is_file():
        return
    with path.open() as file:
        for row in csv.DictReader(file):
            name, value = "KS D", float(row.get("ks_statistic_median") or "nan")
            if not math.isfinite(value):
                name, value = "sliced W1", float(row.get("sliced_wasserstein_median") or "nan")
            print(
                f"{row['target']:<18} {row['group']:<28} converged {row['successes']:>3}/{row['n_runs']:<3} "
                f"(95% CI {float(row['success_ci_low']):.2f}-{float(row['success_ci_high']):.2f}), "
                f"median {name} {value:.4f}"
            )
