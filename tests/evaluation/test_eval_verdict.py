"""Verdicts and failure labels on constructed samples; thresholds and the oscillation rule."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from evaluation import (
    DEFAULT_THRESHOLDS,
    LABELS,
    Gaussian,
    GaussianMixture,
    Grid,
    Ring,
    Thresholds,
    evaluate,
    is_oscillating,
)

N = 10_000


def _good(n=N, seed=0):
    return Gaussian().sample(n, np.random.default_rng(seed))


def test_a_target_sample_converges():
    for seed in range(5):
        report = evaluate(_good(seed=seed))
        assert report.label == "converged" and report.converged and report.reasons == ()


def test_a_shifted_gaussian_is_biased():
    report = evaluate(_good() + 0.1 * 1.25)  # 0.1 sd: beyond 0.04 sd, shape untouched
    assert report.label == "biased" and not report.converged
    assert any("mean error" in r for r in report.reasons)


def test_a_scaled_gaussian_is_biased():
    x = _good()
    report = evaluate(4.0 + (x - 4.0) * 1.15)
    assert report.label == "biased"
    assert any("std ratio" in r for r in report.reasons)


def test_a_spike_is_collapsed():
    spike = 4.0 + 0.01 * np.random.default_rng(1).normal(size=N)
    report = evaluate(spike)
    assert report.label == "collapsed" and "std ratio" in report.reasons[0]
    assert evaluate(np.full(N, 4.0)).label == "collapsed"  # exactly constant too


def test_the_wrong_shape_is_not_converged():
    # Same mean and std as N(4, 1.25), different shape: uniform on 4 +- 1.25 sqrt(3).
    half = 1.25 * math.sqrt(3)
    x = np.random.default_rng(2).uniform(4 - half, 4 + half, N)
    report = evaluate(x)
    assert report.label == "not_converged"
    assert any(r.startswith("KS D") for r in report.reasons)


def test_non_finite_is_diverged_not_an_error():
    x = _good()
    x[5] = np.inf
    report = evaluate(x)
    assert report.label == "diverged" and not report.converged
    assert report.n_nonfinite == 1
    assert math.isnan(report.ks.statistic) and math.isnan(report.moments.mean_error)
    assert math.isnan(report.wasserstein)
    assert evaluate(np.full((100, 2), np.nan), Ring()).label == "diverged"


def test_mode_collapse_on_the_ring_and_the_mixture():
    ring = Ring()
    one_mode = ring.modes[0] + 0.02 * np.random.default_rng(3).normal(size=(2000, 2))
    assert evaluate(one_mode, ring).label == "collapsed"
    mix = GaussianMixture()
    one = -2.0 + 0.5 * np.random.default_rng(4).normal(size=4000)
    report = evaluate(one, mix)
    assert report.label == "collapsed" and "1 of 2 modes" in report.reasons[0]


def test_two_d_labels():
    grid = Grid()
    x = grid.sample(5000, np.random.default_rng(5))
    assert evaluate(x, grid).label == "converged"
    keep = np.linalg.norm(x - grid.modes[12], axis=1) > 0.5  # drop the centre mode
    report = evaluate(x[keep], grid)
    assert report.label == "not_converged" and "24 of 25 modes covered" in report.reasons[0]
    blurred = x + np.random.default_rng(6).normal(0, 0.2, x.shape)  # modes too wide
    assert any("high-quality" in r for r in evaluate(blurred, grid).reasons)


def test_noise_floor_at_small_n():
    t = DEFAULT_THRESHOLDS
    # At n = 10,000 the fixed thresholds hold for N(4, 1.25) (the floor is below them) ...
    assert t.ks_at(10_000) == 0.02
    assert t.mean_error_at(10_000, 1.25) == pytest.approx(0.05)
    assert t.std_ratio_at(10_000, 0.0) == 0.05
    # ... at n = 2,000 the floor is the 99.9 % point of each null (Kolmogorov's exact
    # distribution from scipy.stats.kstwo; z = 3.29 for the normal errors).
    assert t.ks_at(2_000) == pytest.approx(scipy.stats.kstwo.ppf(0.999, 2_000))
    z = scipy.stats.norm.ppf(0.9995)
    assert t.mean_error_at(2_000, 1.25) == pytest.approx(1.25 * z / math.sqrt(2_000))
    assert t.std_ratio_at(2_000, 0.0) == pytest.approx(z * math.sqrt(2 / (4 * 2_000)))
    off = Thresholds(noise_quantile=None)
    assert off.ks_at(2_000) == 0.02
    # Perfect samples of 2,000 pass with the floor, and often fail without it.
    labels = [evaluate(_good(2_000, seed)).label for seed in range(20)]
    assert labels.count("converged") >= 19
    strict = [evaluate(_good(2_000, seed), thresholds=off).label for seed in range(20)]
    assert strict.count("converged") < 15


def test_thresholds_are_configurable_and_validated():
    x = _good() + 0.03  # 0.024 sd: passes the default 0.04 sd, fails 0.01 sd
    assert evaluate(x).label == "converged"
    assert (
        evaluate(x, thresholds=Thresholds(mean_error=0.01, noise_quantile=None)).label == "biased"
    )
    with pytest.raises(ValueError, match=r"ks_statistic must be > 0, got -0.1"):
        Thresholds(ks_statistic=-0.1)
    with pytest.raises(ValueError, match=r"noise_quantile must satisfy 0 < value < 1, got 1.5"):
        Thresholds(noise_quantile=1.5)
    with pytest.raises(ValueError, match=r"oscillation_window must satisfy 0 < value <= 1, got 0"):
        Thresholds(oscillation_window=0)
    with pytest.raises(TypeError, match=r"thresholds must be an evaluation.Thresholds, got dict"):
        evaluate(_good(), thresholds={"ks_statistic": 0.1})


def test_oscillation_rule():
    assert is_oscillating([False] * 4 + [False, True, False, True])
    assert not is_oscillating([False] * 5 + [True] * 5)  # settling
    assert not is_oscillating([True, False, True, False] + [True] * 8)  # early swings only
    assert is_oscillating([{"converged": bool(i % 2)} for i in range(8)])
    assert not is_oscillating([True, False, True, False])  # the last half holds one switch
    assert is_oscillating([True, False, True, False], window=1.0)
    assert not is_oscillating([False, True] * 4, min_switches=5)
    with pytest.raises(ValueError, match=r"history\[0\] is a mapping without a 'converged' key"):
        is_oscillating([{"ks": 0.1}])
    with pytest.raises(
        TypeError, match=r"history\[1\] must be a Report, a mapping .* got float 0.1"
    ):
        is_oscillating([True, 0.1])
    with pytest.raises(TypeError, match=r"history must be a sequence"):
        is_oscillating("TFTF")


def test_history_of_reports_makes_a_converged_sample_oscillating():
    good, bad = _good(seed=1), _good(seed=1) + 0.5
    history = [evaluate(s) for s in (bad, good) * 4]
    assert [r.converged for r in history] == [False, True] * 4
    assert evaluate(good, history=history).label == "oscillating"
    assert evaluate(good, history=[h.to_dict() for h in history]).label == "oscillating"
    assert evaluate(good, history=[False, False, True, True]).label == "converged"
    # Diverged and collapsed still win over oscillating.
    assert evaluate(np.full(100, 4.0), history=history).label == "collapsed"


def test_labels_are_the_documented_set():
    assert set(LABELS) == {
        "converged",
        "biased",
        "oscillating",
        "collapsed",
        "diverged",
        "not_converged",
    }
