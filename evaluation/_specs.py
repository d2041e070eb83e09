"""Spec strings: a target written as text (``"gaussian:4,1.25"``) for command lines and files.

Grammar: ``kind`` or ``kind:arg,arg,...`` with positional numeric arguments; omitted
trailing arguments take the target's defaults. A mixture lists its components separated by
``;``, each ``weight,mean,std``. Three kinds take other arguments:

- ``scipy:NAME,key=value,...``: a frozen scipy.stats distribution (``scipy:gamma,a=2,
  scale=1.5``); list values separated by ``;`` (``scipy:multivariate_normal,mean=0;0,
  cov=1;0;0;1``);
- ``data:PATH``: the samples in a file (an :class:`evaluation.Empirical`);
- ``dirac:x`` or ``dirac:x,y``: a point mass;
- ``fixed:n,seed:BASE``: ``n`` draws of the target ``BASE`` (any spec) made once, trained on
  in place of fresh draws (an :class:`evaluation.FixedDraws`).

Every target's ``spec`` property prints the canonical form, and ``target_from_spec(t.spec)
== t``, except for an Empirical made from an in-memory array: its ``empirical:...`` spec
identifies the data but cannot rebuild them, and is refused here with a message saying so.

:func:`as_target` is the door every function goes through: it accepts a target, a spec
string, a frozen scipy.stats distribution or a numpy array of data, and checks the members of
any object it does not know (see :mod:`evaluation._protocol`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from ._empirical import Empirical
from ._fixed_draws import FixedDraws
from ._mixture import GaussianMixture
from ._planar import Grid, Ring
from ._swiss_roll import SwissRoll
from ._point_mass import PointMass
from ._protocol import check_members
from ._scipy import ScipyTarget, from_scipy, scipy_target
from ._scipy_mvn import ScipyMultivariateNormal
from ._target import Target
from ._univariate import Gaussian, LogNormal, StudentT, Uniform

__all__ = ["KNOWN_SPECS", "as_target", "target_from_spec"]

_SIMPLE: dict[str, type] = {
    cls.kind: cls for cls in (Gaussian, StudentT, Uniform, LogNormal, Ring, Grid, SwissRoll, PointMass)
}

# Targets of this package: their members are right by construction, so as_target does not
# probe them.
_KNOWN_TYPES = (
    Gaussian,
    StudentT,
    Uniform,
    LogNormal,
    GaussianMixture,
    Ring,
    Grid,
    SwissRoll,
    PointMass,
    ScipyTarget,
    ScipyMultivariateNormal,
    Empirical,
    FixedDraws,
)

#: Each kind with its arguments and an example, as shown in error messages and the docs.
KNOWN_SPECS: dict[str, str] = {
    "gaussian": "gaussian:mean,std (default gaussian:4,1.25)",
    "mixture": "mixture:w,mean,std;w,mean,std;... (default mixture:0.5,-2,0.5;0.5,2,0.5)",
    "student-t": "student-t:df,loc,scale (default student-t:3,0,1)",
    "uniform": "uniform:low,high (default uniform:0,1)",
    "lognormal": "lognormal:mu,sigma of log X (default lognormal:0,0.5)",
    "ring": "ring:n_modes,radius,mode_std (default ring:8,2,0.02)",
    "grid": "grid:side,spacing,mode_std (default grid:5,2,0.05)",
    "swissroll": "swissroll:noise,scale (default swissroll:0.25,7.5, the WGAN-GP toy's)",
    "dirac": "dirac:x or dirac:x,y, a point mass (default dirac:0)",
    "scipy": "scipy:NAME,key=value,... a scipy.stats distribution, e.g. scipy:gamma,a=2,scale=1.5",
    "data": "data:PATH samples in a .csv, .txt or .npy file, one column per dimension",
    "fixed": "fixed:n,seed:BASE n draws of the target BASE made once (seed, default 0), e.g. fixed:100000,0:ring:8,1,0.01",
    "empirical": (
        "empirical:n=...,dim=...,sha256=... names an in-memory Empirical; it cannot be "
        "rebuilt from text (pass the array)"
    ),
}


def _known() -> str:
    return "; ".join(KNOWN_SPECS.values())


def _numbers(spec: str, kind: str, text: str) -> list[Any]:
    values: list[Any] = []
    for item in text.split(","):
        item = item.strip()
        try:
            # float() also reads "1_000" and non-ASCII digits ("٤"); a spec is plain ASCII.
            if not item.isascii() or "_" in item:
                raise ValueError(item)
            number = float(item)
        except ValueError:
            raise ValueError(
                f"target spec {spec!r}: argument {item!r} is not a number; "
                f"expected {KNOWN_SPECS[kind]}"
            ) from None
        # Integer-valued text stays an int so that integer parameters (n_modes, side)
        # validate, and a non-integer there is reported as such by the target.
        values.append(int(number) if item.lstrip("+-").isdigit() else number)
    return values


def _scipy_parts(spec: str, rest: str) -> tuple[str, dict[str, tuple[float, ...]]]:
    name, *items = (item.strip() for item in rest.split(","))
    if not name:
        raise ValueError(
            f"target spec {spec!r}: no distribution name; expected {KNOWN_SPECS['scipy']}"
        )
    params: dict[str, tuple[float, ...]] = {}
    for item in items:
        key, eq, value = (part.strip() for part in item.partition("="))
        if not eq or not key or not value:
            raise ValueError(
                f"target spec {spec!r}: argument {item!r} is not key=value; expected {KNOWN_SPECS['scipy']}"
            )
        if key in params:
            raise ValueError(f"target spec {spec!r}: parameter {key!r} given twice")
        params[key] = tuple(float(v) for v in _numbers(spec, "scipy", value.replace(";", ",")))
    return name, params


def target_from_spec(spec: str) -> Target:
    """Build a target from its spec string, e.g. ``"gaussian:4,1.25"``, ``"ring"``,
    ``"scipy:gamma,a=2,scale=1.5"``, ``"data:samples.csv"``, ``"dirac:0"``.

    Raises ValueError naming and echoing the spec, with the known kinds and their arguments.
    """
    if not isinstance(spec, str):
        raise TypeError(
            f"spec must be a str such as 'gaussian:4,1.25', got {type(spec).__name__} {spec!r}"
        )
    kind, sep, rest = spec.strip().partition(":")
    kind = kind.strip().lower()
    if kind not in KNOWN_SPECS:
        raise ValueError(f"target spec {spec!r}: unknown kind {kind!r}; known kinds: {_known()}")
    if sep and not rest.strip():
        raise ValueError(f"target spec {spec!r}: nothing after ':'; expected {KNOWN_SPECS[kind]}")
    try:
        if kind == "empirical":
            raise ValueError(
                f"target spec {spec!r}: an Empirical made from an in-memory array cannot be rebuilt "
                "from text; pass the array itself (evaluation.Empirical(data)), or save it to a "
                "file and use data:PATH"
            )
        if kind in ("scipy", "data", "fixed") and not sep:
            raise ValueError(
                f"target spec {spec!r}: {kind!r} needs arguments; expected {KNOWN_SPECS[kind]}"
            )
        if kind == "data":
            return Empirical.from_file(rest.strip())
        if kind == "fixed":
            args, colon, base = rest.partition(":")
            numbers = _numbers(spec, kind, args)
            if not colon or not base.strip():
                raise ValueError(f"target spec {spec!r}: no base target after n,seed; expected {KNOWN_SPECS[kind]}")
            if len(numbers) > 2:
                raise ValueError(
                    f"target spec {spec!r}: 'fixed' takes at most 2 numbers (n, seed), got {len(numbers)}; "
                    f"expected {KNOWN_SPECS[kind]}"
                )
            try:
                base_target = target_from_spec(base)
            except ValueError as error:
                raise ValueError(f"target spec {spec!r}: its base: {error}") from None
            return FixedDraws(base_target, *numbers)
        if kind == "scipy":
            return scipy_target(*_scipy_parts(spec, rest))
        if kind == "mixture":
            if not sep:
                return GaussianMixture()
            components = [_numbers(spec, kind, part) for part in rest.split(";")]
            for i, comp in enumerate(components):
                if len(comp) != 3:
                    raise ValueError(
                        f"target spec {spec!r}: mixture component {i} has {len(comp)} "
                        f"argument(s), expected 3 (weight,mean,std); {KNOWN_SPECS[kind]}"
                    )
            weights, means, stds = (tuple(float(v) for v in col) for col in zip(*components))
            return GaussianMixture(weights=weights, means=means, stds=stds)
        cls = _SIMPLE[kind]
        args = _numbers(spec, kind, rest) if sep else []
        n_fields = len(dataclasses.fields(cls))
        if len(args) > n_fields:
            raise ValueError(
                f"target spec {spec!r}: {kind!r} takes at most {n_fields} argument(s), "
                f"got {len(args)}; expected {KNOWN_SPECS[kind]}"
            )
        return cls(*args)
    except (TypeError, ValueError, ArithmeticError) as exc:
        if str(exc).startswith("target spec"):
            raise
        raise ValueError(f"target spec {spec!r}: {exc}; expected {KNOWN_SPECS[kind]}") from exc


def as_target(target: Any) -> Target:
    """The target for ``target``: a target, a spec string, a frozen scipy.stats distribution
    (:class:`evaluation.ScipyTarget`) or a numpy array of data (:class:`evaluation.Empirical`).

    An object that is none of the built-in kinds must have the protocol's required members
    (``dim``, ``spec``, ``sample``); they and its optional members are checked once here
    (see :mod:`evaluation._protocol`), and an error names the member that is wrong.
    Anything else is a TypeError naming ``target``.
    """
    if isinstance(target, str):
        return target_from_spec(target)
    if isinstance(target, _KNOWN_TYPES):
        return target
    if isinstance(target, np.ndarray):
        return Empirical(target)
    wrapped = from_scipy(target)
    if wrapped is not None:
        return wrapped
    if not any(hasattr(target, name) for name in ("dim", "spec", "sample")):
        raise TypeError(
            "target must be a target (e.g. evaluation.Gaussian(4, 1.25)), a spec string "
            "(e.g. 'gaussian:4,1.25'), a frozen scipy.stats distribution or a numpy array of "
            f"data, got {type(target).__name__} {target!r}"
        )
    return check_members(target)
