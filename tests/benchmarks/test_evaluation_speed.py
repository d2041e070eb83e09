"""Speed of the evaluation package (pytest-benchmark; no timed assertions).

Run: pytest tests/benchmarks -m benchmark --benchmark-enable --benchmark-json=bench.json
Targets on the 2-core reference machine: evaluate() with the default 1-D battery on 10,000
samples <= 20 ms; MMD (with its permutation p-value) on 10,000 2-D samples <= 200 ms.
"""

from __future__ import annotations

import numpy as np
import pytest

from evaluation import Gaussian, GaussianMixture, Ring, evaluate, mmd_test, reference_sample

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
