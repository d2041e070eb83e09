"""The ``ganzoo reproduce`` subcommand (wired into :mod:`ganzoo._cli`)."""

from __future__ import annotations

import argparse
from pathlib import Path

from .._progress import add_progress_options
from .._validation import check_device
from ._reproduce import list_text, reproduce


def add_parser(commands) -> None:
    """Add ``reproduce`` to the ``ganzoo`` command's subparsers."""
    parser = commands.add_parser(
        "reproduce",
        help="reproduce a toy experiment of the GAN literature, with the published numbers beside ours",
        description=(
            "Run a preset of the literature (its shipped study definition, or the Dirac-GAN) and write "
            "OUT/literature.md (OUT/report.md for dirac-gan) with the published numbers beside ours. "
            "See docs/literature.md."
        ),
    )
    parser.add_argument("name", nargs="?", help="the preset (ganzoo reproduce --list names them)")
    parser.add_argument("--list", action="store_true", help="list the presets: paper, what each shows, its cost")
    parser.add_argument("--quick", action="store_true", help="scaled down (fewer seeds and steps) to run in minutes")
    parser.add_argument("--seeds", type=int, help="number of seeds (default: the protocol's)")
    parser.add_argument("--steps", type=int, help="generator steps per run (default: the protocol's)")
    parser.add_argument("--out", type=Path, help="output folder (default studies/literature/NAME[-quick])")
    parser.add_argument("--device", default="cpu", help="cpu (default) or cuda")
    add_progress_options(parser)
    parser.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)


def reproduce_command(args: argparse.Namespace) -> int:
    if args.list:
        print(list_text())
        return 0
    check_device("--device", args.device)  # one clear line before anything runs
    if args.name is None:
        raise ValueError("name a preset (ganzoo reproduce --list shows them), or give --list")
    reproduce(
        args.name, quick=args.quick, seeds=args.seeds, steps=args.steps, out=args.out, device=args.device,
        progress=args.progress,
    )  # fmt: skip
    return 0
