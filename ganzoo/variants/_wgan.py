"""The Wasserstein GAN with weight clipping of Arjovsky et al. (2017)."""

from __future__ import annotations

from .._config import GANConfig
from .._gan import GAN
from .._networks import MLPSpec
from .._optim import RMSprop
from .._penalties import WeightClipping
from ..losses import WassersteinLoss


class WGAN(GAN):
    r"""Wasserstein GAN: a critic estimates :math:`W_1`, kept Lipschitz by weight clipping.

    Objective (:class:`ganzoo.losses.WassersteinLoss`) with critic :math:`f`:

    .. math::

        L_D = \mathbb{E}[f(G(z))] - \mathbb{E}[f(x)], \qquad L_G = -\mathbb{E}[f(G(z))],

    and every critic weight clamped into :math:`[-c, c]` after each critic step
    (:class:`ganzoo.WeightClipping`). Arjovsky, Chintala & Bottou (2017),
    "Wasserstein Generative Adversarial Networks", ICML. Known for a loss that tracks
    sample quality and for no mode collapse in the paper's experiments; also for slow,
    sometimes unstable training caused by the clipping.

    Defaults: the paper's Algorithm 1: RMSprop with lr α = 5e-5 for both networks, clipping
    c = 0.01, n_critic = 5 critic steps per generator step, batch m = 64; the reference
    program's 1→16→1 ReLU MLPs, noise dimension 1 and 20,000 generator steps.

    Recommended (``WGAN.recommended()``, ``docs/convergence.md``): ``standardize=True``,
    its own ``n_critic=5``, RMSprop lr 3e-4 (α = 0.99) for both networks, clipping
    c = 0.05, ``ema_decay=0.9995``; networks, batch 64 and 20,000 steps as above.
    """

    name = "wgan"
    defaults = GANConfig(
        loss=WassersteinLoss(),
        generator=MLPSpec(width=16, depth=1, activation="relu"),
        discriminator=MLPSpec(width=16, depth=1, activation="relu"),
        g_optimizer=RMSprop(lr=5e-5),
        d_optimizer=RMSprop(lr=5e-5),
        constraints=(WeightClipping(clip=0.01),),
        n_critic=5,
        batch_size=64,
        latent_dim=1,
        steps=20_000,
    )
    recommended_settings = {
        "standardize": True,
        "n_critic": 5,
        "g_optimizer": RMSprop(lr=3e-4),
        "d_optimizer": RMSprop(lr=3e-4),
        "ema_decay": 0.9995,
        "constraints": (WeightClipping(clip=0.05),),
    }
