"""The rule tables of the fused engine: per loss, penalty and optimizer class, its
hand-derived gradient or update. Adding a loss (penalty, optimizer) to the fused engine is
one row here, and its conformance test; :func:`~ganzoo.engine.unsupported_features` reads
these tables to decide what the engine can train."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
from torch import Tensor

from .._optim import SGD, Adam, RMSprop
from .._torch_compat import fused_adam_
from .._penalties import R1, R2, GradientPenalty, Penalty
from ..losses import (
    HingeLoss,
    LeastSquaresLoss,
    Loss,
    MinimaxLoss,
    NonSaturatingLoss,
    SigmoidBCELoss,
    WassersteinLoss,
)
from ._layers import HEAD_RULES, Activation, MatMul, Scalar, aten, mlp_forward

# --------------------------------------------------------------------------------------
# Losses: the gradient of each objective w.r.t. the scores, per member. The critic's real
# and fake scores arrive concatenated, s of shape (K, 2B, 1), real rows first. `c` holds
# constants of shape (1, 2B, 1): `y` (1 on real rows, 0 on fake ones), `sign` (+1 / -1),
# `inv` (1 / B, the weight of a batch mean, computed as autograd's mean backward does);
# and of shape (1, B, 1) for the generator: `inv_g`, `ones_g`. Every formula below is the
# chain rule through the loss class's own expression, with the kernels autograd uses.


class LossConstants(NamedTuple):
    y: Tensor
    sign: Tensor
    inv: Tensor
    inv_g: Tensor
    ones_g: Tensor


def loss_constants(batch: int, *, device: torch.device, dtype: torch.dtype) -> LossConstants:
    """The constant tensors the loss gradients use (see above)."""
    ones = torch.ones(1, batch, 1, device=device, dtype=dtype)
    y = torch.cat([ones, torch.zeros_like(ones)], dim=1)
    # 1 / B as autograd's mean backward forms it: a tensor of ones divided by the count.
    inv = torch.ones_like(y).div_(batch)
    return LossConstants(y, 2 * y - 1, inv, inv[:, :batch], torch.ones_like(y[:, :batch]))


class LossGradient(NamedTuple):
    discriminator: Callable[[Loss, Tensor, LossConstants], Tensor]
    generator: Callable[[Loss, Tensor, LossConstants], Tensor]


def _bce_on_sigmoid(s: Tensor, target: Tensor, inv: Tensor) -> Tensor:
    # ℓ = BCE(p, y) on p = σ(s), as nn.BCELoss: ∂ℓ/∂p = (p - y) / max(p (1 - p), 1e-12)
    # (the forward's clamp of log at -100 is not differentiated), then σ'(s) = p (1 - p).
    # Where p rounds to 0 or 1 the product is exactly 0: the reference program's saturation.
    p = torch.sigmoid(s)
    return aten.sigmoid_backward.default(aten.binary_cross_entropy_backward.default(inv, p, target, None, 0), p)


def _softplus_grad(inv: Tensor, x: Tensor) -> Tensor:
    # softplus'(x) = σ(x), computed by torch as e^x / (e^x + 1), or 1 above x = 20.
    return aten.softplus_backward.default(inv, x, 1, 20)


LOSS_GRADIENTS: dict[type[Loss], LossGradient] = {
    # L_D = mean BCE(σ(s_r), 1) + mean BCE(σ(s_f), 0); L_G = mean BCE(σ(s_f), 1).
    SigmoidBCELoss: LossGradient(
        lambda loss, s, c: _bce_on_sigmoid(s, c.y, c.inv),
        lambda loss, s, c: _bce_on_sigmoid(s, c.ones_g, c.inv_g),
    ),
    # L_D = mean softplus(-s_r) + mean softplus(s_f) = mean softplus(-sign s):
    # ∂L_D/∂s = -sign σ(-sign s) / B. L_G (minimax) = -mean softplus(s_f): -σ(s_f) / B.
    MinimaxLoss: LossGradient(
        lambda loss, s, c: -c.sign * _softplus_grad(c.inv, -c.sign * s),
        lambda loss, s, c: -_softplus_grad(c.inv_g, s),
    ),
    # L_D as above. L_G (non-saturating) = mean softplus(-s_f): ∂/∂s_f = -σ(-s_f) / B.
    NonSaturatingLoss: LossGradient(
        lambda loss, s, c: -c.sign * _softplus_grad(c.inv, -c.sign * s),
        lambda loss, s, c: -_softplus_grad(c.inv_g, -s),
    ),
    # L_D = mean s_f - mean s_r: ∂/∂s = -sign / B. L_G = -mean s_f: ∂/∂s_f = -1 / B.
    WassersteinLoss: LossGradient(
        lambda loss, s, c: (-c.sign * c.inv).expand_as(s),
        lambda loss, s, c: (-c.inv_g).expand_as(s),
    ),
    # L_D = mean relu(1 - s_r) + mean relu(1 + s_f) = mean relu(1 - sign s):
    # ∂/∂s = -sign [1 - sign s > 0] / B (0 at the kink, as relu' in torch).
    # L_G = -mean s_f: ∂/∂s_f = -1 / B.
    HingeLoss: LossGradient(
        lambda loss, s, c: -c.sign * aten.threshold_backward.default(c.inv, 1 - c.sign * s, 0),
        lambda loss, s, c: (-c.inv_g).expand_as(s),
    ),
    # L_D = ½ mean (s_r - b)² + ½ mean (s_f - a)²: ∂/∂s = (s - t) / B with t = b on real
    # rows, a on fake rows (t = y b + (1 - y) a, exact for y in {0, 1}).
    # L_G = ½ mean (s_f - c)²: ∂/∂s_f = (s_f - c) / B.
    LeastSquaresLoss: LossGradient(
        lambda loss, s, c: c.inv * (s - (c.y * loss.b + (1 - c.y) * loss.a)),
        lambda loss, s, c: c.inv_g * (s - loss.c),
    ),
}


# --------------------------------------------------------------------------------------
# Gradient penalties: their gradient w.r.t. the critic's weights, by hand. A penalty is a
# function P(g) of the critic's input gradient g_n = ∇ₓD(x_n) at M points x_n (K, M, d).
# For a critic whose activations are piecewise linear (ReLU, leaky ReLU) with an identity
# head, the activation slopes m_l = σ'(z_l) are constant in the weights (almost
# everywhere), so g is a product of weights and fixed masks. The backward pass of D at the
# points gives u_l = ∂D/∂z_l per layer (u_{L-1} = 1) and g = u_0 W_0ᵀ, with
# v_l = u_l W_lᵀ and u_{l-1} = m_{l-1} ⊙ v_l. Differentiating P through it, with
# ρ_0 = ∂P/∂g, runs forwards through the network:
#
#     ∂P/∂W_l = Σ_n ρ_{l,n}ᵀ u_{l,n},    ρ_{l+1} = m_l ⊙ (ρ_l W_l),    ∂P/∂b_l = 0.
#
# This is what double backpropagation (``create_graph=True``) computes for such a critic,
# without recording a graph. ``PENALTY_RULES`` give, per penalty class, the points and
# ∂P/∂g (P being a mean over the M points, as in ganzoo._penalties).

_PIECEWISE_LINEAR = frozenset({"relu", "leaky_relu"})


class PenaltyRule(NamedTuple):
    # points(penalty, real, fake, uniform): the points (K, M, d), uniform (K, draws) its numbers
    points: Callable[[Penalty, Tensor, Tensor, Tensor], Tensor]
    # gradient(penalty, g): ∂P/∂g for the input gradients g (K, M, d)
    gradient: Callable[[Penalty, Tensor], Tensor]


def _gradient_penalty_points(penalty: GradientPenalty, real: Tensor, fake: Tensor, uniform: Tensor) -> Tensor:
    # x̂ = ε x + (1 - ε) G(z), ε the first B numbers (GradientPenalty.__call__'s formula).
    epsilon = uniform[:, : real.shape[1]].reshape(real.shape[0], real.shape[1], 1)
    return epsilon * real + (1.0 - epsilon) * fake


def _gradient_penalty_gradient(penalty: GradientPenalty, g: Tensor) -> Tensor:
    # P = λ/M Σ_n e_n², e_n = |g_n| - 1 (clamped at 0 when one-sided):
    # ∂P/∂g_n = 2λ/M e_n g_n / |g_n|, and 0 where |g_n| = 0 (torch's norm backward).
    norms = torch.linalg.vector_norm(g, dim=-1, keepdim=True)
    excess = norms - 1.0
    if penalty.one_sided:
        excess = excess.clamp(min=0.0)
    direction = torch.where(norms > 0, g / norms, torch.zeros_like(g))
    return direction * (excess * (2.0 * penalty.weight / g.shape[1]))


def _squared_norm_gradient(penalty: R1 | R2, g: Tensor) -> Tensor:
    # P = γ/2 · 1/M Σ_n |g_n|²: ∂P/∂g_n = γ/M g_n.
    return g * (penalty.gamma / g.shape[1])


PENALTY_RULES: dict[type[Penalty], PenaltyRule] = {
    GradientPenalty: PenaltyRule(_gradient_penalty_points, _gradient_penalty_gradient),
    R1: PenaltyRule(lambda penalty, real, fake, uniform: real, _squared_norm_gradient),
    R2: PenaltyRule(lambda penalty, real, fake, uniform: fake, _squared_norm_gradient),
}


def penalty_weight_grads(
    params: Sequence[Tensor], points: Tensor, rho_of: Callable[[Tensor], Tensor], act: Activation, mm: MatMul
) -> list[Tensor]:
    """∂P/∂W_l for each layer of an identity-head, piecewise-linear critic (see above).

    ``rho_of(g)`` maps the input gradients ``g (K, M, d)`` at ``points`` to ∂P/∂g.
    """
    output, inputs, pre = mlp_forward(params, points, act, HEAD_RULES["identity"], mm)
    layers = len(params) // 2
    u: list[Tensor] = []  # u_l = ∂D/∂z_l, from the last layer down
    dz = torch.ones_like(output)
    for layer in range(layers - 1, -1, -1):
        u.insert(0, dz)
        v = mm.input_grad(dz, params[2 * layer])
        if layer > 0:
            dz = act.backward(v, pre[layer - 1], inputs[layer])
    rho = rho_of(v)  # v = g, the input gradient
    weight_grads = []
    for layer in range(layers):
        weight_grads.append(mm.weight_grad(rho, u[layer], None))
        if layer < layers - 1:  # ρ_{l+1} = m_l ⊙ (ρ_l W_l)
            rho = act.backward(mm.input_grad(rho, params[2 * layer].transpose(1, 2)), pre[layer], inputs[layer + 1])
    return weight_grads


# --------------------------------------------------------------------------------------
# Optimizers on flat (K, P) buffers: p, the gradient g, the state buffers, the learning
# rate (a float when eager, a float64 (1,) tensor when compiled). Adam's state ends with
# its step count, a float32 tensor of shape (1,) as torch's fused Adam keeps it.


def _addcdiv_(p: Tensor, a: Tensor, b: Tensor, value: Scalar) -> None:
    """p += value · a / b (Tensor.addcdiv_ only takes a python number)."""
    if isinstance(value, Tensor):
        p.add_(a.mul(value).div_(b))
    else:
        p.addcdiv_(a, b, value=value)


def _adam_eager(spec: Adam, p: Tensor, g: Tensor, state: list[Tensor], lr: float) -> None:
    # torch.optim.Adam(fused=True): one kernel for the update written out in _adam_graph.
    m, v, step = state
    step.add_(1)
    fused_adam_(p, g, m, v, step, lr=lr, beta1=spec.betas[0], beta2=spec.betas[1], eps=spec.eps)


def _adam_graph(spec: Adam, p: Tensor, g: Tensor, state: list[Tensor], lr: Scalar) -> None:
    # torch.optim.Adam: t ← t + 1; m ← m + (1 - β1)(g - m); v ← β2 v + (1 - β2) g²;
    # p ← p - lr / (1 - β1^t) · m / (√v / √(1 - β2^t) + ε), the bias corrections in float64.
    beta1, beta2 = spec.betas
    m, v, step = state
    step.add_(1)
    t = step.to(torch.float64)
    m.lerp_(g, 1 - beta1)
    v.mul_(beta2).addcmul_(g, g, value=1 - beta2)
    step_size = lr / (1 - beta1**t)
    denom = (v.sqrt() / (1 - beta2**t).sqrt()).add_(spec.eps)
    _addcdiv_(p, m, denom, -step_size)


def _rmsprop(spec: RMSprop, p: Tensor, g: Tensor, state: list[Tensor], lr: Scalar) -> None:
    # torch.optim.RMSprop (not centered, no momentum): v ← α v + (1 - α) g²; p ← p - lr g / (√v + ε).
    (v,) = state
    v.mul_(spec.alpha).addcmul_(g, g, value=1 - spec.alpha)
    _addcdiv_(p, g, v.sqrt().add_(spec.eps), -lr)


def _sgd(spec: SGD, p: Tensor, g: Tensor, state: list[Tensor], lr: Scalar) -> None:
    # torch.optim.SGD: buf ← μ buf + g (at the first step buf = g, which is μ·0 + g); p ← p - lr buf.
    if spec.momentum:
        (buf,) = state
        buf.mul_(spec.momentum).add_(g)
        g = buf
    if isinstance(lr, Tensor):
        p.sub_(g * lr)
    else:
        p.add_(g, alpha=-lr)


class OptimizerRule(NamedTuple):
    eager: Callable[..., None]
    graph: Callable[..., None]
    state: Callable[..., list[Tensor]]  # fresh state for a flat buffer
    fields: frozenset[str]  # the spec fields implemented


def _zeros(flat: Tensor, count: int) -> list[Tensor]:
    return [torch.zeros_like(flat) for _ in range(count)]


OPTIMIZER_RULES: dict[type, OptimizerRule] = {
    Adam: OptimizerRule(
        _adam_eager,
        _adam_graph,
        # The step count has shape (1,), not (): torch.compile (2.13) loses in-place updates of
        # 0-dim tensor inputs (the graph reads the old value and nothing is written back).
        lambda spec, flat: [*_zeros(flat, 2), torch.zeros(1, dtype=torch.float32, device=flat.device)],
        frozenset({"lr", "betas", "eps"}),
    ),
    RMSprop: OptimizerRule(_rmsprop, _rmsprop, lambda spec, flat: _zeros(flat, 1), frozenset({"lr", "alpha", "eps"})),
    SGD: OptimizerRule(
        _sgd, _sgd, lambda spec, flat: _zeros(flat, 1 if spec.momentum else 0), frozenset({"lr", "momentum"})
    ),
}
