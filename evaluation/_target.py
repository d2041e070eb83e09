"""The target protocol, and helpers shared by the built-in targets.

Every built-in target is a frozen (hashable) dataclass that validates its parameters and
exposes the same interface, which ganzoo and the scores rely on:

``dim``, ``mean``, ``std`` (floats in 1-D, arrays of shape (dim,) in 2-D), ``sample(n, rng)``
returning float64 of shape (n, dim), ``pdf(x)``, ``spec`` (round-trips through
:func:`evaluation.target_from_spec`); 1-D targets add ``cdf``, ``sf``, ``logcdf``, ``logsf``,
``ppf``, ``skewness``, ``excess_kurtosis``, ``partial_expectation`` and
``mean_abs_difference`` (the last two make W1 and the energy distance to the target exact);
mixture-like targets (GaussianMixture, Ring, Grid) add ``modes`` (m, dim), ``weights`` (m,)
and ``mode_std``.
"""

from __future__ import annotations

import math
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.special


@runtime_checkable
class Target(Protocol):
    """What every target offers (see the module docstring for the 1-D and mixture extras)."""

    dim: int

    @property
    def mean(self) -> float | np.ndarray: ...

    @property
    def std(self) -> float | np.ndarray: ...

    @property
    def spec(self) -> str: ...

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray: ...

    def pdf(self, x: Any) -> np.ndarray: ...


def format_number(value: float) -> str:
    """Shortest text that parses back to exactly ``value`` (``4.0`` -> ``"4"``)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _readonly(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def _set(obj: object, name: str, value: Any) -> None:
    # Frozen dataclasses normalise their own fields in __post_init__ through this door.
    object.__setattr__(obj, name, value)


def _normal_partial_expectation(x: np.ndarray, mean: Any, std: Any) -> np.ndarray:
    """E[X 1{X <= x}] for X ~ N(mean, std^2): mean Phi(z) - std phi(z), z = (x - mean)/std."""
    z = (x - mean) / std
    with np.errstate(invalid="ignore", over="ignore"):
        density = np.where(np.isinf(z), 0.0, np.exp(-0.5 * z * z) / math.sqrt(2 * math.pi))
    return mean * scipy.special.ndtr(z) - std * density


def _normal_abs_mean(m: np.ndarray, s: np.ndarray) -> np.ndarray:
    """E|Z| for Z ~ N(m, s^2): s sqrt(2/pi) exp(-m^2 / 2 s^2) + m (1 - 2 Phi(-m / s))."""
    return s * math.sqrt(2 / math.pi) * np.exp(-0.5 * (m / s) ** 2) + m * (
        1 - 2 * scipy.special.ndtr(-m / s)
    )
