"""Argument checks shared by the package: one place that words every error the same way.

Every message names the argument, echoes the value (or its shape) and says what is allowed,
in the style of ``lr must be > 0, got -0.1``.
"""

from __future__ import annotations

import numbers
import operator
from typing import Any

import numpy as np

__all__ = [
    "as_samples",
    "check_bool",
    "check_finite",
    "check_int",
    "check_probability",
    "check_real",
    "check_rng",
]


def check_real(name: str, value: Any, *, positive: bool = False, finite: bool = True) -> float:
    """Return ``value`` as a Python float or raise a TypeError/ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__} {value!r}")
    out = float(value)
    if finite and not np.isfinite(out):
        raise ValueError(f"{name} must be finite, got {value!r}")
    if positive and not out > 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return out


def check_int(name: str, value: Any, *, minimum: int | None = None) -> int:
    """Return ``value`` as a Python int (bools refused) or raise naming ``name``."""
    if isinstance(value, bool):
        raise TypeError(f"{name} must be an integer, got bool {value!r}")
    try:
        out = operator.index(value)
    except TypeError:
        raise TypeError(
            f"{name} must be an integer, got {type(value).__name__} {value!r}"
        ) from None
    if minimum is not None and out < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {out}")
    return out


def check_bool(name: str, value: Any) -> bool:
    """Return ``value`` if it is a bool; 0/1, strings and None are refused (no truthiness)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_probability(name: str, value: Any, *, open_interval: bool = True) -> float:
    """A level such as a quantile or confidence level: strictly inside (0, 1) by default."""
    out = check_real(name, value)
    ok = 0.0 < out < 1.0 if open_interval else 0.0 <= out <= 1.0
    if not ok:
        allowed = "0 < value < 1" if open_interval else "0 <= value <= 1"
        raise ValueError(f"{name} must satisfy {allowed}, got {value!r}")
    return out


def check_rng(name: str, rng: Any) -> np.random.Generator:
    """Only a Generator is accepted so that every draw is reproducible by construction."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator (e.g. numpy.random.default_rng(0)), "
            f"got {type(rng).__name__} {rng!r}"
        )
    return rng


def as_samples(
    samples: Any,
    dim: int,
    *,
    name: str = "samples",
    min_n: int = 1,
) -> np.ndarray:
    """Coerce ``samples`` to a float64 array of shape (n, dim); non-finite values are kept.

    A 1-D target accepts shape (n,) or (n, 1); a d-D target accepts (n, d). Callers that
    cannot score non-finite values follow with :func:`check_finite`.
    """
    if samples is None or isinstance(samples, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got {type(samples).__name__} {samples!r}")
    try:
        arr = np.asarray(samples)
    except Exception as exc:  # e.g. a torch tensor that requires grad
        raise TypeError(
            f"{name} could not be converted to a numpy array ({exc}); pass a numeric array "
            "(for a torch tensor: tensor.detach().cpu().numpy())"
        ) from exc
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must hold real numbers (int or float dtype), got dtype {arr.dtype} "
            f"of shape {arr.shape}"
        )
    arr = arr.astype(np.float64, copy=False)
    if dim == 1:
        if arr.ndim == 1:
            arr = arr[:, None]
        elif not (arr.ndim == 2 and arr.shape[1] == 1):
            raise ValueError(
                f"{name} must have shape (n,) or (n, 1) for a 1-D target, got {arr.shape}"
            )
    elif not (arr.ndim == 2 and arr.shape[1] == dim):
        raise ValueError(f"{name} must have shape (n, {dim}) for a {dim}-D target, got {arr.shape}")
    if arr.shape[0] < min_n:
        raise ValueError(
            f"{name} must contain at least {min_n} sample{'s' if min_n != 1 else ''}, "
            f"got {arr.shape[0]} (shape {arr.shape})"
        )
    return arr


def check_finite(samples: np.ndarray, *, name: str = "samples") -> np.ndarray:
    """Strict score functions refuse NaN/inf; ``evaluate`` labels such input 'diverged' instead."""
    bad = ~np.isfinite(samples)
    if bad.any():
        count = int(bad.any(axis=-1).sum()) if samples.ndim == 2 else int(bad.sum())
        raise ValueError(
            f"{name} must be finite, got {count} of {samples.shape[0]} samples with NaN or inf; "
            "evaluate() labels such samples 'diverged' instead of raising"
        )
    return samples
