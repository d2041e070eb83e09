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

Here the look-ahead steps are plain gradient steps (Eq. 3 of the paper) with η the
discriminator optimizer's learning rate, on the objective it trains (its loss plus
penalties) and on the step's last critic batch; the authors unrolled their optimizer's own
update (Adam) in their experiments, which is not reproduced. The look-ahead runs the
discriminator in evaluation mode so that a spectral-norm estimate is advanced by its real
updates only.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn


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
    lr: float,
) -> nn.Module:
    """The discriminator after ``steps`` differentiable gradient steps of size ``lr`` on
    ``objective(D)`` (per member, ``(K,)``; summed over members, which share no parameter),
    as a module at the look-ahead parameters ψ^k, differentiable in what the objective
    depends on (the generator's samples)."""
    params = {name: p for name, p in discriminator.named_parameters()}
    was_training = discriminator.training
    discriminator.eval()
    try:
        for _ in range(steps):
            current = Functional(discriminator, params)
            grads = torch.autograd.grad(objective(current).sum(), list(params.values()), create_graph=True)
            params = {name: p - lr * g for (name, p), g in zip(params.items(), grads)}
    finally:
        discriminator.train(was_training)
    return Functional(discriminator, params)
