r"""Packing: the discriminator judges m samples at once (PacGAN).

Lin, Khetan, Fanti & Oh (2018), "PacGAN: The power of two samples in generative
adversarial networks", NeurIPS, Sec. 3. With packing degree m the discriminator is a map
:math:`D : \mathbb{R}^{m d} \to \mathbb{R}` scored on *packs*

.. math::

    D(x_1 \oplus x_2 \oplus \dots \oplus x_m), \qquad x_i \overset{iid}{\sim} p
    \ \text{(real packs)}, \qquad x_i = G(z_i),\ z_i \overset{iid}{\sim} N(0, I)
    \ \text{(fake packs)},

so the game is played between the product distributions :math:`p^m` and :math:`q^m`, whose
total variation distance grows with m much faster for a generator that drops modes than
for one that does not (the paper's Theorem 3): mode collapse becomes visible to D. The
loss is unchanged; a batch holds B packs, so one step draws m·B real samples and m·B
noise vectors, as in the authors' code (``synthetic_data_experiments/*/pacgan_task.py``:
m noise batches of B rows, a data stream of B packed rows).

m = 1 is the plain GAN: :func:`pack` is then the identity (a view of the same tensor).
"""

from __future__ import annotations

import torch


def pack(samples: torch.Tensor, m: int) -> torch.Tensor:
    """Consecutive groups of ``m`` samples as packs: ``(K, m·B, d)`` to ``(K, B, m·d)``.

    Pack b holds samples ``m·b, …, m·b + m − 1`` side by side (every sample of a batch is
    drawn independently, so which samples share a pack does not matter).
    """
    members, count, dim = samples.shape
    if count % m:
        raise ValueError(f"packing={m} needs a number of samples divisible by {m}, got {count}")
    return samples.reshape(members, count // m, m * dim)


def pack_copies(points: torch.Tensor, m: int) -> torch.Tensor:
    """Each point repeated ``m`` times as its own pack: ``(K, n, d)`` to ``(K, n, m·d)``.

    How a packed discriminator is read as a function of one point x: its score on the pack
    ``(x, x, …, x)``, e.g. to draw it over the plane.
    """
    return points.repeat(1, 1, m) if m > 1 else points
