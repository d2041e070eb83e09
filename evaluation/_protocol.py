"""Checking a target that the package does not know, and reading which members it has.

:func:`check_members` is what :func:`evaluation.as_target` runs on any object that is not a
built-in target: it calls ``sample`` and each optional function once on a few points and
raises one error naming the first member with the wrong type or shape, so that a broken
target fails at the door instead of deep inside a score. :func:`members` says which optional
members a target has (see :mod:`evaluation._target` for the protocol).
"""

from __future__ import annotations

import dataclasses
import numbers
from typing import Any

import numpy as np

from ._empirical import Empirical
from ._planar import _PlanarMixture
from ._point_mass import PointMass

__all__ = ["Members", "check_members", "classic_layout", "members"]

REQUIRED = ("dim", "spec", "sample")
# How many draws the check asks ``sample`` for; small, since a user's sampler may be slow.
_PROBE_N = 3


def present(target: Any, name: str) -> bool:
    """An optional member counts as present unless missing or None."""
    return getattr(target, name, None) is not None


@dataclasses.dataclass(frozen=True)
class Members:
    """Which optional members a target has (True = present)."""

    cdf: bool
    sf: bool
    logcdf: bool
    logsf: bool
    ppf: bool
    pdf: bool
    mean: bool
    std: bool
    skewness: bool
    excess_kurtosis: bool
    partial_expectation: bool
    mean_abs_difference: bool
    modes: bool

    @property
    def exact_w1(self) -> bool:
        """W1 to the target in closed form needs cdf, ppf, partial_expectation and mean."""
        return self.cdf and self.ppf and self.partial_expectation and self.mean

    @property
    def exact_energy(self) -> bool:
        return self.cdf and self.partial_expectation and self.mean_abs_difference and self.mean

    @property
    def complete(self) -> bool:
        """Everything the exact 1-D battery uses (the built-in 1-D targets' set)."""
        return all(
            (
                self.exact_w1,
                self.exact_energy,
                self.logcdf,
                self.logsf,
                self.std,
                self.skewness,
                self.excess_kurtosis,
            )
        )


def members(target: Any) -> Members:
    names = [f.name for f in dataclasses.fields(Members)]
    found = {name: present(target, name) for name in names if name != "modes"}
    found["modes"] = present(target, "modes") and present(target, "mode_std")
    return Members(**found)


def classic_layout(target: Any) -> bool:
    """True for the targets scored by the original battery with the original ``to_dict()``
    layout: 1-D targets with every exact member (the built-in ones, scipy.stats ones) and
    the built-in Ring and Grid. Everything else goes through the protocol paths."""
    if isinstance(target, (Empirical, PointMass)):
        return False
    if target.dim == 1:
        return members(target).complete
    return isinstance(target, _PlanarMixture)


def _describe(value: Any) -> str:
    return f"{type(value).__name__} {value!r}"


def _real(name: str, value: Any) -> None:
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, (numbers.Real, np.floating, np.integer)
    ):
        if not (isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind in "iuf"):
            raise TypeError(f"target.{name} must be a real number, got {_describe(value)}")


def _vector(name: str, value: Any, dim: int) -> None:
    arr = np.asarray(value) if isinstance(value, (np.ndarray, list, tuple)) else None
    if arr is None or arr.dtype.kind not in "iuf":
        raise TypeError(
            f"target.{name} must be a real array of shape ({dim},) for a {dim}-D target, got {_describe(value)}"
        )
    if arr.shape != (dim,):
        raise ValueError(
            f"target.{name} must have shape ({dim},) for a {dim}-D target, got shape {arr.shape}"
        )


def _call(target: Any, name: str, arg: np.ndarray, call: str, expected: tuple[int, ...]) -> None:
    fn = getattr(target, name)
    if not callable(fn):
        raise TypeError(f"target.{name} must be callable, got {_describe(fn)}")
    try:
        out = fn(arg)
    except Exception as exc:
        exc.add_note(f"(raised by target.{call} while evaluation checked the target)")
        raise
    if not isinstance(out, np.ndarray):
        raise TypeError(
            f"target.{call} must return a numpy array, got {type(out).__name__} {out!r}"
        )
    if out.dtype.kind not in "iuf":
        raise TypeError(f"target.{call} must return real numbers, got dtype {out.dtype}")
    if out.shape != expected:
        raise ValueError(f"target.{call} must return shape {expected}, got {out.shape}")


def check_members(target: Any) -> Any:
    """Check the required and present optional members of ``target``; return it unchanged.

    Raises TypeError for a missing required member or a member of the wrong type, and
    ValueError for a wrong shape or value; every message starts with ``target.<member>``.
    """
    dim = _check_required(target)
    draws = _probe_sample(target, dim)
    if dim == 1:
        _check_optional_1d(target, draws)
    else:
        _check_optional_nd(target, draws, dim)
    if present(target, "modes") or present(target, "mode_std"):
        _check_modes(target, dim)
    return target


def _check_required(target: Any) -> int:
    """Check ``dim``, ``spec`` and that ``sample`` is callable; return ``dim`` as an int."""
    missing = [name for name in REQUIRED if not hasattr(target, name)]
    if missing:
        raise TypeError(
            f"target {target!r} lacks the required member(s) {', '.join(missing)}: a target needs "
            "dim (int), spec (str) and sample(n, rng) returning an array of shape (n, dim)"
        )
    dim = target.dim
    if isinstance(dim, (bool, np.bool_)) or not isinstance(dim, (numbers.Integral, np.integer)):
        raise TypeError(f"target.dim must be a positive int, got {_describe(dim)}")
    dim = int(dim)
    if dim < 1:
        raise ValueError(f"target.dim must be >= 1, got {dim}")
    if not isinstance(target.spec, str):
        raise TypeError(
            f"target.spec must be a str naming the target, got {_describe(target.spec)}"
        )
    if not callable(target.sample):
        raise TypeError(
            f"target.sample must be callable as sample(n, rng), got {_describe(target.sample)}"
        )
    return dim


def _probe_sample(target: Any, dim: int) -> np.ndarray:
    """Call ``sample`` for a few seeded draws and check their type, shape and finiteness."""
    call = f"sample({_PROBE_N}, rng)"
    try:
        draws = target.sample(_PROBE_N, np.random.default_rng(0))
    except Exception as exc:
        exc.add_note(f"(raised by target.{call} while evaluation checked the target)")
        raise
    if not isinstance(draws, np.ndarray):
        raise TypeError(
            f"target.{call} must return a numpy array of shape ({_PROBE_N}, {dim}), got "
            f"{type(draws).__name__}"
        )
    if draws.dtype.kind not in "iuf":
        raise TypeError(f"target.{call} must return real numbers, got dtype {draws.dtype}")
    if draws.shape != (_PROBE_N, dim):
        raise ValueError(
            f"target.{call} must return shape (n, dim) = ({_PROBE_N}, {dim}), got {draws.shape}"
        )
    if not np.isfinite(draws).all():
        raise ValueError(f"target.{call} returned NaN or inf")
    return draws


def _check_optional_1d(target: Any, draws: np.ndarray) -> None:
    """Call each present 1-D function on the probe draws (ppf on quartiles); check moments."""
    points = np.sort(draws[:, 0].astype(np.float64))
    for name in ("cdf", "sf", "logcdf", "logsf", "pdf", "partial_expectation"):
        if present(target, name):
            _call(target, name, points, f"{name}(x)", points.shape)
    if present(target, "ppf"):
        q = np.array([0.25, 0.5, 0.75])
        _call(target, "ppf", q, "ppf(q)", q.shape)
    for name in ("mean", "std", "skewness", "excess_kurtosis", "mean_abs_difference"):
        if present(target, name):
            _real(name, getattr(target, name))


def _check_optional_nd(target: Any, draws: np.ndarray, dim: int) -> None:
    """Call a present d-D ``pdf`` on the probe draws; check ``mean`` and ``std`` vectors."""
    if present(target, "pdf"):
        _call(
            target,
            "pdf",
            draws.astype(np.float64),
            f"pdf(x) for x of shape ({_PROBE_N}, {dim})",
            (_PROBE_N,),
        )
    for name in ("mean", "std"):
        if present(target, name):
            _vector(name, getattr(target, name), dim)


def _check_modes(target: Any, dim: int) -> None:
    if not (present(target, "modes") and present(target, "mode_std")):
        raise TypeError("target.modes and target.mode_std come together (mode coverage needs both)")
    modes = (
        np.asarray(target.modes) if isinstance(target.modes, (np.ndarray, list, tuple)) else None
    )
    if modes is None or modes.dtype.kind not in "iuf":
        raise TypeError(
            f"target.modes must be a real array of shape (k, {dim}), got {_describe(target.modes)}"
        )
    if modes.ndim != 2 or modes.shape[1] != dim or modes.shape[0] < 1:
        raise ValueError(f"target.modes must have shape (k, {dim}) with k >= 1, got {modes.shape}")
    k = modes.shape[0]
    mode_std = np.asarray(target.mode_std)
    if mode_std.dtype.kind not in "iuf" or mode_std.shape not in ((), (k,)):
        raise ValueError(
            f"target.mode_std must be a positive number or an array of shape ({k},), got {target.mode_std!r}"
        )
    if not np.all(mode_std > 0):
        raise ValueError(f"target.mode_std must be > 0, got {target.mode_std!r}")
    if present(target, "weights"):
        w = np.asarray(target.weights)
        if (
            w.dtype.kind not in "iuf"
            or w.shape != (k,)
            or np.any(w < 0)
            or not abs(float(w.sum()) - 1) < 1e-6
        ):
            raise ValueError(
                f"target.weights must be {k} non-negative numbers summing to 1, got {target.weights!r}"
            )
