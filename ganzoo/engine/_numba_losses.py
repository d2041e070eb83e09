"""The numba kernels' loss terms: each loss's value and slope d/ds at one critic score,
and the loops that fill a batch of them (``_numba_engine.py``'s ``LOSS_CODES`` number the
losses: 0 nn.BCELoss on a sigmoid, 1 minimax, 2 non-saturating, 3 Wasserstein, 4 hinge,
5 least squares). The torch fused engine's rules (``_rules.py``) in scalar form.

Compiled into ``_numba_kernels.py``'s cached kernels, which pin this file's hash (see there).
"""

from __future__ import annotations

import numba as nb

from ._numba_math import exp, like, log, log1p, sigmoid

_inline = nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")
_jit = nb.njit(cache=True, nogil=True, error_model="numpy")  # the loops: compiled on their own, called per batch

_BCE_EPSILON = 1e-12  # binary_cross_entropy_backward's clamp of p (1 - p)
_SOFTPLUS_THRESHOLD = 20.0  # softplus(x) = x above it (torch's default)

# The terms compute in the scores' float type (like(s, c): the constant c in that type), as
# torch computes a float32 loss in float32; the caller sums a batch's values in float64 (_loss_sum).


@_inline
def _softplus_and_grad(x):
    """softplus(x) = log(1 + e^x) (x itself above torch's threshold) and its slope e^x / (e^x + 1),
    sharing one exp."""
    if x > like(x, _SOFTPLUS_THRESHOLD):
        return x, like(x, 1.0)
    e = exp(x)
    return log1p(e), e / (e + like(x, 1.0))


@_inline
def _bce_and_grad(s, real, inv):
    """nn.BCELoss's term of p = sigmoid(s) at y = 1 (real) or 0, and its d/ds, one sigmoid
    shared, as torch's kernels compute them: -(y log p + (1 - y) log1p(-p)), each log clamped
    at -100, is exactly -log p or -log1p(-p) (the other product is -0, which adds nothing); the
    slope is binary_cross_entropy_backward's inv (p - y) / max((1 - p) p, 1e-12), then
    sigmoid_backward's times (1 - p) p."""
    p = sigmoid(s)
    one, floor = like(s, 1.0), like(s, -100.0)
    y = one if real else like(s, 0.0)
    if real:
        term = -(max(log(p), floor) if p > 0 else floor)
    else:
        term = -(max(log1p(-p), floor) if p < one else floor)
    slope = like(s, inv) * (p - y) / max((one - p) * p, like(s, _BCE_EPSILON))
    return inv * term, slope * (one - p) * p


@_inline
def _softplus_term(s, real, inv):
    """The minimax and non-saturating critic's term of a real or a fake score: softplus(-s) =
    -log σ(s) on real rows, softplus(s) = -log(1 - σ(s)) on fake ones."""
    value, slope = _softplus_and_grad(-s if real else s)
    return inv * value, -like(s, inv) * slope if real else like(s, inv) * slope


@_inline
def _hinge_term(s, sign, inv):
    """The hinge critic's term relu(1 - sign s) of a real (``sign`` 1.0) or fake (-1.0) score."""
    margin = 1.0 - sign * s
    return inv * max(margin, 0.0), -sign * inv if margin > 0 else 0.0 * s


@_inline
def _squares_term(s, target, inv):
    """½ (s - target)², the least-squares term."""
    return 0.5 * inv * (s - target) ** 2, inv * (s - target)


@_jit
def d_loss_terms(loss, hyper, scores, batch, inv, values, slopes):
    """values[n], slopes[n] = the critic loss's term of ``scores[n]`` and its d/ds, the real
    rows n < batch, then the fake rows. One loop per loss and side, each calling only its own
    term (every branch of a per-row dispatch, inlined at every loop, took minutes to
    compile), so that each compiles to a vector loop; the caller sums ``values`` (``_loss_sum``).
    ``hyper[:2]``: the least-squares targets a (fake) and b (real)."""
    rows = 2 * batch
    if loss == 0:  # nn.BCELoss on sigmoid(s): y = 1 on real rows, 0 on fake ones
        for n in range(batch):
            values[n], slopes[n] = _bce_and_grad(scores[n], True, inv)
        for n in range(batch, rows):
            values[n], slopes[n] = _bce_and_grad(scores[n], False, inv)
    elif loss == 1 or loss == 2:
        for n in range(batch):
            values[n], slopes[n] = _softplus_term(scores[n], True, inv)
        for n in range(batch, rows):
            values[n], slopes[n] = _softplus_term(scores[n], False, inv)
    elif loss == 3:  # mean f(fake) - mean f(real)
        for n in range(batch):
            values[n], slopes[n] = -inv * scores[n], -inv
        for n in range(batch, rows):
            values[n], slopes[n] = inv * scores[n], inv
    elif loss == 4:
        for n in range(batch):
            values[n], slopes[n] = _hinge_term(scores[n], 1.0, inv)
        for n in range(batch, rows):
            values[n], slopes[n] = _hinge_term(scores[n], -1.0, inv)
    else:
        a, b = hyper[0], hyper[1]
        for n in range(batch):
            values[n], slopes[n] = _squares_term(scores[n], b, inv)
        for n in range(batch, rows):
            values[n], slopes[n] = _squares_term(scores[n], a, inv)


@_jit
def g_loss_terms(loss, hyper, scores, batch, inv, values, slopes):
    """values[n], slopes[n] = the generator loss's term of the fake score ``scores[n]`` and
    its d/ds, n < batch, one loop per loss (see :func:`d_loss_terms`). ``hyper[2]``: the
    least-squares target c."""
    if loss == 0:
        for n in range(batch):
            values[n], slopes[n] = _bce_and_grad(scores[n], True, inv)
    elif loss == 1:  # minimax: -softplus(s)
        for n in range(batch):
            value, slope = _softplus_and_grad(scores[n])
            values[n], slopes[n] = -inv * value, -like(value, inv) * slope
    elif loss == 2:  # non-saturating: softplus(-s)
        for n in range(batch):
            value, slope = _softplus_and_grad(-scores[n])
            values[n], slopes[n] = inv * value, -like(value, inv) * slope
    elif loss == 3 or loss == 4:  # -mean f(fake)
        for n in range(batch):
            values[n], slopes[n] = -inv * scores[n], -inv
    else:
        c = hyper[2]
        for n in range(batch):
            values[n], slopes[n] = _squares_term(scores[n], c, inv)
