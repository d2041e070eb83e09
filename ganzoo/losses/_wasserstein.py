"""The Wasserstein (critic) loss of WGAN and WGAN-GP."""

from __future__ import annotations

import dataclasses

import torch

from ._base import Loss, batch_mean


@dataclasses.dataclass(frozen=True)
class WassersteinLoss(Loss):
    r"""The Wasserstein-1 critic loss: :math:`L_D = \mathbb{E}_z[f(G(z))] - \mathbb{E}_x[f(x)]`.

    With :math:`f` the critic's raw score,

    .. math::

        L_D = \mathbb{E}_z[f(G(z))] - \mathbb{E}_x[f(x)], \qquad L_G = -\mathbb{E}_z[f(G(z))].

    Arjovsky, Chintala & Bottou (2017), "Wasserstein Generative Adversarial Networks",
    ICML, Eq. (3) and Algorithm 1. :math:`-L_D` estimates the Kantorovich–Rubinstein dual
    :math:`W_1(P_r, P_g) = \sup_{\|f\|_L \le 1} \mathbb{E}_{P_r}[f] - \mathbb{E}_{P_g}[f]`
    only while the critic is (close to) 1-Lipschitz, which this loss does not enforce on
    its own: pair it with weight clipping (WGAN), a gradient penalty (WGAN-GP) or
    spectral normalization. The scores are not probabilities.
    """

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return batch_mean(fake_scores) - batch_mean(real_scores)

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return -batch_mean(fake_scores)
