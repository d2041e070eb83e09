"""Warm speed of the engines at the 2-D networks' widths (docs/modes.md, docs/engine.md).

Run with (about 5 minutes on two cores; deselected from the default test run):

    pytest tests/benchmarks/test_width_speed.py -m benchmark --benchmark-enable \\
        --benchmark-json=benchmarks/widths.json -p no:cacheprovider

NonSaturatingGAN on ``"ring"`` with the planar preset's shape (3 hidden layers in both
networks) at widths 128 and 512, one run and 64 members: ``"auto"`` (the torch fused
engine at these widths), ``"autograd"`` (torch's own backward pass, the eager baseline) and
``"autograd"`` with packing 2 (the remedies train there). Each measurement follows a warm-up
fit; µs per run·step goes into ``extra_info``; nothing here asserts a time.
"""

from __future__ import annotations

import pytest

from ganzoo import MLPSpec, NonSaturatingGAN

pytestmark = pytest.mark.benchmark

CASES = [("auto", {}), ("autograd", {}), ("autograd", {"packing": 2})]


def warm_gan(width: int, members: int, engine: str, options: dict, steps: int) -> NonSaturatingGAN:
    net = MLPSpec(width=width, depth=3)
    who = {"seed": 0} if members == 1 else {"seeds": range(members)}
    gan = NonSaturatingGAN(**who, generator=net, discriminator=net, latent_dim=2, engine=engine, **options)
    gan.fit("ring", steps=steps, eval_every=0, progress=False)  # warm-up: builds, loads or compiles
    return gan


@pytest.mark.parametrize("members", [1, 64])
@pytest.mark.parametrize("width", [128, 512])
@pytest.mark.parametrize(("engine", "options"), CASES, ids=["auto", "autograd", "autograd-packing2"])
def test_width(benchmark, width, members, engine, options):
    steps = 32 if width == 512 and members == 64 else 128
    gan = warm_gan(width, members, engine, options, steps)
    benchmark.pedantic(lambda: gan.fit(steps=steps, eval_every=0, progress=False), rounds=3)
    seconds = sorted(benchmark.stats.stats.data)[1]  # the median of 3
    benchmark.extra_info.update(
        width=width,
        depth=3,
        members=members,
        engine=gan.trainer.engine_kind,
        options=options,
        steps=steps,
        us_per_run_step=1e6 * seconds / steps / members,
    )
