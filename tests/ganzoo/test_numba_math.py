"""The numba kernels' exp, log, log1p and sigmoid (``_numba_math.py``): within 1 ulp of the C
library's in float64 (Python's ``math``; glibc's are under 1 ulp of the exact value), computed
in float32 for a float32 argument, within 1 ulp of the exact value (log1p 1.5), the IEEE
special values in both types.

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


_FLOAT32_ULPS = {"exp": 1.0, "log": 1.0, "log1p": 1.5}  # log1p: log u and its correction, two roundings


def _float32_inputs(name):
    """Seeded float32 arguments over each function's float32 range (subnormal results and
    arguments included) and its delicate part."""
    rng = np.random.default_rng(20261204)
    n = 300_000
    if name == "exp":
        x = [rng.uniform(-104.0, 89.0, n), rng.uniform(-1.0, 1.0, n), rng.uniform(-1e-6, 1e-6, n), rng.uniform(-104.0, -87.0, n)]
    elif name == "log":
        x = [np.exp(rng.uniform(-103.0, 88.0, n)), rng.uniform(0.5, 2.0, n), 1.0 + rng.uniform(-1e-5, 1e-5, n), [1e-45, 1e-40, 3.4e38]]
    else:
        x = [np.exp(rng.uniform(-80.0, 80.0, n)), -np.exp(rng.uniform(-80.0, -1e-7, n)), rng.uniform(-1.0, 1.0, n)]
    with np.errstate(over="ignore"):
        x = np.concatenate(x).astype(np.float32)
    return x[np.isfinite(x) & (x > -1)]


@pytest.mark.parametrize("name", list(_FUNCTIONS))
def test_float32_results_are_computed_in_float32_within_an_ulp(name):
    """float32 in, float32 out (as numba types math.exp and friends), within
    ``_FLOAT32_ULPS`` float32 ulps of the exact value (the C library's float64 result)."""
    x = _float32_inputs(name)
    ours = _ours(name, x)
    assert ours.dtype == np.float32
    exact = _FUNCTIONS[name](x.astype(np.float64))
    representable = (exact != 0) & (np.abs(exact) <= np.finfo(np.float32).max)
    with np.errstate(over="ignore"):
        np.testing.assert_array_equal(ours[~representable], exact[~representable].astype(np.float32))
    ulp = np.spacing(np.abs(exact[representable]).astype(np.float32)).astype(np.float64)
    ulps = np.abs(ours[representable] - exact[representable]) / ulp
    assert ulps.max() <= _FLOAT32_ULPS[name], f"{name}: {ulps.max()} ulp at x = {x[representable][ulps.argmax()]!r}"
    assert np.mean(ours[representable] == exact[representable].astype(np.float32)) > 0.9  # mostly correctly rounded


_SPECIAL = {  # (argument, IEEE result) pairs (a dict would merge 0.0 and -0.0)
    "exp": [(math.nan, math.nan), (-math.inf, 0.0), (math.inf, math.inf), (800.0, math.inf), (-800.0, 0.0), (0.0, 1.0), (-0.0, 1.0)],
    "log": [(math.nan, math.nan), (-math.inf, math.nan), (math.inf, math.inf), (0.0, -math.inf), (-0.0, -math.inf), (-1.0, math.nan), (1.0, 0.0)],
    "log1p": [(math.nan, math.nan), (-math.inf, math.nan), (math.inf, math.inf), (-1.0, -math.inf), (-2.0, math.nan), (0.0, 0.0)],
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("name", list(_FUNCTIONS))
def test_special_values_are_ieee(name, dtype):
    arguments, expected = (np.array(column, dtype) for column in zip(*_SPECIAL[name]))
    for x, got, want in zip(arguments, _ours(name, arguments), expected):
        assert got == want or (math.isnan(got) and math.isnan(want)), f"{name}({x!r}) = {got!r}, expected {want!r}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_sigmoid_is_computed_in_the_argument_type(dtype):
    """1 / (1 + e^-z), each operation rounded to z's type, as torch's CPU sigmoid."""

    @numba.njit
    def sigmoid(z):
        out = np.empty_like(z)
        for i in range(z.shape[0]):
            out[i] = nm.sigmoid(z[i])
        return out

    z = np.linspace(-30.0, 30.0, 1201).astype(dtype)
    got = sigmoid(z)
    one = dtype(1.0)
    np.testing.assert_array_equal(got, [one / (one + e) for e in _ours("exp", -z)])
    exact = 1.0 / (1.0 + np.exp(-z.astype(np.float64)))
    assert np.max(np.abs(got - exact) / np.spacing(exact.astype(dtype))) <= 2.0
