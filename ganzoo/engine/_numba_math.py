"""``exp``, ``log``, ``log1p`` and ``sigmoid`` as straight-line arithmetic in the argument's
float type, so that LLVM vectorizes the loops that call them (a libm call per element is a
scalar call: the reference loss's ``exp`` and ``log`` were 40 % of a vanilla step; computed
in float64 for a float32 argument, they still took a fifth of it, in half as many lanes).

The cores of ``exp`` and ``log`` are intrinsics that emit their LLVM IR where they are called.
Written as numba functions with ``inline="always"`` (numba re-types an inlined body at every
call), the same operations added 5 s to the kernels' first compile; as intrinsics, under 2 s.

Each takes a float32 or float64 ``x`` and computes in that type, as torch computes a float32
tensor's ``sigmoid`` and ``log`` in float32. The float64 results are within 1 ulp of the C
library's, the float32 ones within 1 ulp of the exact value (``tests/ganzoo/test_numba_math.py``
measures both over each function's whole range).

- ``exp``: Cody & Waite's reduction x = n ln 2 + r, |r| <= ln 2 / 2 (ln 2 in two parts, the
  first with trailing zero bits so that n ln2_hi is exact), e^r by a polynomial, and 2^n as
  two exact powers of two (so that subnormal results round once). W. J. Cody and W. Waite,
  *Software Manual for the Elementary Functions* (1980), ch. 6. float64: the Taylor
  polynomial to r^13 (truncation below 2^-58 relative); float32: Cephes' ``expf``, 1 + r +
  r² P(r) with P of degree 5 (S. L. Moshier, *Cephes Math Library*, 1992).
- ``log``: fdlibm's ``e_log.c`` (Sun Microsystems, 1993): x = 2^k m, sqrt(2)/2 <= m <
  sqrt(2), f = m - 1, s = f / (2 + f), log m = f - f²/2 + s (f²/2 + R(s²)) with minimax
  coefficients of R (float64: fdlibm's Lg1..Lg7; float32: FreeBSD's ``e_logf.c``, Lg1..Lg4,
  error below 2^-34.24), and k ln 2 in two parts.
- ``log1p``: u = 1 + x rounded, then log1p(x) = log u + (x - (u - 1)) / u, the first-order
  correction for the rounding of u (D. Goldberg, *What every computer scientist should know
  about floating-point arithmetic*, 1991, theorem 4's idea).
- ``sigmoid``: 1 / (1 + e^-z), each operation rounded to z's type (torch's CPU kernel).

Special values are selected, not branched to: NaN gives NaN; exp(-inf) = 0, exp(inf) = inf;
log(0) = -inf, log(x < 0) = NaN, log(inf) = inf; log1p(-1) = -inf.

The kernels compile these into their cached machine code: ``_numba_kernels.py`` pins this
file's hash (see there).
"""

from __future__ import annotations

import math
from types import SimpleNamespace

import numba as nb
from llvmlite import ir
from numba.core import types
from numba.extending import intrinsic

_inline = nb.njit(cache=True, nogil=True, inline="always", error_model="numpy")

# Per float type: the IEEE layout, exp's reduction and polynomial, log's coefficients.
_LN2_HI_64 = 6.93147180369123816490e-01  # ln 2 rounded to 21 significant bits: n ln2_hi is exact
_LN2_LO_64 = 1.90821492927058770002e-10  # ln 2 - ln2_hi (fdlibm's pair; exp and log share it in float64)
_FLOAT64 = SimpleNamespace(
    ir_float=ir.DoubleType(), ir_int=ir.IntType(64), mantissa_bits=52, bias=1023,
    ln2_hi=_LN2_HI_64, ln2_lo=_LN2_LO_64,
    inv_ln2=1.4426950408889634,
    rounder=6755399441055744.0,  # 1.5 * 2^52: (y + rounder) - rounder is y rounded to an integer
    exp_lowest=-746.0, exp_highest=710.0,  # e^x rounds to 0 below, to inf above
    exp_taylor=(*(1.0 / math.factorial(j) for j in range(13, 1, -1)), 1.0, 1.0),  # e^r's Horner coefficients
    exp_cephes=None,
    # fdlibm e_log.c: R(z) = Lg1 z + ... + Lg7 z^7 on z = s² in [0, 0.1716²], error below 2^-58.9
    log_odd=(1.479819860511658591e-01, 1.818357216161805012e-01, 2.857142874366239149e-01, 6.666666666666735130e-01),
    log_even=(1.531383769920937332e-01, 2.222219843214978396e-01, 3.999999999940941908e-01),
    log_ln2_hi=_LN2_HI_64, log_ln2_lo=_LN2_LO_64,
    sqrt_half_high=0x3FE6A09E, high_shift=32,  # the high 32 bits of sqrt(2)/2, in the word above them
    smallest_normal=2.2250738585072014e-308, subnormal_scale_bits=54,
)
_FLOAT32 = SimpleNamespace(
    ir_float=ir.FloatType(), ir_int=ir.IntType(32), mantissa_bits=23, bias=127,
    ln2_hi=0.693359375,  # Cephes' C1 (9 significant bits): n ln2_hi is exact
    ln2_lo=-2.12194440e-4,  # ln 2 - ln2_hi
    inv_ln2=1.44269504088896341,
    rounder=12582912.0,  # 1.5 * 2^23
    exp_lowest=-104.0, exp_highest=89.0,
    exp_taylor=None,
    exp_cephes=(1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1),
    # FreeBSD e_logf.c: |(log(1+s)-log(1-s))/s - Lg(s)| < 2^-34.24
    log_odd=(0x91E9EE * 2.0**-25, 0xAAAAAA * 2.0**-24),  # Lg3, Lg1
    log_even=(0xF89E26 * 2.0**-26, 0xCCCE13 * 2.0**-25),  # Lg4, Lg2
    log_ln2_hi=6.9313812256e-01, log_ln2_lo=9.0580006145e-06,
    sqrt_half_high=0x3F3504F3, high_shift=0,  # sqrt(2)/2's bits
    smallest_normal=1.1754943508222875e-38, subnormal_scale_bits=25,
)


def _layout(numba_type) -> SimpleNamespace:
    return _FLOAT32 if numba_type == types.float32 else _FLOAT64


class _FloatOps:
    """IEEE operations of one float type (and the integer of its width) on an LLVM builder,
    named as the formulas read."""

    def __init__(self, builder, layout: SimpleNamespace):
        self.b, self.t = builder, layout
        self.f, self.i_type = layout.ir_float, layout.ir_int

    def c(self, value):
        return ir.Constant(self.f, value)

    def i(self, value):
        return ir.Constant(self.i_type, value)

    def horner(self, x, coefficients):
        """((c0 x + c1) x + c2) ... : each product rounded, then each sum."""
        b, p = self.b, self.c(coefficients[0])
        for coefficient in coefficients[1:]:
            p = b.fadd(b.fmul(p, x), self.c(coefficient))
        return p

    def as_float(self, bits):
        return self.b.bitcast(bits, self.f)

    def power_of_two(self, m):
        """2^m for an integer m of the normal range: the exponent field set directly."""
        return self.as_float(self.b.shl(self.b.add(m, self.i(self.t.bias)), self.i(self.t.mantissa_bits)))


@intrinsic
def _exp(typingctx, y):
    """e^y in ``y``'s float type (the module docstring's exp), straight-line LLVM IR."""
    if not isinstance(y, types.Float):
        return None

    def codegen(context, builder, signature, args):
        o, b, y = _FloatOps(builder, _layout(signature.args[0])), builder, args[0]
        t = o.t
        clamped = b.select(b.fcmp_ordered(">", y, o.c(t.exp_lowest)), y, o.c(t.exp_lowest))  # NaN: the lowest, then restored
        clamped = b.select(b.fcmp_ordered("<", clamped, o.c(t.exp_highest)), clamped, o.c(t.exp_highest))
        n = b.fsub(b.fadd(b.fmul(clamped, o.c(t.inv_ln2)), o.c(t.rounder)), o.c(t.rounder))  # y / ln 2 to an integer
        r = b.fsub(b.fsub(clamped, b.fmul(n, o.c(t.ln2_hi))), b.fmul(n, o.c(t.ln2_lo)))
        if t.exp_taylor is not None:
            p = o.horner(r, t.exp_taylor)
        else:  # Cephes: (P(r) r² + r) + 1
            p = b.fadd(b.fadd(b.fmul(o.horner(r, t.exp_cephes), b.fmul(r, r)), r), o.c(1.0))
        k = b.fptosi(n, o.i_type)
        half = b.ashr(k, o.i(1))  # 2^k as 2^half 2^(k - half): both normal on the clamped range
        result = b.fmul(b.fmul(p, o.power_of_two(half)), o.power_of_two(b.sub(k, half)))
        return b.select(b.fcmp_ordered("==", y, y), result, y)

    return y(y), codegen


@intrinsic
def _log(typingctx, y):
    """log y in ``y``'s float type (the module docstring's log: fdlibm's reduction and
    polynomial, special values selected), straight-line LLVM IR."""
    if not isinstance(y, types.Float):
        return None

    def codegen(context, builder, signature, args):
        o, b, y = _FloatOps(builder, _layout(signature.args[0])), builder, args[0]
        t = o.t
        subnormal = b.fcmp_ordered("<", y, o.c(t.smallest_normal))  # scaled to a normal number first
        bits = b.bitcast(b.select(subnormal, b.fmul(y, o.c(2.0**t.subnormal_scale_bits)), y), o.i_type)
        # y = 2^k m, m in [sqrt(1/2), sqrt(2)), on the word that holds the exponent (float64: the high 32 bits)
        one_high = (t.bias << (t.mantissa_bits - t.high_shift))  # 1.0's high word
        exponent_shift, fraction_mask = t.mantissa_bits - t.high_shift, (1 << (t.mantissa_bits - t.high_shift)) - 1
        high = b.ashr(bits, o.i(t.high_shift)) if t.high_shift else bits
        high = b.add(high, o.i(one_high - t.sqrt_half_high))
        k = b.sub(b.sub(b.ashr(high, o.i(exponent_shift)), o.i(t.bias)), b.select(subnormal, o.i(t.subnormal_scale_bits), o.i(0)))
        high = b.add(b.and_(high, o.i(fraction_mask)), o.i(t.sqrt_half_high))
        if t.high_shift:
            high = b.or_(b.shl(high, o.i(t.high_shift)), b.and_(bits, o.i((1 << t.high_shift) - 1)))
        f = b.fsub(o.as_float(high), o.c(1.0))
        s = b.fdiv(f, b.fadd(o.c(2.0), f))
        z = b.fmul(s, s)
        w = b.fmul(z, z)
        r = b.fadd(b.fmul(z, o.horner(w, t.log_odd)), b.fmul(w, o.horner(w, t.log_even)))
        half_f2 = b.fmul(b.fmul(o.c(0.5), f), f)
        dk = b.sitofp(k, o.f)
        inner = b.fsub(half_f2, b.fadd(b.fmul(s, b.fadd(half_f2, r)), b.fmul(dk, o.c(t.log_ln2_lo))))
        value = b.fsub(b.fmul(dk, o.c(t.log_ln2_hi)), b.fsub(inner, f))
        finite = b.and_(b.fcmp_ordered(">", y, o.c(0.0)), b.fcmp_ordered("<", y, o.c(math.inf)))
        special = b.select(b.fcmp_ordered("==", y, o.c(math.inf)), y, o.c(math.nan))
        special = b.select(b.fcmp_ordered("==", y, o.c(0.0)), o.c(-math.inf), special)
        return b.select(finite, value, special)

    return y(y), codegen


@intrinsic
def like(typingctx, template, value):
    """``value`` (a float64 constant or number) rounded to the float type of ``template``:
    the literals of arithmetic that stays in ``template``'s type."""
    if not (isinstance(template, types.Float) and value == types.float64):
        return None

    def codegen(context, builder, signature, args):
        return context.cast(builder, args[1], types.float64, template)

    return template(template, value), codegen


@_inline
def exp(x):
    """e^x (see the module docstring), in ``x``'s float type."""
    return _exp(x)


@_inline
def log(x):
    """The natural logarithm of ``x`` (see the module docstring), in ``x``'s float type."""
    return _log(x)


@_inline
def log1p(x):
    """log(1 + x), accurate for small ``x`` too (see the module docstring), in ``x``'s float type."""
    one = like(x, 1.0)
    u = one + x
    value = _log(u) + (x - (u - one)) / u
    if u == one or x == like(x, math.inf):  # log1p(x) = x to the type's precision; log1p(inf) = inf
        value = x
    if u == like(x, 0.0):
        value = like(x, -math.inf)
    return value


@_inline
def sigmoid(z):
    """1 / (1 + e^-z), each operation in ``z``'s float type."""
    one = like(z, 1.0)
    return one / (one + _exp(-z))
