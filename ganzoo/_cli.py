"""The ``ganzoo`` command line: ``ganzoo train SETTING``, ``compare``, ``report DIR``, ``animate DIR``, ``reproduce NAME``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ._train_cli import add_parser as add_train_parser
from ._train_cli import train_command
from .literature._cli import add_parser as add_reproduce_parser
from .literature._cli import reproduce_command
from .study._cli import add_parsers as add_study_parsers
from .study._cli import animate_command, compare_command, report_command


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ganzoo", description="Train GAN variants on targets with a known ground truth and score them."
    )
    parser.add_argument("--debug", action="store_true", help="show a traceback on errors")
    commands = parser.add_subparsers(dest="command", required=True)

    add_train_parser(commands)  # train (ganzoo._train_cli)
    add_study_parsers(commands)  # compare, report (ganzoo.study._cli)
    add_reproduce_parser(commands)  # reproduce (ganzoo.literature._cli)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``ganzoo`` console script; returns the exit status."""
    args = _parser().parse_args(argv)  # a command is required: argparse exits without one
    commands = {"train": train_command, "compare": compare_command, "report": report_command, "animate": animate_command,
                "reproduce": reproduce_command}
    command = commands[args.command]
    try:
        return command(args)
    except (ValueError, TypeError, RuntimeError, OSError, MemoryError) as error:
        if args.debug:
            raise
        print(f"ganzoo: error: {error}", file=sys.stderr)
        return 2
