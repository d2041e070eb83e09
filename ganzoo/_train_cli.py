"""``ganzoo train SETTING``: one run or an ensemble, resumable, with its report, history and figure.

The setting is written as in ``ganzoo compare`` (``vanilla``, ``nonsaturating:recommended``,
``wgan:lr=1e-4,n_critic=3``; :mod:`ganzoo.study._settings`) and must name one setting.
With ``--checkpoint-every N`` (default 2,000 steps) the training state is saved to
``OUT/checkpoint.pt`` as it trains; the same command started again after a crash or a kill
resumes from it, and the results are those of an uninterrupted run. The file is deleted
once the outputs are written.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

from evaluation import target_from_spec, wilson_interval

from ._checkpoint import CheckpointError
from ._history import finite_or_none
from ._manifest import write_manifest
from ._member_reports import member_reports
from ._plots import plot_samples, save_figure
from ._progress import add_progress_options
from ._streams import Stream, numpy_rng
from ._tensorboard import log_history, summary_writer
from ._validation import check_int
from .study._settings import SETTING_GRAMMAR, Setting
from .study._study import parse_seeds

CHECKPOINT = "checkpoint.pt"
DEFAULT_CHECKPOINT_EVERY = 2000


def add_parser(commands) -> None:
    """Add ``train`` to the ``ganzoo`` command's subparsers."""
    train = commands.add_parser("train", help="train one setting (one seed or an ensemble), write its results")
    train.add_argument("setting", help=f"the setting to train: {SETTING_GRAMMAR} (one setting)")
    seeds = train.add_mutually_exclusive_group()
    seeds.add_argument("--seed", type=int, default=None, help="run seed (default 0)")
    seeds.add_argument("--seeds", help="an ensemble: a count (8 = seeds 0..7), START:STOP or a list 1,5,9")
    train.add_argument("--steps", type=int, default=None, help="generator steps (default: the setting's budget)")
    train.add_argument("--target", default="gaussian:4,1.25", help="target spec (default gaussian:4,1.25)")
    train.add_argument("--engine", default="auto", help="training engine (default auto; see docs/engine.md)")
    train.add_argument("--out", type=Path, default=Path("runs/latest"), help="output folder (default runs/latest)")
    train.add_argument("--samples", type=int, default=10_000, help="samples scored per run in the final report")
    train.add_argument("--eval-every", type=int, default=1000, help="steps between scored checks (0: none)")
    train.add_argument(
        "--checkpoint-every", type=int, default=DEFAULT_CHECKPOINT_EVERY,
        help=f"steps between checkpoints in OUT/{CHECKPOINT}, from which the same command resumes (0: none; "
        f"default {DEFAULT_CHECKPOINT_EVERY})",
    )  # fmt: skip
    train.add_argument("--tensorboard", type=Path, metavar="DIR", help="also write a TensorBoard log there")
    train.add_argument("--json", action="store_true", help="print the final report(s) as JSON on stdout")
    add_progress_options(train, bars="a progress bar")
    # SUPPRESS: when not given here, the subcommand must not reset `ganzoo --debug train ...`.
    train.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def _setting(text: str) -> Setting:
    settings = Setting.parse(text)
    if len(settings) != 1:
        raise ValueError(
            f"setting {text!r} names {len(settings)} settings ({', '.join(s.id for s in settings[:4])}"
            f"{', ...' if len(settings) > 4 else ''}); `ganzoo train` trains one: use `ganzoo compare` for several"
        )
    return settings[0]


def train_command(args: argparse.Namespace) -> int:
    setting = _setting(args.setting)
    config = setting.config(args.steps)
    target = target_from_spec(args.target)
    seeds = parse_seeds(args.seeds) if args.seeds is not None else (0 if args.seed is None else args.seed,)
    single = args.seeds is None
    # Everything that would fail after training is checked before it.
    check_int("--samples", args.samples, minimum=1)
    if args.samples < 2:
        raise ValueError(f"--samples must be >= 2 (the final report scores at least two points), got {args.samples}")
    check_int("--eval-every", args.eval_every, minimum=0)
    check_int("--checkpoint-every", args.checkpoint_every, minimum=0)
    if target.dim != 1:
        raise ValueError(
            f"--target must be a 1-D target for `ganzoo train` (its figure is a 1-D histogram), got "
            f"{target.spec!r}; train 2-D targets with `ganzoo compare --target {target.spec}` or the Python API"
        )
    gan = setting.gan(config, engine=args.engine, **({"seed": seeds[0]} if single else {"seeds": seeds}))
    described = {"setting": setting.id, "variant": setting.variant, "seeds": list(seeds), "target": target.spec,
                 "engine": args.engine, **config.to_dict()}  # fmt: skip
    try:
        args.out.mkdir(parents=True, exist_ok=True)
        (args.out / "config.json").write_text(json.dumps(described, indent=2))  # again after training: below
        write_manifest(args.out, config=described, seeds=list(seeds))
    except OSError as error:
        raise OSError(error.errno, f"--out {args.out}: cannot write the output folder ({error.strerror or error})") from None
    writer = None if args.tensorboard is None else summary_writer(args.tensorboard)  # before training
    checkpoint = args.out / CHECKPOINT
    if checkpoint.is_file():
        try:
            gan.restore(checkpoint, target=target)
        except CheckpointError as error:
            raise ValueError(
                f"{error}: --out {args.out} holds the checkpoint of another run; delete {checkpoint} "
                "or choose another --out"
            ) from None
        print(f"ganzoo train: resuming from {checkpoint} (step {gan.trainer.step_count:,})", file=sys.stderr)
        gan.resume(progress=args.progress)
    else:
        saving = {"checkpoint": checkpoint, "checkpoint_every": args.checkpoint_every} if args.checkpoint_every else {}
        gan.fit(target, eval_every=args.eval_every, progress=args.progress, **saving)
    _write_results(args, gan, setting, seeds, described, target, single)
    if writer is not None:
        with writer:
            log_history(writer, gan.trainer.history, seeds, single=single, offset=0)
    checkpoint.unlink(missing_ok=True)  # the results are written: a finished run needs no resume
    return 0


def _write_results(args, gan, setting: Setting, seeds, described: dict, target, single: bool) -> None:
    history = gan.history
    history.save(args.out / "history.json")
    units = gan.trainer.standard_units  # estimated from the data when the setting standardizes
    if units is not None:
        described["standardization"] = units.to_dict()
        (args.out / "config.json").write_text(json.dumps(described, indent=2))
    samples = gan.sample(args.samples)
    samples = samples[None] if single else samples  # (K, n, 1)
    # A run stopped by NaN/inf in training is labelled so, with no scores.
    scoring = gan.trainer.scoring_target  # a data target's held-out rows; else the target
    diverged = np.atleast_1d(history.diverged_at)
    reports = [
        {"seed": seed, **report}
        for seed, report in zip(seeds, member_reports(samples, scoring, diverged, gan.trainer.divergence_reasons))
    ]
    result = reports[0] if single else reports
    (args.out / "report.json").write_text(json.dumps(finite_or_none(result), indent=2, allow_nan=False))
    ks = np.array([r["ks_statistic"] for r in reports], dtype=float)
    shown = int(np.argsort(np.where(np.isfinite(ks), ks, np.inf), kind="stable")[(len(ks) - 1) // 2])  # median run
    real = scoring.sample(1000, numpy_rng(seeds[shown], Stream.SAMPLING, 2**32))
    which = "" if single else f" (median run of {len(seeds)})"
    title = f"{setting.id}, seed {seeds[shown]}{which}, {history.steps} steps: KS D = {ks[shown]:.3f}"
    save_figure(plot_samples(samples[shown], target, real=real, title=title), args.out / "samples.png")
    if args.json:
        print(json.dumps(finite_or_none(result), allow_nan=False))
    elif single:
        report = reports[0]
        print(
            f"{setting.id} seed {seeds[0]}: KS D = {report['ks_statistic']:.4f} "
            f"(p = {report['ks_pvalue']:.3g}), mean error = {report['mean_error']:+.4f}, "
            f"std error = {report['std_error']:+.4f}, W1 = {report['wasserstein']:.4f}, "
            f"label = {report['label']}; wrote {args.out}/",
            file=sys.stderr,
        )
    else:
        converged = sum(bool(r["converged"]) for r in reports)
        low, high = wilson_interval(converged, len(reports))
        print(
            f"{setting.id}, {len(seeds)} seeds: converged {converged}/{len(seeds)} (95% CI {low:.2f}-{high:.2f}), "
            f"median KS D {float(np.nanmedian(ks)):.4f}; wrote {args.out}/",
            file=sys.stderr,
        )
