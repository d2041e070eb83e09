"""``exp``, ``log``, ``log1p`` and ``sigmoid`` as straight-line float64 arithmetic, so that
LLVM vectorizes the loops that call them (a libm call per element is a scalar call: the
reference loss's ``exp`` and ``log`` were 40 % of a vanilla step).

The cores of ``exp`` and ``log`` are intrinsics that emit their LLVM IR where they are called.
Written as numba functions with ``inline="always"`` (numba re-types an inlined body at every
call), the same operations added 5 s to the kernels' first compile; as intrinsics, under 2 s.

Each takes a float32 or float64 ``x``, computes in float64 and returns ``x``'s type, as
numba's ``math.exp`` (and friends) type their results. The float64 results are within 1 ulp
of the C library's (``tests/ganzoo/test_numba_math.py`` measures it against Python's ``math``
over the whole range), so a float32 result is the correctly rounded one but in about one case
in 10^8 (an exact value within 2^-53 of a float32 rounding boundary), where glibc's float32 routines
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

The kernels compile these into their cached machine code: ``_numba_kernels.py`` pins this
file's hash (see there).
"""

from __future__ import annotations

import math

import numba as nb
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

_inline = nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")

_LN2_HI = 6.93147180369123816490e-01  # ln 2 rounded to 21 significant bits: n ln2_hi is exact
_LN2_LO = 1.90821492927058770002e-10  # ln 2 - _LN2_HI
_INV_LN2 = 1.4426950408889634
_ROUNDER = 6755399441055744.0  # 1.5 * 2^52: (y + _ROUNDER) - _ROUNDER is y rounded to an integer
_EXP_LOWEST, _EXP_HIGHEST = -746.0, 710.0  # e^x rounds to 0 below, to inf above
_EXP_TAYLOR = (*(1.0 / math.factorial(j) for j in range(13, 1, -1)), 1.0, 1.0)  # e^r's Horner coefficients

# fdlibm e_log.c: R(z) = Lg1 z + ... + Lg7 z^7 on z = s² in [0, 0.1716²], error below 2^-58.9
_LG1, _LG2, _LG3 = 6.666666666666735130e-01, 3.999999999940941908e-01, 2.857142874366239149e-01
_LG4, _LG5 = 2.222219843214978396e-01, 1.818357216161805012e-01
_LG6, _LG7 = 1.531383769920937332e-01, 1.479819860511658591e-01
_SQRT_HALF_HIGH_WORD = 0x3FE6A09E  # the high 32 bits of sqrt(2)/2
_SMALLEST_NORMAL = 2.2250738585072014e-308
_TWO_TO_54 = 18014398509481984.0


@intrinsic
def rounded_like(typingctx, template, value):
    """``value`` (a float64) rounded to the float type of ``template``: numba's ``math``
    functions return their argument's type, and so do these."""
    if not (isinstance(template, types.Float) and value == types.float64):
        return None

    def codegen(context, builder, signature, args):
        return context.cast(builder, args[1], types.float64, template)

    return template(template, value), codegen


class _Float64Ops:
    """IEEE float64 and int64 operations on an LLVM builder, named as the formulas read."""

    def __init__(self, builder):
        self.b, self.f64, self.i64 = builder, ir.DoubleType(), ir.IntType(64)

    def c(self, value):
        return ir.Constant(self.f64, value)

    def i(self, value):
        return ir.Constant(self.i64, value)

    def horner(self, x, coefficients):
        """((c0 x + c1) x + c2) ... : each product rounded, then each sum."""
        b, p = self.b, self.c(coefficients[0])
        for coefficient in coefficients[1:]:
            p = b.fadd(b.fmul(p, x), self.c(coefficient))
        return p

    def as_float(self, bits):
        return self.b.bitcast(bits, self.f64)


@intrinsic
def _exp64(typingctx, y):
    """e^y in float64 for a float ``y`` (the module docstring's exp), straight-line LLVM IR."""
    if not isinstance(y, types.Float):
        return None

    def codegen(context, builder, signature, args):
        o, b, y = _Float64Ops(builder), builder, context.cast(builder, args[0], signature.args[0], types.float64)
        clamped = b.select(b.fcmp_ordered(">", y, o.c(_EXP_LOWEST)), y, o.c(_EXP_LOWEST))  # NaN: the lowest, then restored
        clamped = b.select(b.fcmp_ordered("<", clamped, o.c(_EXP_HIGHEST)), clamped, o.c(_EXP_HIGHEST))
        n = b.fsub(b.fadd(b.fmul(clamped, o.c(_INV_LN2)), o.c(_ROUNDER)), o.c(_ROUNDER))  # y / ln 2 to an integer
        r = b.fsub(b.fsub(clamped, b.fmul(n, o.c(_LN2_HI))), b.fmul(n, o.c(_LN2_LO)))
        p = o.horner(r, _EXP_TAYLOR)
        k = b.fptosi(n, o.i64)
        half = b.ashr(k, o.i(1))  # 2^k as 2^half 2^(k - half): both normal on the clamped range

        def power_of_two(m):  # the exponent field set directly
            return o.as_float(b.shl(b.add(m, o.i(1023)), o.i(52)))

        result = b.fmul(b.fmul(p, power_of_two(half)), power_of_two(b.sub(k, half)))
        return b.select(b.fcmp_ordered("==", y, y), result, y)

    return types.float64(y), codegen


@intrinsic
def _log64(typingctx, y):
    """log y in float64 for a float ``y`` (the module docstring's log: fdlibm's reduction and
    polynomial, special values selected), straight-line LLVM IR."""
    if not isinstance(y, types.Float):
        return None

    def codegen(context, builder, signature, args):
        o, b, y = _Float64Ops(builder), builder, context.cast(builder, args[0], signature.args[0], types.float64)
        subnormal = b.fcmp_ordered("<", y, o.c(_SMALLEST_NORMAL))  # scaled to a normal number first
        bits = b.bitcast(b.select(subnormal, b.fmul(y, o.c(_TWO_TO_54)), y), o.i64)
        high = b.add(b.ashr(bits, o.i(32)), o.i(0x3FF00000 - _SQRT_HALF_HIGH_WORD))  # y = 2^k m, m in [sqrt(1/2), sqrt(2))
        k = b.sub(b.sub(b.ashr(high, o.i(20)), o.i(0x3FF)), b.select(subnormal, o.i(54), o.i(0)))
        high = b.add(b.and_(high, o.i(0x000FFFFF)), o.i(_SQRT_HALF_HIGH_WORD))
        f = b.fsub(o.as_float(b.or_(b.shl(high, o.i(32)), b.and_(bits, o.i(0xFFFFFFFF)))), o.c(1.0))
        s = b.fdiv(f, b.fadd(o.c(2.0), f))
        z = b.fmul(s, s)
        w = b.fmul(z, z)
        odd = b.fmul(z, o.horner(w, (_LG7, _LG5, _LG3, _LG1)))  # z (Lg1 + w (Lg3 + w (Lg5 + w Lg7)))
        even = b.fmul(w, o.horner(w, (_LG6, _LG4, _LG2)))
        r = b.fadd(odd, even)
        half_f2 = b.fmul(b.fmul(o.c(0.5), f), f)
        dk = b.sitofp(k, o.f64)
        inner = b.fsub(half_f2, b.fadd(b.fmul(s, b.fadd(half_f2, r)), b.fmul(dk, o.c(_LN2_LO))))
        value = b.fsub(b.fmul(dk, o.c(_LN2_HI)), b.fsub(inner, f))
        finite = b.and_(b.fcmp_ordered(">", y, o.c(0.0)), b.fcmp_ordered("<", y, o.c(math.inf)))
        special = b.select(b.fcmp_ordered("==", y, o.c(math.inf)), y, o.c(math.nan))
        special = b.select(b.fcmp_ordered("==", y, o.c(0.0)), o.c(-math.inf), special)
        return b.select(finite, value, special)

    return types.float64(y), codegen


@_inline
def exp(x):
    """e^x (see the module docstring), in ``x``'s float type."""
    return rounded_like(x, _exp64(x))


@_inline
def log(x):
    """The natural logarithm of ``x`` (see the module docstring), in ``x``'s float type."""
    return rounded_like(x, _log64(x))


@_inline
def log1p(x):
    """log(1 + x), accurate for small ``x`` too (see the module docstring), in ``x``'s float type."""
    y = float(x)
    u = 1.0 + y
    value = _log64(u) + (y - (u - 1.0)) / u
    if u == 1.0 or y == math.inf:  # log1p(x) = x to double precision; log1p(inf) = inf
        value = y
    return rounded_like(x, -math.inf if u == 0.0 else value)


@_inline
def sigmoid(z):
    """1 / (1 + e^-z), in float64, e^-z first rounded to ``z``'s type (as torch's float32 exp)."""
    return 1.0 / (1.0 + exp(-z))
