"""The numba kernels' optimizer updates: Adam, RMSprop and SGD with momentum, as loops.

Compiled into ``_numba_kernels.py``'s cached kernels, which pin this file's hash (see there).
"""

from __future__ import annotations

import math

import numba as nb

_jit = nb.njit(cache=True, nogil=True, error_model="numpy")


@_jit
def update(code, hyper, p, grad, state, t, lr):
    """One optimizer step of the flat parameters ``p`` with gradient ``grad``, in place, as
    torch.optim's single-tensor loops (``_rules.py`` has the same rules for the fused engine):
    ``code`` 0 Adam (``hyper`` b1, b2, eps; ``t`` the step count), 1 RMSprop (alpha, eps),
    2 SGD (momentum); ``state`` (slots, P) the optimizer's buffers; ``lr`` this step's rate."""
    size = p.shape[0]
    if code == 0:  # Adam: m += (1-b1)(g-m); v = b2 v + (1-b2) g^2; p -= lr/(1-b1^t) m / (sqrt(v)/sqrt(1-b2^t) + eps)
        b1, b2, eps = hyper[0], hyper[1], hyper[2]
        step_size = lr / (1.0 - b1**t)
        root = math.sqrt(1.0 - b2**t)
        for j in range(size):
            g = grad[j]
            state[0, j] += (1.0 - b1) * (g - state[0, j])
            state[1, j] = b2 * state[1, j] + (1.0 - b2) * g * g
            p[j] -= step_size * state[0, j] / (math.sqrt(state[1, j]) / root + eps)
    elif code == 1:  # RMSprop: v = a v + (1-a) g^2; p -= lr g / (sqrt(v) + eps)
        alpha, eps = hyper[0], hyper[1]
        for j in range(size):
            g = grad[j]
            state[0, j] = alpha * state[0, j] + (1.0 - alpha) * g * g
            p[j] -= lr * g / (math.sqrt(state[0, j]) + eps)
    else:  # SGD, heavy-ball momentum: buf = mu buf + g; p -= lr buf
        momentum = hyper[0]
        for j in range(size):
            g = grad[j]
            if momentum != 0:
                state[0, j] = momentum * state[0, j] + g
                g = state[0, j]
            p[j] -= lr * g
