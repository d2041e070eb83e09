"""The fused engine: hand-derived forward, backward and optimizer steps for MLP GANs.

The autograd path (:class:`ganzoo._trainer.Trainer`) records a graph at every step and
replays it backwards; for this project's tiny networks that bookkeeping, not arithmetic,
is the cost (≈ 42k flops per step). Here a generator step, its ``n_critic`` critic steps
included, is written out by hand as a fixed sequence of batched operations over the K
stacked members:

- forward, per layer: ``z_l = b_l + a_l W_l`` and ``a_{l+1} = act(z_l)``; the critic
  sees the real and the fake batch concatenated, in one pass;
- the loss's gradient with respect to the scores, derived per loss class
  (:data:`LOSS_GRADIENTS`, each with its formula);
- backward, per layer: ``dW_l = a_lᵀ dz_l``, ``db_l = Σ_batch dz_l``,
  ``da_l = dz_l W_lᵀ`` and ``dz_{l-1} = act'(z_{l-1}) ⊙ da_l``; the generator's
  gradient flows through the critic to its input first;
- the optimizer update (Adam, RMSprop, SGD, as ``torch.optim`` computes them), weight
  clipping, the generator's moving average and learning-rate decay.

Elementwise derivatives are evaluated with torch's own backward kernels
(``aten.threshold_backward``, ``aten.binary_cross_entropy_backward``, ...), the ones
autograd would call, so a fused step reproduces the autograd step's numbers including
their edge cases (a saturated sigmoid in the reference loss, a ReLU at 0).

Each network's parameters live in one flat ``(K, P)`` buffer (rows padded to whole
vectors, see :func:`padded`); the module's parameters are views of it, so sampling,
``member(k)`` and the rest of the library see the trained weights with no copying. The
step runs either eagerly (no compile cost; products as BLAS calls or, where a dimension
is 1, broadcasts; torch's fused Adam kernel) or compiled (products as broadcast-and-sum
loops that inductor fuses), one call per chunk of steps (:func:`make_run`) or per step
under learning-rate decay; see :class:`FusedEngine` and :func:`should_compile`. Loss values for the history come from
the loss class itself, as in the autograd path. The gradient penalty, R1 and R2 are
differentiated by hand too, for critics with piecewise-linear activations (see
:func:`penalty_weight_grads`). Anything without a derivation here (other penalties, custom
networks, other losses, optimizers or options) is named by :func:`unsupported_features`
and trained by the autograd path.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import types
import warnings
from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .._config import GANConfig
from ..losses import (
    HingeLoss,
    LeastSquaresLoss,
    Loss,
    MinimaxLoss,
    NonSaturatingLoss,
    SigmoidBCELoss,
    WassersteinLoss,
)
from .._networks import ACTIVATIONS, MLPSpec, StackedMLP
from .._optim import SGD, Adam, RMSprop
from .._penalties import R1, R2, GradientPenalty, Penalty, WeightClipping

aten = torch.ops.aten
Scalar = float | Tensor  # a python float when eager, a (1,) tensor inside a compiled graph


# --------------------------------------------------------------------------------------
# Activations. backward(grad, z, a) maps the gradient w.r.t. the output a = act(z) to the
# gradient w.r.t. z, with the kernel autograd uses for the nn module.


class Activation(NamedTuple):
    forward: Callable[[Tensor], Tensor]
    backward: Callable[[Tensor, Tensor, Tensor], Tensor]


_LEAKY_SLOPE = ACTIVATIONS["leaky_relu"]().negative_slope
_ELU_ALPHA = ACTIVATIONS["elu"]().alpha

ACTIVATION_RULES: dict[str, Activation] = {
    # relu'(z) = [a > 0]
    "relu": Activation(F.relu, lambda grad, z, a: aten.threshold_backward.default(grad, a, 0)),
    # leaky_relu'(z) = 1 if z > 0 else slope
    "leaky_relu": Activation(
        lambda z: F.leaky_relu(z, _LEAKY_SLOPE),
        lambda grad, z, a: aten.leaky_relu_backward.default(grad, z, _LEAKY_SLOPE, False),
    ),
    # elu'(z) = 1 if z > 0 else α e^z
    "elu": Activation(
        lambda z: F.elu(z, _ELU_ALPHA),
        lambda grad, z, a: aten.elu_backward.default(grad, _ELU_ALPHA, 1, 1, False, z),
    ),
    # tanh'(z) = 1 - a²
    "tanh": Activation(torch.tanh, lambda grad, z, a: aten.tanh_backward.default(grad, a)),
    # σ'(z) = a (1 - a)
    "sigmoid": Activation(torch.sigmoid, lambda grad, z, a: aten.sigmoid_backward.default(grad, a)),
    # silu'(z) = σ(z) (1 + z (1 - σ(z)))
    "silu": Activation(F.silu, lambda grad, z, a: aten.silu_backward.default(grad, z)),
}
HEAD_RULES: dict[str, Activation] = {
    "identity": Activation(lambda z: z, lambda grad, z, a: grad),
    "sigmoid": ACTIVATION_RULES["sigmoid"],
    "tanh": ACTIVATION_RULES["tanh"],
}


# --------------------------------------------------------------------------------------
# Batched products of a layer, params = [W_0, b_0, W_1, b_1, ...] with W_l (K, in, out)
# and b_l (K, 1, out).


class MatMul(NamedTuple):
    forward: Callable[[Tensor, Tensor, Tensor], Tensor]  # b + x W
    weight_grad: Callable[[Tensor, Tensor, Tensor | None], Tensor]  # xᵀ dz, into `out` if given
    input_grad: Callable[[Tensor, Tensor], Tensor]  # dz Wᵀ


def _forward(b: Tensor, x: Tensor, w: Tensor) -> Tensor:
    if w.shape[1] == 1:  # in = 1: an outer product, b + x w by broadcasting
        return torch.addcmul(b, x, w)
    if w.shape[2] == 1:  # out = 1: a matrix-vector product, as a broadcast product and a sum
        # (baddbmm takes another kernel for K = 1 than for K > 1, so that member k of an
        # ensemble would differ from the single run in the last bit; this is the same for all K)
        return torch.sum(x * w.transpose(1, 2), dim=2, keepdim=True).add_(b)
    return torch.baddbmm(b, x, w)


def _weight_grad(x: Tensor, dz: Tensor, out: Tensor | None) -> Tensor:
    if x.shape[2] == 1:  # in = 1: Σ_n x_n dz_n, shape (K, 1, out)
        return torch.sum(x * dz, dim=1, keepdim=True, out=out)
    if dz.shape[2] == 1:  # out = 1: Σ_n x_n dz_n as (K, 1, in), stored as (K, in, 1)
        row = torch.sum(x * dz, dim=1, keepdim=True, out=None if out is None else out.transpose(1, 2))
        return row.transpose(1, 2)
    return torch.bmm(x.transpose(1, 2), dz, out=out)


def _input_grad(dz: Tensor, w: Tensor) -> Tensor:
    if w.shape[2] == 1:  # out = 1: an outer product
        return dz * w.transpose(1, 2)
    if w.shape[1] == 1:  # in = 1: a matrix-vector product
        return torch.sum(dz * w, dim=2, keepdim=True)
    return torch.bmm(dz, w.transpose(1, 2))


# Eager: one BLAS call per product, or one broadcast operation where the product is an
# outer product or a matrix-vector product (a dimension of 1, as in this project's 1-d
# inputs, outputs and scores): batched BLAS loops over the K members one small matrix at
# a time, 0.4 ms for a (64, 128, 1) x (64, 1, 16) product against 0.03 ms broadcast.
BLAS = MatMul(_forward, _weight_grad, _input_grad)
# Compiled: broadcast products and sums, which inductor fuses into loops around the
# neighbouring elementwise work without materializing them. For this project's layer
# sizes it beats batched BLAS, whose per-matrix overhead dominates tiny matrices (a
# (1024, 128, 16) x (1024, 16, 1) baddbmm took 3 ms, most of a compiled step).
LOOPS = MatMul(
    lambda b, x, w: (x.unsqueeze(-1) * w.unsqueeze(1)).sum(dim=2) + b,
    lambda x, dz, out: (x.unsqueeze(-1) * dz.unsqueeze(2)).sum(dim=1),
    lambda dz, w: (dz.unsqueeze(2) * w.unsqueeze(1)).sum(dim=-1),
)


def mlp_forward(
    params: Sequence[Tensor], x: Tensor, act: Activation, head: Activation, mm: MatMul
) -> tuple[Tensor, list[Tensor], list[Tensor]]:
    """The output for inputs ``x (K, n, in)``, with each layer's input and pre-activation."""
    inputs: list[Tensor] = []
    pre: list[Tensor] = []
    layers = len(params) // 2
    for layer in range(layers):
        inputs.append(x)
        z = mm.forward(params[2 * layer + 1], x, params[2 * layer])
        pre.append(z)
        x = act.forward(z) if layer < layers - 1 else head.forward(z)
    return x, inputs, pre


def mlp_backward(
    params: Sequence[Tensor],
    cache: tuple[Tensor, list[Tensor], list[Tensor]],
    grad: Tensor,
    act: Activation,
    head: Activation,
    mm: MatMul,
    *,
    param_grads: bool,
    out: Sequence[Tensor] | None = None,
) -> tuple[list[Tensor], Tensor | None]:
    """Backpropagate ``grad`` (w.r.t. the output) through an MLP run by :func:`mlp_forward`.

    With ``param_grads`` returns the parameter gradients (written into ``out`` if given)
    and no input gradient, which a network being trained does not need; without, returns
    only the gradient w.r.t. the input (the generator step backpropagates through the
    critic to the fake samples and needs nothing else from it).
    """
    output, inputs, pre = cache
    layers = len(params) // 2
    dz = head.backward(grad, pre[-1], output)
    grads: list[Tensor] = [dz] * (2 * layers)
    for layer in range(layers - 1, -1, -1):
        if param_grads:
            w_out = None if out is None else out[2 * layer]
            b_out = None if out is None else out[2 * layer + 1]
            grads[2 * layer] = mm.weight_grad(inputs[layer], dz, w_out)
            grads[2 * layer + 1] = torch.sum(dz, dim=1, keepdim=True, out=b_out)
            if layer == 0:
                return grads, None
        da = mm.input_grad(dz, params[2 * layer])
        if layer == 0:
            return [], da
        dz = act.backward(da, pre[layer - 1], inputs[layer])
    raise AssertionError("an MLP has at least one layer")


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
    torch._fused_adam_(
        [p], [g], [m], [v], [], [step], lr=lr, beta1=spec.betas[0], beta2=spec.betas[1],
        weight_decay=0.0, eps=spec.eps, amsgrad=False, maximize=False,
    )  # fmt: skip


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


# --------------------------------------------------------------------------------------
# What the fused engine supports.

_CONFIG_FIELDS = frozenset(
    {
        "loss",
        "generator",
        "discriminator",
        "g_optimizer",
        "d_optimizer",
        "penalties",
        "constraints",
        "n_critic",
        "batch_size",
        "latent_dim",
        "ema_decay",
        "steps",
        "lr_decay",
        "standardize",  # applied outside the step: to the batches it is given and to samples
    }
)
_MLP_FIELDS = frozenset({"width", "depth", "activation", "output"})


def _unknown_options(value: object, known: frozenset[str], what: str) -> list[str]:
    """Dataclass fields of ``value`` outside ``known`` that are not at their default.

    A field added to a setting after this engine was written is unsupported until it is
    implemented here, unless it is left at its default.
    """
    problems = []
    for field in dataclasses.fields(value):  # type: ignore[arg-type]
        if field.name in known:
            continue
        default = field.default
        if field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        if default is dataclasses.MISSING or getattr(value, field.name) != default:
            problems.append(f"{what}.{field.name}={getattr(value, field.name)!r}")
    return problems


def unsupported_features(config: GANConfig) -> list[str]:
    """What in ``config`` the fused engine cannot train, one phrase each ([] if nothing)."""
    problems = [f"the option {p}" for p in _unknown_options(config, _CONFIG_FIELDS, "GANConfig")]
    if type(config.loss) not in LOSS_GRADIENTS:
        problems.append(f"the loss {config.loss!r} (no hand-derived score gradient)")
    for penalty in config.penalties:
        if type(penalty) not in PENALTY_RULES:
            problems.append(f"the penalty {penalty!r} (no hand-derived weight gradient)")
        elif not (
            type(config.discriminator) is MLPSpec
            and config.discriminator.activation in _PIECEWISE_LINEAR
            and config.discriminator.output == "identity"
        ):
            problems.append(
                f"the penalty {penalty!r} on a discriminator other than an MLPSpec with "
                f"activation in {sorted(_PIECEWISE_LINEAR)} and output 'identity'"
            )
    problems += [f"the constraint {c!r}" for c in config.constraints if type(c) is not WeightClipping]
    for name in ("generator", "discriminator"):
        spec = getattr(config, name)
        if type(spec) is not MLPSpec:
            problems.append(f"the {name} {spec!r} (only MLPSpec networks are fused)")
            continue
        problems += [f"the {name} option {p}" for p in _unknown_options(spec, _MLP_FIELDS, "MLPSpec")]
        if spec.activation not in ACTIVATION_RULES:
            problems.append(f"the {name} activation {spec.activation!r}")
        if spec.output not in HEAD_RULES:
            problems.append(f"the {name} output head {spec.output!r}")
    for name in ("g_optimizer", "d_optimizer"):
        spec = getattr(config, name)
        rule = OPTIMIZER_RULES.get(type(spec))
        if rule is None:
            problems.append(f"the {name} {spec!r}")
        else:
            problems += [f"the {name} option {p}" for p in _unknown_options(spec, rule.fields, type(spec).__name__)]
    return problems


# --------------------------------------------------------------------------------------
# One generator step.


@dataclasses.dataclass(frozen=True)
class Plan:
    """Everything static about a fused step; a compiled graph is specialized on it."""

    config: GANConfig
    members: int
    g_shapes: tuple[tuple[int, ...], ...]
    d_shapes: tuple[tuple[int, ...], ...]
    dtype: torch.dtype
    device: torch.device


def split(flat: Tensor, shapes: Sequence[tuple[int, ...]]) -> list[Tensor]:
    """Views of a flat ``(K, P)`` buffer as tensors of the given per-member shapes."""
    views, offset = [], 0
    for shape in shapes:
        size = math.prod(shape)
        views.append(flat[:, offset : offset + size].view(flat.shape[0], *shape))
        offset += size
    return views


def make_step(plan: Plan, *, compiled: bool) -> Callable[..., tuple[Tensor, Tensor]]:
    """The function doing one generator step with its critic steps, for ``plan``.

    ``step(g, d, ema, g_state, d_state, g_lr, d_lr, real, noise_d, noise_g, uniform, eager=None)``
    updates the flat buffers ``g``, ``d`` (parameters) and ``ema`` (the generator's
    average, or None) and the optimizer states in place, and returns the last critic
    step's loss and the generator loss, each ``(K,)``. ``g_lr``, ``d_lr`` are this step's
    learning rates. ``real``, ``noise_d``, ``noise_g`` and ``uniform`` are the step's
    :class:`~ganzoo._streams.StepBatches`.

    Eager (``compiled=False``), ``eager`` holds precomputed views: the parameters and the
    flat gradient buffers with their views, which the backward pass writes into. Compiled,
    the views are made inside the graph and the gradients are graph temporaries.
    """
    config = plan.config
    loss = config.loss
    rule = LOSS_GRADIENTS[type(loss)]
    g_act, g_head = ACTIVATION_RULES[config.generator.activation], HEAD_RULES[config.generator.output]
    d_act, d_head = ACTIVATION_RULES[config.discriminator.activation], HEAD_RULES[config.discriminator.output]
    g_opt, d_opt = config.g_optimizer, config.d_optimizer
    g_rule, d_rule = OPTIMIZER_RULES[type(g_opt)], OPTIMIZER_RULES[type(d_opt)]
    g_update, d_update = (g_rule.graph, d_rule.graph) if compiled else (g_rule.eager, d_rule.eager)
    mm = LOOPS if compiled else BLAS
    clips = tuple(c.clip for c in config.constraints)
    n_critic = config.n_critic
    ema_weight = 1.0 - config.ema_decay
    batch = config.batch_size
    constants = loss_constants(batch, device=plan.device, dtype=plan.dtype)
    penalties = []  # (its points, its ∂P/∂g, its numbers' offset in a step's uniform row)
    offset = 0
    for penalty in config.penalties:
        penalty_rule = PENALTY_RULES[type(penalty)]
        penalties.append(
            (functools.partial(penalty_rule.points, penalty), functools.partial(penalty_rule.gradient, penalty), offset)
        )
        offset += penalty.draws(batch, plan.d_shapes[0][0])

    def step(g_flat, d_flat, ema_flat, g_state, d_state, g_lr, d_lr, real, noise_d, noise_g, uniform, eager=None):
        if eager is None:  # compiled: views and constants made in the graph (fewer inputs)
            g_params, d_params = split(g_flat, plan.g_shapes), split(d_flat, plan.d_shapes)
            g_grad = d_grad = g_out = d_out = None
            c = loss_constants(batch, device=plan.device, dtype=plan.dtype)
        else:
            g_params, d_params, g_grad, d_grad, g_out, d_out = eager
            c = constants

        for i in range(n_critic):
            fake, _, _ = mlp_forward(g_params, noise_d[i], g_act, g_head, mm)
            cache = mlp_forward(d_params, torch.cat([real[i], fake], dim=1), d_act, d_head, mm)
            scores = cache[0]
            d_loss = loss.discriminator_loss(scores[:, :batch], scores[:, batch:])
            ds = rule.discriminator(loss, scores, c)
            grads, _ = mlp_backward(d_params, cache, ds, d_act, d_head, mm, param_grads=True, out=d_out)
            for points_of, rho_of, start in penalties:
                points = points_of(real[i], fake, uniform[i][:, start:])
                for layer, w_grad in enumerate(penalty_weight_grads(d_params, points, rho_of, d_act, mm)):
                    if d_out is not None:  # eager: into the flat gradient buffer
                        d_out[2 * layer].add_(w_grad)
                    else:
                        grads[2 * layer] = grads[2 * layer] + w_grad
            d_update(d_opt, d_flat, d_grad if d_grad is not None else _flat(grads, d_flat), d_state, d_lr)
            for clip in clips:
                d_flat.clamp_(-clip, clip)

        g_cache = mlp_forward(g_params, noise_g, g_act, g_head, mm)
        d_cache = mlp_forward(d_params, g_cache[0], d_act, d_head, mm)
        scores = d_cache[0]
        g_loss = loss.generator_loss(scores)
        ds = rule.generator(loss, scores, c)
        _, dfake = mlp_backward(d_params, d_cache, ds, d_act, d_head, mm, param_grads=False)
        grads, _ = mlp_backward(g_params, g_cache, dfake, g_act, g_head, mm, param_grads=True, out=g_out)
        g_update(g_opt, g_flat, g_grad if g_grad is not None else _flat(grads, g_flat), g_state, g_lr)
        if ema_flat is not None:
            ema_flat.lerp_(g_flat, ema_weight)
        return d_loss, g_loss

    return step


def _flat(grads: list[Tensor], like: Tensor) -> Tensor:
    """The gradients as one ``(K, P)`` row per member, zero in the padding, like ``like``."""
    rows = [g.reshape(g.shape[0], -1) for g in grads]
    pad = like.shape[1] - sum(row.shape[1] for row in rows)
    return torch.cat([*rows, like.new_zeros(like.shape[0], pad)], dim=1)


def make_run(plan: Plan) -> Callable[..., tuple[Tensor, Tensor]]:
    """The function running many generator steps in one call, for ``plan`` (compiled only).

    ``run(g, d, ema, g_state, d_state, g_lr, d_lr, real, noise, uniform, start, stop)`` runs
    the steps ``start <= i < stop`` (0-dim int64 tensors) of a
    :class:`~ganzoo._streams.Chunk` of batches, updating the buffers in place like :func:`make_step`,
    and returns the losses of every step of the chunk, ``(steps, K)`` each (rows outside
    ``[start, stop)`` are garbage). The loop is ``torch._higher_order_ops.while_loop``
    around the step: compiled, it is one graph whatever the number of steps, and it pays
    the call overhead of a compiled function (≈ 0.1-0.2 ms, most of a single run's step)
    once per chunk instead of once per step. The loop body is functional: it works on
    copies of the buffers, copied back at the end.
    """
    from torch._higher_order_ops.while_loop import while_loop

    step = make_step(plan, compiled=True)
    n_critic = plan.config.n_critic

    def run(g_flat, d_flat, ema_flat, g_state, d_state, g_lr, d_lr, real, noise, uniform, start, stop):
        buffers = [g_flat, d_flat, *([] if ema_flat is None else [ema_flat]), *g_state, *d_state]
        n_g = len(g_state)
        first = 3 if ema_flat is not None else 2
        losses = real.new_zeros(2, real.shape[0], real.shape[2])

        def cond(i, *carry):
            return i < stop

        def body(i, *carry):
            carry = [t.clone() for t in carry]
            g, d, ema = carry[0], carry[1], carry[2] if ema_flat is not None else None
            g_s, d_s = carry[first : first + n_g], carry[first + n_g : -1]
            at = i.reshape(1)
            z = noise.index_select(0, at)[0]
            r = real.index_select(0, at)[0]
            u = uniform.index_select(0, at)[0]
            d_loss, g_loss = step(g, d, ema, g_s, d_s, g_lr, d_lr, r, z[:n_critic], z[n_critic], u)
            out = carry[-1].index_copy(1, at, torch.stack([d_loss, g_loss])[:, None])
            return (i + 1, *carry[:-1], out)

        result = while_loop(cond, body, (start, *buffers, losses))
        for buffer, new in zip(buffers, result[1:-1]):
            buffer.copy_(new)
        return result[-1][0], result[-1][1]

    return run


_COMPILED: dict[object, Callable[..., tuple[Tensor, Tensor]]] = {}


def _compiled(plan: Plan, kind: str) -> Callable[..., tuple[Tensor, Tensor]]:
    """``torch.compile`` of :func:`make_step` or :func:`make_run` for ``plan``, once per process."""
    key: object = (plan, kind)
    try:
        hash(key)
    except TypeError:  # an unhashable setting: compiled, but not shared with other engines
        key = object()
    if key not in _COMPILED:
        function = make_step(plan, compiled=True) if kind == "step" else make_run(plan)
        # Dynamo keeps its cache of graphs on the code object, which all closures made by
        # make_step (make_run) share: a copy of the code per plan gives each plan a cache of
        # its own, so that distinct plans in one process neither evict one another nor reach
        # dynamo's recompile limit (after which it would silently run eagerly).
        code = function.__code__.replace()
        function = types.FunctionType(
            code, function.__globals__, f"fused_{kind}", function.__defaults__, function.__closure__
        )
        _COMPILED[key] = torch.compile(function, fullgraph=True, dynamic=False)
    return _COMPILED[key]


def compiled_step(plan: Plan) -> Callable[..., tuple[Tensor, Tensor]]:
    """The compiled :func:`make_step` for ``plan``: one graph, made once per process."""
    return _compiled(plan, "step")


def compiled_run(plan: Plan) -> Callable[..., tuple[Tensor, Tensor]]:
    """The compiled :func:`make_run` for ``plan``: one graph, made once per process."""
    return _compiled(plan, "run")


# --------------------------------------------------------------------------------------
# The engine.


def adopt(module: StackedMLP) -> tuple[Tensor, list[Tensor]]:
    """Move a StackedMLP's parameters into one flat ``(K, P)`` buffer; returns it and its views.

    The parameters become views of the buffer (``param.data = view``), so the module and
    everything that reads it see what the fused updates write.
    """
    tensors = [t for pair in zip(module.weights, module.biases) for t in pair]
    members, size = tensors[0].shape[0], sum(t[0].numel() for t in tensors)
    flat = tensors[0].new_zeros(members, padded(size))
    views = split(flat, [tuple(t.shape[1:]) for t in tensors])
    for tensor, view in zip(tensors, views):
        view.copy_(tensor.detach())
        tensor.data = view
    return flat, views


def padded(size: int) -> int:
    """A member's row length in a flat buffer: ``size`` rounded up to a multiple of 64.

    Elementwise kernels (torch's fused Adam among them) take vector or scalar code paths by
    an element's position in the buffer, and the two can round differently; with rows of
    whole vectors every member's numbers sit in the same lanes whatever K, so member k of
    an ensemble is bit for bit the single run with its seed. The padding stays zero.
    """
    return -(-size // 64) * 64


class FusedEngine:
    """Trains a Trainer's K members with the fused step instead of its autograd step.

    The learning rates are read at each step from the trainer's torch optimizers
    (``optimizers``), whose schedulers (``GANConfig.lr_decay``) the trainer keeps
    stepping: one source of truth for the rate whichever engine trains. ``compile``: True
    runs every step compiled, False eagerly, None decides at each :meth:`prepare` from the
    work ahead (:func:`should_compile`).
    """

    def __init__(
        self,
        config: GANConfig,
        generator: StackedMLP,
        discriminator: StackedMLP,
        generator_average: StackedMLP | None,
        *,
        optimizers: tuple[torch.optim.Optimizer, torch.optim.Optimizer],
        compile: bool | None = None,
    ) -> None:
        g_flat, g_params = adopt(generator)
        d_flat, d_params = adopt(discriminator)
        ema_flat = adopt(generator_average)[0] if generator_average is not None else None
        self.plan = Plan(
            config,
            g_flat.shape[0],
            tuple(tuple(p.shape[1:]) for p in g_params),
            tuple(tuple(p.shape[1:]) for p in d_params),
            g_flat.dtype,
            g_flat.device,
        )
        g_rule, d_rule = OPTIMIZER_RULES[type(config.g_optimizer)], OPTIMIZER_RULES[type(config.d_optimizer)]
        self.buffers = (g_flat, d_flat, ema_flat)
        self.states = (g_rule.state(config.g_optimizer, g_flat), d_rule.state(config.d_optimizer, d_flat))
        g_grad, d_grad = torch.zeros_like(g_flat), torch.zeros_like(d_flat)
        self._eager_views = (
            g_params,
            d_params,
            g_grad,
            d_grad,
            split(g_grad, self.plan.g_shapes),
            split(d_grad, self.plan.d_shapes),
        )
        self._eager_step = make_step(self.plan, compiled=False)
        self._compiled: dict[str, Callable[..., tuple[Tensor, Tensor]]] = {}
        self._groups = tuple(optimizer.param_groups[0] for optimizer in optimizers)
        # Compiled, the rates are tensors: a changed python float would mean a new graph.
        self._lr_tensors = tuple(torch.zeros(1, dtype=torch.float64, device=g_flat.device) for _ in optimizers)
        self.compile = compile
        self.compiled = bool(compile)  # whether steps now run compiled

    @property
    def members(self) -> int:
        return self.plan.members

    @property
    def runs_spans(self) -> bool:
        """Whether :meth:`run` trains many steps per call: compiled, at a constant learning rate."""
        return self.compiled and self.plan.config.lr_decay is None

    def prepare(self, steps: int) -> None:
        """Choose eager or compiled execution for the next ``steps`` generator steps."""
        self.compiled = should_compile(self.plan, steps) if self.compile is None else self.compile

    def step(self, real: Tensor, noise_d: Tensor, noise_g: Tensor, uniform: Tensor) -> tuple[Tensor, Tensor]:
        """One generator step with its critic steps, on a :class:`~ganzoo._streams.StepBatches`;
        the losses as the autograd step returns them."""
        g_lr, d_lr = self._groups[0]["lr"], self._groups[1]["lr"]
        batches = (real, noise_d, noise_g, uniform)
        with torch.no_grad():
            if self.compiled:
                losses = self._call_compiled("step", *batches)
                if losses is not None:
                    return losses
            return self._eager_step(*self.buffers, *self.states, g_lr, d_lr, *batches, self._eager_views)

    def run(
        self, batches, first_step: int, count: int, *, progress: Callable[[int], object] = lambda steps: None
    ) -> tuple[Tensor, Tensor]:
        """Train ``count`` generator steps from ``first_step`` on ``batches`` (a ``TrainingBatches``).

        The same as ``count`` calls of :meth:`step` on ``batches.batches(first_step + i)``,
        in one compiled call per chunk of batches (see :func:`make_run`) when
        :attr:`runs_spans`; ``progress(n)`` is called after every ``n`` steps done.
        Returns the losses, ``(count, K)`` each.
        """
        d_losses, g_losses = [], []
        step, end = first_step, first_step + count
        with torch.no_grad():
            while step < end and self.runs_spans:
                offset, real, noise, uniform = batches.chunk(step)
                stop = min(offset + end - step, real.shape[0])
                bounds = (torch.tensor(i, device=real.device) for i in (offset, stop))
                losses = self._call_compiled("run", real, noise, uniform, *bounds)
                if losses is None:  # compilation failed: on eagerly
                    break
                d_losses.append(losses[0][offset:stop])
                g_losses.append(losses[1][offset:stop])
                step += stop - offset
                progress(stop - offset)
        for step in range(step, end):
            d_loss, g_loss = self.step(*batches.batches(step))
            d_losses.append(d_loss[None])
            g_losses.append(g_loss[None])
            progress(1)
        return torch.cat(d_losses), torch.cat(g_losses)

    def _call_compiled(self, kind: str, *batches: Tensor) -> tuple[Tensor, Tensor] | None:
        """The compiled step (``kind="step"``) or run on ``batches``; None if compilation failed."""
        lrs = self._lr_tensors[0].fill_(self._groups[0]["lr"]), self._lr_tensors[1].fill_(self._groups[1]["lr"])
        function = self._compiled.get(kind)
        if function is not None:
            return function(*self.buffers, *self.states, *lrs, *batches)
        try:  # the first call compiles (before touching any buffer)
            function = compiled_step(self.plan) if kind == "step" else compiled_run(self.plan)
            losses = function(*self.buffers, *self.states, *lrs, *batches)
        except Exception as error:
            if self.compile:  # asked for explicitly: the failure is the answer
                raise
            # A machine without a working C++ toolchain cannot compile; the eager step
            # computes the same thing.
            warnings.warn(f"torch.compile failed, training eagerly instead: {error}", stacklevel=4)
            self.compile = self.compiled = False
            return None
        self._compiled[kind] = function
        return losses

    # -- checkpoints (ganzoo._checkpoint) ------------------------------------------------

    def state_dict(self) -> dict[str, list[list[Tensor]]]:
        """A copy of the engine's own optimizer state: ``{"states": [g_state, d_state]}``.

        The parameters need no saving here: they live in the modules (views of
        :attr:`buffers`), which the trainer saves.
        """
        return {"states": [[t.detach().clone() for t in state] for state in self.states]}

    def load_state_dict(self, state: dict, *, optimizers: tuple[torch.optim.Optimizer, ...]) -> None:
        """Copy :meth:`state_dict`'s output into the state in place; ``optimizers`` are the
        trainer's, whose param-group dicts (where the rates are read) loading replaced."""
        saved = state["states"]
        if len(saved) != len(self.states) or any(len(a) != len(b) for a, b in zip(saved, self.states)):
            raise ValueError("the saved fused optimizer state has another layout (another optimizer?)")
        for live, copies in zip(self.states, saved):
            for tensor, value in zip(live, copies):
                if tuple(value.shape) != tuple(tensor.shape):
                    raise ValueError(f"fused optimizer state of shape {tuple(value.shape)}, expected {tuple(tensor.shape)}")
                tensor.copy_(value)
        self._groups = tuple(optimizer.param_groups[0] for optimizer in optimizers)


# The cost model behind should_compile, measured on the project's 2-core CPU machines with
# the reference networks (docs/engine.md) and expressed at the reference program's unloaded
# speed (≈ 950 µs per step): per network update (n_critic + 1 of them per generator step),
# compiling saves about 130 + 5.5 K µs for K members (eager ≈ 3x, compiled ≈ 20x the
# reference program at K = 1; ≈ 70x and ≈ 185x at K = 64); compiling one graph costs
# 10-17 s in a fresh process (about 4.5 s when inductor's on-disk cache already holds it,
# which is not counted on).
_SAVED_US_PER_UPDATE = (130.0, 5.5)  # a + b K
_COMPILE_SECONDS = 12.0


def should_compile(plan: Plan, steps: int) -> bool:
    """Whether compiling the step pays for itself over ``steps`` generator steps.

    A function of the plan and ``steps`` only, never of what the process did before, so
    that the same calls give the same (bit-identical) run. By the model above: a single
    run compiles from about 45k steps, 8 members from 33k, 64 from 12k, 1024 from 1k.
    """
    updates = steps * (plan.config.n_critic + 1)
    saved = updates * (_SAVED_US_PER_UPDATE[0] + _SAVED_US_PER_UPDATE[1] * plan.members) * 1e-6
    return saved > _COMPILE_SECONDS
