"""An MLP ensemble drawn straight into its stacked weights is the ensemble of its members
built one by one: the same weights to the bit, the same module."""

from __future__ import annotations

import pytest
import torch

from ganzoo import MLPSpec
from ganzoo._networks import StackedMLP, build_ensemble
from ganzoo._streams import Stream, torch_generator

SPECS = {
    "default": MLPSpec(),
    "deep-tanh-head": MLPSpec(width=8, depth=3, activation="tanh", output="tanh"),
    "no-hidden-layer": MLPSpec(depth=0),
    "minibatch-std": MLPSpec(width=5, depth=2, minibatch_std=True),
    "minibatch-std-no-hidden": MLPSpec(depth=0, minibatch_std=True),
    "orthogonal": MLPSpec(width=6, depth=2, orthogonal_gain=1.4),
}


def generators(seeds):
    return [torch_generator(seed, Stream.INIT_DISCRIMINATOR) for seed in seeds]


@pytest.mark.parametrize("spec", SPECS.values(), ids=SPECS.keys())
def test_the_drawn_ensemble_is_the_stack_of_its_members(spec):
    direct = spec.build_ensemble(3, 2, generators(range(5)))
    one_by_one = spec.ensemble([spec.build(3, 2, generator=g) for g in generators(range(5))])
    assert type(direct) is StackedMLP and direct.spec == spec
    assert direct.state_dict().keys() == one_by_one.state_dict().keys()
    for key, value in one_by_one.state_dict().items():
        assert torch.equal(direct.state_dict()[key], value) and direct.state_dict()[key].is_contiguous(), key
    x = torch.randn(5, 7, 3, generator=torch.Generator().manual_seed(1))
    assert torch.equal(direct(x), one_by_one(x))


def test_spectral_norm_builds_its_members_for_their_power_vectors():
    spec = MLPSpec(width=4, spectral_norm=True)
    ensemble = spec.build_ensemble(1, 1, generators(range(3)))
    assert ensemble.sn_u_0.shape == (3, 4) and ensemble.sn_v_1.shape == (3, 4)


def test_the_trainers_ensembles_are_built_in_its_dtype():
    ensemble = build_ensemble(MLPSpec(), 1, 1, generators([0, 1]), name="generator", device=torch.device("cpu"), dtype=torch.float64)
    assert all(p.dtype == torch.float64 for p in ensemble.parameters())
