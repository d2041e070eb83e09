"""The saturating minimax GAN of Goodfellow et al. (2014)."""

from __future__ import annotations

from .._config import GANConfig
from .._gan import GAN
from .._networks import MLPSpec
from .._optim import Adam
from ..losses import MinimaxLoss

#: The grid's networks: 2 hidden layers of 96 ReLU units (docs/modes.md: 55 of 64 fresh seeds
#: in 638 s; 128 units, 64 of 64, took 902 s, half again the ~10-minute budget).
_TWO_LAYERS_OF_96 = MLPSpec(width=96, depth=2)


class MinimaxGAN(GAN):
    r"""The original two-player minimax game, with the *saturating* generator objective.

    Objective (:class:`ganzoo.losses.MinimaxLoss`), on logits :math:`s` with
    :math:`D = \sigma(s)`:

    .. math::

        L_D = -\mathbb{E}[\log D(x)] - \mathbb{E}[\log(1 - D(G(z)))], \qquad
        L_G = \mathbb{E}[\log(1 - D(G(z)))].

    Goodfellow et al. (2014), "Generative Adversarial Nets", NeurIPS, Eq. (1). Known for
    its theory (at the optimal D, G minimizes the Jensen–Shannon divergence) and for
    failing in practice: when D rejects the samples confidently, G's gradient vanishes.

    Defaults: the paper's Algorithm 1 with k = 1 discriminator step per generator step;
    the paper trains with SGD with momentum but gives no learning rate usable here, so the
    rest is the reference program's setting (1→16→1 ReLU MLPs, Adam lr 0.01, batch 64,
    noise dimension 1, 20,000 generator steps), which makes the variant differ from
    ``VanillaGAN`` and ``NonSaturatingGAN`` in the generator objective only.

    Recommended (``MinimaxGAN.recommended()``, ``docs/convergence.md``): ``standardize=True``,
    ``n_critic=5`` (five discriminator steps per generator step), Adam lr 1e-3 with
    β = (0.5, 0.999) for both networks, ``ema_decay=0.9995``; networks, batch 64 and
    20,000 generator steps as above. Measured success
    rates under the strict verdict are in ``docs/convergence.md``.

    Recommended on the grid of 25 Gaussians (``MinimaxGAN.recommended(target="grid")``,
    ``docs/modes.md``): networks of 2 hidden layers of 96 ReLU units, noise dimension 2,
    batches of 64, no packing, Adam lr 8e-4 with β = (0.5, 0.9) for both networks,
    ``standardize=True``, ``ema_decay=0.999``, 30,000 generator steps (one discriminator
    step per generator step, as in the paper's Algorithm 1).
    """

    name = "minimax"
    defaults = GANConfig(
        loss=MinimaxLoss(),
        generator=MLPSpec(width=16, depth=1, activation="relu"),
        discriminator=MLPSpec(width=16, depth=1, activation="relu"),
        g_optimizer=Adam(lr=0.01),
        d_optimizer=Adam(lr=0.01),
        n_critic=1,
        batch_size=64,
        latent_dim=1,
        steps=20_000,
    )
    recommended_for = {
        "grid": {
            "generator": _TWO_LAYERS_OF_96,
            "discriminator": _TWO_LAYERS_OF_96,
            "latent_dim": 2,
            "batch_size": 64,
            "g_optimizer": Adam(lr=8e-4, betas=(0.5, 0.9)),
            "d_optimizer": Adam(lr=8e-4, betas=(0.5, 0.9)),
            "standardize": True,
            "ema_decay": 0.999,
            "steps": 30_000,
        },
    }
    recommended_settings = {
        "standardize": True,
        "n_critic": 5,
        "g_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "d_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "ema_decay": 0.9995,
    }
