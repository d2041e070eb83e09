"""The numba kernels' exp, log and log1p (``_numba_math.py``): within 1 ulp of the C
library's in float64 (Python's ``math``; glibc's are under 1 ulp of the exact value), the
correctly rounded value in float32, the IEEE special values.

The reference is ``math``, not numpy: numpy's own float64 ``exp`` and ``log`` are SIMD
versions that differ between numpy releases by an ulp (the floors lane, ``.ci/floors``)."""

import math

import numba
import numpy as np
import pytest

from ganzoo.engine import _numba_math as nm


def _exact_ish(function, pole=math.nan):
    """``function`` over an array, the IEEE results where ``math`` raises: inf on overflow,
    -inf at the logarithm's ``pole``, NaN below it."""

    def value(x):
        try:
            return function(x)
        except OverflowError:
            return math.inf
        except ValueError:
            return -math.inf if x == pole else math.nan

    return np.vectorize(value, otypes=[np.float64])


_FUNCTIONS = {"exp": _exact_ish(math.exp), "log": _exact_ish(math.log, 0.0), "log1p": _exact_ish(math.log1p, -1.0)}


@numba.njit(error_model="numpy")
def _apply(code, x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = nm.exp(x[i]) if code == 0 else nm.log(x[i]) if code == 1 else nm.log1p(x[i])
    return out


def _ours(name, x):
    return _apply(list(_FUNCTIONS).index(name), x)


def _inputs(name):
    """Seeded arguments over each function's whole finite range, its delicate part and its
    edges (subnormal results and arguments)."""
    rng = np.random.default_rng(20261203)
    n = 300_000
    if name == "exp":
        edges = [-745.13, -740.0, -708.5, 709.78, 1e-300, -1e-300]
        return np.concatenate([rng.uniform(-745.0, 709.7, n), rng.uniform(-1.0, 1.0, n), rng.uniform(-1e-8, 1e-8, n), edges])
    if name == "log":
        edges = [5e-324, 1e-310, 2.2250738585072014e-308, 1e300, 1.7976931348623157e308]
        return np.concatenate([np.exp(rng.uniform(-744.0, 709.0, n)), rng.uniform(0.5, 2.0, n), 1.0 + rng.uniform(-1e-9, 1e-9, n), edges])
    edges = [1e-310, -1e-310, 1e300, -0.9999999999999999]
    return np.concatenate([np.exp(rng.uniform(-700.0, 700.0, n)), -np.exp(rng.uniform(-700.0, -1e-9, n)), rng.uniform(-1.0, 1.0, n), edges])


@pytest.mark.parametrize("name", list(_FUNCTIONS))
def test_float64_results_are_within_one_ulp_of_the_c_library(name):
    x = _inputs(name)
    ours, reference = _ours(name, x), _FUNCTIONS[name](x)
    nonzero = reference != 0
    np.testing.assert_array_equal(ours[~nonzero], reference[~nonzero])
    ulps = np.abs(ours[nonzero] - reference[nonzero]) / np.spacing(np.abs(reference[nonzero]))
    assert ulps.max() <= 1.0, f"{name}: {ulps.max()} ulp at x = {x[nonzero][ulps.argmax()]!r}"


@pytest.mark.parametrize("name", list(_FUNCTIONS))
def test_float32_results_are_the_correctly_rounded_ones(name):
    """float32 in, float32 out (as numba types math.exp and friends), computed in float64:
    the float32 nearest the exact value (the C library's float64 result rounded)."""
    with np.errstate(over="ignore"):
        x = _inputs(name).astype(np.float32)
    x = x[np.isfinite(x)]
    ours = _ours(name, x)
    assert ours.dtype == np.float32
    with np.errstate(over="ignore"):
        nearest = _FUNCTIONS[name](x.astype(np.float64)).astype(np.float32)
    mismatches = np.flatnonzero(ours != nearest)
    assert mismatches.size == 0, f"{name}: {mismatches.size} differ, e.g. at x = {x[mismatches[:3]]!r}"


_SPECIAL = {  # (argument, IEEE result) pairs (a dict would merge 0.0 and -0.0)
    "exp": [(math.nan, math.nan), (-math.inf, 0.0), (math.inf, math.inf), (800.0, math.inf), (-800.0, 0.0), (0.0, 1.0), (-0.0, 1.0)],
    "log": [(math.nan, math.nan), (-math.inf, math.nan), (math.inf, math.inf), (0.0, -math.inf), (-0.0, -math.inf), (-1.0, math.nan), (1.0, 0.0)],
    "log1p": [(math.nan, math.nan), (-math.inf, math.nan), (math.inf, math.inf), (-1.0, -math.inf), (-2.0, math.nan), (0.0, 0.0)],
}


@pytest.mark.parametrize("name", list(_FUNCTIONS))
def test_special_values_are_ieee(name):
    arguments, expected = (np.array(column) for column in zip(*_SPECIAL[name]))
    for x, got, want in zip(arguments, _ours(name, arguments), expected):
        assert got == want or (math.isnan(got) and math.isnan(want)), f"{name}({x!r}) = {got!r}, expected {want!r}"


def test_sigmoid_rounds_the_exponential_to_the_argument_type():
    z = np.float32(-3.7)

    @numba.njit
    def sigmoid(z):
        return nm.sigmoid(z)

    assert sigmoid(z) == 1.0 / (1.0 + np.float64(np.float32(math.exp(-float(z)))))
