"""The logistic (cross-entropy) family on logits: the saturating minimax loss and the
non-saturating loss of Goodfellow et al. (2014), both computed stably with softplus."""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from ._base import Loss, batch_mean


def _logistic_discriminator_loss(real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
    # -log σ(s) = softplus(-s) and -log(1 - σ(s)) = softplus(s): exact, and finite for any logit.
    return batch_mean(F.softplus(-real_scores)) + batch_mean(F.softplus(fake_scores))


@dataclasses.dataclass(frozen=True)
class MinimaxLoss(Loss):
    r"""The saturating minimax loss: G minimizes :math:`\mathbb{E}_z[\log(1 - D(G(z)))]`.

    With :math:`D = \sigma(s)` the sigmoid of the raw score :math:`s`,

    .. math::

        L_D = -\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))], \qquad
        L_G = \mathbb{E}_z[\log(1 - D(G(z)))] = -\mathbb{E}_z[\operatorname{softplus}(s_{G(z)})].

    Goodfellow et al. (2014), "Generative Adversarial Nets", NeurIPS, Eq. (1): the value
    function of the two-player minimax game, which G minimizes and D maximizes. Its
    generator gradient *saturates*: :math:`\partial L_G / \partial s = -\sigma(s) \to 0`
    as :math:`D(G(z)) \to 0`, i.e. exactly when the discriminator confidently rejects the
    samples, early in training (Goodfellow et al. 2014, Sec. 3). Computed on logits
    (:math:`\log(1 - \sigma(s)) = -\operatorname{softplus}(s)`), so it is finite for every score.
    """

    probabilistic = True

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return _logistic_discriminator_loss(real_scores, fake_scores)

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return -batch_mean(F.softplus(fake_scores))


@dataclasses.dataclass(frozen=True)
class NonSaturatingLoss(Loss):
    r"""The non-saturating loss: G minimizes :math:`-\mathbb{E}_z[\log D(G(z))]`.

    With :math:`D = \sigma(s)` the sigmoid of the raw score :math:`s`,

    .. math::

        L_D = -\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))], \qquad
        L_G = -\mathbb{E}_z[\log D(G(z))] = \mathbb{E}_z[\operatorname{softplus}(-s_{G(z)})].

    Goodfellow et al. (2014), "Generative Adversarial Nets", NeurIPS, Sec. 3: the
    generator maximizes :math:`\log D(G(z))` instead of minimizing
    :math:`\log(1 - D(G(z)))`; same fixed point, but strong gradients early in training
    (:math:`\partial L_G / \partial s = \sigma(s) - 1 \to -1` as :math:`D(G(z)) \to 0`).
    Many libraries call this loss "vanilla" or "the standard GAN loss" (TF-GAN's
    ``modified_generator_loss``). ganzoo's ``VanillaGAN`` optimizes the same objective,
    but as the reference program computes it (:class:`SigmoidBCELoss`: probabilities
    first, clamped log); this class computes it on logits with softplus, exactly and
    without saturation in floating point.
    """

    probabilistic = True

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return _logistic_discriminator_loss(real_scores, fake_scores)

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return batch_mean(F.softplus(-fake_scores))
