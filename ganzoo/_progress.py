"""Progress on long work: a tqdm bar, or a caller's callable that receives step counts."""

from __future__ import annotations

import sys
from collections.abc import Callable

from tqdm.auto import tqdm


def add_progress_options(parser, *, bars: str = "progress bars") -> None:
    """A command's ``--progress`` / ``--quiet`` pair, into ``args.progress``: True, False, or
    None when neither is given (then bars show on a terminal, as :func:`progress_bar` does)."""
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--progress", action="store_true", default=None, help=f"always show {bars}")
    group.add_argument("--quiet", action="store_false", dest="progress", help=f"never show {bars}")


def progress_bar(progress: bool | Callable[[int], object] | None, steps: int, description: str):
    """A tqdm bar (``progress`` True, or None on a terminal), or the callable's stand-in."""
    if callable(progress):
        return _StepCallback(progress)
    if progress is None:
        progress = sys.stderr.isatty()
    return tqdm(total=steps, desc=description, disable=not progress, unit="step", mininterval=0.5)


class _StepCallback:
    """Stands in for the tqdm bar when ``progress`` is a callable: forwards step counts."""

    def __init__(self, callback: Callable[[int], object]) -> None:
        self.callback = callback

    def update(self, n: int = 1) -> None:
        self.callback(n)

    def set_postfix(self, **scores: object) -> None:
        pass

    def close(self) -> None:
        pass
