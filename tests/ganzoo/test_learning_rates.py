"""The trainer's torch optimizers are built only when something needs them, and the learning
rate is always theirs once they exist: what a user sets there, every engine trains with."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
import torch
from conformance import assert_same_training, state, train

from ganzoo import VanillaGAN


def test_a_numba_fit_imports_neither_dynamo_nor_sympy():
    """Building a torch optimizer imports torch._dynamo (0.7 s), and nn.Module.to_empty sympy
    (0.3 s): a fit on the numba engine does neither, so neither is in its first fit's time."""
    code = (
        "import sys\n"
        "from ganzoo import VanillaGAN\n"
        "gan = VanillaGAN(seeds=[0, 1])\n"
        "gan.fit(steps=50, eval_every=25, progress=False)\n"
        "assert gan.trainer.engine_kind == 'numba', gan.trainer.engine_kind\n"
        "print(sorted(m for m in ('torch._dynamo', 'sympy') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.parametrize("engine", ["numba", "fused-eager"])
def test_every_engine_trains_at_the_rate_set_on_the_optimizers(engine):
    def make(**kw):
        return VanillaGAN(seeds=[3, 4], dtype=torch.float64, **kw)

    fast, reference, unchanged = make(engine=engine), make(engine="autograd"), make(engine=engine)
    for gan in (fast, reference, unchanged):
        train(gan, 40)
    for gan in (fast, reference):  # the numba engine's optimizers are built here, mid-run
        gan.trainer.g_optimizer.param_groups[0]["lr"] = 2e-3
        gan.trainer.d_optimizer.param_groups[0]["lr"] = 3e-3
        assert gan.trainer.learning_rates() == (2e-3, 3e-3)
    for gan in (fast, reference, unchanged):
        train(gan, 40)
    assert_same_training(fast, reference, rtol=1e-10, atol=1e-12)
    assert not all(np.array_equal(a, b) for a, b in zip(state(fast), state(unchanged)))


def test_the_rates_are_the_configured_ones_until_the_optimizers_exist():
    trainer = VanillaGAN(seed=0).build()
    assert trainer._optimizers.built is None  # the numba engine needed none
    assert trainer.learning_rates() == (trainer.config.g_optimizer.lr, trainer.config.d_optimizer.lr)
    assert trainer.g_optimizer is trainer.optimizers[0] and trainer.d_optimizer is trainer.optimizers[1]
    assert [o.param_groups[0]["lr"] for o in trainer.optimizers] == list(trainer.learning_rates())
