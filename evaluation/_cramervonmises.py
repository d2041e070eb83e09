"""The Cramér–von Mises test as scipy computes it, to the bit, in a fraction of its time.

For a sample x_(1) <= ... <= x_(n) against a fully specified CDF F, with u_i = F(x_(i)),

    W^2 = 1/(12 n) + sum_i (u_i - (2i - 1)/(2n))^2                      (Anderson 1962)

and ``scipy.stats.cramervonmises`` reports p = max(1 - F_n(W^2), 0), with F_n the finite-n
distribution of Csörgő & Faraway (1996, eq. 1.8):

    F_n(x) = V(x) (1 + 1/(12 n)) + psi1(x) / n   on 1/(12 n) < x < n/3,
    F_n(x) = 0 below, 1 from n/3 on,

V the limiting distribution (their eq. 1.2, a series in the Bessel function K_{1/4}) and
psi1 the first-order correction (eq. 1.10 without its V/12 term, which is folded into the
factor above; a series in K_{1/4}, K_{3/4} and K_{5/4}). scipy sums each series term by
term in a Python loop over k until a term is below 1e-7 in size (about 70 terms for the
large statistics of bad fits), each term a dozen calls of ``kv`` on small arrays: ≈ 20 ms
for 64 samples, the largest part of an ensemble check's scoring.

Here a block of terms is computed in one array operation per function: each Bessel
function once per argument (psi1's term k evaluates at (4k + 1, 4k + 3, 4k + 5) / (2 sqrt x),
so term k + 1 reuses term k's last argument). Each sample's sum is then taken term by term
in scipy's order and stopped where scipy stops (after the first term with |z| < 1e-7): the
same floating-point operations on the same numbers, hence the same bits
(``tests/evaluation/test_cvm_pvalue.py`` compares with scipy's function).

S. Csörgő and J. J. Faraway, "The Exact and Asymptotic Distributions of Cramér-von Mises
Statistics", J. R. Statist. Soc. B 58(1), 221-234, 1996.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import scipy
from scipy.special import gamma, gammaln, kv

__all__ = ["cvm_pvalue", "cvm_statistic"]

_TOLERANCE = 1e-7
"""scipy's stopping rule: a series ends after its first term with |term| < 1e-7."""

_BLOCK = 16
"""Terms computed per array operation; a sample that stops early in a block wastes the rest."""

_SCIPY_VERSION = tuple(int(part) for part in scipy.__version__.split(".")[:2])
_EXP = math.exp if _SCIPY_VERSION >= (1, 17) else np.exp
"""How scipy exponentiates V's coefficient Γ(k + 1/2)/Γ(k + 1): ``math.exp`` from 1.17 on,
``np.exp`` before; the two differ in the last bit for some k (7, 19, 85, ...)."""

_SQRT_PI = math.sqrt(math.pi)


def cvm_statistic(u: np.ndarray) -> np.ndarray:
    """W^2 of each row of ``u`` (..., n), the values F(x) of a sample (in any order): equal to
    ``scipy.stats.cramervonmises(u, lambda v: v, axis=-1).statistic``."""
    u = np.sort(u, axis=-1)
    n = u.shape[-1]
    expected = (2 * np.arange(1, n + 1, dtype=float) - 1) / (2 * n)
    return 1 / (12 * n) + np.sum((expected - u) ** 2, axis=-1)


def cvm_pvalue(statistic: np.ndarray | float, n: int) -> np.ndarray:
    """P(W^2 >= statistic) for samples of size ``n``, equal to ``scipy.stats.cramervonmises``'s
    p-value of each statistic (an array of any shape; the result has its shape)."""
    w = np.asarray(statistic, dtype=float)
    cdf = np.zeros_like(w)
    support = (1.0 / (12 * n) < w) & (w < n / 3.0)
    x = w[support]
    cdf[support] = _series(x, _limit_terms) * (1 + 1.0 / (12 * n)) + _series(x, _psi1_terms) / n
    cdf[w >= n / 3] = 1.0
    return np.clip(1.0 - cdf, 0.0, None)


def _series(x: np.ndarray, terms) -> np.ndarray:
    """sum_k terms(k, x) for each x, in order of k, each x's sum stopped as scipy stops it."""
    total = np.zeros_like(x)
    running = np.flatnonzero(np.ones(x.shape, dtype=bool))
    k0 = 0
    while running.size:
        block = terms(k0, x[running])  # (_BLOCK, running.size): terms k0 ... k0 + _BLOCK - 1
        sums = total[running]
        adding = np.ones(running.size, dtype=bool)
        for term in block:
            np.add(sums, term, out=sums, where=adding)
            adding &= np.abs(term) >= _TOLERANCE
        total[running] = sums
        running = running[adding]
        k0 += _BLOCK
    return total


@lru_cache(maxsize=None)
def _limit_coefficients(k0: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For k = k0 ... k0 + _BLOCK - 1, as columns: Γ(k + 1/2)/Γ(k + 1) as scipy computes it,
    (4k + 1)^2 and sqrt(4k + 1)."""
    k = range(k0, k0 + _BLOCK)
    ratio = [_EXP(gammaln(i + 0.5) - gammaln(i + 1)) for i in k]
    y = np.array([4 * i + 1 for i in k], dtype=float)
    return np.array(ratio, dtype=float)[:, None], (y**2)[:, None], np.sqrt(y)[:, None]


def _limit_terms(k0: int, x: np.ndarray) -> np.ndarray:
    """V's terms k0 ... k0 + _BLOCK - 1 (Csörgő & Faraway eq. 1.3, second line), scipy's
    ``_cdf_cvm_inf``: Γ(k+1/2)/(Γ(k+1) π^{3/2} sqrt x) sqrt(y) e^{-q} K_{1/4}(q),
    y = 4k + 1, q = y^2/(16 x)."""
    ratio, y_squared, sqrt_y = _limit_coefficients(k0)
    u = ratio / (math.pi**1.5 * np.sqrt(x))
    q = y_squared / (16 * x)
    return u * sqrt_y * np.exp(-q) * kv(0.25, q)


@lru_cache(maxsize=None)
def _psi1_coefficients(k0: int) -> tuple[np.ndarray, ...]:
    """For k = k0 ... k0 + _BLOCK - 1, as columns, the factors of psi1's five parts (the
    products as scipy forms them) and π Γ(k + 1); and the odd numbers 4 k0 + 1 ... 4 (k0 +
    _BLOCK) + 1 that its Bessel arguments are multiples of."""
    k = np.arange(k0, k0 + _BLOCK)
    m = 2 * k + 1
    g_half, g_three_halves, g_one = gamma(k + 1 / 2), gamma(k + 3 / 2), gamma(k + 1.0)
    odd = np.arange(4 * k0 + 1, 4 * (k0 + _BLOCK) + 2, 2, dtype=float)[:, None]
    return (
        (m * g_half)[:, None],
        g_half[:, None],
        (2 * (m + 2) * g_three_halves)[:, None],
        (7 * m * g_half)[:, None],
        (math.pi * g_one)[:, None],
        odd,
    )


def _psi1_terms(k0: int, x: np.ndarray) -> np.ndarray:
    """psi1's terms k0 ... k0 + _BLOCK - 1, scipy's ``_psi1_mod``: -A_k(x)/(π Γ(k + 1)) with

    A_k = m Γ(k+1/2) E2(y_3)/(9 x^{3/4}) + Γ(k+1/2) E3(y_1)/(72 x^{5/4})
          + 2 (m+2) Γ(k+3/2) E3(y_5)/(12 x^{5/4}) + 7 m Γ(k+1/2) [E2(y_1) + E2(y_5)]/(144 x^{3/4})

    (the last two parts added one by one), m = 2k + 1, y_j = (4k + j)/(2 sqrt x), and with
    z = y^2/4: E2(y) = e^{-z} (y/2)^{3/2} [K_{1/4}(z) + K_{3/4}(z)] / sqrt(π),
    E3(y) = e^{-z}/sqrt(π) (y/2)^{5/2} [2 K_{1/4}(z) + 3 K_{3/4}(z) - K_{5/4}(z)].
    """
    c1, c2, c3, c4, pi_g_one, odd = _psi1_coefficients(k0)
    sx = 2 * np.sqrt(x)
    y1 = x ** (3 / 4)
    y2 = x ** (5 / 4)
    y = odd / sx  # rows: (4k0 + 1, 4k0 + 3, 4k0 + 5, ...) / sx
    z = y**2 / 4
    k_quarter, k_three_quarters = kv(1 / 4, z), kv(3 / 4, z)
    e2 = np.exp(-z) * (y / 2) ** (3 / 2) * (k_quarter + k_three_quarters) / _SQRT_PI
    # E3 only at 4k + 1 (every other row), where 4k + 5 is the next term's 4k + 1.
    y_1, z_1 = y[::2], z[::2]
    kv_terms = 2 * k_quarter[::2] + 3 * k_three_quarters[::2] - kv(5 / 4, z_1)
    e3 = np.exp(-z_1) / _SQRT_PI * (y_1 / 2) ** (5 / 2) * kv_terms
    a = (
        c1 * e2[1::2] / (9 * y1)
        + c2 * e3[:-1] / (72 * y2)
        + c3 * e3[1:] / (12 * y2)
        + c4 * e2[0:-1:2] / (144 * y1)
        + c4 * e2[2::2] / (144 * y1)
    )
    return -a / pi_g_one
