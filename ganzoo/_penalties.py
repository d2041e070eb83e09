"""Add-ons to the discriminator's objective: penalties (added to its loss) and constraints
(applied to its weights after each of its steps).

Every penalty returns one value per ensemble member and takes gradients with respect to
the discriminator's *input* with ``torch.autograd.grad(..., create_graph=True)``, so the
penalty itself is differentiated in the discriminator's update. Summing the scores over the
member and batch axes before differentiating gives each sample its own input gradient,
provided the discriminator treats samples independently (no batch normalization), as
every ganzoo network does.

Randomized penalties (gradient penalty, DRAGAN) declare how many uniform numbers they use
per critic step (:meth:`Penalty.draws`) and take them from ``rng``, a
:class:`ganzoo.RandomSource` holding the step's numbers, keyed by each run's seed
and the step: the same seed gives the same numbers, member k of an ensemble gets those of
the single run with its seed, a resumed run those of the uninterrupted one, and torch's
global RNG is never used.
"""

from __future__ import annotations

import abc
import dataclasses

import torch
from torch import nn

from ._streams import RandomSource
from ._validation import check_bool, check_float


class Penalty(abc.ABC):
    """A term added to the discriminator loss, one value per ensemble member.

    ganzoo's penalties (and constraints) are frozen dataclasses whose keyword-only fields
    are their hyperparameters, validated in ``__post_init__``.

    ``real`` and ``fake`` have shape ``(K, batch, dim)``; ``discriminator`` maps such a
    tensor to scores ``(K, batch, 1)``; ``rng`` serves per-member random numbers (see the
    module docstring). The result has shape ``(K,)``.
    """

    @abc.abstractmethod
    def __call__(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, *, rng: RandomSource
    ) -> torch.Tensor:
        """The penalty for each member."""

    def draws(self, batch: int, dim: int) -> int:
        """How many uniform numbers per member one call takes from ``rng`` (0: none).

        ``batch`` and ``dim`` are those of ``real``; the trainer draws this many per critic
        step, and a call that takes more is an error.
        """
        return 0

    def to_dict(self) -> dict[str, object]:
        return {"name": type(self).__name__, **_hyperparameters(self)}


class Constraint(abc.ABC):
    """A projection of the discriminator's weights, applied after each of its steps."""

    @abc.abstractmethod
    def apply(self, discriminator: nn.Module) -> None:
        """Modify the discriminator's parameters in place."""

    def to_dict(self) -> dict[str, object]:
        return {"name": type(self).__name__, **_hyperparameters(self)}


def _hyperparameters(addon: object) -> dict[str, object]:
    """The fields of a dataclass add-on (as ganzoo's are), else its attributes."""
    if dataclasses.is_dataclass(addon):
        return {field.name: getattr(addon, field.name) for field in dataclasses.fields(addon)}
    return dict(vars(addon))


def input_gradient(discriminator: nn.Module, points: torch.Tensor) -> torch.Tensor:
    r""":math:`\nabla_x D(x)` at ``points (K, batch, dim)``, differentiable in D's weights."""
    points = points.detach().requires_grad_(True)
    (gradient,) = torch.autograd.grad(discriminator(points).sum(), points, create_graph=True)
    return gradient


def _set(addon: object, name: str, value: object) -> None:
    # A frozen dataclass normalises its own fields in __post_init__ through this door.
    object.__setattr__(addon, name, value)


def _mean_over_batch(values: torch.Tensor) -> torch.Tensor:
    return values.mean(dim=-1)


@dataclasses.dataclass(frozen=True, kw_only=True)
class GradientPenalty(Penalty):
    r"""Gradient penalty: :math:`\lambda\,\mathbb{E}_{\hat x}[(\|\nabla D(\hat x)\|_2 - 1)^2]`.

    On random interpolates :math:`\hat x = \epsilon x + (1 - \epsilon) G(z)` of a real and a
    fake sample, :math:`\epsilon \sim U[0, 1]` drawn per sample and per member.
    Gulrajani et al. (2017), "Improved Training of Wasserstein GANs", NeurIPS, Eq. (3) and
    Algorithm 1 (λ = 10). With ``one_sided=True`` only norms above 1 are penalized,
    :math:`\lambda\,\mathbb{E}[\max(0, \|\nabla D(\hat x)\|_2 - 1)^2]`: Petzka, Fischer &
    Lukovnikov (2018), "On the regularization of Wasserstein GANs", ICLR.
    """

    weight: float = 10.0
    one_sided: bool = False

    def __post_init__(self) -> None:
        _set(self, "weight", check_float("weight", self.weight, nonnegative=True))
        check_bool("one_sided", self.one_sided)

    def draws(self, batch: int, dim: int) -> int:
        return batch  # ε, one per sample

    def __call__(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, *, rng: RandomSource
    ) -> torch.Tensor:
        epsilon = rng.uniform(real.shape[-2], 1)
        interpolates = epsilon * real.detach() + (1.0 - epsilon) * fake.detach()
        norms = torch.linalg.vector_norm(input_gradient(discriminator, interpolates), dim=-1)
        excess = norms - 1.0
        if self.one_sided:
            excess = excess.clamp(min=0.0)
        return self.weight * _mean_over_batch(excess**2)


@dataclasses.dataclass(frozen=True, kw_only=True)
class R1(Penalty):
    r"""R1: :math:`\tfrac{\gamma}{2}\,\mathbb{E}_x[\|\nabla D(x)\|_2^2]` on real data.

    Mescheder, Geiger & Nowozin (2018), "Which Training Methods for GANs do actually
    Converge?", ICML, Eq. (9): penalizing the discriminator's gradient on the data makes
    the GAN dynamics locally convergent. Default γ = 10, as in most of its experiments.
    """

    gamma: float = 10.0

    def __post_init__(self) -> None:
        _set(self, "gamma", check_float("gamma", self.gamma, nonnegative=True))

    def __call__(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, *, rng: RandomSource
    ) -> torch.Tensor:
        gradient = input_gradient(discriminator, real)
        return 0.5 * self.gamma * _mean_over_batch(gradient.pow(2).sum(dim=-1))


@dataclasses.dataclass(frozen=True, kw_only=True)
class R2(Penalty):
    r"""R2: :math:`\tfrac{\gamma}{2}\,\mathbb{E}_z[\|\nabla D(G(z))\|_2^2]` on generated data.

    Mescheder, Geiger & Nowozin (2018), "Which Training Methods for GANs do actually
    Converge?", ICML, Eq. (10): the counterpart of :class:`R1` on the generator's samples.
    """

    gamma: float = 10.0

    def __post_init__(self) -> None:
        _set(self, "gamma", check_float("gamma", self.gamma, nonnegative=True))

    def __call__(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, *, rng: RandomSource
    ) -> torch.Tensor:
        gradient = input_gradient(discriminator, fake)
        return 0.5 * self.gamma * _mean_over_batch(gradient.pow(2).sum(dim=-1))


@dataclasses.dataclass(frozen=True, kw_only=True)
class DRAGAN(Penalty):
    r"""DRAGAN: :math:`\lambda\,\mathbb{E}[(\|\nabla D(\tilde x)\|_2 - k)^2]` near the real data.

    Kodali et al. (2017), "On Convergence and Stability of GANs", arXiv:1705.07215: a
    gradient penalty at perturbed real points, which keeps the discriminator from forming
    sharp gradients around the data (λ = 10, k = 1). The perturbation is that of the
    authors' reference code, scale-aware:
    :math:`\tilde x = x + \alpha\, c\, \mathrm{std}(x)\, u` with :math:`u \sim U[0,1]^d`,
    :math:`\alpha \sim U[0,1]` per sample and ``std`` the (population) standard deviation
    of the member's real batch, ``c = scale = 0.5``.
    """

    weight: float = 10.0
    scale: float = 0.5
    target: float = 1.0

    def __post_init__(self) -> None:
        _set(self, "weight", check_float("weight", self.weight, nonnegative=True))
        _set(self, "scale", check_float("scale", self.scale, positive=True))
        _set(self, "target", check_float("target", self.target, nonnegative=True))

    def draws(self, batch: int, dim: int) -> int:
        return batch * dim + batch  # u, then α

    def __call__(
        self, discriminator: nn.Module, real: torch.Tensor, fake: torch.Tensor, *, rng: RandomSource
    ) -> torch.Tensor:
        real = real.detach()
        batch, dim = real.shape[-2], real.shape[-1]
        direction = rng.uniform(batch, dim)
        alpha = rng.uniform(batch, 1)
        spread = real.std(dim=(-2, -1), correction=0, keepdim=True)
        perturbed = real + alpha * self.scale * spread * direction
        norms = torch.linalg.vector_norm(input_gradient(discriminator, perturbed), dim=-1)
        return self.weight * _mean_over_batch((norms - self.target) ** 2)


@dataclasses.dataclass(frozen=True, kw_only=True)
class WeightClipping(Constraint):
    """Weight clipping: every discriminator parameter is clamped into ``[-clip, clip]``.

    Arjovsky, Chintala & Bottou (2017), "Wasserstein Generative Adversarial Networks", ICML,
    Algorithm 1 (c = 0.01): a crude way to keep the critic in a compact set of functions,
    hence K-Lipschitz for some K. Applied after each critic step, to weights and biases
    alike, as in the paper.
    """

    clip: float = 0.01

    def __post_init__(self) -> None:
        _set(self, "clip", check_float("clip", self.clip, positive=True))

    def apply(self, discriminator: nn.Module) -> None:
        with torch.no_grad():
            for parameter in discriminator.parameters():
                parameter.clamp_(-self.clip, self.clip)
