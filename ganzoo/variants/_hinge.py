"""The hinge-loss GAN of Lim & Ye (2017) and Miyato et al. (2018)."""

from __future__ import annotations

from .._config import GANConfig
from .._gan import GAN
from .._networks import MLPSpec
from .._optim import Adam
from ..losses import HingeLoss


class HingeGAN(GAN):
    r"""Hinge-loss GAN: an SVM-like margin for D, a linear objective for G.

    Objective (:class:`ganzoo.losses.HingeLoss`) with raw score :math:`D`:

    .. math::

        L_D = \mathbb{E}[\max(0, 1 - D(x))] + \mathbb{E}[\max(0, 1 + D(G(z)))], \qquad
        L_G = -\mathbb{E}[D(G(z))].

    Lim & Ye (2017), "Geometric GAN", arXiv:1705.02894; Miyato et al. (2018), "Spectral
    Normalization for Generative Adversarial Networks", ICLR, who made it the standard
    loss of SN-GAN, SAGAN and BigGAN. Spectral normalization is not on by default; add it
    with ``discriminator=MLPSpec(spectral_norm=True)``.

    Defaults: Adam with α = 2e-4, β = (0, 0.9) and n_critic = 5, the setting of Miyato et
    al.'s hinge-loss experiments; the reference program's 1→16→1 ReLU MLPs, batch 64,
    noise dimension 1 and 20,000 generator steps.

    Recommended (``HingeGAN.recommended()``, ``docs/convergence.md``): ``standardize=True``,
    Adam lr 1e-3 with β = (0.5, 0.999) for both networks, ``ema_decay=0.9995``, the
    default n_critic; networks, batch 64 and 20,000 steps as above. Measured success
    rates under the strict verdict are in ``docs/convergence.md``.
    """

    name = "hinge"
    defaults = GANConfig(
        loss=HingeLoss(),
        generator=MLPSpec(width=16, depth=1, activation="relu"),
        discriminator=MLPSpec(width=16, depth=1, activation="relu"),
        g_optimizer=Adam(lr=2e-4, betas=(0.0, 0.9)),
        d_optimizer=Adam(lr=2e-4, betas=(0.0, 0.9)),
        n_critic=5,
        batch_size=64,
        latent_dim=1,
        steps=20_000,
    )
    recommended_settings = {
        "standardize": True,
        "g_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "d_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "ema_decay": 0.9995,
    }
