"""Determinism: the same seeds give the same bits, in this process and in fresh ones.

Across the local and Ray backends: tests/ganzoo/test_study_ray.py (marked ray and slow);
across study worker processes and a kill -9 resume: tests/ganzoo/test_study.py.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys

import pytest
import torch

from ganzoo import WGANGP, LRDecay, NonSaturatingGAN, R1

# Each entry builds a GAN: the fused and autograd engines, a randomized penalty (the
# gradient penalty's interpolation numbers), EMA and LR decay, and a module-level torch
# RNG that a careless implementation would consume.
SETTINGS = {
    "wgan-gp-fused": "WGANGP(seeds=[0, 3], engine='fused-eager')",
    "wgan-gp-autograd": "WGANGP(seeds=[0, 3], engine='autograd')",
    "nonsaturating-r1-ema-decay": (
        "NonSaturatingGAN(seeds=[1], penalties=(R1(gamma=1.0),), ema_decay=0.9, lr_decay=LRDecay(steps=30))"
    ),
}

PROGRAM = """
import hashlib, sys, torch
from ganzoo import WGANGP, LRDecay, NonSaturatingGAN, R1
torch.manual_seed(int(sys.argv[2]))  # a different global seed in each process: must not matter
gan = {setting}
gan.fit(steps=30, eval_every=15, eval_samples=200, progress=False)
digest = hashlib.sha256()
for tensor in [*gan.trainer.generator.parameters(), *gan.trainer.discriminator.parameters()]:
    digest.update(tensor.detach().numpy().tobytes())
digest.update(gan.sample(100).tobytes())
print(digest.hexdigest())
"""


def _digest_here(setting: str) -> str:
    gan = eval(setting, {"WGANGP": WGANGP, "NonSaturatingGAN": NonSaturatingGAN, "R1": R1, "LRDecay": LRDecay})
    gan.fit(steps=30, eval_every=15, eval_samples=200, progress=False)
    digest = hashlib.sha256()
    for tensor in [*gan.trainer.generator.parameters(), *gan.trainer.discriminator.parameters()]:
        digest.update(tensor.detach().numpy().tobytes())
    digest.update(gan.sample(100).tobytes())
    return digest.hexdigest()


def _digest_in_fresh_process(setting: str, global_seed: int) -> str:
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM.format(setting=setting), "-", str(global_seed)],
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout.strip()


@pytest.mark.parametrize("setting", SETTINGS.values(), ids=SETTINGS.keys())
def test_same_seed_same_bits_across_processes(setting):
    torch.manual_seed(12345)
    here = _digest_here(setting)
    assert _digest_in_fresh_process(setting, 1) == here
    assert _digest_in_fresh_process(setting, 2) == here


def test_different_seeds_give_different_bits():
    assert _digest_here("WGANGP(seeds=[0, 3], engine='fused-eager')") != _digest_here(
        "WGANGP(seeds=[0, 4], engine='fused-eager')"
    )
