r"""Minibatch standard deviation: one feature that tells the discriminator the batch's spread.

Karras, Aila, Laine & Lehtinen (2018), "Progressive Growing of GANs for Improved Quality,
Stability, and Variation", ICLR, Sec. 3. For the features :math:`h \in \mathbb{R}^{n \times C}`
of a batch of n samples,

.. math::

    s = \frac{1}{C} \sum_{j=1}^{C} \sqrt{\frac{1}{n} \sum_{b=1}^{n} (h_{bj} - \bar h_j)^2
    + \varepsilon}, \qquad \varepsilon = 10^{-8},

is appended to every sample's features as one more input of the next layer. A collapsed
generator's batch has a spread far from the data's, which D can now see and punish. As in
the paper the statistic is taken once, before the discriminator's last layer; over the
whole batch (the authors' code takes it over groups of 4 samples, ``networks.py``
``minibatch_stddev_layer``, a refinement not made here).

The discriminator's score of one sample then depends on the rest of its batch: its
gradient-based penalties (R1, GP) differentiate through the statistic too.
"""

from __future__ import annotations

import torch
from torch import nn

EPSILON = 1e-8


def minibatch_std(features: torch.Tensor) -> torch.Tensor:
    """``features (..., n, C)`` with the batch statistic s appended: ``(..., n, C + 1)``."""
    spread = torch.sqrt(features.var(dim=-2, correction=0, keepdim=True) + EPSILON).mean(dim=-1, keepdim=True)
    return torch.cat([features, spread.expand(*features.shape[:-1], 1)], dim=-1)


class MinibatchStd(nn.Module):
    """:func:`minibatch_std` as a layer of one network, mapping ``(n, C)`` to ``(n, C + 1)``."""

    def forward(self, features: torch.Tensor) -> torch.Tensor:
        return minibatch_std(features)
