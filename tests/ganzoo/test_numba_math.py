"""The numba kernels' exp, log and log1p (``_numba_math.py``) against numpy's: within 1 ulp
in float64, the correctly rounded value in float32, numpy's special values."""

import numba
import numpy as np
import pytest

from ganzoo.engine import _numba_math as nm

_FUNCTIONS = {"exp": (nm.exp, np.exp), "log": (nm.log, np.log), "log1p": (nm.log1p, np.log1p)}


@numba.njit(error_model="numpy")
def _apply(code, x):
    out = np.empty_like(x)
    for i in range(x.shape[0]):
        out[i] = nm.exp(x[i]) if code == 0 else nm.log(x[i]) if code == 1 else nm.log1p(x[i])
    return out


def _ours(name, x):
    return _apply(list(_FUNCTIONS).index(name), x)


def _inputs(name):
    """Seeded arguments over each function's whole finite range and its delicate part."""
    rng = np.random.default_rng(20261203)
    n = 1_000_000
    if name == "exp":
        return np.concatenate([rng.uniform(-745.0, 709.7, n), rng.uniform(-1.0, 1.0, n), rng.uniform(-1e-8, 1e-8, n)])
    if name == "log":
        return np.concatenate([np.exp(rng.uniform(-744.0, 709.0, n)), rng.uniform(0.5, 2.0, n), 1.0 + rng.uniform(-1e-9, 1e-9, n)])
    magnitudes = np.exp(rng.uniform(-700.0, 700.0, n))
    return np.concatenate([magnitudes, -np.exp(rng.uniform(-700.0, -1e-9, n)), rng.uniform(-1.0, 1.0, n)])


@pytest.mark.parametrize("name", list(_FUNCTIONS))
def test_float64_results_are_within_one_ulp_of_numpys(name):
    x = _inputs(name)
    ours, numpys = _ours(name, x), _FUNCTIONS[name][1](x)
    finite = np.isfinite(numpys) & (numpys != 0)
    assert finite.mean() > 0.99
    ulps = np.abs(ours[finite] - numpys[finite]) / np.spacing(np.abs(numpys[finite]))
    assert ulps.max() <= 1.0, f"{name}: {ulps.max()} ulp at x = {x[finite][ulps.argmax()]!r}"
    np.testing.assert_array_equal(ours[~finite], numpys[~finite])


@pytest.mark.parametrize("name", list(_FUNCTIONS))
def test_float32_results_are_the_correctly_rounded_ones(name):
    """float32 in, float32 out (as numba types math.exp and friends), computed in float64:
    the float32 nearest the exact value (numpy's float64 result rounded, exact to 1 ulp)."""
    with np.errstate(over="ignore"):
        x = _inputs(name).astype(np.float32)
    x = x[np.isfinite(x)]
    ours = _ours(name, x)
    assert ours.dtype == np.float32
    with np.errstate(over="ignore", divide="ignore"):
        nearest = _FUNCTIONS[name][1](x.astype(np.float64)).astype(np.float32)
    mismatches = np.flatnonzero(ours != nearest)
    assert mismatches.size == 0, f"{name}: {mismatches.size} differ, e.g. at x = {x[mismatches[:3]]!r}"


_SPECIAL = np.array([np.nan, -np.inf, np.inf, 0.0, -0.0, -1.0, -2.0, 5e-324, 1e-310, 2.2250738585072014e-308,
                     800.0, -800.0, 709.78, 709.79, -745.13, -745.14, 1e-300, 1e300])  # fmt: skip


@pytest.mark.parametrize("name", list(_FUNCTIONS))
def test_special_values_are_numpys(name):
    with np.errstate(all="ignore"):
        numpys = _FUNCTIONS[name][1](_SPECIAL)
    ours = _ours(name, _SPECIAL)
    for x, got, want in zip(_SPECIAL, ours, numpys):
        assert got == want or (np.isnan(got) and np.isnan(want)), f"{name}({x!r}) = {got!r}, numpy {want!r}"


def test_sigmoid_rounds_the_exponential_to_the_argument_type():
    z = np.float32(-3.7)

    @numba.njit
    def sigmoid(z):
        return nm.sigmoid(z)

    assert sigmoid(z) == 1.0 / (1.0 + np.float64(np.exp(np.float64(-z)).astype(np.float32)))
