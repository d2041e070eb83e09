"""The Wasserstein GAN with gradient penalty of Gulrajani et al. (2017)."""

from __future__ import annotations

from .._config import GANConfig
from .._gan import GAN
from .._networks import MLPSpec
from .._optim import Adam
from .._penalties import GradientPenalty
from ..losses import WassersteinLoss


class WGANGP(GAN):
    r"""WGAN-GP: the Wasserstein critic loss plus a penalty on its gradient norm.

    Objective (:class:`ganzoo.losses.WassersteinLoss` +
    :class:`ganzoo.GradientPenalty`) with critic :math:`f`:

    .. math::

        L_D = \mathbb{E}[f(G(z))] - \mathbb{E}[f(x)]
              + \lambda\,\mathbb{E}_{\hat x}[(\|\nabla f(\hat x)\|_2 - 1)^2], \qquad
        L_G = -\mathbb{E}[f(G(z))],

    with :math:`\hat x` uniform on segments between real and generated samples.
    Gulrajani et al. (2017), "Improved Training of Wasserstein GANs", NeurIPS. Known as
    the robust Wasserstein GAN: the penalty replaces weight clipping and trains a wide
    range of architectures without tuning.

    Defaults: the paper's Algorithm 1: λ = 10, n_critic = 5, Adam with α = 1e-4,
    β = (0, 0.9) for both networks, batch m = 64; the reference program's 1→16→1 ReLU
    MLPs, noise dimension 1 and 20,000 generator steps.

    Recommended (``WGANGP.recommended()``, ``docs/convergence.md``): ``standardize=True``,
    its own ``n_critic=5``, Adam lr 1e-3 with β = (0.5, 0.999) for both networks, the
    **one-sided** penalty :math:`\lambda\,\mathbb{E}[\max(0, \|\nabla f(\hat x)\|_2 - 1)^2]`
    with λ = 10 (Petzka, Fischer & Lukovnikov 2018, "On the regularization of Wasserstein
    GANs", ICLR), ``ema_decay=0.9995``; networks, batch 64 and 20,000 steps as above.
    With the two-sided penalty 18 searched points had no success at all and the best one
    (λ = 0.1) 7 of 16 seeds: it pulls the critic's slope to ±1 even where the data and
    the samples agree, and the generator orbits the target or collapses onto its mean
    (third round of the document).
    """

    name = "wgan-gp"
    defaults = GANConfig(
        loss=WassersteinLoss(),
        generator=MLPSpec(width=16, depth=1, activation="relu"),
        discriminator=MLPSpec(width=16, depth=1, activation="relu"),
        g_optimizer=Adam(lr=1e-4, betas=(0.0, 0.9)),
        d_optimizer=Adam(lr=1e-4, betas=(0.0, 0.9)),
        penalties=(GradientPenalty(weight=10.0),),
        n_critic=5,
        batch_size=64,
        latent_dim=1,
        steps=20_000,
    )
    recommended_settings = {
        "standardize": True,
        "g_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "d_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "penalties": (GradientPenalty(weight=10.0, one_sided=True),),
        "ema_decay": 0.9995,
    }
