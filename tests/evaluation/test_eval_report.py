"""The public face: evaluate() and Report, its flat dict, bad input, calibration percentiles."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from evaluation import (
    Gaussian,
    GaussianMixture,
    Grid,
    Ring,
    evaluate,
    ks_test,
    wasserstein_to_target,
)

REQUIRED_1D = {
    "n",
    "mean",
    "std",
    "skewness",
    "excess_kurtosis",
    "mean_error",
    "std_error",
    "std_ratio",
    "ks_statistic",
    "ks_pvalue",
    "wasserstein",
    "cvm_statistic",
    "cvm_pvalue",
    "ad_statistic",
    "ad_pvalue",
    "energy_distance",
    "label",
    "converged",
}
REQUIRED_2D = REQUIRED_1D | {
    "mmd",
    "mmd_pvalue",
    "sliced_wasserstein",
    "modes_covered",
    "high_quality_fraction",
    "mode_kl",
}


def _plain(d):
    for key, value in d.items():
        assert type(value) in (int, float, str, bool), (key, type(value))
    json.loads(json.dumps(d))  # JSON (NaN allowed, as Python's json writes it)


def test_report_fields_used_by_other_code():
    x = Gaussian().sample(3000, np.random.default_rng(0))
    r = evaluate(x)
    assert r.n == 3000 and isinstance(r.label, str) and isinstance(r.converged, bool)
    assert r.ks.statistic == ks_test(x).statistic and r.ks.pvalue == ks_test(x).pvalue
    assert r.moments.mean_error == pytest.approx(x.mean() - 4.0)
    assert r.moments.std_error == pytest.approx(x.std(ddof=1) - 1.25)
    assert isinstance(r.wasserstein, float) and r.wasserstein == wasserstein_to_target(x)
    d = r.to_dict()
    assert REQUIRED_1D <= set(d)
    _plain(d)
    assert d["ks_statistic"] == r.ks.statistic and d["label"] == r.label


@pytest.mark.parametrize("target", [Ring(), Grid()], ids=lambda t: t.spec)
def test_two_d_report(target):
    x = target.sample(1500, np.random.default_rng(1))
    r = evaluate(x, target)
    d = r.to_dict()
    assert REQUIRED_2D <= set(d)
    _plain(d)
    assert d["modes_covered"] == len(target.modes) and r.label == "converged"
    assert math.isnan(d["ks_statistic"]) and math.isnan(r.wasserstein)  # 1-D only, documented
    assert d["mean_0"] == pytest.approx(x[:, 0].mean()) and d["total_std_ratio"] == pytest.approx(
        1, abs=0.05
    )
    assert r.mmd.pvalue > 1e-3 and d["sliced_wasserstein"] < 0.1
    assert evaluate(x, target) == r  # seeded reference sample, subsamples and permutations


def test_mixture_report_has_mode_keys():
    t = GaussianMixture()
    d = evaluate(t.sample(2000, np.random.default_rng(2)), t).to_dict()
    assert d["modes_covered"] == 2 and d["label"] == "converged"


def test_shapes_n_and_n_by_1_agree_and_lists_work():
    x = Gaussian().sample(500, np.random.default_rng(3))
    assert (
        evaluate(x).to_dict() == evaluate(x[:, 0]).to_dict() == evaluate(x[:, 0].tolist()).to_dict()
    )
    assert evaluate(x[:, 0].astype(np.float32)).n == 500
    assert evaluate(np.arange(100), "uniform:0,100").n == 100  # integers are numbers


def test_diverged_report_is_complete():
    x = np.r_[Gaussian().sample(99, np.random.default_rng(4))[:, 0], np.nan]
    r = evaluate(x)
    d = r.to_dict()
    assert REQUIRED_1D <= set(d)
    _plain(d)
    assert d["label"] == "diverged" and d["converged"] is False and d["n_nonfinite"] == 1
    assert all(
        math.isnan(d[k]) for k in ("ks_statistic", "wasserstein", "mean_error", "std", "ad_pvalue")
    )
    d2 = evaluate(np.full((50, 2), np.inf), Ring()).to_dict()
    assert REQUIRED_2D <= set(d2) and math.isnan(d2["mmd"]) and math.isnan(d2["modes_covered"])
    _plain(d2)


@pytest.mark.parametrize(
    "samples, target, error, message",
    [
        ([], Gaussian(), ValueError, r"samples must contain at least 2 samples, got 0"),
        (
            [4.0],
            Gaussian(),
            ValueError,
            r"samples must contain at least 2 samples, got 1 \(shape \(1, 1\)\)",
        ),
        (
            np.zeros((10, 3)),
            Gaussian(),
            ValueError,
            r"samples must have shape \(n,\) or \(n, 1\) for a 1-D target, got \(10, 3\)",
        ),
        (
            np.zeros(10),
            Ring(),
            ValueError,
            r"samples must have shape \(n, 2\) for a 2-D target, got \(10,\)",
        ),
        (np.zeros((10, 2, 1)), Ring(), ValueError, r"got \(10, 2, 1\)"),
        ("1,2,3", Gaussian(), TypeError, r"samples must be a numeric array, got str '1,2,3'"),
        (None, Gaussian(), TypeError, r"samples must be a numeric array, got NoneType"),
        (
            np.array([1 + 2j, 3j]),
            Gaussian(),
            TypeError,
            r"samples must hold real numbers .* got dtype complex128",
        ),
        (np.array([True, False]), Gaussian(), TypeError, r"got dtype bool"),
        (
            [[1.0], [2.0, 3.0]],
            Gaussian(),
            TypeError,
            r"samples could not be converted|samples must hold real numbers",
        ),
        (np.zeros(10), "gauss", ValueError, r"target spec 'gauss': unknown kind"),
        (np.zeros(10), 42, TypeError, r"target must be a target .* got int 42"),
    ],
)
def test_bad_input_names_the_argument(samples, target, error, message):
    with pytest.raises(error, match=message):
        evaluate(samples, target)


def test_bad_options():
    x = np.zeros(10)
    with pytest.raises(ValueError, match=r"confidence_level must satisfy 0 < value < 1, got 95"):
        evaluate(x, confidence_level=95)
    with pytest.raises(
        TypeError, match=r"history must be a sequence of Reports, mappings or bools, got int"
    ):
        evaluate(x, history=3)


def test_confidence_intervals_on_request():
    x = Gaussian().sample(1000, np.random.default_rng(5))
    d = evaluate(x, confidence_level=0.95, n_resamples=200).to_dict()
    assert d["mean_ci_low"] < d["mean"] < d["mean_ci_high"]
    assert "mean_ci_low" not in evaluate(x).to_dict()


def test_calibrated_percentiles():
    t = Gaussian()
    good = t.sample(1000, np.random.default_rng(6))
    r = evaluate(good, calibrate=True, n_null=100)
    assert set(r.null_percentiles) == {
        "ks_statistic",
        "cvm_statistic",
        "ad_statistic",
        "wasserstein",
        "energy_distance",
        "abs_mean_error",
        "abs_std_ratio_deviation",
    }
    assert all(0 <= p <= 100 for p in r.null_percentiles.values())
    assert "percentile" in r.summary()
    bad = evaluate(good + 0.3, calibrate=True, n_null=100)
    assert (
        bad.null_percentiles["abs_mean_error"] == 100.0
        and bad.null_percentiles["ks_statistic"] == 100.0
    )
    d = bad.to_dict()
    assert d["ks_statistic_null_percentile"] == 100.0
    _plain(d)
    ring = evaluate(Ring().sample(300, np.random.default_rng(7)), "ring", calibrate=True, n_null=20)
    assert set(ring.null_percentiles) == {
        "energy_distance",
        "mmd",
        "sliced_wasserstein",
        "mode_kl",
        "low_quality_fraction",
    }


def test_summary_reads_well():
    s = evaluate(Gaussian().sample(2000, np.random.default_rng(8))).summary()
    assert s.startswith("converged: n=2000 vs gaussian:4,1.25: KS D=")
    assert "modes 8/8" in evaluate(Ring().sample(500, np.random.default_rng(9)), Ring()).summary()
