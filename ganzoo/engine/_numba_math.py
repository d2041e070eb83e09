"""``exp``, ``log`` and ``log1p`` as straight-line float64 arithmetic, so that LLVM vectorizes
the loops that call them (a libm call per element is a scalar call: the reference loss's
``exp`` and ``log`` were 40 % of a vanilla step).

Each takes a float32 or float64 ``x``, computes in float64 and returns ``x``'s type, as
numba's ``math.exp`` (and friends) type their results. The float64 results are within 1 ulp
of the exact value (``tests/ganzoo/test_numba_math.py`` measures it against numpy over the
whole range), so a float32 result is the correctly rounded one but in about one case in 10^8
(an exact value within 2^-53 of a float32 rounding boundary), where glibc's float32 routines
(< 1 ulp) may round the other way.

- ``exp``: Cody & Waite's reduction x = n ln 2 + r, |r| <= ln 2 / 2 (ln 2 in two parts, the
  first with 32 trailing zero bits so that n ln2_hi is exact), e^r by its Taylor polynomial
  to r^13 (truncation below 2^-58 relative), and 2^n as two exact powers of two (so that
  subnormal results round once). W. J. Cody and W. Waite, *Software Manual for the
  Elementary Functions* (1980), ch. 6.
- ``log``: fdlibm's ``e_log.c`` (Sun Microsystems, 1993): x = 2^k m, sqrt(2)/2 <= m <
  sqrt(2), f = m - 1, s = f / (2 + f), log m = f - f²/2 + s (f²/2 + R(s²)) with fdlibm's
  minimax coefficients Lg1..Lg7 of R, and k ln 2 in two parts.
- ``log1p``: u = 1 + x rounded, then log1p(x) = log u + (x - (u - 1)) / u, the first-order
  correction for the rounding of u (D. Goldberg, *What every computer scientist should know
  about floating-point arithmetic*, 1991, theorem 4's idea).

Special values are selected, not branched to: NaN gives NaN; exp(-inf) = 0, exp(inf) = inf;
log(0) = -inf, log(x < 0) = NaN, log(inf) = inf; log1p(-1) = -inf.

The kernels inline these into their cached machine code: ``_numba_kernels.py`` pins this
file's hash (see there).
"""

from __future__ import annotations

import math

import numba as nb

from ._numba_intrinsics import bits_float64, float64_bits, rounded_like

_inline = nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")

_LN2_HI = 6.93147180369123816490e-01  # ln 2 rounded to 21 significant bits: n ln2_hi is exact
_LN2_LO = 1.90821492927058770002e-10  # ln 2 - _LN2_HI
_INV_LN2 = 1.4426950408889634
_ROUNDER = 6755399441055744.0  # 1.5 * 2^52: (y + _ROUNDER) - _ROUNDER is y rounded to an integer
_EXP_LOWEST, _EXP_HIGHEST = -746.0, 710.0  # e^x rounds to 0 below, to inf above
_C2, _C3, _C4, _C5, _C6, _C7, _C8, _C9, _C10, _C11, _C12, _C13 = (1.0 / math.factorial(j) for j in range(2, 14))

# fdlibm e_log.c: R(z) = Lg1 z + ... + Lg7 z^7 on z = s² in [0, 0.1716²], error below 2^-58.9
_LG1, _LG2, _LG3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
_LG4, _LG5 = 2.222219843214978396e-01, 1.818357216161805012e-01
_LG6, _LG7 = 1.531383769920937332e-01, 1.479819860511658591e-01
_SQRT_HALF_HIGH_WORD = 0x3FE6A09E  # the high 32 bits of sqrt(2)/2
_SMALLEST_NORMAL = 2.2250738585072014e-308
_TWO_TO_54 = 18014398509481984.0


@_inline
def exp(x):
    """e^x (see the module docstring), in ``x``'s float type."""
    y = float(x)
    clamped = y if y > _EXP_LOWEST else _EXP_LOWEST  # NaN -> the lowest too; restored below
    clamped = clamped if clamped < _EXP_HIGHEST else _EXP_HIGHEST
    n = (clamped * _INV_LN2 + _ROUNDER) - _ROUNDER
    r = (clamped - n * _LN2_HI) - n * _LN2_LO
    p = ((((((_C13 * r + _C12) * r + _C11) * r + _C10) * r + _C9) * r + _C8) * r + _C7) * r + _C6  # Horner
    p = ((((((p * r + _C5) * r + _C4) * r + _C3) * r + _C2) * r + 1.0) * r) + 1.0
    k = nb.int64(n)
    half = k >> 1  # 2^k as 2^half 2^(k - half): both normal for every k of the clamped range
    result = p * bits_float64((half + 1023) << 52) * bits_float64((k - half + 1023) << 52)  # exponent fields set
    return rounded_like(x, result if y == y else y)


@_inline
def _log(y):
    """log y for any float64 ``y`` (fdlibm's reduction and polynomial), special values selected."""
    subnormal = y < _SMALLEST_NORMAL  # scaled to a normal number first
    bits = float64_bits(y * _TWO_TO_54 if subnormal else y)
    high = (bits >> 32) + (0x3FF00000 - _SQRT_HALF_HIGH_WORD)  # y = 2^k m, m in [sqrt(2)/2, sqrt(2))
    k = (high >> 20) - 0x3FF - (54 if subnormal else 0)
    high = (high & 0x000FFFFF) + _SQRT_HALF_HIGH_WORD
    f = bits_float64((high << 32) | (bits & 0xFFFFFFFF)) - 1.0
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    half_f2 = 0.5 * f * f
    dk = float(k)
    value = dk * _LN2_HI - ((half_f2 - (s * (half_f2 + r) + dk * _LN2_LO)) - f)
    if y > 0 and y < math.inf:
        return value
    if y == 0:
        return -math.inf
    return y if y == math.inf else math.nan


@_inline
def log(x):
    """The natural logarithm of ``x`` (see the module docstring), in ``x``'s float type."""
    return rounded_like(x, _log(float(x)))


@_inline
def log1p(x):
    """log(1 + x), accurate for small ``x`` too (see the module docstring), in ``x``'s float type."""
    y = float(x)
    u = 1.0 + y
    value = _log(u) + (y - (u - 1.0)) / u
    if u == 1.0 or y == math.inf:  # log1p(x) = x to double precision; log1p(inf) = inf
        value = y
    return rounded_like(x, -math.inf if u == 0.0 else value)


@_inline
def sigmoid(z):
    """1 / (1 + e^-z), in float64, e^-z first rounded to ``z``'s type (as torch's float32 exp)."""
    return 1.0 / (1.0 + exp(-z))
