"""The reference program's loss: a sigmoid on the discriminator, then binary cross-entropy."""

from __future__ import annotations

import dataclasses
import math

import torch
import torch.nn.functional as F

from ._base import Loss, batch_mean


@dataclasses.dataclass(frozen=True)
class SigmoidBCELoss(Loss):
    r"""Binary cross-entropy on sigmoid probabilities, exactly as the reference program.

    With :math:`D = \sigma(s)` the sigmoid of the raw score :math:`s`,

    .. math::

        L_D = -\mathbb{E}_x[\log D(x)] - \mathbb{E}_z[\log(1 - D(G(z)))], \qquad
        L_G = -\mathbb{E}_z[\log D(G(z))].

    :math:`L_D` is the discriminator side of the minimax game of Goodfellow et al. (2014),
    "Generative Adversarial Nets", NeurIPS. :math:`L_G` is BCE against the "real" label,
    which is mathematically the *non-saturating* generator objective of the same paper
    (Sec. 3), not the saturating minimax one.

    It is computed the way the reference does it, ``nn.BCELoss()(sigmoid(s), target)``:
    the probability is formed first and the logarithm is clamped at -100 (PyTorch's BCE
    convention). Once :math:`\sigma(s)` rounds to 0 or 1 the loss saturates and its
    gradient vanishes, one of the numerical ways the reference program can fail; the
    non-saturating loss computed on logits with softplus does not share that failure.
    """

    probabilistic = True

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        real_prob = torch.sigmoid(real_scores)
        fake_prob = torch.sigmoid(fake_scores)
        real_term = _bce(real_prob, torch.ones_like(real_prob))
        fake_term = _bce(fake_prob, torch.zeros_like(fake_prob))
        return batch_mean(real_term) + batch_mean(fake_term)

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        fake_prob = torch.sigmoid(fake_scores)
        return batch_mean(_bce(fake_prob, torch.ones_like(fake_prob)))


def _bce(prob: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """``F.binary_cross_entropy(prob, target, reduction="none")``, NaN where ``prob`` is NaN.

    The BCE kernel refuses a NaN probability (an exception on CPU, a device-side assert on
    CUDA), so one diverged ensemble member would stop all of them. NaN entries go around
    the kernel and come back as NaN; every other entry, and its gradient, is bit for bit
    what the kernel gives (masked_fill passes the gradient through unchanged).
    """
    nan = torch.isnan(prob)
    return F.binary_cross_entropy(prob.masked_fill(nan, 0.5), target, reduction="none").masked_fill(nan, math.nan)
