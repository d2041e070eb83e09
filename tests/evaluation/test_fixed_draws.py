"""FixedDraws: a target seen through n draws made once, scored as its base distribution."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation import FixedDraws, Gaussian, Ring, evaluate, reference_sample, target_from_spec


def test_samples_are_rows_of_the_draws_made_once_from_the_seed():
    target = FixedDraws(Ring(8, 1.0, 0.01), n=500, seed=3)
    expected = Ring(8, 1.0, 0.01).sample(500, np.random.default_rng(3))
    np.testing.assert_array_equal(target.data, expected)
    batch = target.sample(4000, np.random.default_rng(0))
    rows = {tuple(row) for row in expected}
    assert all(tuple(row) in rows for row in batch)
    assert len({tuple(row) for row in batch}) > 450  # with replacement, uniformly: most rows appear
    assert not target.data.flags.writeable
    other = FixedDraws(Ring(8, 1.0, 0.01), n=500, seed=4)
    assert not np.array_equal(other.data, target.data) and other != target


def test_every_exact_member_is_the_base_distributions():
    ring = Ring(8, 1.0, 0.01)
    target = FixedDraws(ring, n=100)
    np.testing.assert_array_equal(target.modes, ring.modes)
    assert (target.mode_std, target.dim) == (ring.mode_std, 2)
    np.testing.assert_array_equal(target.weights, ring.weights)
    gaussian = FixedDraws(Gaussian(4, 1.25), n=100)
    x = np.linspace(0, 8, 9)
    np.testing.assert_array_equal(gaussian.cdf(x), Gaussian(4, 1.25).cdf(x))
    assert (gaussian.mean, gaussian.std) == (4.0, 1.25)
    with pytest.raises(AttributeError, match="no attribute 'split'"):
        target.split  # noqa: B018 (not a target member: not forwarded)


def test_scores_compare_with_the_base_not_with_the_draws():
    """A sample equal to the 20 draws themselves fits the draws perfectly but is scored as
    20 points of N(4, 1.25); a two-sample reference comes from the base."""
    target = FixedDraws(Gaussian(4, 1.25), n=20, seed=1)
    assert evaluate(target.data[:, 0], target).ks.statistic == evaluate(target.data[:, 0], Gaussian(4, 1.25)).ks.statistic
    ring = FixedDraws(Ring(8, 1.0, 0.01), n=50)
    np.testing.assert_array_equal(reference_sample(ring, 1000), reference_sample(Ring(8, 1.0, 0.01), 1000))


def test_the_spec_round_trips_and_bad_input_is_named():
    target = target_from_spec("fixed:100000,0:ring:8,1,0.01")
    assert target == FixedDraws(Ring(8, 1.0, 0.01), n=100_000, seed=0)
    assert target.spec == "fixed:100000,0:ring:8,1,0.01" and target_from_spec(target.spec) == target
    assert target_from_spec("fixed:30:gaussian") == FixedDraws(Gaussian(), n=30)
    for spec, message in [
        ("fixed", "'fixed' needs arguments"),
        ("fixed:10", "no base target after n,seed"),
        ("fixed:10,0,1:ring", "at most 2 numbers"),
        ("fixed:1:ring", "n must be >= 2, got 1"),
        ("fixed:10:ring:0", "its base: target spec 'ring:0': n_modes must be >= 1"),
        ("fixed:10:fixed:5:ring", "already a fixed set of draws"),
    ]:
        with pytest.raises(ValueError, match=f"target spec '{spec}'.*{message}"):
            target_from_spec(spec)
    with pytest.raises(ValueError, match="seed must be >= 0, got -1"):
        FixedDraws(Ring(), n=10, seed=-1)
    with pytest.raises(TypeError, match=r"base must be a target, got the str 'ring'.*'fixed:10,0:ring'"):
        FixedDraws("ring", n=10)
