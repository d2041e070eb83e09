"""Null distributions: deterministic, cached, consistent with known nulls; the docs table."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from evaluation import (
    Gaussian,
    Ring,
    applicable_scores,
    null_distribution,
    null_quantile_table,
    to_markdown,
)


def test_null_is_seeded_and_cached():
    a = null_distribution("ks_statistic", Gaussian(), 500, n_sims=100, seed=3)
    b = null_distribution("ks_statistic", "gaussian:4,1.25", 500, n_sims=100, seed=3)
    assert a.values is b.values  # the lru_cache hands back the same array
    c = null_distribution("ks_statistic", Gaussian(), 500, n_sims=100, seed=4)
    assert not np.array_equal(a.values, c.values)
    assert np.all(np.diff(a.values) >= 0)
    with pytest.raises(ValueError):
        a.values[0] = 1.0


def test_ks_null_matches_kolmogorovs_distribution():
    null = null_distribution("ks_statistic", Gaussian(), 400, n_sims=1000, seed=0)
    # The simulated KS D of real data follows scipy.stats.kstwo(n) (exact); test at 1e-3.
    assert scipy.stats.kstest(null.values, scipy.stats.kstwo(400).cdf).pvalue > 1e-3


def test_mean_error_null_is_half_normal():
    null = null_distribution("abs_mean_error", Gaussian(), 400, n_sims=1000, seed=0)
    # |mean error| ~ |N(0, sd^2 / n)|: its median is 0.6745 sd / sqrt(n), within MC noise.
    assert null.quantile(0.5) == pytest.approx(0.6745 * 1.25 / 20, rel=0.1)


def test_percentile():
    null = null_distribution("wasserstein", Gaussian(), 200, n_sims=50, seed=0)
    assert null.percentile(-1.0) == 0.0 and null.percentile(10.0) == 100.0
    assert null.percentile(float(null.values[24])) == pytest.approx(49.0)  # mid-rank of a tie
    assert math.isnan(null.percentile(math.nan)) and null.percentile(math.inf) == 100.0
    assert null.quantile([0.0, 1.0]).tolist() == [null.values[0], null.values[-1]]


def test_two_d_null_uses_the_reference_sample():
    null = null_distribution("mmd", Ring(), 200, n_sims=20, seed=0)
    # Unbiased MMD^2 between two samples of the same distribution is centred on 0.
    assert abs(np.median(null.values)) < 0.01
    assert applicable_scores("ring") == (
        "energy_distance",
        "mmd",
        "sliced_wasserstein",
        "mode_kl",
        "low_quality_fraction",
    )


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"score must be one of .* got 'ks'"):
        null_distribution("ks", Gaussian(), 100)
    with pytest.raises(ValueError, match=r"score 'mmd' does not apply to Gaussian"):
        null_distribution("mmd", Gaussian(), 100)
    with pytest.raises(ValueError, match=r"n must be >= 2, got 1"):
        null_distribution("ks_statistic", Gaussian(), 1)


def test_null_quantile_table_small():
    rows = null_quantile_table(Gaussian(), (500,), n_sims=50, seed=1)
    assert [r["score"] for r in rows] == [
        "ks_statistic",
        "abs_mean_error",
        "abs_std_ratio_deviation",
    ]
    assert rows[1]["threshold"] == pytest.approx(0.05)
    assert rows[0]["q0.5"] < rows[0]["q0.999"]
    assert to_markdown(rows).startswith("| score | n | q0.5 |")
