"""Convergence: the recommended settings learn N(4, 1.25); the reference defaults do not.

The protocol (``ganzoo._convergence``): a run succeeds when it is labelled ``converged`` at
each of the 4 checks over the last 10 % of its 20,000 generator steps, on 10,000 samples,
where the verdict's thresholds are exactly KS D <= 0.02, |mean error| <= 0.05 and
|std ratio - 1| <= 0.05.

The property tests train each recommended setting on a fixed set of :data:`TEST_SEEDS`
(disjoint from the search seeds) and require the number of successes to lie in
:func:`pass_band`: the central ``1 - ALPHA`` interval of the number a setting would reach
on 16 seeds given its confirmation on 64 fresh seeds (``docs/convergence/confirm.jsonl``,
the numbers of ``docs/convergence.md``): the beta-binomial predictive distribution with
Jeffreys' prior, so the documented rate's own uncertainty is counted. Each such test fails
with probability <= ALPHA = 1 % when the documentation is right, and it is two-sided: a
setting documented at 94 % fails when it drops to 50 % (probability 0.89), and one
documented at 5 % fails when it suddenly succeeds on 5 or more of 16 seeds (the document
would be wrong). A variant whose current ``recommended_settings`` has no confirmation
row fails its test (a changed setting must be confirmed before it ships), unless the
variant has never been confirmed at all: a new variant is skipped, with a message saying
how to confirm it, until its first confirmation row is written.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
import torch

from bands import ALPHA, pass_band

from benchmarks.convergence_search import confirmations, confirmed
from evaluation import DEFAULT_THRESHOLDS, Gaussian
from ganzoo import VARIANTS, Adam, GANConfig, NonSaturatingGAN, VanillaGAN
from ganzoo._convergence import EVAL_SAMPLES, TAIL_CHECKS, check_schedule, strict_outcome, strict_threshold_floor
from ganzoo._streams import STANDARDIZE_SAMPLES, Stream, numpy_rng
from ganzoo.engine import unsupported_features

TEST_SEEDS = range(2000, 2016)  # the first 16 of the 64 confirmation seeds (search: 1000-1031)


def documented(cls) -> dict:
    """The confirmation of a variant's current recommended setting on 64 fresh seeds.

    Skips a variant with no recommended setting, or one never confirmed (a new variant);
    fails for a variant whose setting changed since its last confirmation.
    """
    if not cls.recommended_settings:
        pytest.skip(f"{cls.__name__} declares no recommended setting")
    if not confirmations(cls.name):
        pytest.skip(
            f"{cls.name}: not confirmed yet; run `python -m benchmarks.convergence_search confirm --variants {cls.name}`"
        )
    row = confirmed(cls)
    assert row is not None, f"{cls.name}: its recommended setting has no confirmation in docs/convergence/confirm.jsonl"
    return row


def assert_in_band(name: str, outcome, row: dict) -> None:
    low, high = pass_band(row["successes"], row["seeds"], len(outcome.seeds))
    assert low <= outcome.successes <= high, (
        f"{name}: {outcome.successes}/{len(outcome.seeds)} seeds met the strict verdict, outside [{low}, {high}] "
        f"(documented {row['successes']}/{row['seeds']}); {outcome.summary()}"
    )


# -- the protocol ------------------------------------------------------------------------


def test_protocol_checks_the_last_tenth_at_the_exact_thresholds():
    head, every = check_schedule(20_000)
    assert (head, every, TAIL_CHECKS, EVAL_SAMPLES) == (18_000, 500, 4, 10_000)
    # At n = 10,000 the noise floor of Thresholds(noise_quantile=0.999) is inactive ...
    assert strict_threshold_floor() == pytest.approx(
        {"ks_statistic": 0.02, "abs_mean_error": 0.05, "abs_std_ratio_deviation": 0.05}
    )
    # ... while at the default eval_samples = 2,000 it would loosen KS D to ~0.044.
    assert strict_threshold_floor(2_000)["ks_statistic"] > 0.04
    assert DEFAULT_THRESHOLDS.ks_statistic == 0.02


def test_pass_band_is_two_sided_with_the_stated_false_failure_rate():
    for k in (0, 3, 52, 60, 64):
        low, high = pass_band(k, 64, 16)
        predictive = scipy.stats.betabinom(16, k + 0.5, 64 - k + 0.5)
        assert predictive.cdf(low - 1) <= ALPHA / 2 and predictive.sf(high) <= ALPHA / 2
    # Every band can fail: a low documented rate from above, a high one from below.
    assert pass_band(3, 64, 16) == (0, 4)  # 5 or more of 16: the documented 5 % is wrong
    assert pass_band(60, 64, 16)[0] >= 11  # a 94 % setting that dropped to 50 % fails ...
    assert scipy.stats.binom.cdf(pass_band(60, 64, 16)[0] - 1, 16, 0.5) > 0.85  # ... w.p. 0.89
    assert pass_band(0, 64, 16)[1] < 16 and pass_band(64, 64, 16)[0] > 0


# -- standardize ---------------------------------------------------------------------------


def test_standardize_is_an_exact_affine_reparametrization_in_units_estimated_from_data():
    """Standardized training on N(4, 1.25) is training on the data mapped to the estimated
    standard units (x -> (x - m) / s), then mapped back by x -> m + s x; m and s are the
    mean and std of 10,000 seeded draws, not the target's exact moments."""
    torch.set_num_threads(1)
    mu, sigma = 4.0, 1.25
    for engine in ("autograd", "fused"):
        a = NonSaturatingGAN(seeds=[3, 4], standardize=True, dtype=torch.float64, engine=engine)
        a.fit(Gaussian(mu, sigma), steps=300, eval_every=0)
        units = a.trainer.standard_units
        draws = Gaussian(mu, sigma).sample(STANDARDIZE_SAMPLES, numpy_rng(0, Stream.STANDARDIZE))[:, 0]
        assert (units.location[0], units.scale[0]) == (draws.mean(), draws.std(ddof=1))
        assert units.location[0] != mu and abs(units.location[0] - mu) < 5 * sigma / math.sqrt(STANDARDIZE_SAMPLES)
        m, s = float(units.location[0]), float(units.scale[0])
        b = NonSaturatingGAN(seeds=[3, 4], dtype=torch.float64, engine=engine)
        b.fit(Gaussian((mu - m) / s, sigma / s), steps=300, eval_every=0)
        np.testing.assert_allclose(a.sample(500, seed=1), m + s * b.sample(500, seed=1), rtol=1e-9, atol=1e-9)
        x = np.linspace(0, 8, 9)[:, None]
        np.testing.assert_allclose(a.discriminate(x), b.discriminate((x - m) / s), rtol=1e-9, atol=1e-9)


def test_standardize_defaults_off_validates_and_is_recorded():
    assert all(cls.defaults.standardize is False for cls in VARIANTS.values())
    config = GANConfig(loss=VanillaGAN.defaults.loss, standardize=True)
    assert config.to_dict()["standardize"] is True
    assert unsupported_features(config) == []  # the fused engine trains it unchanged
    with pytest.raises(TypeError, match="standardize must be True or False"):
        GANConfig(loss=VanillaGAN.defaults.loss, standardize=1)

    class NoMoments:
        dim, mean, std, spec = 1, math.nan, math.nan, "cauchy"

        def sample(self, n, rng):
            return rng.standard_cauchy((n, 1))

    with pytest.raises(ValueError, match="finite mean and positive finite std"):
        NonSaturatingGAN(seed=0, standardize=True).fit(NoMoments(), steps=1, eval_every=0)


# -- recommended settings ------------------------------------------------------------------


@pytest.mark.parametrize("name", list(VARIANTS))
def test_every_variant_has_a_recommended_setting(name):
    cls = VARIANTS[name]
    if not cls.recommended_settings:
        pytest.skip(f"{cls.__name__} declares no recommended setting")
    gan = cls.recommended(seeds=range(2))
    assert type(gan) is cls and gan.seeds == [0, 1]
    for key, value in cls.recommended_settings.items():
        assert getattr(gan.config, key) == value
    assert cls.recommended(seed=0, steps=10).config.steps == 10  # overrides win
    # Written out in the docstring, and budgeted within the reference program's.
    assert "Recommended" in cls.__doc__
    assert gan.config.steps <= 20_000 and gan.config.batch_size <= 64


def test_vanilla_defaults_stay_the_reference_program():
    config = VanillaGAN.defaults
    assert (config.g_optimizer, config.d_optimizer) == (Adam(lr=0.01), Adam(lr=0.01))
    assert (config.batch_size, config.steps, config.n_critic, config.ema_decay) == (64, 20_000, 1, 0.0)
    assert config.standardize is False and config.lr_decay is None and not config.penalties
    assert VanillaGAN(seed=0).config == config


@pytest.mark.parametrize("name", list(VARIANTS))
def test_recommended_setting_converges_on_its_documented_fraction(name):
    torch.set_num_threads(1)
    row = documented(VARIANTS[name])
    assert_in_band(name, strict_outcome(VARIANTS[name].recommended(seeds=TEST_SEEDS)), row)


def test_reference_defaults_reproduce_their_documented_failure():
    """VanillaGAN as the reference program wrote it: no seed converges, most end far off."""
    torch.set_num_threads(1)
    outcome = strict_outcome(VanillaGAN(seeds=TEST_SEEDS))
    # Documented: 0/64 fresh seeds (Wilson upper bound 5.7 %): P(>= 2 of 16) <= 0.23 % there.
    assert outcome.successes <= 1
    final = outcome.labels[:, -1]
    assert np.median(outcome.ks_statistic[:, -1]) > 0.2  # far from the target, not near misses
    assert np.isin(final, ["not_converged", "collapsed", "biased", "diverged"]).mean() >= 0.9


@pytest.mark.slow
@pytest.mark.parametrize("name", list(VARIANTS))
def test_recommended_setting_on_64_fresh_seeds(name):
    """The confirmation of docs/convergence.md: 64 seeds the search never saw."""
    torch.set_num_threads(1)
    row = documented(VARIANTS[name])
    assert_in_band(name, strict_outcome(VARIANTS[name].recommended(seeds=range(2000, 2064))), row)
