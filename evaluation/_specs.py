"""Spec strings: a target written as text (``"gaussian:4,1.25"``) for command lines and files.

Grammar: ``kind`` or ``kind:arg,arg,...`` with positional numeric arguments; omitted
trailing arguments take the target's defaults. A mixture lists its components separated by
``;``, each ``weight,mean,std``. Every target's ``spec`` property prints the canonical form,
and ``target_from_spec(t.spec) == t``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from ._mixture import GaussianMixture
from ._planar import Grid, Ring
from ._target import Target
from ._univariate import Gaussian, LogNormal, StudentT, Uniform

__all__ = ["KNOWN_SPECS", "as_target", "target_from_spec"]

_SIMPLE: dict[str, type] = {
    cls.kind: cls for cls in (Gaussian, StudentT, Uniform, LogNormal, Ring, Grid)
}

#: Each kind with its arguments and an example, as shown in error messages and the docs.
KNOWN_SPECS: dict[str, str] = {
    "gaussian": "gaussian:mean,std (default gaussian:4,1.25)",
    "mixture": "mixture:w,mean,std;w,mean,std;... (default mixture:0.5,-2,0.5;0.5,2,0.5)",
    "student-t": "student-t:df,loc,scale (default student-t:3,0,1)",
    "uniform": "uniform:low,high (default uniform:0,1)",
    "lognormal": "lognormal:mu,sigma of log X (default lognormal:0,0.5)",
    "ring": "ring:n_modes,radius,mode_std (default ring:8,2,0.02)",
    "grid": "grid:side,spacing,mode_std (default grid:5,2,0.05)",
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


def target_from_spec(spec: str) -> Target:
    """Build a target from its spec string, e.g. ``"gaussian:4,1.25"``, ``"ring"``.

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
    except (TypeError, ValueError) as exc:
        if str(exc).startswith("target spec"):
            raise
        raise ValueError(f"target spec {spec!r}: {exc}; expected {KNOWN_SPECS[kind]}") from exc


def as_target(target: Target | str) -> Target:
    """Accept a target or its spec string; anything else is a TypeError naming ``target``."""
    if isinstance(target, str):
        return target_from_spec(target)
    if not isinstance(target, Target):
        raise TypeError(
            "target must be a target (e.g. evaluation.Gaussian(4, 1.25)) or a spec string "
            f"(e.g. 'gaussian:4,1.25'), got {type(target).__name__} {target!r}"
        )
    return target
