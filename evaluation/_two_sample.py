"""Two-sample scores for any dimension: MMD, energy distance, sliced Wasserstein.

Against a target, the second sample is :func:`reference_sample`, drawn from the target with
a fixed seed (cached), so the same generated sample always gets the same score.

Cost control: the quadratic-time estimates (MMD, energy distance in d >= 2) work on at most
``max_n`` points per sample, chosen by a seeded subsample. The subsample depends only on
(size, seed), so identical inputs get identical subsamples (the distance of a sample to
itself stays exactly zero) and swapping x and y gives the same value.

These functions are strict: NaN or inf input is a ValueError.
"""

from __future__ import annotations

import dataclasses
import math
from functools import lru_cache
from typing import Any

import numpy as np
import scipy.spatial.distance
import scipy.stats

from ._fixed_draws import FixedDraws
from ._specs import as_target
from ._target import Target
from ._validation import as_samples, check_finite, check_int, check_real

__all__ = [
    "MMDResult",
    "energy_distance",
    "mmd_test",
    "reference_sample",
    "sliced_wasserstein",
    "two_sample_scores",
]


def _reference_sample(target: Target, n: int, seed: int) -> np.ndarray:
    # Cached per (target, n, seed); a custom target that is not hashable is drawn afresh.
    # A FixedDraws is scored against its base distribution, not against its draws.
    if isinstance(target, FixedDraws):
        target = target.base
    try:
        hash(target)
    except TypeError:
        return _draw_reference(target, n, seed)
    return _cached_reference(target, n, seed)


@lru_cache(maxsize=16)
def _cached_reference(target: Target, n: int, seed: int) -> np.ndarray:
    return _draw_reference(target, n, seed)


def _draw_reference(target: Target, n: int, seed: int) -> np.ndarray:
    out = target.sample(n, np.random.default_rng(seed))
    # A custom target's sample() was checked on a few draws; check the large one too.
    if not isinstance(out, np.ndarray) or out.shape != (n, target.dim):
        raise ValueError(
            f"target.sample({n}, rng) must return an array of shape ({n}, {target.dim}), got "
            f"{type(out).__name__} of shape {np.shape(out)}"
        )
    if not np.isfinite(out).all():
        raise ValueError(f"target.sample({n}, rng) returned NaN or inf")
    out = np.asarray(out, dtype=np.float64)
    out.setflags(write=False)
    return out


def reference_sample(target: Target | str, n: int, *, seed: int = 0) -> np.ndarray:
    """``n`` draws from ``target`` with ``numpy.random.default_rng(seed)``; cached, read-only.
    For an :class:`evaluation.FixedDraws`, the draws are from its base distribution."""
    target = as_target(target)
    return _reference_sample(
        target, check_int("n", n, minimum=1), check_int("seed", seed, minimum=0)
    )


def _pair(x: Any, y: Any, *, min_n: int) -> tuple[np.ndarray, np.ndarray]:
    if x is None or isinstance(x, (str, bytes)):
        raise TypeError(f"x must be a numeric array, got {type(x).__name__} {x!r}")
    shape = np.shape(x)
    if len(shape) not in (1, 2) or (len(shape) == 2 and shape[1] < 1):
        raise ValueError(f"x must have shape (n,) or (n, d), got {shape}")
    dim = 1 if len(shape) == 1 else shape[1]
    xs = check_finite(as_samples(x, dim, name="x", min_n=min_n), name="x")
    ys = check_finite(as_samples(y, dim, name="y", min_n=min_n), name="y")
    return xs, ys


def _subsample(a: np.ndarray, max_n: int, seed: int) -> np.ndarray:
    if a.shape[0] <= max_n:
        return a
    idx = np.random.default_rng(seed).choice(a.shape[0], size=max_n, replace=False)
    return a[np.sort(idx)]


@dataclasses.dataclass(frozen=True)
class MMDResult:
    """Unbiased MMD^2 with a Gaussian kernel, its permutation p-value and the settings used.

    ``statistic`` is MMD_u^2 (it can be slightly negative when the distributions agree);
    ``n_x``, ``n_y`` are the sizes after subsampling.
    """

    statistic: float
    pvalue: float
    bandwidth: float
    n_x: int
    n_y: int
    n_permutations: int

    def to_dict(self) -> dict[str, float]:
        return {
            "mmd": float(self.statistic),
            "mmd_pvalue": float(self.pvalue),
            "mmd_bandwidth": float(self.bandwidth),
        }


def _median_bandwidth(pooled: np.ndarray, seed: int) -> float:
    # The median heuristic needs only a rough median: 500 pooled points give 124,750 pairs.
    sub = _subsample(pooled, 500, seed + 1)
    dist = scipy.spatial.distance.pdist(sub)
    med = float(np.median(dist)) if dist.size else 0.0
    if med > 0:
        return med
    positive = dist[dist > 0]
    # A collapsed sample can make most distances zero; fall back to the typical nonzero one.
    return float(np.median(positive)) if positive.size else 1.0


def mmd_test(
    x: Any,
    y: Any,
    *,
    bandwidth: float | None = None,
    n_permutations: int = 200,
    max_n: int = 1000,
    seed: int = 0,
) -> MMDResult:
    """Unbiased MMD^2 (Gretton et al. 2012, JMLR 13, eq. 3) with k(a, b) = exp(-|a - b|^2 / 2h^2):

    MMD_u^2 = sum_{i != j} k(x_i, x_j) / m(m-1) + sum_{i != j} k(y_i, y_j) / n(n-1)
              - 2 sum_{i, j} k(x_i, y_j) / mn.

    ``bandwidth`` h defaults to the median pairwise distance of the pooled sample (median
    heuristic, Gretton et al. 2012 sec. 8). p-value = (1 + #{permuted >= observed}) /
    (1 + n_permutations) from label permutations of the pooled sample (0 permutations: NaN).
    Above ``max_n`` points per sample, a seeded subsample of ``max_n`` is used, which keeps
    the cost O(max_n^2 * n_permutations) whatever n is. Finite values of any magnitude
    score (the statistic is scale-free); ``bandwidth`` is reported in the data's units.
    """
    xs, ys = _pair(x, y, min_n=2)
    n_permutations = check_int("n_permutations", n_permutations, minimum=0)
    max_n = check_int("max_n", max_n, minimum=2)
    seed = check_int("seed", seed, minimum=0)
    xs, ys = _subsample(xs, max_n, seed), _subsample(ys, max_n, seed)
    m, n = xs.shape[0], ys.shape[0]
    pooled = np.concatenate([xs, ys])
    if bandwidth is not None:
        bandwidth = check_real("bandwidth", bandwidth, positive=True)
    pooled, h_units, h = _in_safe_units(pooled, bandwidth, seed)
    kernel = _kernel_matrix(pooled, h_units)
    row_sums = kernel.sum(axis=1, dtype=np.float64)
    total = row_sums.sum()
    observed = float(_mmd2(kernel[:m, :m].sum(dtype=np.float64), row_sums[:m].sum(), total, m, n))
    pvalue = math.nan
    if n_permutations:
        pvalue = _permutation_pvalue(kernel, row_sums, total, m, n, observed, n_permutations, seed)
    return MMDResult(observed, float(pvalue), float(h), m, n, n_permutations)


def _in_safe_units(
    pooled: np.ndarray, bandwidth: float | None, seed: int
) -> tuple[np.ndarray, float, float]:
    """(pooled sample, bandwidth h) in units where squared distances stay finite, and h."""
    # The kernel depends on the data only through |a - b| / h. Data so large (or small) that
    # squared distances overflow (or underflow) float64 are first divided by their largest
    # magnitude, and h with them: MMD_u^2 is unchanged, and stays finite.
    largest = float(np.max(np.abs(pooled)))
    unit = largest if largest > 1e100 or 0 < largest < 1e-100 else 1.0
    if unit != 1.0:
        pooled = pooled / unit
    h_units = _median_bandwidth(pooled, seed) if bandwidth is None else bandwidth / unit
    h = h_units * unit if bandwidth is None else bandwidth
    return pooled, h_units, h


def _kernel_matrix(pooled: np.ndarray, h_units: float) -> np.ndarray:
    """The float32 Gaussian kernel matrix exp(-|a - b|^2 / 2h^2) of the pooled sample."""
    # The kernel matrix is kept in float32: exp and the permutation matrix product run twice
    # as fast, and the rounding (~1e-7 relative per entry) is orders of magnitude below the
    # spread of MMD_u^2 under the null. Sums are accumulated in float64.
    squared = scipy.spatial.distance.cdist(pooled, pooled, "sqeuclidean")
    if 1e-15 < h_units < 1e15:
        kernel = squared.astype(np.float32)
        kernel *= np.float32(-0.5 / h_units**2)
    else:  # -0.5 / h^2 would overflow or underflow float32: divide by h twice first
        with np.errstate(over="ignore"):  # inf is right there: exp(-inf) = 0
            kernel = (squared / h_units / h_units).astype(np.float32)
        kernel *= np.float32(-0.5)
    np.exp(kernel, out=kernel)
    return kernel


def _mmd2(s_k_s: Any, s_r: Any, total: float, m: int, n: int) -> Any:
    """MMD_u^2 from s'Ks and s'K1 of the x-labels s (scalars, or arrays over permutations)."""
    # With s the indicator of the x-labelled points and k(a, a) = 1:
    # sum_xx = s'Ks - m, sum_xy = s'K1 - s'Ks, sum_yy = 1'K1 - 2 s'K1 + s'Ks - n.
    sum_xx = s_k_s - m
    sum_xy = s_r - s_k_s
    sum_yy = total - 2 * s_r + s_k_s - n
    return sum_xx / (m * (m - 1)) + sum_yy / (n * (n - 1)) - 2 * sum_xy / (m * n)


def _permutation_pvalue(
    kernel: np.ndarray,
    row_sums: np.ndarray,
    total: float,
    m: int,
    n: int,
    observed: float,
    n_permutations: int,
    seed: int,
) -> float:
    """(1 + #{permuted MMD_u^2 >= observed}) / (1 + n_permutations) over seeded label shuffles."""
    rng = np.random.default_rng(seed)
    s0 = np.zeros(m + n, dtype=np.float32)
    s0[:m] = 1.0
    labels = rng.permuted(np.tile(s0, (n_permutations, 1)), axis=1).T  # (m + n, P)
    s_k_s = np.einsum("ip,ip->p", labels, kernel @ labels).astype(np.float64)
    permuted = _mmd2(s_k_s, row_sums @ labels, total, m, n)
    # A permutation that reproduces the observed labelling must count as a tie despite
    # float32 rounding, hence the tolerance.
    ties = 1e-6 * max(1.0, abs(observed))
    return (1 + int(np.sum(permuted >= observed - ties))) / (1 + n_permutations)


def energy_distance(x: Any, y: Any, *, max_n: int = 1000, seed: int = 0) -> float:
    """Energy distance D = sqrt(2 E|X - Y| - E|X - X'| - E|Y - Y'|) (Székely & Rizzo 2013).

    V-statistics, as scipy.stats.energy_distance, which is used as is in 1-D (exact, any n);
    in d >= 2 the Euclidean pairwise means use at most ``max_n`` points per sample.
    Symmetric to the last bit (the two samples are taken in a canonical order, so the
    floating-point sums do not depend on the argument order), and zero for identical samples.
    """
    xs, ys = _pair(x, y, min_n=1)
    max_n = check_int("max_n", max_n, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if xs.shape[1] == 1:
        return float(scipy.stats.energy_distance(xs[:, 0], ys[:, 0]))
    xs, ys = _subsample(xs, max_n, seed), _subsample(ys, max_n, seed)
    if (ys.shape[0], ys.tobytes()) < (xs.shape[0], xs.tobytes()):
        xs, ys = ys, xs
    cdist = scipy.spatial.distance.cdist
    d2 = 2 * cdist(xs, ys).mean() - cdist(xs, xs).mean() - cdist(ys, ys).mean()
    return math.sqrt(max(float(d2), 0.0))


def _directions(dim: int, n_projections: int, seed: int) -> np.ndarray:
    if dim == 2:
        # Evenly spaced angles on [0, pi) are a better quadrature of the circle than
        # random directions, and need no seed.
        angles = np.pi * np.arange(n_projections) / n_projections
        return np.column_stack([np.cos(angles), np.sin(angles)])
    v = np.random.default_rng(seed).normal(size=(n_projections, dim))
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def sliced_wasserstein(x: Any, y: Any, *, n_projections: int = 50, seed: int = 0) -> float:
    """Sliced W1: the mean over directions theta of W1(theta'X, theta'Y) (Bonneel et al. 2015).

    In 2-D the directions are ``n_projections`` evenly spaced angles in [0, pi); in d > 2,
    seeded random unit vectors; in 1-D it is W1 itself (scipy.stats.wasserstein_distance).
    Equal sample sizes use sorted projections (W1 = mean |sorted a - sorted b|); unequal
    ones the quantile form W1 = int_0^1 |F^{-1}(u) - G^{-1}(u)| du on the merged grid of
    breakpoints i/n and j/m, all directions at once (what scipy.stats.wasserstein_distance
    computes per direction, to rounding).
    """
    xs, ys = _pair(x, y, min_n=1)
    n_projections = check_int("n_projections", n_projections, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    if xs.shape[1] == 1:
        return float(scipy.stats.wasserstein_distance(xs[:, 0], ys[:, 0]))
    theta = _directions(xs.shape[1], n_projections, seed)
    px, py = xs @ theta.T, ys @ theta.T
    if px.shape[0] == py.shape[0]:
        return float(np.abs(np.sort(px, axis=0) - np.sort(py, axis=0)).mean())
    return float(np.mean(_w1_columns(np.sort(px, axis=0), np.sort(py, axis=0))))


def two_sample_scores(
    x: np.ndarray, ref: np.ndarray, *, n_permutations: int, max_n: int, seed: int
) -> dict[str, Any]:
    """Energy distance, sliced W1 and MMD of checked d-D ``x`` against ``ref``, as Report fields."""
    return {
        "energy_distance": energy_distance(x, ref, seed=seed),
        "sliced_wasserstein": sliced_wasserstein(x, ref, seed=seed),
        "mmd": mmd_test(x, ref, n_permutations=n_permutations, max_n=max_n, seed=seed),
    }


def _w1_columns(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """W1 between the columns of sorted samples a (n, P) and b (m, P), by quantiles.

    On each interval of the merged grid {i/n} U {j/m} both empirical quantile functions are
    constant (a[ceil(u n) - 1], b[ceil(u m) - 1]); the grid and the indices are the same for
    every column, so one gather and one weighted sum give all P distances.
    """
    n, m = a.shape[0], b.shape[0]
    u = np.unique(np.concatenate([np.arange(n + 1) / n, np.arange(m + 1) / m]))
    mid = 0.5 * (u[:-1] + u[1:])
    ia = np.minimum((mid * n).astype(np.int64), n - 1)
    ib = np.minimum((mid * m).astype(np.int64), m - 1)
    return np.diff(u) @ np.abs(a[ia] - b[ib])
