"""evaluate_many: the same reports as evaluate() one sample at a time, to the last bit."""

import math

import numpy as np
import pytest
import scipy.stats
from hypothesis import given, settings
from hypothesis import strategies as st

from evaluation import Thresholds, as_target, evaluate, evaluate_many, moment_errors
from evaluation._battery import battery_1d
from evaluation._exact_rows import ad_statistic, energy_rows, of_rows, shape_ks_rows, w1_rows
from evaluation._one_sample import _moment_statistics


def _same_reports(samples, target="gaussian:4,1.25", **options):
    many = evaluate_many(samples, target, **options)
    one_by_one = [evaluate(s, target, **options) for s in samples]
    assert len(many) == len(one_by_one)
    for k, (a, b) in enumerate(zip(many, one_by_one)):
        np.testing.assert_equal(a.to_dict(), b.to_dict(), err_msg=f"sample {k}")


def _ensemble(seed: int, k: int = 12, n: int = 300) -> np.ndarray:
    """Good fits, bad fits (large CvM statistics: the long series) and one collapsed member."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(k, n)) * rng.uniform(0.05, 3.0, (k, 1)) + rng.uniform(-2.0, 8.0, (k, 1))
    x[0] = rng.normal(4.0, 1.25, n)
    x[1] = 4.0 + 1e-9 * rng.normal(size=n)
    return x


@pytest.mark.parametrize("seed", range(3))
def test_equals_evaluate_on_the_default_target(seed):
    _same_reports(_ensemble(seed))


def test_rows_equal_one_row_calls_of_scipy():
    xs = np.sort(_ensemble(7, k=20, n=500), axis=1)
    for x, scores in zip(xs, battery_1d(xs, as_target("gaussian:4,1.25"))):
        ks, cvm = scores.ks, scores.cvm
        one_ks = scipy.stats.ks_1samp(x, scipy.stats.norm(4.0, 1.25).cdf)
        one_cvm = scipy.stats.cramervonmises(x, scipy.stats.norm(4.0, 1.25).cdf)
        assert (ks.statistic, ks.pvalue) == (one_ks.statistic, one_ks.pvalue)
        assert (cvm.statistic, cvm.pvalue) == (one_cvm.statistic, one_cvm.pvalue)


def test_mixed_sizes_diverged_members_and_a_list():
    rng = np.random.default_rng(3)
    samples = [rng.normal(4, 1.25, 200), rng.normal(5, 1, 300), np.full(50, math.nan), rng.normal(4, 2, 200)[:, None]]
    _same_reports(samples)
    assert evaluate_many(samples)[2].verdict.label == "diverged"


@pytest.mark.parametrize(
    "target",
    ["mixture:0.3,-2,0.5;0.7,2,0.5", "lognormal:0,0.5", "student-t:5,0,1", "ring:8,2,0.05"],
)
def test_equals_evaluate_on_other_targets(target):
    rng = np.random.default_rng(5)
    if target.startswith("ring"):
        samples = rng.normal(size=(3, 200, 2)) * 2
    else:
        samples = rng.normal(size=(4, 200)) + np.arange(4)[:, None]
    _same_reports(samples, target)


def test_equals_evaluate_on_data_and_scipy_targets():
    rng = np.random.default_rng(6)
    samples = rng.normal(size=(3, 150))
    _same_reports(samples, rng.normal(size=400))
    _same_reports(samples, scipy.stats.gamma(2.0))


def test_options_apply_to_every_sample():
    samples = _ensemble(1, k=3, n=200)
    _same_reports(samples, confidence_level=0.9, n_resamples=50, calibrate=True, n_null=20)
    strict = Thresholds(mean_error=0.01)
    _same_reports(samples, thresholds=strict)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    k=st.integers(1, 6),
    n=st.integers(2, 80),
    scale=st.floats(1e-3, 1e3),
)
def test_property_equal_to_evaluate(seed, k, n, scale):
    rng = np.random.default_rng(seed)
    _same_reports(rng.normal(4.0, 1.25 * scale, (k, n)))


def test_empty_ensemble():
    assert evaluate_many(np.empty((0, 10))) == []


def test_errors_name_the_argument():
    with pytest.raises(TypeError, match=r"unknown options \['confidence'\]"):
        evaluate_many(np.zeros((2, 5)), confidence=0.9)
    with pytest.raises(ValueError, match=r"got shape \(5,\).*one sample: use evaluate\(\)"):
        evaluate_many(np.zeros(5))
    with pytest.raises(ValueError, match=r"samples\[1\]"):
        evaluate_many([np.zeros(5), np.zeros(1)])
    with pytest.raises(TypeError, match="thresholds must be an evaluation.Thresholds"):
        evaluate_many(np.zeros((2, 5)), thresholds=0.1)
    with pytest.raises(TypeError, match="sequence of samples"):
        evaluate_many(3.0)
    with pytest.raises(ValueError, match="n_null"):
        evaluate_many(np.zeros((2, 5)), n_null=0)


@pytest.mark.parametrize("target", ["gaussian:4,1.25", "mixture:0.3,-2,0.5;0.7,2,0.5", "student-t:5,0,1"])
def test_row_functions_give_each_row_the_bits_of_its_own_call(target):
    t = as_target(target)
    xs = np.sort(_ensemble(4, k=9, n=257), axis=1)
    u = of_rows(t, "cdf", xs)
    logs = of_rows(t, "logcdf", xs), of_rows(t, "logsf", xs)
    stats = _moment_statistics(xs, axis=-1)
    for k, x in enumerate(xs):
        one_u = t.cdf(x)
        np.testing.assert_array_equal(u[k], one_u)
        assert w1_rows(xs, u, t)[k] == w1_rows(x, one_u, t)
        assert energy_rows(xs, u, t)[k] == energy_rows(x, one_u, t)
        assert ad_statistic(*logs)[k] == ad_statistic(t.logcdf(x), t.logsf(x))
        np.testing.assert_array_equal(stats[:, k], _moment_statistics(x))
        assert shape_ks_rows(xs, stats[0], stats[1], t, 0.5, 2.0)[k] == shape_ks_rows(x, stats[0, k], stats[1, k], t, 0.5, 2.0)


def test_a_scipy_target_is_called_row_by_row():
    # Its partial expectation integrates between the sorted points it is given: all rows at
    # once would give other bits.
    t = as_target(scipy.stats.gamma(2.0))
    xs = np.sort(np.abs(_ensemble(2, k=3, n=100)), axis=1)
    np.testing.assert_array_equal(
        of_rows(t, "partial_expectation", xs), np.stack([t.partial_expectation(x) for x in xs])
    )


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(3, 200), scale=st.floats(1e-3, 1e3))
def test_skewness_is_the_same_from_every_entry_point(seed, n, scale):
    x = np.random.default_rng(seed).gamma(2.0, scale, n)
    one = moment_errors(x, "gaussian:0,1")
    assert evaluate(x, "gaussian:0,1").moments.skewness == one.skewness
    assert evaluate_many(x[None], "gaussian:0,1")[0].moments.skewness == one.skewness
    assert one.skewness == pytest.approx(scipy.stats.skew(x), rel=1e-14, abs=1e-300)
