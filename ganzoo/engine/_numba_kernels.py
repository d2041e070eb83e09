"""The numba kernels of the ``"numba"`` engine: a whole chunk of fused GAN steps per call.

The hand-derived forward, backward, penalty and optimizer steps of the torch fused engine
(``_layers.py``, ``_rules.py``; formulas there and in ``docs/engine.md``) as plain loops that
numba compiles once per machine (``cache=True``: later processes load the machine code from
disk in a fraction of a second), not torch graphs compiled again in every process.

Layout: members are the outer loop (handed out one at a time to the Python threads of
``_numba_engine``, which run the kernel together; it releases the GIL); within a member the
batch rows are the innermost axis of every activation (``(layers, width, rows)``), so the
loops over a batch are vector loops and the sums over a batch run in 8 vector lanes (:func:`~._numba_intrinsics.lane_sums`). Each member computes exactly the operations
of the single run with its seed, in the same order (numba's default ``fastmath=False`` neither
reassociates sums nor fuses multiply-adds): member k is bit for bit that run, whatever K and
however many threads. Parameters ``(K, P)``, batches ``(K, steps, n_critic, B, dim)`` and
optimizer state ``(K, slots, P)`` are the torch tensors' own memory, member-major, not copied.

Every setting is data (the ``*_CODES`` tables of ``_numba_engine.py``), so one compiled kernel
per float type serves every loss, activation, optimizer and penalty. numba's on-disk cache is
invalidated by changes to the cached function's own file only, so the jitted code lives in this
file and in those it compiles in, whose hashes it pins: ``_numba_intrinsics.py`` (the vector
sums, borrowed arrays, PCG64), ``_numba_math.py`` (``exp`` and ``log`` that vectorize),
``_numba_losses.py`` (the losses' terms), ``_numba_random.py`` (numpy's normal and uniform
draws) and ``_numba_optimizers.py`` (the parameter updates).

numpy's error model (``error_model="numpy"``): a division by zero gives inf or NaN, as in
torch, rather than raising, and without that test per division the elementwise loops
(the loss terms, the optimizer updates) compile to vector loops. Vector loops keep the
scalar loops' bits: no sum is reordered and no multiply-add fused.
"""

from __future__ import annotations

import math

import numba as nb
import numpy as np

from ._numba_intrinsics import borrow, fetch_add, lane_sums
from ._numba_losses import d_loss_terms, g_loss_terms
from ._numba_optimizers import update
from ._numba_random import next_double, seed_pcg64, standard_normal

# These files' jitted code is compiled into this file's cached kernels, whose cache numba
# invalidates by this file's stamp only: the pins (checked by a test) make an edit there an edit here.
INLINED_SOURCES_SHA256 = {
    "_numba_intrinsics.py": "e6103ba222a13c74d15ab3d2864d58ef99cff7914637904b07e118990385d4b4",
    "_numba_losses.py": "7a109cb94bb1c948a7dc0e718482df6d1f64a829868c4cc2ce9784754f3f0394",
    "_numba_math.py": "476657645fad600a308c50f40e19f96ba09b660623fb5b913adce73c0af0ed4d",
    "_numba_optimizers.py": "a9d49e78aba40a02da249adcea02631150ac7373283015736e696fd47e5027d6",
    "_numba_random.py": "8968a5ec029c81f42804c73eca4cf83ceccd3012b0f79d07a7303f8e3923ae81",
}

# The integer codes of activations, losses, optimizers and penalties: _numba_engine.py.
LEAKY_SLOPE = 0.01  # torch.nn.LeakyReLU()'s
ELU_ALPHA = 1.0  # torch.nn.ELU()'s

_jit = nb.njit(cache=True, nogil=True, error_model="numpy")
_inline = nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")


# Elementwise rules (scalars)


@_inline
def _sigmoid(z):
    """The sigmoid activation, libm's exp (a scalar call: activations branch per element anyway;
    the losses' sigmoid, in vector loops, is ``_numba_math.sigmoid``)."""
    return 1.0 / (1.0 + math.exp(-z))


@_inline
def _act(code, z):
    if code == 0:
        return z if z > 0 else 0.0 * z
    if code == 1:
        return z if z > 0 else LEAKY_SLOPE * z
    if code == 2:
        return z if z > 0 else ELU_ALPHA * math.expm1(z)
    if code == 3:
        return math.tanh(z)
    if code == 4:
        return _sigmoid(z)
    if code == 5:
        return z * _sigmoid(z)
    return z


@_inline
def _slope(code, z, a):
    """act'(z), with a = act(z); the kernels autograd uses (relu' = [a > 0], ...)."""
    if code == 0:
        return 1.0 if a > 0 else 0.0
    if code == 1:
        return 1.0 if z > 0 else LEAKY_SLOPE
    if code == 2:
        return 1.0 if z > 0 else ELU_ALPHA * math.exp(z)
    if code == 3:
        return 1.0 - a * a
    if code == 4:
        return a * (1.0 - a)
    if code == 5:
        s = _sigmoid(z)
        return s * (1.0 + z * (1.0 - s))
    return 1.0


@_inline
def _activate(code, pre, acts, layer, o, rows):
    """acts[layer + 1, o, :] = act(pre[layer, o, :]), the code's test outside the loop over
    rows (so that the common activations compile to vector loops)."""
    if code == 0:
        for n in range(rows):
            z = pre[layer, o, n]
            acts[layer + 1, o, n] = z if z > 0 else z * 0
    elif code == 6:
        for n in range(rows):
            acts[layer + 1, o, n] = pre[layer, o, n]
    else:
        for n in range(rows):
            acts[layer + 1, o, n] = _act(code, pre[layer, o, n])


@_inline
def _times_slope(code, values, target, i, pre, acts, layer, rows):
    """target[i, :] = values[i, :] * act'(pre[layer, i, :]) (acts[layer + 1] = act(pre[layer]))."""
    if code == 0:
        for n in range(rows):
            v = values[i, n]
            target[i, n] = v if acts[layer + 1, i, n] > 0 else v * 0
    elif code == 6:
        for n in range(rows):
            target[i, n] = values[i, n]
    else:
        for n in range(rows):
            target[i, n] = values[i, n] * _slope(code, pre[layer, i, n], acts[layer + 1, i, n])


# One member's MLP, parameters (P,): per layer W (fan_in x fan_out, row major) then b
# (fan_out), as the fused engine's flat rows; activations (layers + 1, width, rows).


@_inline
def _dot(a, layer, i, b, o, rows):
    """sum_n a[layer, i, n] * b[o, n] in the arrays' precision (as torch sums float32 in float32),
    as 8 interleaved partial sums combined pairwise: a fixed order for every member and K."""
    x, y = a[layer, i], b[o]
    blocks = rows // 8
    s0, s1, s2, s3, s4, s5, s6, s7 = lane_sums(x, y, blocks)
    for n in range(8 * blocks, rows):
        s0 += x[n] * y[n]
    return ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))


@_inline
def _loss_sum(values, rows):
    """sum_n values[n] in float64 as 4 interleaved chains combined pairwise (a fixed order; one
    chain waited on each add's latency): a batch's loss from its terms."""
    s0 = s1 = s2 = s3 = 0.0
    quads = rows // 4
    for q in range(quads):
        s0 += values[4 * q]
        s1 += values[4 * q + 1]
        s2 += values[4 * q + 2]
        s3 += values[4 * q + 3]
    for n in range(4 * quads, rows):
        s0 += values[n]
    return (s0 + s1) + (s2 + s3)


@_inline
def _back_through_weights(p, w0, fan_in, fan_out, x, y, i, rows):
    """y[i, :] = 0.0 + sum_o x[o, :] W[i, o], in the order of o (adding to 0.0: the bits of zeroing,
    then adding): a gradient back through the layer."""
    w = p[w0 + i * fan_out]
    for n in range(rows):
        y[i, n] = 0.0 + x[0, n] * w
    for o in range(1, fan_out):
        w = p[w0 + i * fan_out + o]
        for n in range(rows):
            y[i, n] += x[o, n] * w


@_jit
def _offsets(sizes):
    offsets = np.zeros(sizes.shape[0] - 1, np.int64)
    for layer in range(1, offsets.shape[0]):
        offsets[layer] = offsets[layer - 1] + (sizes[layer - 1] + 1) * sizes[layer]
    return offsets


@_jit
def _forward(p, sizes, offsets, act, head, acts, pre, rows):
    """Forward the ``rows`` inputs in ``acts[0]``: pre-activations into ``pre[l]``, each
    layer's output into ``acts[l + 1]`` (the network's output is ``acts[L]``)."""
    layers = sizes.shape[0] - 1
    for layer in range(layers):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        w0, code = offsets[layer], act if layer < layers - 1 else head
        for o in range(fan_out):
            b, w = p[w0 + fan_in * fan_out + o], p[w0 + o]
            for n in range(rows):
                pre[layer, o, n] = b + acts[layer, 0, n] * w
            for i in range(1, fan_in):
                w = p[w0 + i * fan_out + o]
                for n in range(rows):
                    pre[layer, o, n] += acts[layer, i, n] * w
            _activate(code, pre, acts, layer, o, rows)


@_jit
def _backward(p, sizes, offsets, act, head, acts, pre, rows, dz, da, grad, ones):
    """Backpropagate ``dz`` (d/d output, width x rows, overwritten) through the network of
    the last :func:`_forward`: the parameter gradients into ``grad`` (a network being trained
    needs nothing else), or, with an empty ``grad``, d/d input into ``da`` (the generator
    step needs only that from the critic). (Not a literal flag: each value of one would
    compile a copy.)"""
    layers = sizes.shape[0] - 1
    want_grad = grad.shape[0] > 0
    for o in range(sizes[layers]):  # through the head
        _times_slope(head, dz, dz, o, pre, acts, layers - 1, rows)
    for layer in range(layers - 1, -1, -1):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        w0 = offsets[layer]
        bias = w0 + fan_in * fan_out
        if want_grad:
            for i in range(fan_in):
                for o in range(fan_out):
                    grad[w0 + i * fan_out + o] = _dot(acts, layer, i, dz, o, rows)
            for o in range(fan_out):
                grad[bias + o] = _dot(ones, 0, 0, dz, o, rows)  # x 1 is exact: a sum
            if layer == 0:
                return
        for i in range(fan_in):
            _back_through_weights(p, w0, fan_in, fan_out, dz, da, i, rows)
        if layer == 0:
            return
        for i in range(fan_in):  # through the activation of the layer below
            _times_slope(act, da, dz, i, pre, acts, layer - 1, rows)


# Penalties on a piecewise-linear, identity-head critic: with u_l = dD/dz_l and the input
# gradient g at M points, dP/dW_l = sum_n rho_l,n^T u_l,n with rho_0 = dP/dg and
# rho_{l+1} = m_l * (rho_l W_l) (see the torch rule tables, _rules.py).


@_jit
def _penalty_grads(p, sizes, offsets, act, head, rows, kind, weight, one_sided, acts, pre, u, rho, rho_next, grad):
    """Add dP/dW of one penalty at the ``rows`` points in ``acts[0]`` to ``grad`` (``head``: the
    identity's code, as the critic's, passed in: a literal 6 would compile a second _forward)."""
    layers = sizes.shape[0] - 1
    _forward(p, sizes, offsets, act, head, acts, pre, rows)
    for n in range(rows):  # u_l = dD/dz_l from the top (u_{L-1} = 1); g = u_0 W_0^T
        u[layers - 1, 0, n] = 1.0
    for layer in range(layers - 1, 0, -1):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        for i in range(fan_in):
            _back_through_weights(p, offsets[layer], fan_in, fan_out, u[layer], u[layer - 1], i, rows)
            _times_slope(act, u[layer - 1], u[layer - 1], i, pre, acts, layer - 1, rows)
    dim, width = sizes[0], sizes[1]
    for i in range(dim):  # g, into rho
        _back_through_weights(p, offsets[0], dim, width, u[0], rho, i, rows)
    scale = 1.0 / rows
    for n in range(rows):  # rho_0 = dP/dg at each point
        if kind == 0:  # gradient penalty: 2 lambda / M (|g| - 1) g / |g|
            norm2 = 0.0
            for i in range(dim):
                norm2 += rho[i, n] * rho[i, n]
            norm = math.sqrt(norm2)
            excess = norm - 1.0
            if one_sided and excess < 0:
                excess = 0.0
            factor = 2.0 * weight * scale * excess / norm if norm > 0 else 0.0
        else:  # R1, R2: gamma / M g
            factor = weight * scale
        for i in range(dim):
            rho[i, n] *= factor
    for layer in range(layers):
        fan_in, fan_out = sizes[layer], sizes[layer + 1]
        w0 = offsets[layer]
        for i in range(fan_in):
            for o in range(fan_out):
                grad[w0 + i * fan_out + o] += _dot(u, layer, o, rho, i, rows)
        if layer < layers - 1:  # rho_{l+1} = m_l * (rho_l W_l)
            for o in range(fan_out):
                w = p[w0 + o]
                for n in range(rows):
                    rho_next[o, n] = 0.0 + rho[0, n] * w
                for i in range(1, fan_in):
                    w = p[w0 + i * fan_out + o]
                    for n in range(rows):
                        rho_next[o, n] += rho[i, n] * w
            for o in range(fan_out):
                _times_slope(act, rho_next, rho, o, pre, acts, layer, rows)


# Optimizers on one member's parameters (P,); state (slots, P); Adam's step count.


@_inline
def _noise_batch(acts, noise, step, row, words, batch, latent):
    """acts[0, :latent, :batch] = a noise batch: noise[step, row] transposed, or drawn from
    ``words`` in that array's fill order (rows, then latent dimensions)."""
    if words.shape[0] == 4:
        for n in range(batch):
            for j in range(latent):
                acts[0, j, n] = standard_normal(words)
    else:
        for j in range(latent):
            for n in range(batch):
                acts[0, j, n] = noise[step, row, n, j]


@_jit
def run_steps(
    g, d, ema, g_state, d_state, adam_steps,  # (K, P) parameters, (K, slots, P) states, (K, 2): updated
    g_sizes, d_sizes, codes, hyper,  # the setting: see _numba_engine.Setting
    penalties, penalty_weights,  # (n, 3) int: kind, one-sided, uniform offset; (n,) weights
    lrs, real, noise, uniform, start, stop, losses,  # lrs (stop - start, 2); losses (K, steps, 2) out
    noise_words, penalty_words, data_words, normal,  # (K, 4) uint64 PCG64 states to draw from, or (K, 0): read the arrays
    queue, from_front,  # (3,) int64 counters the threads of one call share: taken, from the front, from the back
):  # fmt: skip
    """Train the steps ``start <= i < stop`` of a chunk of batches, in place, member by member.

    The members come from ``queue``, one at a time, shared with the other threads running this
    call (each with a workspace of its own): member ``queue[1]`` where ``from_front``, else
    member ``K - 1 - queue[2]``, while ``queue[0]``, the members taken, is below K. A thread
    that another slows (the checks' scoring shares these cores) takes fewer members, instead of
    the others waiting for its fixed half; threads taking from the two ends do not work on
    neighbouring members (whose rows share cache lines) until they meet. Members never
    interact, so which thread trains a member does not change a bit.

    ``codes``: g activation, g head, d activation, d head, loss, g optimizer, d optimizer,
    n_critic, use EMA. ``hyper``: loss a, b, c; g optimizer's three numbers; d optimizer's
    three; weight clip (<= 0: none); EMA weight (1 - decay). ``real`` (K, steps, n_critic,
    B, dim), ``noise`` (K, steps, n_critic + 1, B, latent), ``uniform`` (K, steps, n_critic, U),
    or, where ``noise_words`` / ``penalty_words`` / ``data_words`` hold a member's PCG64 state
    at ``start``, those numbers drawn here in the arrays' fill order (the words advance past
    them); real rows drawn so are ``(m + s z - location) / scale``, ``normal = (m, s, location,
    scale)`` (float64), as numpy's ``normal(m, s)`` then ``GANConfig.standardize``'s units.
    """
    if g.shape[0] == 0:
        return
    # One scratch for all these members (each writes what it reads), alive until the loop ends:
    # the inlined _run_member borrows its arrays, so they must be owned out here.
    workspace = _workspace(g[0], d[0], g_sizes, d_sizes, real.shape[3], real.shape[4], uniform.shape[3])
    members = g.shape[0]
    while fetch_add(queue, 0) < members:
        k = fetch_add(queue, 1) if from_front else members - 1 - fetch_add(queue, 2)
        _run_member(
            g[k], d[k], ema[k], g_state[k], d_state[k], adam_steps[k], g_sizes, d_sizes, codes, hyper,
            penalties, penalty_weights, lrs, real[k], noise[k], uniform[k], start, stop, losses[k],
            noise_words[k], penalty_words[k], data_words[k], normal, workspace,
        )  # fmt: skip


@_jit
def _workspace(g, d, g_sizes, d_sizes, batch, dim, draws):
    """The members' scratch: ones (bias gradients as sums), activations, pre-activations, dz, da, u, rho_next, gradients,
    offsets, a critic step's uniforms and real rows, the loss terms of a batch of scores."""
    width = max(g_sizes.max(), d_sizes.max())
    g_layers, d_layers, dtype = g_sizes.shape[0] - 1, d_sizes.shape[0] - 1, g.dtype
    return (
        np.ones((1, 1, 2 * batch), dtype), np.zeros((g_layers + 1, width, batch), dtype), np.zeros((g_layers, width, batch), dtype),
        np.zeros((d_layers + 1, width, 2 * batch), dtype), np.zeros((d_layers, width, 2 * batch), dtype),
        np.zeros((width, 2 * batch), dtype), np.zeros((width, 2 * batch), dtype), np.zeros((d_layers, width, 2 * batch), dtype),
        np.zeros((width, 2 * batch), dtype), np.zeros_like(g), np.zeros_like(d), _offsets(g_sizes), _offsets(d_sizes),
        np.zeros(draws, dtype), np.zeros((batch, dim), dtype), np.zeros(2 * batch, dtype),
    )  # fmt: skip


@_inline
def _run_member(
    g, d, ema, g_state, d_state, adam_steps, g_sizes, d_sizes, codes, hyper,
    penalties, penalty_weights, lrs, real, noise, uniform, start, stop, losses, noise_words, penalty_words, data_words, normal, workspace,
):  # fmt: skip
    # Inlined into run_steps (as a jitted function of its own, its machine code was generated a
    # second time there: 1.8 s of the first compile). Every array borrowed (run_steps keeps
    # them alive, the workspace included): no atomic reference counts below.
    g, d, ema, g_state, d_state, adam_steps, g_sizes = borrow(g), borrow(d), borrow(ema), borrow(g_state), borrow(d_state), borrow(adam_steps), borrow(g_sizes)
    d_sizes, hyper, penalties, penalty_weights, lrs, real = borrow(d_sizes), borrow(hyper), borrow(penalties), borrow(penalty_weights), borrow(lrs), borrow(real)
    noise, uniform, losses, noise_words, penalty_words = borrow(noise), borrow(uniform), borrow(losses), borrow(noise_words), borrow(penalty_words)
    ones, g_acts, g_pre, d_acts, d_pre, dz, da, u, rho_next, g_grad, d_grad, g_offsets, d_offsets, drawn, drawn_real, values = workspace
    drawn, drawn_real, data_words, normal, values = borrow(drawn), borrow(drawn_real), borrow(data_words), borrow(normal), borrow(values)
    ones, g_acts, g_pre, d_acts, d_pre, dz, da = borrow(ones), borrow(g_acts), borrow(g_pre), borrow(d_acts), borrow(d_pre), borrow(dz), borrow(da)
    u, rho_next, g_grad, d_grad, g_offsets, d_offsets = borrow(u), borrow(rho_next), borrow(g_grad), borrow(d_grad), borrow(g_offsets), borrow(d_offsets)
    g_act, g_head, d_act, d_head, loss = codes[0], codes[1], codes[2], codes[3], codes[4]
    g_opt, d_opt, n_critic, use_ema = codes[5], codes[6], codes[7], codes[8]
    batch, dim, latent = real.shape[2], real.shape[3], noise.shape[3]
    g_layers, d_layers = g_sizes.shape[0] - 1, d_sizes.shape[0] - 1
    inv, clip = 1.0 / batch, hyper[9]
    for step in range(start, stop):
        g_lr, d_lr = lrs[step - start, 0], lrs[step - start, 1]
        for critic in range(n_critic):
            _noise_batch(g_acts, noise, step, critic, noise_words, batch, latent)
            if data_words.shape[0] == 4:
                for n in range(batch):
                    for j in range(dim):
                        drawn_real[n, j] = (normal[0] + normal[1] * standard_normal(data_words) - normal[2]) / normal[3]
            reals = drawn_real if data_words.shape[0] == 4 else real[step, critic]
            _forward(g, g_sizes, g_offsets, g_act, g_head, g_acts, g_pre, batch)
            for j in range(dim):  # the critic sees real rows, then fake rows
                for n in range(batch):
                    d_acts[0, j, n] = reals[n, j]
                    d_acts[0, j, batch + n] = g_acts[g_layers, j, n]
            _forward(d, d_sizes, d_offsets, d_act, d_head, d_acts, d_pre, 2 * batch)
            d_loss_terms(loss, hyper, d_acts[d_layers, 0], batch, inv, values, dz[0])
            losses[step, 0] = _loss_sum(values, 2 * batch)
            _backward(d, d_sizes, d_offsets, d_act, d_head, d_acts, d_pre, 2 * batch, dz, da, d_grad, ones)
            if penalty_words.shape[0] == 4:
                for i in range(drawn.shape[0]):
                    drawn[i] = next_double(penalty_words)
            uniforms = drawn if penalty_words.shape[0] == 4 else uniform[step, critic]
            for q in range(penalties.shape[0]):
                kind, offset = penalties[q, 0], penalties[q, 2]
                for j in range(dim):
                    for n in range(batch):
                        x_real, x_fake = reals[n, j], g_acts[g_layers, j, n]
                        if kind == 0:  # x = eps real + (1 - eps) fake, one eps per sample
                            eps = uniforms[offset + n]
                            d_acts[0, j, n] = eps * x_real + (1.0 - eps) * x_fake
                        else:
                            d_acts[0, j, n] = x_real if kind == 1 else x_fake
                _penalty_grads(
                    d, d_sizes, d_offsets, d_act, d_head, batch, kind, penalty_weights[q], penalties[q, 1] == 1,
                    d_acts, d_pre, u, dz, rho_next, d_grad,
                )  # fmt: skip
            adam_steps[1] += 1.0
            update(d_opt, hyper[6:9], d, d_grad, d_state, adam_steps[1], d_lr)
            if clip > 0:
                for j in range(d.shape[0]):
                    d[j] = min(max(d[j], -clip), clip)
        _noise_batch(g_acts, noise, step, n_critic, noise_words, batch, latent)
        _forward(g, g_sizes, g_offsets, g_act, g_head, g_acts, g_pre, batch)
        for j in range(dim):
            for n in range(batch):
                d_acts[0, j, n] = g_acts[g_layers, j, n]
        _forward(d, d_sizes, d_offsets, d_act, d_head, d_acts, d_pre, batch)
        g_loss_terms(loss, hyper, d_acts[d_layers, 0], batch, inv, values, dz[0])
        losses[step, 1] = _loss_sum(values, batch)
        _backward(d, d_sizes, d_offsets, d_act, d_head, d_acts, d_pre, batch, dz, da, d_grad[:0], ones)
        for j in range(dim):  # d/d fake sample: the generator's output gradient
            for n in range(batch):
                dz[j, n] = da[j, n]
        _backward(g, g_sizes, g_offsets, g_act, g_head, g_acts, g_pre, batch, dz, da, g_grad, ones)
        adam_steps[0] += 1.0
        update(g_opt, hyper[3:6], g, g_grad, g_state, adam_steps[0], g_lr)
        if use_ema:
            weight = hyper[10]
            for j in range(g.shape[0]):
                ema[j] += weight * (g[j] - ema[j])


@_jit
def skip_normals(words, count):
    """Advance every row of ``words`` (members, 4) past ``count`` standard normals."""
    for k in range(words.shape[0]):
        for _ in range(count):
            standard_normal(words[k])


@_jit
def skip_doubles(words, count):
    """Advance every row of ``words`` (members, 4) past ``count`` uniform doubles."""
    for k in range(words.shape[0]):
        for _ in range(count):
            next_double(words[k])


@_jit
def seeded_words(entropy, lengths, words):
    """Row k of ``words`` (members, 4): the PCG64 state that numpy seeds from the
    SeedSequence whose assembled entropy is ``entropy[k, :lengths[k]]`` (``seed_pcg64``)."""
    for k in range(words.shape[0]):
        seed_pcg64(entropy[k, : lengths[k]], words[k])
