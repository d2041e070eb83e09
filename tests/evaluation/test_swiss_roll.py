"""The Swiss roll target: gan_toy.py's sampler, its spec, its sample-only scoring."""

from __future__ import annotations

import math

import numpy as np
import pytest

from evaluation import SwissRoll, evaluate, target_from_spec


def test_noise_free_points_lie_on_the_spiral_t_cos_t_t_sin_t():
    x = SwissRoll(noise=0.0, scale=7.5).sample(500, np.random.default_rng(3)) * 7.5
    t = np.hypot(x[:, 0], x[:, 1])  # |(t cos t, t sin t)| = t
    assert t.min() >= 1.5 * math.pi - 1e-12 and t.max() <= 4.5 * math.pi + 1e-12
    np.testing.assert_allclose(x, np.column_stack([t * np.cos(t), t * np.sin(t)]), atol=1e-9)
    # u ~ U(0, 1) makes t uniform on [1.5π, 4.5π]: a KS test at a fixed seed
    from scipy.stats import kstest

    assert kstest(t, "uniform", args=(1.5 * math.pi, 3 * math.pi)).pvalue > 0.01


def test_noise_is_gaussian_with_the_given_std_before_scaling():
    rng, plain = np.random.default_rng(5), np.random.default_rng(5)
    noisy = SwissRoll(noise=0.25, scale=1.0).sample(4000, rng)
    u = plain.random(4000)  # the same stream: first the angles' uniforms, then the noise
    t = 1.5 * math.pi * (1 + 2 * u)
    residual = noisy - np.column_stack([t * np.cos(t), t * np.sin(t)])
    assert residual.std() == pytest.approx(0.25, rel=0.05)


def test_spec_round_trips_and_bad_arguments_are_named():
    assert target_from_spec("swissroll") == SwissRoll()
    assert target_from_spec("swissroll:0.1,2").spec == "swissroll:0.1,2"
    with pytest.raises(ValueError, match="target spec 'swissroll:-1': noise must be >= 0, got -1.0"):
        target_from_spec("swissroll:-1")
    with pytest.raises(ValueError, match="scale must be > 0"):
        SwissRoll(scale=0.0)


def test_it_is_scored_by_two_sample_tests_against_its_own_draws():
    target = SwissRoll()
    same = evaluate(target.sample(2000, np.random.default_rng(1)), target)
    shrunk = evaluate(0.5 * target.sample(2000, np.random.default_rng(1)), target)
    assert "sliced_wasserstein" in same.to_dict()["two_sample"]
    assert same.to_dict()["sliced_wasserstein"] < 0.05 < shrunk.to_dict()["sliced_wasserstein"]
