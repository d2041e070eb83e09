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

import warnings
from collections.abc import Callable

import torch
from torch import Tensor

from .._config import GANConfig
from .._networks import StackedMLP
from .._torch_compat import WHILE_LOOP
from ._compile import compiled_run, compiled_step, should_compile
from ._rules import OPTIMIZER_RULES
from ._step import Plan, make_step, split


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

    The learning rates are read at each step from ``learning_rates()`` (the trainer's:
    its torch optimizers', whose schedulers, ``GANConfig.lr_decay``, the trainer keeps
    stepping): one source of truth for the rate whichever engine trains. ``compile``: True
    runs every step compiled, False eagerly, None decides at each :meth:`prepare` from the
    work ahead (:func:`should_compile`).
    """

    kind = "fused"

    def __init__(
        self,
        config: GANConfig,
        generator: StackedMLP,
        discriminator: StackedMLP,
        generator_average: StackedMLP | None,
        *,
        learning_rates: Callable[[], tuple[float, float]],
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
        self._learning_rates = learning_rates
        # Compiled, the rates are tensors: a changed python float would mean a new graph.
        self._lr_tensors = tuple(torch.zeros(1, dtype=torch.float64, device=g_flat.device) for _ in range(2))
        self.compile = compile
        self.compiled = bool(compile)  # whether steps now run compiled

    @property
    def members(self) -> int:
        return self.plan.members

    @property
    def runs_spans(self) -> bool:
        """Whether :meth:`run` trains many steps per call: compiled, at a constant learning
        rate, on a torch with ``while_loop``."""
        return self.compiled and self.plan.config.lr_decay is None and WHILE_LOOP is not None

    def prepare(self, steps: int) -> None:
        """Choose eager or compiled execution for the next ``steps`` generator steps."""
        self.compiled = should_compile(self.plan, steps) if self.compile is None else self.compile

    def step(self, real: Tensor, noise_d: Tensor, noise_g: Tensor, uniform: Tensor) -> tuple[Tensor, Tensor]:
        """One generator step with its critic steps, on a :class:`~ganzoo._streams.StepBatches`;
        the losses as the autograd step returns them."""
        g_lr, d_lr = self._learning_rates()
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
        lrs = tuple(tensor.fill_(lr) for tensor, lr in zip(self._lr_tensors, self._learning_rates()))
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

    def load_state_dict(self, state: dict) -> None:
        """Copy :meth:`state_dict`'s output into the state in place."""
        saved = state["states"]
        if len(saved) != len(self.states) or any(len(a) != len(b) for a, b in zip(saved, self.states)):
            raise ValueError("the saved fused optimizer state has another layout (another optimizer?)")
        for live, copies in zip(self.states, saved):
            for tensor, value in zip(live, copies):
                if tuple(value.shape) != tuple(tensor.shape):
                    raise ValueError(f"fused optimizer state of shape {tuple(value.shape)}, expected {tuple(tensor.shape)}")
                tensor.copy_(value)
