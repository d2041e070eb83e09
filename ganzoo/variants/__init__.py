"""The variant registry: one module per variant, one row per variant in ``VARIANTS``."""

from __future__ import annotations

from .._gan import GAN
from ._hinge import HingeGAN
from ._lsgan import LSGAN
from ._minimax import MinimaxGAN
from ._nonsaturating import NonSaturatingGAN
from ._vanilla import VanillaGAN
from ._wgan import WGAN
from ._wgan_gp import WGANGP

VARIANTS: dict[str, type[GAN]] = {
    cls.name: cls for cls in (VanillaGAN, MinimaxGAN, NonSaturatingGAN, WGAN, WGANGP, LSGAN, HingeGAN)
}


def get_variant(name: str) -> type[GAN]:
    """The variant class registered under ``name``; an unknown name lists the known ones."""
    try:
        return VARIANTS[name]
    except KeyError:
        raise ValueError(f"unknown variant {name!r}; known variants: {', '.join(VARIANTS)}") from None


__all__ = [
    "LSGAN",
    "VARIANTS",
    "WGAN",
    "WGANGP",
    "HingeGAN",
    "MinimaxGAN",
    "NonSaturatingGAN",
    "VanillaGAN",
    "get_variant",
]
