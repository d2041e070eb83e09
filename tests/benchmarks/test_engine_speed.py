"""Speed of the training engines against a faithful copy of the reference program.

Run with (about 10-15 minutes on two cores; deselected from the default test run):

    pytest tests/benchmarks/test_engine_speed.py -m benchmark --benchmark-enable \\
        --benchmark-json=benchmarks/engine.json -p no:cacheprovider
    python -m benchmarks.engine_speed --from-json benchmarks/engine.json   # the table

Each measurement trains whole chunks of the data stream (data drawing included) after a
warm-up (one chunk, compilation included, for the fused engines); every round is preceded
by a short run of the reference program, untimed by pytest-benchmark but recorded, so that
each configuration's speed-up is the median of per-round ratios against a reference measured
seconds apart (shared machines drift severalfold with load). Figures go into
``extra_info``; nothing here asserts a time. The peak-memory benchmark asserts that 1024
members fit in 2 GiB.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from benchmarks.engine_speed import CHUNK, REFERENCE_STEPS, REFERENCES, peak_rss_mib, steps_for, train, warm_trainer
from ganzoo.engine import unsupported_features
from ganzoo.variants import get_variant

pytestmark = pytest.mark.benchmark

MEMBERS = [1, 8, 64, 256, 1024]
CASES = [
    ("vanilla", "autograd"),
    ("vanilla", "fused-eager"),
    ("vanilla", "fused-compiled"),
    ("wgan-gp", "autograd"),  # the gradient penalty by double backpropagation
    ("wgan-gp", "fused-eager"),  # the gradient penalty derived by hand
    ("wgan-gp", "fused-compiled"),
]


@pytest.fixture(autouse=True, scope="module")
def _single_thread():
    # Tiny networks: on a loaded 2-core machine, intra-op threads wait for scheduler slices.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.mark.parametrize("variant", ["vanilla", "wgan-gp"])
def test_reference_program(benchmark, variant):
    steps = 2 * REFERENCE_STEPS[variant]
    benchmark.extra_info.update(variant=variant, engine="reference", members=1, steps=steps)
    benchmark.pedantic(REFERENCES[variant], args=(steps,), rounds=5, warmup_rounds=1)


@pytest.mark.parametrize("members", MEMBERS)
@pytest.mark.parametrize(("variant", "engine"), CASES, ids=[f"{v}-{e}" for v, e in CASES])
def test_engine(benchmark, variant, engine, members):
    if engine.startswith("fused") and unsupported_features(get_variant(variant).defaults):
        pytest.skip(f"the fused engine does not support {variant}")
    steps = steps_for(members)
    trainer = warm_trainer(variant, members, engine)  # compilation included
    references: list[float] = []

    def adjacent_reference() -> None:
        references.append(REFERENCES[variant](REFERENCE_STEPS[variant]))

    rounds = 3 if members * steps <= 64 * 256 else 1
    benchmark.pedantic(train, args=(trainer, steps), setup=adjacent_reference, rounds=rounds)
    per_step = np.array(benchmark.stats.stats.data) / steps
    speedups = np.array(references) / (per_step / members)
    benchmark.extra_info.update(
        variant=variant,
        engine=engine,
        members=members,
        steps=steps,
        compiled=bool(trainer.fused is not None and trainer.fused.compiled),
        us_per_run_step=float(np.median(per_step) / members * 1e6),
        reference_us_per_step=float(np.median(references) * 1e6),
        speedup=float(np.median(speedups)),
    )


MEMORY_CASES = [
    ("vanilla", "fused-eager"),
    ("vanilla", "fused-compiled"),
    ("vanilla", "autograd"),
    ("wgan-gp", "autograd"),
    ("wgan-gp", "fused-compiled"),
]


@pytest.mark.parametrize(("variant", "engine"), MEMORY_CASES, ids=[f"{v}-{e}" for v, e in MEMORY_CASES])
def test_peak_memory_of_1024_members(benchmark, variant, engine):
    # A fresh process trains 1024 members for two chunks (256 steps; 32 for wgan-gp, whose
    # chunk holds five critic batches per step and whose autograd step is slow).
    steps = 2 * CHUNK if variant == "vanilla" else 32
    mib = benchmark.pedantic(peak_rss_mib, args=(variant, 1024, engine, steps), rounds=1)
    benchmark.extra_info.update(variant=variant, engine=engine, members=1024, peak_rss_mib=mib)
    assert mib < 2048
