"""VEEGAN/PacGAN's mode metrics on constructed samples with known answers."""

import math

import numpy as np
import pytest

from evaluation import Gaussian, literature_mode_metrics, mode_coverage, target_from_spec

RING = target_from_spec("ring")  # 8 modes on a circle of radius 2, std 0.02
GRID = target_from_spec("grid")  # 25 modes at {-4, -2, 0, 2, 4}^2, std 0.05


def test_samples_on_three_of_eight_modes_and_some_far_away():
    on_modes = np.repeat(RING.modes[[0, 3, 5]], 100, axis=0)  # exactly at the centres
    far = np.full((100, 2), 10.0)
    metrics = literature_mode_metrics(np.vstack([on_modes, far]), RING)
    assert (metrics.modes_captured, metrics.n_modes) == (3, 8)
    assert metrics.high_quality_fraction == 300 / 400
    assert metrics.reverse_kl == pytest.approx(math.log(8 / 3), abs=1e-12)  # p = 1/3 on 3 of 8 equal modes
    assert metrics.counts == (100, 0, 0, 100, 0, 100, 0, 0)


def test_high_quality_is_strictly_within_three_standard_deviations():
    mode, std = GRID.modes[12], 0.05  # the centre mode (0, 0)
    inside = mode + np.array([[2.999 * std, 0.0]])
    boundary = mode + np.array([[3.0 * std, 0.0]])
    assert literature_mode_metrics(inside, GRID).high_quality_fraction == 1.0
    assert literature_mode_metrics(boundary, GRID).high_quality_fraction == 0.0  # `<`, as the authors' code


def test_one_stray_sample_captures_a_mode_here_but_does_not_cover_it_in_ganzoos_own_metric():
    x = np.vstack([np.repeat(RING.modes[:7], 300, axis=0), RING.modes[7:8]])  # mode 7 gets one sample
    assert literature_mode_metrics(x, RING).modes_captured == 8
    assert mode_coverage(x, RING).modes_covered == 7  # ganzoo wants a fifth of its expected share


def test_reverse_kl_uses_the_mixture_weights():
    mixture = target_from_spec("mixture:0.25,-2,0.5;0.75,2,0.5")
    all_on_the_light_mode = np.full((50, 1), -2.0)
    assert literature_mode_metrics(all_on_the_light_mode, mixture).reverse_kl == pytest.approx(math.log(4))
    in_proportion = np.vstack([np.full((25, 1), -2.0), np.full((75, 1), 2.0)])
    assert literature_mode_metrics(in_proportion, mixture).reverse_kl == pytest.approx(0.0, abs=1e-15)


def test_a_sample_far_from_every_mode_has_no_reverse_kl():
    metrics = literature_mode_metrics(np.full((10, 2), 7.0), RING)
    assert (metrics.modes_captured, metrics.high_quality_fraction) == (0, 0.0) and math.isnan(metrics.reverse_kl)
    assert metrics.to_dict() == {"modes_captured": 0, "n_modes": 8, "high_quality_fraction": 0.0, "reverse_kl": metrics.reverse_kl}


def test_a_sample_of_the_target_itself_captures_every_mode():
    metrics = literature_mode_metrics(GRID.sample(2500, np.random.default_rng(0)), GRID)  # PacGAN's 2,500 samples
    assert metrics.modes_captured == 25 and metrics.high_quality_fraction > 0.99 and metrics.reverse_kl < 0.02


def test_bad_input_is_refused_by_name():
    with pytest.raises(ValueError, match="mixture-like"):
        literature_mode_metrics(np.zeros((5, 1)), Gaussian())
    with pytest.raises(ValueError, match="NaN or inf|non-finite"):
        literature_mode_metrics(np.array([[0.0, math.nan]]), RING)
