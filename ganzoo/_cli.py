"""The ``ganzoo`` command line: ``ganzoo compare ...``, ``ganzoo report DIR``, ``ganzoo train VARIANT ...``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from evaluation import target_from_spec

from ._history import finite_or_none
from ._member_reports import member_reports
from ._plots import plot_samples, save_figure
from ._streams import Stream, numpy_rng
from ._validation import check_int
from .study._cli import add_parsers as add_study_parsers
from .study._cli import compare_command, report_command
from .variants import get_variant


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ganzoo", description="Train GAN variants on targets with a known ground truth and score them."
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    commands = parser.add_subparsers(dest="command", required=True)

    train = commands.add_parser("train", help="train one run, write its report, history and figure")
    train.add_argument("variant", help="variant name, e.g. vanilla")
    train.add_argument("--seed", type=int, default=0, help="run seed (default 0)")
    train.add_argument("--steps", type=int, default=None, help="generator steps (default: the variant's budget)")
    train.add_argument("--target", default="gaussian:4,1.25", help="target spec (default gaussian:4,1.25)")
    train.add_argument("--out", type=Path, default=Path("runs/latest"), help="output folder (default runs/latest)")
    train.add_argument("--samples", type=int, default=10_000, help="samples scored in the final report")
    train.add_argument("--eval-every", type=int, default=1000, help="steps between scored checks (0: none)")
    train.add_argument("--json", action="store_true", help="print the final report as one JSON object")
    bar = train.add_mutually_exclusive_group()
    bar.add_argument("--progress", action="store_true", default=None, help="always show a progress bar")
    bar.add_argument("--quiet", action="store_false", dest="progress", help="never show a progress bar")
    # SUPPRESS: when not given here, the subcommand must not reset `ganzoo --debug train ...`.
    train.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    add_study_parsers(commands)  # compare, report (ganzoo.study._cli)
    return parser


def _train(args: argparse.Namespace) -> int:
    variant = get_variant(args.variant)
    target = target_from_spec(args.target)
    # Everything that would fail after training is checked before it.
    check_int("--samples", args.samples, minimum=1)
    check_int("--eval-every", args.eval_every, minimum=0)
    if args.samples < 2:
        raise ValueError(
            f"--samples must be >= 2 (the final report scores at least two points), got {args.samples}"
        )
    if target.dim != 1:
        raise ValueError(
            f"--target must be a 1-D target for `ganzoo train` (its figure is a 1-D histogram), got "
            f"{target.spec!r}; train 2-D targets with `ganzoo compare --target {target.spec}` or the Python API"
        )
    gan = variant(seed=args.seed, steps=args.steps)
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        config = {"variant": variant.name, "seed": args.seed, "target": target.spec, **gan.config.to_dict()}
        (args.out / "config.json").write_text(json.dumps(config, indent=2))  # again after training: below
    except OSError as error:
        raise OSError(
            error.errno, f"--out {args.out}: cannot write the output folder ({error.strerror or error})"
        ) from None
    history = gan.fit(target, eval_every=args.eval_every, progress=args.progress)
    history.save(args.out / "history.json")
    units = gan.trainer.standard_units  # estimated from the data when the setting standardizes
    if units is not None:
        config["standardization"] = units.to_dict()
        (args.out / "config.json").write_text(json.dumps(config, indent=2))
    samples = gan.sample(args.samples)
    # Stopped by NaN/inf in training: labelled so, with no scores.
    scoring = gan.trainer.scoring_target  # a data target's held-out rows; else the target
    (report,) = member_reports(samples[None], scoring, history.diverged_at[None], gan.trainer.divergence_reasons)
    (args.out / "report.json").write_text(json.dumps(finite_or_none(report), indent=2, allow_nan=False))
    real = scoring.sample(1000, numpy_rng(args.seed, Stream.SAMPLING, 2**32))
    title = f"{variant.name}, seed {args.seed}, {history.steps} steps: KS D = {report['ks_statistic']:.3f}"
    save_figure(plot_samples(samples, target, real=real, title=title), args.out / "samples.png")
    if args.json:
        print(json.dumps(finite_or_none(report), allow_nan=False))
    else:
        print(
            f"{variant.name} seed {args.seed}: KS D = {report['ks_statistic']:.4f} "
            f"(p = {report['ks_pvalue']:.3g}), mean error = {report['mean_error']:+.4f}, "
            f"std error = {report['std_error']:+.4f}, W1 = {report['wasserstein']:.4f}, "
            f"label = {report['label']}; wrote {args.out}/",
            file=sys.stderr,
        )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ganzoo`` console script; returns the exit status."""
    args = _parser().parse_args(argv)  # a command is required: argparse exits without one
    command = {"train": _train, "compare": compare_command, "report": report_command}[args.command]
    try:
        return command(args)
    except (ValueError, TypeError, RuntimeError, OSError, MemoryError) as error:
        if args.debug:
            raise
        print(f"ganzoo: error: {error}", file=sys.stderr)
        return 2
