r"""Consensus optimization: both players also descend the squared norm of the game's gradient.

Mescheder, Nowozin & Geiger (2017), "The Numerics of GANs", NeurIPS, Sec. 4, Algorithm 2.
Write the game's gradient field over all parameters :math:`x = (\theta, \psi)` as
:math:`g(x) = (\nabla_\theta \mathcal{L}_G, \nabla_\psi \mathcal{L}_D)` (each player's
gradient of its own objective) and :math:`L(x) = \tfrac12 \lVert g(x) \rVert^2`. Consensus
optimization follows

.. math::

    x \leftarrow x - h \bigl(g(x) + \gamma \nabla_x L(x)\bigr),

i.e. each player's gradient gains :math:`\gamma\, \partial L / \partial(\text{its parameters})`,
a term in which *both* objectives' gradients enter. At a local Nash equilibrium it adds
:math:`-\gamma J^\top J` to the Jacobian :math:`J` of :math:`-g`, which moves the eigenvalues
of a purely rotational game (the unregularized Dirac-GAN's :math:`\pm i f'(0)`) into the left
half-plane (:math:`-\gamma f'(0)^2 \pm i f'(0)`).

Both gradients are taken at the same point, so it needs simultaneous updates; the
resulting gradients go to each player's own optimizer (the paper used RMSProp). Members of
an ensemble share no parameter, so the gradient of the summed members' :math:`L` is each
member's own.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch


def consensus_gradients(
    d_objective: torch.Tensor,
    g_objective: torch.Tensor,
    d_params: Sequence[torch.Tensor],
    g_params: Sequence[torch.Tensor],
    *,
    gamma: float,
    create_graph: bool = False,
) -> tuple[tuple[torch.Tensor, ...], tuple[torch.Tensor, ...]]:
    """The discriminator's and the generator's gradients, ``g + γ ∇L``, for the scalar
    objectives (the members' sums): ``d_objective`` of the discriminator (its loss plus
    penalties, on generated samples that still depend on the generator) and ``g_objective``
    of the generator. ``create_graph=True`` keeps them differentiable (for a Jacobian of
    the update, :mod:`ganzoo.literature._dirac`)."""
    d_grads = torch.autograd.grad(d_objective, d_params, create_graph=True)
    g_grads = torch.autograd.grad(g_objective, g_params, create_graph=True)
    half_norm = 0.5 * sum((grad * grad).sum() for grad in (*d_grads, *g_grads))
    params = (*d_params, *g_params)
    extra = torch.autograd.grad(half_norm, params, allow_unused=True, create_graph=create_graph)
    total = [
        grad + gamma * (torch.zeros_like(grad) if more is None else more) for grad, more in zip((*d_grads, *g_grads), extra)
    ]
    if not create_graph:
        total = [grad.detach() for grad in total]
    return tuple(total[: len(d_params)]), tuple(total[len(d_params) :])
