"""The numba kernels' loss terms: each loss's value and slope d/ds at one critic score,
and the loops that fill a batch of them (``_numba_engine.py``'s ``LOSS_CODES`` number the
losses: 0 nn.BCELoss on a sigmoid, 1 minimax, 2 non-saturating, 3 Wasserstein, 4 hinge,
5 least squares). The torch fused engine's rules (``_rules.py``) in scalar form.

Compiled into ``_numba_kernels.py``'s cached kernels, which pin this file's hash (see there).
"""

from __future__ import annotations

import numba as nb

from ._numba_math import exp, log, log1p, sigmoid

_inline = nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")

_BCE_EPSILON = 1e-12  # binary_cross_entropy_backward's clamp of p (1 - p)
_SOFTPLUS_THRESHOLD = 20.0  # softplus(x) = x above it (torch's default)


@_inline
def _softplus_and_grad(x):
    """softplus(x) = log(1 + e^x) (x itself above torch's threshold) and its slope e^x / (e^x + 1),
    sharing one exp."""
    if x > _SOFTPLUS_THRESHOLD:
        return x, 1.0
    e = exp(x)
    return log1p(e), e / (e + 1.0)


@_inline
def _bce_and_grad(s, real, inv):
    """nn.BCELoss's term of p = sigmoid(s) at y = 1 (real) or 0, and its d/ds, one sigmoid
    shared: -(y log p + (1 - y) log(1 - p)), each log clamped at -100, is exactly -log p or
    -log(1 - p) (the other product is -0, which adds nothing); the slope as
    binary_cross_entropy_backward then sigmoid_backward."""
    p = sigmoid(s)
    y = 1.0 if real else 0.0
    if real:
        term = -(max(log(p), -100.0) if p > 0 else -100.0)
    else:
        term = -(max(log1p(-p), -100.0) if p < 1 else -100.0)
    return inv * term, inv * (p - y) / max(p * (1.0 - p), _BCE_EPSILON) * (p * (1.0 - p))


@_inline
def _d_loss_term(loss, a, b, s, real, inv):
    """The discriminator loss's term of one score ``s`` (real or fake row) and its d/ds."""
    sign = 1.0 if real else -1.0
    if loss == 0:
        return _bce_and_grad(s, real, inv)
    if loss == 1 or loss == 2:  # softplus(-sign s): -log σ(s) on real rows, -log(1 - σ(s)) on fake
        value, slope = _softplus_and_grad(-sign * s)
        return inv * value, -sign * inv * slope
    if loss == 3:  # mean f(fake) - mean f(real)
        return -sign * inv * s, -sign * inv
    if loss == 4:  # relu(1 - sign s)
        margin = 1.0 - sign * s
        return inv * max(margin, 0.0), -sign * inv if margin > 0 else 0.0 * s
    target = b if real else a  # least squares: ½ (s - t)²
    return 0.5 * inv * (s - target) ** 2, inv * (s - target)


@_inline
def _g_loss_term(loss, c, s, inv):
    """The generator loss's term of one fake score ``s`` and its d/ds."""
    if loss == 0:
        return _bce_and_grad(s, True, inv)
    if loss == 1:  # minimax: -softplus(s)
        value, slope = _softplus_and_grad(s)
        return -inv * value, -inv * slope
    if loss == 2:  # non-saturating: softplus(-s)
        value, slope = _softplus_and_grad(-s)
        return inv * value, -inv * slope
    if loss == 3 or loss == 4:  # -mean f(fake)
        return -inv * s, -inv
    return 0.5 * inv * (s - c) ** 2, inv * (s - c)


@_inline
def _loss_loop(code, hyper, scores, first, stop, real, generator, inv, values, slopes):
    """values[n], slopes[n] = the loss term of ``scores[n]`` and its d/ds for first <= n < stop."""
    for n in range(first, stop):
        if generator:
            values[n], slopes[n] = _g_loss_term(code, hyper[2], scores[n], inv)
        else:
            values[n], slopes[n] = _d_loss_term(code, hyper[0], hyper[1], scores[n], real, inv)


@_inline
def loss_terms(loss, hyper, scores, first, stop, real, generator, inv, values, slopes):
    """:func:`_loss_loop` with the loss's code a constant in each branch (as ``real`` and
    ``generator`` are at every call): each loop compiles to a vector loop, ``exp`` and ``log``
    inlined. The caller sums ``values`` in order, as the one loop over rows did before."""
    if loss == 0:
        _loss_loop(0, hyper, scores, first, stop, real, generator, inv, values, slopes)
    elif loss == 1:
        _loss_loop(1, hyper, scores, first, stop, real, generator, inv, values, slopes)
    elif loss == 2:
        _loss_loop(2, hyper, scores, first, stop, real, generator, inv, values, slopes)
    elif loss == 3:
        _loss_loop(3, hyper, scores, first, stop, real, generator, inv, values, slopes)
    elif loss == 4:
        _loss_loop(4, hyper, scores, first, stop, real, generator, inv, values, slopes)
    else:
        _loss_loop(5, hyper, scores, first, stop, real, generator, inv, values, slopes)
