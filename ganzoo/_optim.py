"""Optimizer settings as frozen, validated values that build torch optimizers, and the pair of
torch optimizers a GAN trains with, built when first needed."""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Iterable, Sequence

import torch

from ._torch_compat import mark_stepped
from ._validation import check_choice, check_float, check_int


class OptimizerSpec(abc.ABC):
    """A validated optimizer setting; ``build`` makes the torch optimizer for some parameters."""

    lr: float

    @abc.abstractmethod
    def build(self, params: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
        """The torch optimizer over ``params`` with this setting."""

    def to_dict(self) -> dict[str, object]:
        return {"name": type(self).__name__.lower(), **dataclasses.asdict(self)}  # type: ignore[call-overload]


def _check_lr(lr: float) -> None:
    check_float("lr", lr, positive=True)


@dataclasses.dataclass(frozen=True, kw_only=True)
class Adam(OptimizerSpec):
    """Adam (Kingma & Ba 2015, "Adam: A Method for Stochastic Optimization"), PyTorch's defaults."""

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        if not (isinstance(self.betas, tuple) and len(self.betas) == 2):
            raise ValueError(f"betas must be a pair (beta1, beta2), got {self.betas!r}")
        for i, beta in enumerate(self.betas):
            check_float(f"betas[{i}]", beta, nonnegative=True, below=1.0)
        check_float("eps", self.eps, positive=True)

    def build(self, params: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
        # Adam is elementwise, so one optimizer over stacked (K, ...) parameters updates
        # every ensemble member exactly as K separate optimizers would.
        return torch.optim.Adam(params, lr=self.lr, betas=self.betas, eps=self.eps, foreach=True)


@dataclasses.dataclass(frozen=True, kw_only=True)
class RMSprop(OptimizerSpec):
    """RMSprop (Tieleman & Hinton 2012, Lecture 6.5), as used by WGAN (Arjovsky et al. 2017)."""

    lr: float = 5e-5
    alpha: float = 0.99
    eps: float = 1e-8

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        check_float("alpha", self.alpha, nonnegative=True, below=1.0)
        check_float("eps", self.eps, positive=True)

    def build(self, params: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
        return torch.optim.RMSprop(params, lr=self.lr, alpha=self.alpha, eps=self.eps, foreach=True)


@dataclasses.dataclass(frozen=True, kw_only=True)
class SGD(OptimizerSpec):
    """Stochastic gradient descent with optional (heavy-ball) momentum."""

    lr: float = 1e-2
    momentum: float = 0.0

    def __post_init__(self) -> None:
        _check_lr(self.lr)
        check_float("momentum", self.momentum, nonnegative=True, below=1.0)

    def build(self, params: Iterable[torch.nn.Parameter]) -> torch.optim.Optimizer:
        return torch.optim.SGD(params, lr=self.lr, momentum=self.momentum, foreach=True)


@dataclasses.dataclass(frozen=True, kw_only=True)
class LRDecay:
    r"""Learning-rate decay over a run, applied to both optimizers after each generator step.

    Both learning rates are multiplied by a factor :math:`f(t)` of the number :math:`t` of
    generator steps done, reaching ``final`` at :math:`T` = ``steps`` and staying there:

    - ``"linear"``: :math:`f(t) = 1 - (1 - \text{final}) \min(t / T, 1)`; with the
      default ``final=0`` this is the linear decay to zero of the reference code of
      Gulrajani et al. (2017) ("Improved Training of Wasserstein GANs").
    - ``"exponential"``: :math:`f(t) = \text{final}^{\min(t / T, 1)}`, i.e. a factor
      :math:`\gamma = \text{final}^{1/T}` per step; ``final`` must then be > 0.

    ``steps=None`` takes :math:`T` from the run's budget (``GANConfig.steps``): give the
    budget, or ``steps`` here, when training for another number of steps.
    """

    kind: str = "linear"
    final: float = 0.0
    steps: int | None = None

    def __post_init__(self) -> None:
        check_choice("kind", self.kind, ("linear", "exponential"))
        check_float("final", self.final, nonnegative=True, at_most=1.0)
        if self.kind == "exponential" and self.final == 0:
            raise ValueError(f"final must be > 0 for exponential decay, got {self.final!r}")
        if self.steps is not None:
            check_int("steps", self.steps, minimum=1)

    def factor(self, step: int, *, horizon: int) -> float:
        """The learning-rate multiplier after ``step`` generator steps of a ``horizon``-step decay."""
        progress = min(step / horizon, 1.0)
        if self.kind == "linear":
            return 1.0 - (1.0 - self.final) * progress
        return self.final**progress

    def to_dict(self) -> dict[str, object]:
        return dataclasses.asdict(self)


class OptimizerPair:
    """The generator's and the discriminator's torch optimizers, built on first use.

    The numba engine keeps its own optimizer state and needs these only for their learning
    rates (:meth:`learning_rates`), so a setting without ``lr_decay`` trained by it never
    builds them: building the first torch optimizer of a process imports ``torch._dynamo``
    (``Optimizer.__init__`` is wrapped in ``torch._disable_dynamo``), 0.7 s of a first fit.
    Checkpoints, the torch engines, the autograd step and the schedulers build them.
    """

    def __init__(self, specs: Sequence[OptimizerSpec], params: Sequence[list[torch.nn.Parameter]]) -> None:
        self._specs, self._params = tuple(specs), tuple(params)
        self.built: tuple[torch.optim.Optimizer, ...] | None = None

    def get(self) -> tuple[torch.optim.Optimizer, ...]:
        """The optimizers, (generator's, discriminator's), built now if they are not yet."""
        if self.built is None:
            self.built = tuple(spec.build(params) for spec, params in zip(self._specs, self._params))
            for optimizer in self.built:
                # A fused engine steps in place of optimizer.step(); the autograd step calls
                # step() before the schedulers step, so there the mark changes nothing.
                mark_stepped(optimizer)
        return self.built

    def learning_rates(self) -> tuple[float, ...]:
        """The learning rates now: the optimizers' (which schedulers and users may change),
        or the configured ones while the optimizers are not built."""
        if self.built is None:
            return tuple(spec.lr for spec in self._specs)
        return tuple(optimizer.param_groups[0]["lr"] for optimizer in self.built)
