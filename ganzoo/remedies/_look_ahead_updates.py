r"""Differentiable copies of the discriminator optimizer's update, for the unrolled look-ahead.

Metz et al. (2017) unroll the discriminator's *own* optimizer: in the authors' demo
(poolio/unrolled_gan, ``Unrolled GAN demo.ipynb``) the look-ahead replaces each variable by
its Adam update, moments and step count included (``extract_update_dict`` /
``graph_replace`` of Keras' Adam updates), so ψ^{j+1} is Adam's step from ψ^j with the moments
carried along. :func:`optimizer_update` returns that update for the torch optimizer that
trains the discriminator, written out-of-place so that autograd can differentiate it, and
starting from the optimizer's current state (its moments and step count; zeros before its
first step). The formulas are torch's own (``torch.optim.Adam``, ``RMSprop`` and ``SGD``,
``foreach=False`` reference loops), so one look-ahead step from the optimizer's state lands
on the parameters its real step would reach with the same gradient:

- Adam: :math:`m \leftarrow \beta_1 m + (1 - \beta_1) g`,
  :math:`v \leftarrow \beta_2 v + (1 - \beta_2) g^2`, :math:`t \leftarrow t + 1`,
  :math:`\psi \leftarrow \psi - \frac{\eta}{1 - \beta_1^t}\,
  \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}`;
- RMSprop: :math:`v \leftarrow \alpha v + (1 - \alpha) g^2`,
  :math:`\psi \leftarrow \psi - \eta\, g / (\sqrt{v} + \epsilon)`;
- SGD: :math:`b \leftarrow \mu b + g` (:math:`b = g` at the first step),
  :math:`\psi \leftarrow \psi - \eta b`; with μ = 0 this is Eq. (3) of the paper.

The square roots are taken of :math:`\max(v, \text{tiny})` (the dtype's smallest normal
number): a parameter whose gradient is exactly 0 (a dead ReLU unit's) has v = 0, where the
derivative of √v is infinite and its product with m = 0 would be NaN; the clamp gives it
derivative 0 there and changes no value that reaches the parameters (m = 0 there).

Options that ganzoo's optimizer settings never set (weight decay, AMSGrad, Nesterov,
dampening, centered RMSprop, ``maximize``) are refused with a message, not approximated.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import torch

State = dict[str, torch.Tensor | float]  # the optimizer's state names; "step" a float
Update = Callable[[Sequence[torch.Tensor], Sequence[torch.Tensor], list[State]], tuple[list[torch.Tensor], list[State]]]

_DEFAULT_OFF = {
    torch.optim.Adam: {"weight_decay": 0, "amsgrad": False, "maximize": False},
    torch.optim.RMSprop: {"weight_decay": 0, "momentum": 0, "centered": False, "maximize": False},
    torch.optim.SGD: {"weight_decay": 0, "dampening": 0, "nesterov": False, "maximize": False},
}


def _check_group(optimizer: torch.optim.Optimizer) -> dict:
    kind = type(optimizer)
    if kind not in _DEFAULT_OFF:
        raise ValueError(
            f"unrolled_steps needs the discriminator's optimizer to be torch.optim.Adam, RMSprop or SGD "
            f"(its update is unrolled), got {kind.__name__}"
        )
    if len(optimizer.param_groups) != 1:
        raise ValueError(f"unrolled_steps needs one parameter group, got {len(optimizer.param_groups)}")
    group = optimizer.param_groups[0]
    for option, off in _DEFAULT_OFF[kind].items():
        if group.get(option, off) != off:
            raise ValueError(
                f"unrolled_steps cannot unroll {kind.__name__} with {option}={group[option]!r} "
                f"(only {option}={off!r} is written out)"
            )
    return group


def _sqrt(v: torch.Tensor) -> torch.Tensor:
    """√v with a finite derivative at v = 0 (see the module docstring)."""
    return v.clamp_min(torch.finfo(v.dtype).tiny).sqrt()


def _float(value) -> float:
    return float(value.item() if isinstance(value, torch.Tensor) else value)


def initial_states(optimizer: torch.optim.Optimizer, params: Sequence[torch.Tensor]) -> list[State]:
    """Each parameter's optimizer state as the look-ahead starts from it (detached copies;
    empty before the optimizer's first step)."""
    states = []
    for param in params:
        state = optimizer.state.get(param, {})
        states.append({key: value.detach() for key, value in state.items() if isinstance(value, torch.Tensor)})
    return states


def optimizer_update(optimizer: torch.optim.Optimizer) -> Update:
    """The differentiable update ``(params, grads, states) -> (params, states)`` of
    ``optimizer`` (see the module docstring), at its current learning rate."""
    group = _check_group(optimizer)
    lr = _float(group["lr"])
    if isinstance(optimizer, torch.optim.Adam):
        beta1, beta2 = (_float(b) for b in group["betas"])
        eps = _float(group["eps"])

        def adam(params, grads, states):
            new_params, new_states = [], []
            for p, g, s in zip(params, grads, states):
                m = s.get("exp_avg", torch.zeros_like(p)) * beta1 + (1 - beta1) * g
                v = s.get("exp_avg_sq", torch.zeros_like(p)) * beta2 + (1 - beta2) * g * g
                t = _float(s.get("step", 0.0)) + 1
                denom = _sqrt(v) / (1 - beta2**t) ** 0.5 + eps
                new_params.append(p - (lr / (1 - beta1**t)) * m / denom)
                new_states.append({"exp_avg": m, "exp_avg_sq": v, "step": t})
            return new_params, new_states

        return adam
    if isinstance(optimizer, torch.optim.RMSprop):
        alpha, eps = _float(group["alpha"]), _float(group["eps"])

        def rmsprop(params, grads, states):
            new_params, new_states = [], []
            for p, g, s in zip(params, grads, states):
                v = s.get("square_avg", torch.zeros_like(p)) * alpha + (1 - alpha) * g * g
                new_params.append(p - lr * g / (_sqrt(v) + eps))
                new_states.append({"square_avg": v})
            return new_params, new_states

        return rmsprop
    momentum = _float(group["momentum"])

    def sgd(params, grads, states):
        new_params, new_states = [], []
        for p, g, s in zip(params, grads, states):
            if momentum:
                buffer = s.get("momentum_buffer")
                g = g if buffer is None else momentum * buffer + g
                s = {"momentum_buffer": g}
            new_params.append(p - lr * g)
            new_states.append(s)
        return new_params, new_states

    return sgd
