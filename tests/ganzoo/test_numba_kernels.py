"""The numba kernels' sums over a batch: 8 interleaved partial sums in vector lanes, combined
pairwise, in the arrays' own float type, so that every member and K sums in one fixed order;
the atomic counter from which the kernels' threads take their members."""

import concurrent.futures

import numba
import numpy as np
import pytest

from ganzoo.engine import _numba_intrinsics as intrinsics
from ganzoo.engine import _numba_kernels as kernels


def _eight_chains(x, y):
    """The order the kernels promise, one scalar at a time: s_j takes rows j, j + 8, ... while
    a whole block of 8 remains, the rows after the last block go into s_0, then
    ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))."""
    s = [x.dtype.type(0)] * 8
    whole = len(x) // 8 * 8
    for n in range(whole):
        s[n % 8] = s[n % 8] + x[n] * y[n]
    for n in range(whole, len(x)):
        s[0] = s[0] + x[n] * y[n]
    return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows", [1, 7, 8, 13, 64, 130])
def test_a_sum_over_rows_is_eight_lanes_combined_pairwise(dtype, rows):
    rng = np.random.default_rng(rows)
    a = (rng.standard_normal((2, 3, rows)) * 10.0 ** rng.integers(-3, 4, (2, 3, rows))).astype(dtype)
    b = rng.standard_normal((4, rows)).astype(dtype)
    got = kernels._dot(a, 1, 2, b, 3, rows)
    expected = _eight_chains(a[1, 2], b[3])
    assert np.asarray(got, dtype).tobytes() == np.asarray(expected, dtype).tobytes()


@pytest.mark.parametrize("dtype, big", [(np.float32, 2.0**24), (np.float64, 2.0**53)])
def test_the_lanes_keep_what_one_running_sum_would_round_away(dtype, big):
    # 1 + 63 ones after a number whose spacing is 2: a running sum rounds every one away, the
    # order above keeps lanes 1-7 (8 ones each) apart from lane 0 until the pairwise end
    x = np.ones((1, 1, 64), dtype)
    x[0, 0, 0] = big
    got = kernels._dot(x, 0, 0, np.ones((1, 64), dtype), 0, 64)
    assert got == big + 56
    assert got == _eight_chains(x[0, 0], np.ones(64, dtype))
    assert dtype(np.cumsum(x[0, 0], dtype=dtype)[-1]) == big  # one running sum loses them all


def test_the_lane_sums_refuse_arrays_that_are_not_contiguous():
    a = np.ones((2, 3, 16), np.float32)[:, :, ::2]  # rows with a stride: no vector loads
    with pytest.raises(numba.core.errors.TypingError):
        kernels._dot(a, 0, 0, np.ones((1, 8), np.float32)[:, :], 0, 8)


@numba.njit
def _write_through_borrowed(a):
    b = intrinsics.borrow(a)
    b[1, 2] = 7.0
    return b[1].sum(), b.shape, b.strides


def test_a_borrowed_array_is_the_same_memory_without_an_owner():
    a = np.zeros((3, 4))
    total, shape, strides = _write_through_borrowed(a)
    assert a[1, 2] == 7.0 and total == 7.0 and shape == a.shape and strides == a.strides


def test_only_arrays_can_be_borrowed():
    with pytest.raises(numba.core.errors.TypingError):
        numba.njit(lambda x: intrinsics.borrow(x))(1.0)


@numba.njit(nogil=True)
def _take(counters, slot, taken):
    for i in range(taken.shape[0]):
        taken[i] = intrinsics.fetch_add(counters, slot)


def test_threads_sharing_a_counter_each_take_a_value_no_other_takes():
    """The kernels' member queue: four threads adding at once lose no increment and are
    never handed the same value (a plain ``+=`` would do both under contention)."""
    counters, each = np.zeros(2, np.int64), 200_000
    taken = [np.empty(each, np.int64) for _ in range(4)]
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda t: _take(counters, 1, t), taken))
    assert counters.tolist() == [0, 4 * each]
    assert np.array_equal(np.sort(np.concatenate(taken)), np.arange(4 * each))
    assert all(np.all(np.diff(t) > 0) for t in taken)  # each thread's values in the order it took them
