"""Mode collapse's tools: target families, recommended settings per family, the 2-D mode figure."""

from __future__ import annotations

import numpy as np
import pytest

from evaluation import Grid, Ring
from ganzoo import WGAN, MinimaxGAN, NonSaturatingGAN
from ganzoo._targets import TARGET_FAMILIES, target_family
from evaluation._literature_modes import high_quality_modes
from ganzoo.study._mode_figures import optimal_discriminator


@pytest.mark.parametrize(
    ("target", "family"),
    [(None, "unimodal"), ("gaussian:0,2", "unimodal"), ("scipy:gamma,a=2", "unimodal"), ("mixture", "mixture"),
     ("ring", "ring"), (Ring(n_modes=6), "ring"), ("grid", "grid"), (Grid(side=3), "grid"), ("dirac:3", "unimodal")],
)  # fmt: skip
def test_target_families(target, family):
    assert target_family(target) == family and family in TARGET_FAMILIES


def test_a_target_of_no_family_is_named():
    with pytest.raises(ValueError, match="target 'dirac:1,2' belongs to no family .*unimodal, mixture, ring, grid"):
        target_family("dirac:1,2")


def test_recommended_without_a_target_is_the_unimodal_setting():
    assert NonSaturatingGAN.recommended(seed=0).config == NonSaturatingGAN(seed=0, **NonSaturatingGAN.recommended_settings).config
    assert NonSaturatingGAN.recommended(seed=0, target="gaussian:0,3").config == NonSaturatingGAN.recommended(seed=0).config


def test_a_family_without_a_recommended_setting_is_a_clear_error():
    with pytest.raises(ValueError, match=r"WGAN has no recommended setting for grid targets such as 'grid'; it has one for: unimodal; MinimaxGAN has one for grid \(docs/modes.md\)"):
        WGAN.recommended(seed=0, target="grid")
    with pytest.raises(ValueError, match=r"MinimaxGAN .*: unimodal, grid; NonSaturatingGAN has one for ring \("):
        MinimaxGAN.recommended(seed=0, target="ring")


def test_high_quality_modes_marks_high_quality_points_only():
    ring = Ring()  # radius 2, std 0.02: high quality within 0.06 of a mode
    modes = ring.modes
    sample = np.array([modes[0], modes[3] + [0.05, 0.0], modes[5] + [0.07, 0.0], [0.0, 0.0]])
    assert high_quality_modes(sample, ring).tolist() == [0, 3, -1, -1]


def test_the_optimal_discriminator_compares_cell_masses():
    """On a 3 x 3 grid of spacing 1 around the one mode of a tight mixture, P is 1 in the
    centre cell; a sample with half its points there and half in a corner gives
    D* = 1 / (1 + 1/2) in the centre, 0 in the corner, NaN where both vanish."""

    class Run:  # the two stored fields that D* reads
        grid = np.array([[x, y] for y in (-1.0, 0.0, 1.0) for x in (-1.0, 0.0, 1.0)])
        sample = np.array([[0.0, 0.0], [0.1, 0.0], [1.0, 1.0], [0.9, 1.1]], dtype=np.float32)

    target = Grid(side=1, mode_std=0.01)  # one mode, at the origin
    d_star = optimal_discriminator(Run, target)
    assert d_star[4] == pytest.approx(1 / 1.5, rel=1e-9)
    assert d_star[8] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(d_star[0])
