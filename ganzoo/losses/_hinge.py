"""The hinge loss of Geometric GAN and SN-GAN."""

from __future__ import annotations

import dataclasses

import torch
import torch.nn.functional as F

from ._base import Loss, batch_mean


@dataclasses.dataclass(frozen=True)
class HingeLoss(Loss):
    r"""Hinge loss: :math:`L_D = \mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))]`.

    With :math:`D` the raw score,

    .. math::

        L_D = \mathbb{E}_x[\max(0, 1 - D(x))] + \mathbb{E}_z[\max(0, 1 + D(G(z)))], \qquad
        L_G = -\mathbb{E}_z[D(G(z))].

    Lim & Ye (2017), "Geometric GAN", arXiv:1705.02894 (the SVM-margin discriminator);
    used with spectral normalization by Miyato et al. (2018), "Spectral Normalization for
    Generative Adversarial Networks", ICLR. Scores already beyond the margin
    (``D(x) > 1`` on real, ``D(G(z)) < -1`` on fake) contribute no discriminator gradient.
    """

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return batch_mean(F.relu(1.0 - real_scores)) + batch_mean(F.relu(1.0 + fake_scores))

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return -batch_mean(fake_scores)
