"""The least-squares loss of LSGAN."""

from __future__ import annotations

import dataclasses

import torch

from .._validation import check_float
from ._base import Loss, batch_mean


@dataclasses.dataclass(frozen=True, kw_only=True)
class LeastSquaresLoss(Loss):
    r"""Least squares: :math:`L_D = \tfrac12\mathbb{E}_x[(D(x) - b)^2] + \tfrac12\mathbb{E}_z[(D(G(z)) - a)^2]`.

    With :math:`D` the raw (linear) score and target codes ``a`` (fake), ``b`` (real) and
    ``c`` (the value G wants D to give its samples),

    .. math::

        L_D = \tfrac12\mathbb{E}_x[(D(x) - b)^2] + \tfrac12\mathbb{E}_z[(D(G(z)) - a)^2], \qquad
        L_G = \tfrac12\mathbb{E}_z[(D(G(z)) - c)^2].

    Mao et al. (2017), "Least Squares Generative Adversarial Networks", ICCV, Eq. (2).
    The default ``(a, b, c) = (0, 1, 1)`` is the paper's 0-1 coding scheme; the choice
    ``(-1, 1, 0)`` (``b - c = 1``, ``b - a = 2``) makes the objective the Pearson
    :math:`\chi^2` divergence (both in Sec. 3.2). Samples far from the decision boundary are
    penalized even on its correct side, so the generator's gradient does not vanish.
    """

    a: float = 0.0
    b: float = 1.0
    c: float = 1.0

    def __post_init__(self) -> None:
        a, b = self.a, self.b
        for name in ("a", "b", "c"):
            object.__setattr__(self, name, check_float(name, getattr(self, name)))
        if self.a == self.b:
            raise ValueError(f"a (the fake code) must differ from b (the real code), got a={a!r} and b={b!r}")

    def discriminator_loss(self, real_scores: torch.Tensor, fake_scores: torch.Tensor) -> torch.Tensor:
        return 0.5 * batch_mean((real_scores - self.b) ** 2) + 0.5 * batch_mean((fake_scores - self.a) ** 2)

    def generator_loss(self, fake_scores: torch.Tensor) -> torch.Tensor:
        return 0.5 * batch_mean((fake_scores - self.c) ** 2)
