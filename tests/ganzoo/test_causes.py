"""A cause for every failed run: each rule on a constructed record, and the precedence."""

import math

import numpy as np
import pytest

from evaluation import Gaussian, evaluate
from ganzoo._causes import CAUSES, COLLAPSED_STD_RATIO, SATURATED_RATIO, Trace, failure_cause

CHECKS = 20
STEPS = np.arange(1, CHECKS + 1) * 1000


def record(*, labels=None, traces=None, diverged_at=-1, **scores) -> Trace:
    """A record of CHECKS checks: flat, not converged, no trend, unless given."""
    noise = np.random.default_rng(0).uniform(-1, 1, CHECKS)
    base = {
        "ks_statistic": 0.1 + 0.01 * noise,
        "mean_error": 0.02 * noise,
        "std_ratio": np.exp(0.02 * noise),
        "modes_covered": np.full(CHECKS, math.nan),
    }
    base.update({key: np.asarray(value, dtype=float) for key, value in scores.items()})
    healthy = {"d_dead_fraction": np.full(CHECKS, 0.5), "g_gradient_ratio": np.ones(CHECKS)}
    return Trace(
        eval_steps=STEPS,
        scores=base,
        labels=np.array(labels if labels is not None else ["not_converged"] * CHECKS, dtype=object),
        traces=healthy | {key: np.asarray(value, dtype=float) for key, value in (traces or {}).items()},
        diverged_at=diverged_at,
    )


def final(**changes) -> dict:
    """A final report: not converged, shape wrong, moments fine."""
    report = {
        "label": "not_converged",
        "converged": False,
        "std": 1.25,
        "std_ratio": 1.0,
        "mean_error": 0.01,
        "skewness_error": 0.8,
        "excess_kurtosis_error": 1.1,
        "reasons": "KS D 0.1 > 0.02",
    }
    return report | changes


def test_a_converged_run_has_no_cause():
    assert failure_cause(final(label="converged", converged=True), record()).name == ""


def test_the_catch_all_is_misshapen_with_the_shape_errors_as_evidence():
    cause = failure_cause(final(), record())
    assert cause.name == "misshapen" and cause.since is None
    assert "skewness error 0.8" in cause.evidence and "excess kurtosis error 1.1" in cause.evidence


def test_diverged_keeps_the_step_and_the_reason():
    cause = failure_cause(final(label="diverged", reasons="training diverged at step 512: non-finite loss"), record(diverged_at=512))
    assert (cause.name, cause.since) == ("diverged", 512)
    assert "non-finite loss" in cause.evidence


def test_a_dead_discriminator_is_dated_from_the_check_it_stayed_dead():
    dead = np.r_[np.full(5, 0.9), 1.0, 0.9, np.ones(CHECKS - 7)]  # dead, revived once, then dead to the end
    cause = failure_cause(final(), record(traces={"d_dead_fraction": dead, "d_score_range": np.zeros(CHECKS)}))
    assert (cause.name, cause.since) == ("discriminator_dead", int(STEPS[7]))
    assert "score range on the data 0" in cause.evidence


def test_a_discriminator_dead_before_the_end_but_alive_at_it_is_not_the_cause():
    dead = np.r_[np.ones(CHECKS - 1), 0.9]
    assert failure_cause(final(), record(traces={"d_dead_fraction": dead})).name == "misshapen"


def test_saturation_is_a_gradient_ratio_below_the_threshold_at_the_end():
    ratio = np.r_[np.ones(10), np.full(CHECKS - 10, SATURATED_RATIO / 10)]
    cause = failure_cause(final(), record(traces={"g_gradient_ratio": ratio}))
    assert (cause.name, cause.since) == ("discriminator_saturated", int(STEPS[10]))
    just_above = np.full(CHECKS, SATURATED_RATIO)
    assert failure_cause(final(), record(traces={"g_gradient_ratio": just_above})).name == "misshapen"


def test_collapse_is_the_final_spread_below_a_quarter_of_the_targets():
    spread = np.r_[np.ones(12), np.full(CHECKS - 12, 0.05)]
    cause = failure_cause(final(std_ratio=0.05), record(std_ratio=spread))
    assert (cause.name, cause.since) == ("generator_collapsed", int(STEPS[12]))
    assert failure_cause(final(std_ratio=COLLAPSED_STD_RATIO), record()).name != "generator_collapsed"
    # 2-D: the total-std ratio (std_ratio is NaN there)
    two_d = final(std_ratio=math.nan, std=math.nan, total_std_ratio=0.1)
    assert failure_cause(two_d, record(std_ratio=np.full(CHECKS, math.nan))).name == "generator_collapsed"


def test_dropped_modes():
    covered = np.r_[np.full(3, 8.0), np.full(CHECKS - 3, 5.0)]
    cause = failure_cause(final(modes_covered=5, n_modes=8), record(modes_covered=covered))
    assert (cause.name, cause.since) == ("modes_dropped", int(STEPS[3]))
    assert "5 of 8 modes" in cause.evidence


def test_oscillation_in_pass_fail_and_in_the_mean_and_the_scale():
    flipping = ["not_converged"] * 10 + ["converged", "not_converged"] * 5
    assert failure_cause(final(), record(labels=flipping)).name == "oscillating"
    swinging = np.r_[np.zeros(10), np.tile([0.3, -0.3], 5)] * 1.25  # +-0.3 target sd
    cause = failure_cause(final(), record(mean_error=swinging))
    assert cause.name == "oscillating" and cause.since == int(STEPS[10]) and "mean swung" in cause.evidence
    breathing = np.exp(np.r_[np.zeros(10), np.tile([0.3, -0.3], 5)])
    assert "std swung" in failure_cause(final(), record(std_ratio=breathing)).evidence
    # Swings inside the band are noise, not oscillation.
    small = np.r_[np.zeros(10), np.tile([0.05, -0.05], 5)] * 1.25
    assert failure_cause(final(), record(mean_error=small)).name == "misshapen"


def test_too_slow_is_a_distance_still_falling_at_the_end():
    falling = np.linspace(0.5, 0.05, CHECKS)
    cause = failure_cause(final(), record(ks_statistic=falling))
    assert (cause.name, cause.since) == ("too_slow", int(STEPS[CHECKS // 2]))
    assert "Kendall tau -1.00" in cause.evidence
    settled = np.r_[np.linspace(0.5, 0.1, 10), 0.1 + 0.01 * np.random.default_rng(1).uniform(-1, 1, 10)]
    assert failure_cause(final(), record(ks_statistic=settled)).name == "misshapen"


def test_off_target_is_the_biased_label():
    cause = failure_cause(final(label="biased", mean_error=0.8), record(labels=["biased"] * CHECKS))
    assert (cause.name, cause.since) == ("off_target", int(STEPS[0]))
    assert "mean error 0.8" in cause.evidence


def test_a_sample_far_from_the_data_is_off_target_whatever_its_shape():
    far = np.r_[np.zeros(15), np.full(5, 2.0)]  # 2 / 1.25 = 1.6 target sd off at the last 5 checks
    cause = failure_cause(final(mean_error=2.0), record(mean_error=far))
    assert (cause.name, cause.since) == ("off_target", int(STEPS[15]))
    assert "1.6 target sd" in cause.evidence
    assert failure_cause(final(mean_error=1.2), record()).name == "misshapen"  # 0.96 sd


def test_precedence_follows_the_documented_order():
    # Every condition at once: each rule in turn wins once those before it are removed.
    conditions = {
        "diverged": {"diverged_at": 100},
        "discriminator_dead": {"traces": {"d_dead_fraction": np.ones(CHECKS)}},
        "discriminator_saturated": {"traces": {"g_gradient_ratio": np.full(CHECKS, 1e-4)}},
        "generator_collapsed": {"std_ratio": np.full(CHECKS, 0.1)},
        "modes_dropped": {},
        "oscillating": {"labels": ["not_converged"] * 10 + ["converged", "not_converged"] * 5},
        "too_slow": {"ks_statistic": np.linspace(0.5, 0.05, CHECKS)},
        "off_target": {},
    }
    finals = {"generator_collapsed": {"std_ratio": 0.1}, "modes_dropped": {"modes_covered": 3, "n_modes": 8},
              "off_target": {"label": "biased"}}  # fmt: skip
    for i, expected in enumerate(CAUSES[:-1]):
        kept = CAUSES[i:-1]
        arguments, traces, report = {}, {}, final()
        for name in kept:
            condition = dict(conditions[name])
            traces.update(condition.pop("traces", {}))
            arguments.update(condition)
            report.update(finals.get(name, {}))
        if "off_target" in kept and "oscillating" not in kept:
            arguments["labels"] = ["biased"] * CHECKS
        assert failure_cause(report, record(traces=traces, **arguments)).name == expected, kept


def test_a_record_without_checks_still_gets_a_cause_from_its_final_sample():
    empty = Trace(eval_steps=np.array([], dtype=int), scores={}, labels=np.array([], dtype=object), traces={})
    sample = np.random.default_rng(0).normal(4.0, 0.1, (10_000, 1))
    assert failure_cause(evaluate(sample, Gaussian()).to_dict(), empty).name == "generator_collapsed"
    with pytest.raises(ValueError, match="history.member"):
        from ganzoo import VanillaGAN

        gan = VanillaGAN(seeds=range(2))
        gan.fit(steps=20, eval_every=10, progress=False)
        Trace.of_history(gan.trainer.history)
