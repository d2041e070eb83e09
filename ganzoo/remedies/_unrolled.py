r"""Unrolled discriminator: the generator answers where the discriminator is going.

Metz, Poole, Pfau & Sohl-Dickstein (2017), "Unrolled Generative Adversarial Networks",
ICLR, Sec. 2, Eq. (2)-(4). With the discriminator's parameters :math:`\psi^0 = \psi` and k
look-ahead steps of gradient descent on its objective,

.. math::

    \psi^{j+1} = \psi^j - \eta\, \nabla_{\psi} \mathcal{L}_D(\theta, \psi^j), \qquad
    j = 0, \dots, k - 1,

the generator minimizes the *surrogate* :math:`\mathcal{L}_G(\theta, \psi^k(\theta, \psi))`
and its gradient flows through all k steps (their dependence on θ through the generated
samples). The discriminator itself is then updated as usual, from ψ: the look-ahead
parameters are thrown away. k = 0 is the plain generator step.

Each look-ahead step is the discriminator optimizer's own update (Adam's, with its moments
and step count carried along from the optimizer's current state, as the authors unrolled
it), written differentiably in :mod:`._look_ahead_updates`; with plain SGD it is Eq. (3)
above, ψ^{j+1} = ψ^j − η ∇ψ L_D. The objective is the one the discriminator trains (its loss
plus penalties) on the step's last critic batch; constraints (weight clipping) are not
applied inside the look-ahead. The look-ahead runs the discriminator in evaluation mode so
that a spectral-norm estimate is advanced by its real updates only.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from ._look_ahead_updates import initial_states, optimizer_update


class Functional(nn.Module):
    """``module`` evaluated at the parameters ``params`` (names as in ``named_parameters``)."""

    def __init__(self, module: nn.Module, params: dict[str, torch.Tensor]) -> None:
        super().__init__()
        self._module = [module]  # a list hides it from nn.Module's registry
        self.params = params

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.func.functional_call(self._module[0], self.params, (x,))


def look_ahead(
    discriminator: nn.Module,
    objective: Callable[[nn.Module], torch.Tensor],
    *,
    steps: int,
    optimizer: torch.optim.Optimizer,
) -> nn.Module:
    """The discriminator after ``steps`` differentiable updates of ``optimizer`` (the one
    that trains it, from its current state) on ``objective(D)`` (per member, ``(K,)``;
    summed over members, which share no parameter), as a module at the look-ahead
    parameters ψ^k, differentiable in what the objective depends on (the generator's
    samples). Neither the discriminator nor the optimizer's state is changed."""
    names = [name for name, _ in discriminator.named_parameters()]
    params = [p for _, p in discriminator.named_parameters()]
    update = optimizer_update(optimizer)
    states = initial_states(optimizer, params)
    was_training = discriminator.training
    discriminator.eval()
    try:
        for _ in range(steps):
            current = Functional(discriminator, dict(zip(names, params)))
            grads = torch.autograd.grad(objective(current).sum(), params, create_graph=True)
            params, states = update(params, grads, states)
    finally:
        discriminator.train(was_training)
    return Functional(discriminator, dict(zip(names, params)))
