"""The variant registry: one module per variant, one row per variant in ``VARIANTS``."""

from __future__ import annotations

from ..gan import GAN
from .hinge import HingeGAN
from .lsgan import LSGAN
from .minimax import MinimaxGAN
from .nonsaturating import NonSaturatingGAN
from .vanilla import VanillaGAN
from .wgan import WGAN
from .wgan_gp import WGANGP

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
