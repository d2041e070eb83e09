"""The layers of a fused step: activation rules and batched products, forward and backward
through an MLP of K stacked members, by hand (see :mod:`ganzoo.engine._fused`)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor

from .._networks import ACTIVATIONS

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
