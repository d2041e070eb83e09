"""Generating samples a group of members at a time gives the bits of all members at once."""

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from ganzoo import MLPSpec, VanillaGAN
from ganzoo import _trainer
from ganzoo._networks import member_groups


@given(members=st.integers(1, 2000), size=st.integers(4, 300))
def test_groups_cover_the_members_in_order_with_no_lone_member(members, size):
    groups = member_groups(members, size)
    assert [k for g in groups for k in range(g.start, g.stop)] == list(range(members))
    assert all(g.stop - g.start <= size for g in groups)
    assert members == 1 or all(g.stop - g.start >= 2 for g in groups)


@pytest.mark.parametrize("spec", [MLPSpec(), MLPSpec(width=64, depth=2), MLPSpec(spectral_norm=True)])
def test_grouped_generation_equals_all_members_at_once(monkeypatch, spec):
    gan = VanillaGAN(seeds=range(37), generator=spec, ema_decay=0.9)
    gan.fit(steps=20, eval_every=0, progress=False)
    trainer = gan.trainer
    noise = torch.randn(37, 500, 1, generator=torch.Generator().manual_seed(0))
    whole = trainer.generate(noise)
    monkeypatch.setattr(_trainer, "GENERATE_MEMBERS", 5)
    grouped = trainer.generate(noise)
    assert (grouped == whole).all()
    with torch.no_grad():
        assert torch.equal(trainer.sampling_generator(noise).double(), torch.from_numpy(whole))


def test_a_slice_of_members_refuses_gradients():
    trainer = VanillaGAN(seeds=range(3)).build()
    with pytest.raises(ValueError, match=r"members=slice\(0, 2, None\)"):
        trainer.generator(torch.zeros(2, 4, 1), members=slice(0, 2))
    with pytest.raises(ValueError, match="size must be at least 4, got 3"):
        member_groups(10, 3)
