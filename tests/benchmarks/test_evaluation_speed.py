"""Speed of the evaluation package (pytest-benchmark; no timed assertions).

Run: pytest tests/benchmarks -m benchmark --benchmark-enable --benchmark-json=bench.json
Targets on the 2-core reference machine: evaluate() with the default 1-D battery on 10,000
samples <= 20 ms; MMD (with its permutation p-value) on 10,000 2-D samples <= 200 ms.
"""

from __future__ import annotations

import numpy as np
import pytest

from evaluation import Gaussian, GaussianMixture, Ring, evaluate, evaluate_many, mmd_test, reference_sample

N = 10_000


@pytest.fixture(scope="module")
def gaussian_sample():
    return Gaussian().sample(N, np.random.default_rng(0))


@pytest.mark.benchmark(group="evaluate")
def test_evaluate_1d_default_battery_10k(benchmark, gaussian_sample):
    report = benchmark(evaluate, gaussian_sample)
    assert report.label == "converged"


@pytest.mark.benchmark(group="evaluate")
def test_evaluate_1d_mixture_10k(benchmark):
    target = GaussianMixture()
    x = target.sample(N, np.random.default_rng(1))
    report = benchmark(evaluate, x, target)
    assert report.modes.modes_covered == 2


@pytest.mark.benchmark(group="two-sample")
def test_mmd_2d_10k(benchmark):
    ring = Ring()
    x = ring.sample(N, np.random.default_rng(2))
    ref = reference_sample(ring, N, seed=0)
    result = benchmark(mmd_test, x, ref)
    assert result.pvalue > 0


@pytest.mark.benchmark(group="evaluate")
def test_evaluate_2d_ring_10k(benchmark):
    ring = Ring()
    x = ring.sample(N, np.random.default_rng(3))
    report = benchmark(evaluate, x, ring)
    assert report.label == "converged"


@pytest.fixture(scope="module")
def ensemble_check():
    """An ensemble's periodic check: 64 members' 1,000 samples, most of them bad fits
    (large statistics: the long Cramér–von Mises series)."""
    rng = np.random.default_rng(4)
    return rng.normal(size=(64, 1000)) * rng.uniform(0.05, 3.0, (64, 1)) + rng.uniform(-2.0, 8.0, (64, 1))


@pytest.mark.benchmark(group="ensemble-check")
def test_evaluate_one_by_one_64_members(benchmark, ensemble_check):
    reports = benchmark(lambda: [evaluate(x) for x in ensemble_check])
    assert len(reports) == 64


@pytest.mark.benchmark(group="ensemble-check")
def test_evaluate_many_64_members(benchmark, ensemble_check):
    reports = benchmark(evaluate_many, ensemble_check)
    assert len(reports) == 64
