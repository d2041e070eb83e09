"""The variant registry: one module per variant, found by itself.

Every private module of this package (``_vanilla.py``, ...) declares GAN subclasses with a
``name``; each is registered in :data:`VARIANTS` under that name when the package is
imported, so a new variant is one new file here (plus one row in the conformance list of
``tests/ganzoo/conformance.py``); exporting its class from ``ganzoo`` is one line of the
public API list in ``ganzoo/__init__.py``. :data:`PRESENTATION_ORDER` fixes the order of the built-in
variants (the reference program first, then the logistic family, the Wasserstein family,
least squares and hinge), the order of tables and of ``--variants all``; variants not named
there follow, by name.
"""

from __future__ import annotations

import importlib
import pkgutil

from .._gan import GAN

PRESENTATION_ORDER = ("vanilla", "minimax", "nonsaturating", "wgan", "wgan-gp", "lsgan", "hinge")


def _discover() -> dict[str, type[GAN]]:
    found: dict[str, type[GAN]] = {}
    for module_info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{module_info.name}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, GAN) and value.__module__ == module.__name__ and value.name:
                if value.name in found:
                    raise ImportError(f"two variants are named {value.name!r}: {found[value.name]} and {value}")
                found[value.name] = value

    def rank(name: str) -> tuple[int, str]:
        return (PRESENTATION_ORDER.index(name), "") if name in PRESENTATION_ORDER else (len(PRESENTATION_ORDER), name)

    return {name: found[name] for name in sorted(found, key=rank)}


VARIANTS: dict[str, type[GAN]] = _discover()
"""Every variant class by its ``name`` (``"vanilla"``, ``"wgan-gp"``, ...), in presentation order."""


def get_variant(name: str) -> type[GAN]:
    """The variant class registered under ``name``; an unknown name lists the known ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise ValueError(f"unknown variant {name!r}; known variants: {', '.join(VARIANTS)}") from None


__all__ = ["PRESENTATION_ORDER", "VARIANTS", "get_variant"]
