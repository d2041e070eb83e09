"""The target protocol, and helpers shared by the built-in targets.

A target is anything that can be sampled. Required members:

``dim``
    a positive int: the dimension of one draw.
``spec``
    a str naming the target in reports; for the built-in kinds it round-trips through
    :func:`evaluation.target_from_spec`.
``sample(n, rng)``
    ``n`` i.i.d. draws as a real array of shape ``(n, dim)``, given a
    ``numpy.random.Generator``.

Optional members, used where present (``getattr(target, name, None) is not None``):

``pdf(x)``, ``cdf(x)``, ``ppf(q)``, ``logcdf(x)`` (and ``sf``, ``logsf``)
    exact 1-D distribution functions, returning arrays of the input's shape. ``cdf`` makes
    KS, Cramér–von Mises, Anderson–Darling and the shape check one-sample and exact;
    ``logcdf`` and ``logsf`` (else log F and log(1 - F)) keep Anderson–Darling precise for
    far-tail samples. ``pdf`` is not used by the scores (plots use it).
``mean``, ``std``, ``skewness``, ``excess_kurtosis``
    exact moments (floats in 1-D; ``mean`` and ``std`` arrays of shape ``(dim,)`` in d-D).
``partial_expectation(x)`` = E[X 1{X <= x}] and ``mean_abs_difference`` = E|X - X'|
    with ``cdf`` and ``ppf``, they make W1 and the energy distance to the target exact.
``modes`` ``(k, dim)``, ``mode_std`` (a float or ``(k,)``) and ``weights`` ``(k,)``
    mixture-like targets: mode coverage (see :mod:`evaluation._modes`).

A score whose member is absent is computed against a large seeded reference sample drawn
with ``sample`` (a two-sample score) or skipped, and the :class:`evaluation.Report` says
which (``two_sample``, ``skipped``). :func:`evaluation.as_target` checks the members of a
target it does not know (types, shapes) and names the member that is wrong.

The built-in targets are frozen (hashable) dataclasses with every member that applies: 1-D
targets have all of the above but ``modes``; GaussianMixture, Ring and Grid add ``modes``.
"""

from __future__ import annotations

import math
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.special


@runtime_checkable
class Target(Protocol):
    """What every target offers: ``dim``, ``spec`` and ``sample`` (see the module docstring
    for the optional members and what happens without them)."""

    dim: int

    @property
    def spec(self) -> str: ...

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray: ...


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
