"""Determinism: the same seeds give the same bits, in this process and in fresh ones.

Across the local and Ray backends: tests/ganzoo/test_study_ray.py (marked ray and slow);
across study worker processes and a kill -9 resume: tests/ganzoo/test_study.py.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import torch

from ganzoo import R1, WGANGP, LRDecay, NonSaturatingGAN

ROOT = Path(__file__).resolve().parents[2]

# Each entry builds a GAN: the fused and autograd engines, a randomized penalty (the
# gradient penalty's interpolation numbers), EMA and LR decay, and a module-level torch
# RNG that a careless implementation would consume.
SETTINGS = {
    "wgan-gp-fused": "WGANGP(seeds=[0, 3], engine='fused-eager')",
    "wgan-gp-autograd": "WGANGP(seeds=[0, 3], engine='autograd')",
    "nonsaturating-r1-ema-decay": (
        "NonSaturatingGAN(seeds=[1], penalties=(R1(gamma=1.0),), ema_decay=0.9, lr_decay=LRDecay(steps=12))"
    ),
}

def digest(setting: str) -> str:
    """SHA-256 of the weights and of 100 samples after 12 steps of the GAN ``setting`` builds."""
    gan = eval(setting, {"WGANGP": WGANGP, "NonSaturatingGAN": NonSaturatingGAN, "R1": R1, "LRDecay": LRDecay})
    gan.fit(steps=12, eval_every=6, eval_samples=200, progress=False)
    hashed = hashlib.sha256()
    for tensor in [*gan.trainer.generator.parameters(), *gan.trainer.discriminator.parameters()]:
        hashed.update(tensor.detach().numpy().tobytes())
    hashed.update(gan.sample(100).tobytes())
    return hashed.hexdigest()


# A fresh interpreter, with another global torch seed, computes every digest.
PROGRAM = """
import json, sys, torch
from tests.reliability.test_determinism import SETTINGS, digest
torch.manual_seed(int(sys.argv[1]))
print(json.dumps({name: digest(setting) for name, setting in SETTINGS.items()}))
"""


def test_same_seed_same_bits_across_processes():
    torch.manual_seed(12345)
    here = {name: digest(setting) for name, setting in SETTINGS.items()}
    result = subprocess.run(
        [sys.executable, "-c", PROGRAM, "7"], capture_output=True, text=True, check=True, cwd=ROOT
    )
    assert json.loads(result.stdout) == here


def test_different_seeds_give_different_bits():
    assert digest("WGANGP(seeds=[0, 3], engine='fused-eager')") != digest("WGANGP(seeds=[0, 4], engine='fused-eager')")
