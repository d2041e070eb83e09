"""Generating samples and a check's other passes a group of members at a time gives the bits
of all members at once."""

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from ganzoo import MLPSpec, VanillaGAN, _inference, _trainer
from ganzoo._inference import member_groups


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


def test_inference_groups_keep_each_activation_under_the_heap_bytes():
    trainer = VanillaGAN(seeds=range(64)).build()  # width 16, float32: 128,000 bytes a member at 2,000 rows
    groups = _inference.inference_groups(trainer.generator, 2000)
    assert [g.stop - g.start for g in groups] == [8] * 8
    assert _inference.inference_groups(trainer.generator, 10) == [slice(0, 64)]
    assert _inference.inference_groups(trainer.generator, 10, limit=16) == [slice(k, k + 16) for k in range(0, 64, 16)]
    assert all(g.stop - g.start == 4 for g in _inference.inference_groups(trainer.generator, 10**6))  # never under 4
    assert _inference.inference_groups(torch.nn.Linear(1, 1), 2000) == [slice(None)]


def test_the_checks_in_groups_equal_all_members_at_once(monkeypatch):
    """Generation, the traces and the snapshot grid of a check, with groups of 4 members
    against one group of all 37: the same bits."""
    gan = VanillaGAN(seeds=range(37), discriminator=MLPSpec(width=8, depth=2))
    gan.fit(steps=40, eval_every=20, progress=False)
    trainer = gan.trainer
    noise = torch.randn(37, 300, 1, generator=torch.Generator().manual_seed(1))
    samples = trainer.generate(noise)

    def check():
        traces, on_grid, _ = trainer._recorder.record(trainer, noise, samples)
        return trainer.generate(noise), traces, on_grid

    monkeypatch.setattr(_inference, "INFERENCE_GROUP_BYTES", 10**12)
    whole = check()
    monkeypatch.setattr(_inference, "INFERENCE_GROUP_BYTES", 1)
    assert len(_inference.inference_groups(trainer.discriminator, 300)) == 10  # of 3 or 4 members
    np.testing.assert_equal(check(), whole)
