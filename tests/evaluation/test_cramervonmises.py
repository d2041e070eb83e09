"""evaluation._cramervonmises: scipy's Cramér–von Mises statistic and p-value, to the bit."""

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats._hypotests import _cdf_cvm  # scipy's series itself, to compare with

from evaluation._cramervonmises import cvm_pvalue, cvm_statistic


def _identity(v):
    return v


def _bits(a) -> np.ndarray:
    return np.asarray(a, dtype=float).view(np.int64)


def _scipy_pvalue(w, n):
    # what scipy.stats.cramervonmises does with the statistic (scipy 1.15-1.17)
    return np.clip(1.0 - _cdf_cvm(np.asarray(w, dtype=float), n), 0.0, None)


@pytest.mark.parametrize("n", [2, 3, 7, 50, 300, 2000, 10_000])
def test_pvalues_equal_scipys_across_the_support(n):
    # log-uniform statistics from below the support 1/(12n) to past its end n/3: small
    # statistics (few terms), large ones (the long series of bad fits), and the ends.
    rng = np.random.default_rng(n)
    low, high = np.log(1 / (12 * n)) - 1, np.log(n / 3) + 1
    w = np.concatenate([np.exp(rng.uniform(low, high, 2000)), [1 / (12 * n), n / 3, 0.0, np.inf, 1e-300]])
    np.testing.assert_array_equal(_bits(cvm_pvalue(w, n)), _bits(_scipy_pvalue(w, n)))


def test_pvalues_keep_the_statistics_shape():
    w = np.array([[0.05, 0.3], [1.0, 40.0]])
    assert cvm_pvalue(w, 100).shape == (2, 2)
    assert cvm_pvalue(0.3, 100).shape == ()
    assert cvm_pvalue(np.empty(0), 100).shape == (0,)
    assert float(cvm_pvalue(0.3, 100)) == float(_scipy_pvalue(0.3, 100))
    # the ends of the support: p = 1 at or below 1/(12n), 0 from n/3 on
    assert cvm_pvalue([1 / 1200, 100 / 3, np.inf], 100).tolist() == [1.0, 0.0, 0.0]


def _samples(seed: int, k: int, n: int) -> np.ndarray:
    """k samples of size n: good and bad fits of N(0, 1) (shifted, scaled), as F(x) values."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(k, n)) * rng.uniform(0.2, 3.0, (k, 1)) + rng.uniform(-3.0, 3.0, (k, 1))
    return scipy.stats.norm.cdf(x)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), k=st.integers(1, 9), n=st.integers(2, 700))
def test_equals_scipys_test_row_by_row_and_batched(seed, k, n):
    u = _samples(seed, k, n)
    statistic = cvm_statistic(u)
    pvalue = cvm_pvalue(statistic, n)
    batched = scipy.stats.cramervonmises(u, _identity, axis=-1)
    np.testing.assert_array_equal(_bits(statistic), _bits(batched.statistic))
    np.testing.assert_array_equal(_bits(pvalue), _bits(batched.pvalue))
    for row, w, p in zip(u, statistic, pvalue):
        one = scipy.stats.cramervonmises(row, _identity)  # unsorted F(x): sorted inside, as scipy does
        assert (float(cvm_statistic(row)), float(w), float(p)) == (one.statistic, one.statistic, one.pvalue)
