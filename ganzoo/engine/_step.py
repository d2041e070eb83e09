"""One fused generator step (with its critic steps) and a compiled loop of many, for a :class:`Plan`."""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Callable, Sequence

import torch
from torch import Tensor

from .._config import GANConfig
from .._torch_compat import WHILE_LOOP
from ._layers import ACTIVATION_RULES, BLAS, HEAD_RULES, LOOPS, mlp_backward, mlp_forward
from ._rules import LOSS_GRADIENTS, OPTIMIZER_RULES, PENALTY_RULES, loss_constants, penalty_weight_grads


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

    (One closure, long by design: the step's rules and constants are bound here once, and
    torch.compile traces the inner function as one graph.)
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
    ``[start, stop)`` are garbage). The loop is ``torch._higher_order_ops.while_loop`` (``_torch_compat``)
    around the step: compiled, it is one graph whatever the number of steps, and it pays
    the call overhead of a compiled function (≈ 0.1-0.2 ms, most of a single run's step)
    once per chunk instead of once per step. The loop body is functional: it works on
    copies of the buffers, copied back at the end.
    """
    if WHILE_LOOP is None:
        raise RuntimeError("this torch has no torch._higher_order_ops.while_loop: compile steps (FusedEngine.runs_spans)")
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

        result = WHILE_LOOP(cond, body, (start, *buffers, losses))
        for buffer, new in zip(buffers, result[1:-1]):
            buffer.copy_(new)
        return result[-1][0], result[-1][1]

    return run
