"""Argument checks that name the argument, echo the value and say what is allowed.

Every public entry point validates its input with these, so that a bad value fails at
once with a message like ``lr must be > 0, got -0.1`` rather than deep inside torch.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np


def check_int(name: str, value: object, *, minimum: int | None = None) -> int:
    """Return ``value`` as an int; it must be an integer (not a bool) and ``>= minimum``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__})")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def check_float(
    name: str,
    value: object,
    *,
    positive: bool = False,
    nonnegative: bool = False,
    below: float | None = None,
    at_most: float | None = None,
) -> float:
    """Return ``value`` as a finite float and check its range.

    ``positive`` means > 0, ``nonnegative`` means >= 0, ``below`` is a strict upper bound and
    ``at_most`` an inclusive one.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} ({type(value).__name__})")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and not value > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    if nonnegative and not value >= 0:
        raise ValueError(f"{name} must be >= 0, got {value!r}")
    if below is not None and not value < below:
        raise ValueError(f"{name} must be < {below}, got {value!r}")
    if at_most is not None and not value <= at_most:
        raise ValueError(f"{name} must be <= {at_most}, got {value!r}")
    return value


def check_choice(name: str, value: object, choices: tuple[str, ...] | list[str]) -> str:
    """Return ``value`` if it is one of ``choices``; otherwise list the choices."""
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}; got {value!r}")
    return value  # type: ignore[return-value]


def check_instance(name: str, value: object, kind: type | tuple[type, ...], what: str) -> None:
    """Raise a TypeError naming ``what`` was expected unless ``value`` is a ``kind``."""
    if not isinstance(value, kind):
        raise TypeError(f"{name} must be {what}, got {value!r} ({type(value).__name__})")


def check_bool(name: str, value: object) -> bool:
    """Return ``value`` if it is a bool (``True``/``False``, not 0/1 or a string)."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r} ({type(value).__name__})")
    return value


def check_device(name: str, value: object):
    """Return ``value`` as a ``torch.device`` that this process can use.

    Refused with a ValueError naming ``name``: text torch cannot parse (``"gpu"``), a CUDA
    device where CUDA is not available (torch would fail later, deep in the first copy), and
    ``"meta"`` (holds no data).
    """
    import torch

    try:
        device = torch.device(value)  # type: ignore[arg-type]
    except (RuntimeError, TypeError):
        raise ValueError(f"{name} must be a torch device such as 'cpu' or 'cuda:0', got {value!r}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f"{name} is {value!r}, but CUDA is not available here (torch.cuda.is_available() is False)")
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(f"{name} is {value!r}, but there are only {torch.cuda.device_count()} CUDA device(s)")
    if device.type == "meta":
        raise ValueError(f"{name} must be a device that holds data such as 'cpu' or 'cuda:0', got {value!r}")
    return device


def resolve_seeds(seed: int | None, seeds: Iterable[int] | None) -> tuple[list[int], bool]:
    """The run seeds and whether this is a single run (member axis dropped in results)."""
    if seed is not None and seeds is not None:
        raise ValueError(f"give seed or seeds, not both; got seed={seed!r} and seeds={seeds!r}")
    if seeds is not None:
        if isinstance(seeds, numbers.Integral):
            raise TypeError(f"seeds must be an iterable of integers such as range(64), got {seeds!r}")
        resolved = [check_int(f"seeds[{i}]", s, minimum=0) for i, s in enumerate(seeds)]
        if not resolved:
            raise ValueError("seeds must hold at least one seed, got an empty iterable")
        if len(set(resolved)) != len(resolved):
            raise ValueError(f"seeds must be distinct, got {resolved!r}")
        return resolved, False
    if seed is None:
        # A fresh seed, kept in .seeds so that the run can be reproduced.
        seed = int(np.random.SeedSequence().generate_state(1, np.uint32)[0])
    return [check_int("seed", seed, minimum=0)], True
