"""The LLVM-level building blocks of the numba kernels: what numba's Python subset cannot say.

- :func:`lane_sums`: 8 dot-product chains as one vector multiply-add per block, each lane's
  IEEE order kept (the kernels' sums over a batch, the same bits for any K and thread count);
- :func:`borrow`: an array without its owner, so that calls and views skip numba's atomic
  reference counts;
- :func:`fetch_add`: an atomic counter that threads running the same kernel share (the
  members handed out one at a time, so that a thread the checks' scoring slows takes fewer);
- :func:`pcg64_next`: PCG64's 128-bit LCG step and XSL-RR output (O'Neill 2014), numpy's
  default bit generator, on a state of four uint64 words (``_numba_random.py``).

The kernels inline these into their cached machine code: ``_numba_kernels.py`` pins this
file's hash (see there).
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic

PCG64_MULTIPLIER = 0x2360ED051FC65DA44385DF649FCCF645


@intrinsic
def lane_sums(typingctx, x, y, blocks):
    """The 8 sums s_j = sum_b x[8b + j] y[8b + j] over b < blocks, each in order, as one <8 x
    float> multiply and add per block: IEEE per lane, so the bits of 8 scalar chains (which LLVM
    does not vectorize). C-contiguous 1-d arrays of one float type only."""
    if not (x == y and isinstance(x, types.Array) and x.ndim == 1 and x.layout == "C"):
        return None
    result = types.UniTuple(x.dtype, 8)

    def codegen(context, builder, signature, args):
        vector = ir.VectorType(context.get_value_type(x.dtype), 8)
        total = cgutils.alloca_once_value(builder, ir.Constant(vector, None))  # zeros
        data = [context.make_array(x)(context, builder, value).data for value in args[:2]]
        with cgutils.for_range(builder, args[2]) as loop:
            offset = builder.mul(loop.index, ir.Constant(loop.index.type, 8))
            xs, ys = (builder.load(builder.bitcast(builder.gep(d, [offset]), vector.as_pointer()), align=1) for d in data)
            builder.store(builder.fadd(builder.load(total), builder.fmul(xs, ys)), total)
        lanes = [builder.extract_element(builder.load(total), ir.Constant(ir.IntType(32), j)) for j in range(8)]
        return context.make_tuple(builder, result, lanes)

    return result(x, y, blocks), codegen


@intrinsic
def borrow(typingctx, array):
    """``array`` without its owner (NRT meminfo): every call and view that takes it then skips
    numba's atomic reference counts, which took a third of a step (and contend between threads
    on shared arrays). Only for a function's own arguments: the caller keeps them alive."""
    if not isinstance(array, types.Array):
        return None

    def codegen(context, builder, signature, args):  # the struct with null meminfo and parent
        meminfo, parent = (ir.Constant(args[0].type.elements[field], None) for field in (0, 1))
        return builder.insert_value(builder.insert_value(args[0], meminfo, 0), parent, 1)

    return array(array), codegen


@intrinsic
def pcg64_next(typingctx, words):
    """Advance the PCG64 state in ``words`` (uint64[4], see the module docstring) and
    return its next uint64, in 128-bit integer arithmetic."""
    if not (isinstance(words, types.Array) and words.dtype == types.uint64):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        u64, u128 = ir.IntType(64), ir.IntType(128)
        slot = [builder.gep(data, [ir.Constant(u64, i)]) for i in range(4)]

        def join(hi, lo):
            return builder.or_(builder.shl(builder.zext(builder.load(hi), u128), ir.Constant(u128, 64)), builder.zext(builder.load(lo), u128))

        state = builder.add(builder.mul(join(slot[0], slot[1]), ir.Constant(u128, PCG64_MULTIPLIER)), join(slot[2], slot[3]))
        hi, lo = builder.trunc(builder.lshr(state, ir.Constant(u128, 64)), u64), builder.trunc(state, u64)
        builder.store(hi, slot[0])
        builder.store(lo, slot[1])
        x, rotation = builder.xor(hi, lo), builder.lshr(hi, ir.Constant(u64, 58))
        left = builder.and_(builder.sub(ir.Constant(u64, 0), rotation), ir.Constant(u64, 63))
        return builder.or_(builder.lshr(x, rotation), builder.shl(x, left))

    return types.uint64(words), codegen


@intrinsic
def fetch_add(typingctx, counters, index):
    """``counters[index] += 1`` as one atomic operation (LLVM ``atomicrmw add``, monotonic:
    a count, not a lock); returns the value before. int64 1-d arrays only; no bounds check."""
    if not (isinstance(counters, types.Array) and counters.dtype == types.int64 and counters.ndim == 1):
        return None

    def codegen(context, builder, signature, args):
        data = context.make_array(signature.args[0])(context, builder, args[0]).data
        slot = builder.gep(data, [context.cast(builder, args[1], signature.args[1], types.intp)])
        return builder.atomic_rmw("add", slot, ir.Constant(ir.IntType(64), 1), "monotonic")

    return types.int64(counters, index), codegen
