"""The private torch APIs ganzoo relies on, each behind one name here with a public fallback.

A torch release may rename, move or drop a private API. Every use goes through this module,
which looks each one up once, at import, and otherwise takes a public path that computes
the same thing more slowly: an upgrade degrades speed, never correctness.
``tests/ganzoo/test_torch_compat.py`` runs every fallback against the private path, and
fails when the installed torch lacks one of them (the fast path is then gone unnoticed).

================================  ===================================  =================================
private API                       what for                             fallback
================================  ===================================  =================================
``torch._fused_adam_``            the eager fused engine's Adam, one   torch.optim.Adam's update in
                                  kernel (``fused_adam_``)             public tensor ops (equal to
                                                                       rounding)
``torch._foreach_lerp_``          the generator average (EMA), one     ``Tensor.lerp_`` per tensor (the
                                  kernel for all tensors               same numbers)
``torch._higher_order_ops.        the compiled engine's loop over a    ``WHILE_LOOP is None``: the engine
while_loop``                      chunk of steps, one graph            calls a compiled step per step
``Optimizer._opt_called``         tells an LR scheduler that its       the scheduler's warning about the
                                  optimizer stepped (the fused         call order is filtered
                                  engines update without
                                  ``optimizer.step()``)
dynamo's graph cache, kept on     a cache per compiled plan            none needed: at worst dynamo
the code object                   (``with_own_code``)                  reaches its recompile limit and
                                                                       runs the step eagerly
================================  ===================================  =================================
"""

from __future__ import annotations

import math
import types
import warnings
from collections.abc import Callable, Sequence

import torch

__all__ = ["WHILE_LOOP", "foreach_lerp_", "fused_adam_", "mark_stepped", "with_own_code"]

_FUSED_ADAM: Callable[..., None] | None = getattr(torch, "_fused_adam_", None)
_FOREACH_LERP: Callable[..., None] | None = getattr(torch, "_foreach_lerp_", None)


def _find_while_loop() -> Callable[..., tuple] | None:
    try:
        from torch._higher_order_ops.while_loop import while_loop
    except ImportError:
        return None
    return while_loop


WHILE_LOOP = _find_while_loop()
"""``torch._higher_order_ops.while_loop`` (cond_fn, body_fn, carried_inputs), or None."""


def fused_adam_(
    param: torch.Tensor,
    grad: torch.Tensor,
    exp_avg: torch.Tensor,
    exp_avg_sq: torch.Tensor,
    step: torch.Tensor,
    *,
    lr: float,
    beta1: float,
    beta2: float,
    eps: float,
) -> None:
    """torch.optim.Adam(fused=True)'s update of one tensor, in place; ``step`` (a tensor of
    the update count) already counts this update: with t = step,
    m ← m + (1 - β1)(g - m), v ← β2 v + (1 - β2) g², p ← p - lr/(1 - β1^t) · m / (√v/√(1 - β2^t) + ε).
    """
    if _FUSED_ADAM is not None:
        _FUSED_ADAM(
            [param], [grad], [exp_avg], [exp_avg_sq], [], [step], lr=lr, beta1=beta1, beta2=beta2,
            weight_decay=0.0, eps=eps, amsgrad=False, maximize=False,
        )  # fmt: skip
        return
    t = float(step.reshape(-1)[0])
    exp_avg.lerp_(grad, 1 - beta1)
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    denom = (exp_avg_sq.sqrt() / math.sqrt(1 - beta2**t)).add_(eps)
    param.addcdiv_(exp_avg, denom, value=-lr / (1 - beta1**t))


def foreach_lerp_(targets: Sequence[torch.Tensor], ends: Sequence[torch.Tensor], weight: float) -> None:
    """``target.lerp_(end, weight)`` for each pair, in place: target ← target + weight (end - target)."""
    if _FOREACH_LERP is not None:
        _FOREACH_LERP(list(targets), list(ends), weight)
        return
    for target, end in zip(targets, ends):
        target.lerp_(end, weight)


_ORDER_WARNING = r"Detected call of `lr_scheduler\.step\(\)` before `optimizer\.step\(\)`"


def _flag_is_read() -> bool:
    """Whether torch's LR schedulers still read ``optimizer._opt_called`` (checked once, by
    stepping a scheduler of a flagged optimizer that never stepped)."""
    optimizer = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    scheduler = torch.optim.lr_scheduler.StepLR(optimizer, step_size=1)
    optimizer._opt_called = True  # type: ignore[attr-defined]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            scheduler.step()
        except UserWarning:
            return False
    return True


_FLAG_READ: bool | None = None


def mark_stepped(optimizer: torch.optim.Optimizer) -> None:
    """Tell ``optimizer``'s LR schedulers that it steps (a fused engine updates the parameters
    in place of ``optimizer.step()`` and takes its learning rate), so that stepping them does
    not warn that they run before their optimizer. Without the private flag: that one warning
    is filtered instead."""
    global _FLAG_READ
    if _FLAG_READ is None:
        _FLAG_READ = _flag_is_read()
        if not _FLAG_READ:
            warnings.filterwarnings("ignore", message=_ORDER_WARNING, category=UserWarning)
    optimizer._opt_called = True  # type: ignore[attr-defined]


def with_own_code(function: types.FunctionType, name: str) -> types.FunctionType:
    """``function`` with a copy of its code object, renamed. Dynamo keeps its cache of graphs
    on the code object, which every closure made by one factory shares: a copy per compiled
    plan gives each plan a cache of its own, so that distinct plans in one process neither
    evict one another nor reach dynamo's recompile limit (after which it runs eagerly)."""
    return types.FunctionType(function.__code__.replace(), function.__globals__, name, function.__defaults__, function.__closure__)
