"""The non-saturating GAN of Goodfellow et al. (2014), computed on logits."""

from __future__ import annotations

from .._config import GANConfig
from .._gan import GAN
from .._networks import MLPSpec
from .._optim import Adam
from ..losses import NonSaturatingLoss

#: The ring's networks: the ``"planar"`` preset less one hidden layer (half its arithmetic;
#: docs/modes.md's search found it as precise on the ring).
_TWO_LAYERS_OF_128 = MLPSpec(width=128, depth=2)


class NonSaturatingGAN(GAN):
    r"""The GAN with the *non-saturating* generator objective, computed stably on logits.

    Objective (:class:`ganzoo.losses.NonSaturatingLoss`), on logits :math:`s` with
    :math:`D = \sigma(s)`:

    .. math::

        L_D = -\mathbb{E}[\log D(x)] - \mathbb{E}[\log(1 - D(G(z)))], \qquad
        L_G = -\mathbb{E}[\log D(G(z))] = \mathbb{E}[\operatorname{softplus}(-s_{G(z)})].

    Goodfellow et al. (2014), "Generative Adversarial Nets", NeurIPS, Sec. 3. The loss
    most libraries call "vanilla": the same objective as ``VanillaGAN``, but computed with
    softplus on logits instead of BCE on clamped probabilities, so it never saturates in
    floating point.

    Defaults: as ``MinimaxGAN`` (k = 1 from the paper's Algorithm 1; otherwise the
    reference program's networks, Adam lr 0.01, batch 64 and 20,000 generator steps), so
    that the BCE-family variants differ in their objective only.

    Recommended (``NonSaturatingGAN.recommended()``, ``docs/convergence.md``): ``standardize=True``,
    ``n_critic=5`` (five discriminator steps per generator step), Adam lr 1e-3 with
    β = (0.5, 0.999) for both networks, ``ema_decay=0.9995``; networks, batch 64 and
    20,000 generator steps as above. Measured success
    rates under the strict verdict are in ``docs/convergence.md``.

    Recommended on the ring of 8 Gaussians (``NonSaturatingGAN.recommended(target="ring")``,
    ``docs/modes.md``): networks of 2 hidden layers of 128 ReLU units (``"planar"`` less a layer),
    noise dimension 2, packing 2 (PacGAN) with batches of 32 packs, Adam lr 8e-4 with
    β = (0.5, 0.9) for both networks, ``standardize=True``, ``ema_decay=0.999``, 20,000
    generator steps.
    """

    name = "nonsaturating"
    defaults = GANConfig(
        loss=NonSaturatingLoss(),
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
        "ring": {
            "generator": _TWO_LAYERS_OF_128,
            "discriminator": _TWO_LAYERS_OF_128,
            "latent_dim": 2,
            "packing": 2,
            "batch_size": 32,
            "g_optimizer": Adam(lr=8e-4, betas=(0.5, 0.9)),
            "d_optimizer": Adam(lr=8e-4, betas=(0.5, 0.9)),
            "standardize": True,
            "ema_decay": 0.999,
            "steps": 20_000,
        },
    }
    recommended_settings = {
        "standardize": True,
        "n_critic": 5,
        "g_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "d_optimizer": Adam(lr=1e-3, betas=(0.5, 0.999)),
        "ema_decay": 0.9995,
    }
