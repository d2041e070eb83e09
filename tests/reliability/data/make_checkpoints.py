"""Wrote the checkpoints of tests/reliability/data/ with ganzoo 0.1.0 before its modules became private:
``python make_checkpoints.py FOLDER`` (kept for the record; it needs that older ganzoo)."""
import sys

import numpy as np

from ganzoo import R1, WGANGP, VanillaGAN

folder = sys.argv[1]

class Stop(Exception):
    pass

done = [0]
def progress(n):
    done[0] += n
    if done[0] > 30:
        raise Stop

# Interrupted mid-call at step 20 of 40: resume() must finish it.
g = WGANGP(seeds=[0, 1], ema_decay=0.9)
try:
    g.fit(steps=40, eval_every=20, eval_samples=100, progress=progress, checkpoint=f"{folder}/wgan-gp-interrupted.pt", checkpoint_every=20)
except Stop:
    pass
full = WGANGP(seeds=[0, 1], ema_decay=0.9)
full.fit(steps=40, eval_every=20, eval_samples=100, progress=False)
np.save(f"{folder}/wgan-gp-interrupted-final-sample.npy", full.sample(50, seed=2))
v = VanillaGAN(seed=3, engine="autograd", penalties=(R1(gamma=1.0),))
v.fit(steps=30, eval_every=10, eval_samples=100, progress=False)
v.save(f"{folder}/vanilla-autograd-r1.pt")
np.save(f"{folder}/vanilla-autograd-r1-sample.npy", v.sample(50, seed=2))
