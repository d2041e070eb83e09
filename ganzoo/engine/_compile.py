"""Compiling fused steps: one graph per plan and process, and whether compiling pays."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import Tensor

from .._torch_compat import with_own_code
from ._step import Plan, make_run, make_step

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
        function = with_own_code(function, f"fused_{kind}")  # a graph cache per plan
        _COMPILED[key] = torch.compile(function, fullgraph=True, dynamic=False)
    return _COMPILED[key]


def compiled_step(plan: Plan) -> Callable[..., tuple[Tensor, Tensor]]:
    """The compiled :func:`make_step` for ``plan``: one graph, made once per process."""
    return _compiled(plan, "step")


def compiled_run(plan: Plan) -> Callable[..., tuple[Tensor, Tensor]]:
    """The compiled :func:`make_run` for ``plan``: one graph, made once per process."""
    return _compiled(plan, "run")


# The cost model behind should_compile, measured on the project's 2-core CPU machines with
# the reference networks (docs/engine.md) and expressed at the reference program's unloaded
# speed (≈ 950 µs per step): per network update (n_critic + 1 of them per generator step),
# compiling saves about 130 + 5.5 K µs for K members (eager ≈ 3x, compiled ≈ 20x the
# reference program at K = 1; ≈ 70x and ≈ 185x at K = 64); compiling one graph costs
# 10-17 s in a fresh process (about 4.5 s when inductor's on-disk cache already holds it,
# which is not counted on).
_SAVED_US_PER_UPDATE = (130.0, 5.5)  # a + b K
_COMPILE_SECONDS = 12.0
# Wide layers never pay on the CPU: the compiled graph computes products as broadcast loops
# (``_layers.LOOPS``), which lose to eager BLAS once a layer has more than this many units on
# both sides (2 hidden layers at K = 64, warm, µs per run·step: 64 wide 324 compiled against
# 155 eager, 128 wide 896 against 465: ``benchmarks.engine_widths.per_run_step(width, 64,
# "fused-compiled")`` against ``"fused-eager"``, 2026-12-02).
_WIDEST_COMPILED_LAYER = 32


def _has_wide_layer(plan: Plan) -> bool:
    return any(len(s) == 2 and min(s) > _WIDEST_COMPILED_LAYER for s in (*plan.g_shapes, *plan.d_shapes))


def should_compile(plan: Plan, steps: int) -> bool:
    """Whether compiling the step pays for itself over ``steps`` generator steps.

    A function of the plan and ``steps`` only, never of what the process did before, so
    that the same calls give the same (bit-identical) run. By the model above: a single
    run compiles from about 45k steps, 8 members from 33k, 64 from 12k, 1024 from 1k;
    never on the CPU for networks with a layer wider than 32 units on both sides.
    """
    if plan.device.type == "cpu" and _has_wide_layer(plan):
        return False
    updates = steps * (plan.config.n_critic + 1)
    saved = updates * (_SAVED_US_PER_UPDATE[0] + _SAVED_US_PER_UPDATE[1] * plan.members) * 1e-6
    return saved > _COMPILE_SECONDS
