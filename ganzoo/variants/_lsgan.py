"""The least-squares GAN of Mao et al. (2017)."""

from __future__ import annotations

from .._config import GANConfig
from .._gan import GAN
from .._networks import MLPSpec
from .._optim import Adam
from ..losses import LeastSquaresLoss


class LSGAN(GAN):
    r"""Least-squares GAN: the discriminator regresses real to ``b`` and fake to ``a``.

    Objective (:class:`ganzoo.losses.LeastSquaresLoss`) with raw score :math:`D`:

    .. math::

        L_D = \tfrac12\mathbb{E}[(D(x) - b)^2] + \tfrac12\mathbb{E}[(D(G(z)) - a)^2], \qquad
        L_G = \tfrac12\mathbb{E}[(D(G(z)) - c)^2].

    Mao et al. (2017), "Least Squares Generative Adversarial Networks", ICCV. Known for
    gradients that do not vanish for samples on the correct side of the decision boundary
    but far from the data, and for more stable training than the sigmoid-BCE GAN.

    Defaults: (a, b, c) = (0, 1, 1), the paper's 0-1 coding; Adam with β1 = 0.5 and
    lr 2e-4, the paper's optimizer and its smaller learning rate; one discriminator step
    per generator step; the reference program's 1→16→1 ReLU MLPs, batch 64, noise
    dimension 1 and 20,000 generator steps.

    Recommended (``LSGAN.recommended()``, ``docs/convergence.md``): ``standardize=True``,
    ``n_critic=5`` (five discriminator steps per generator step), Adam lr 1e-3 with
    β = (0.5, 0.999) for both networks, ``ema_decay=0.9995``; networks, batch 64 and
    20,000 generator steps as above. Measured success
    rates under the strict verdict are in ``docs/convergence.md``.
    """

    name = "lsgan"
    defaults = GANConfig(
        loss=LeastSquaresLoss(a=0.0, b=1.0, c=1.0),
        generator=MLPSpec(width=16, depth=1, activation="relu"),
        discriminator=MLPSpec(width=16, depth=1, activation="relu"),
        g_optimizer=Adam(lr=2e-4, betas=(0.5, 0.999)),
        d_optimizer=Adam(lr=2e-4, betas=(0.5, 0.999)),
        n_critic=1,
        batch_size=64,
        latent_dim=1,
        steps=20_000,
    )
    recommended_settings = {
        "standardize": True,
        "n_critic": 5,
        "g_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "d_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "ema_decay": 0.9995,
    }
