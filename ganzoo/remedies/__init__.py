"""Remedies for mode collapse and non-convergence, add-ons like the penalties.

Each lives in its own module with its formula and paper:

- packing, ``GANConfig.packing = m`` (:mod:`._packing`, Lin et al. 2018);
- the unrolled discriminator, ``GANConfig.unrolled_steps = k`` (:mod:`._unrolled`, Metz et al. 2017);
- instance noise, ``GANConfig.instance_noise = InstanceNoise(std, anneal_steps)``
  (:mod:`._instance_noise`, Sønderby et al. 2017; Arjovsky & Bottou 2017);
- minibatch standard deviation, ``MLPSpec(minibatch_std=True)`` for the discriminator
  (:mod:`._minibatch_std`, Karras et al. 2018);
- the update schedule, ``GANConfig.updates = "alternating" | "simultaneous"`` (:mod:`._schedules`);
- consensus optimization, ``GANConfig.consensus = γ`` with simultaneous updates
  (:mod:`._consensus`, Mescheder, Nowozin & Geiger 2017).

All train on the autograd path (``engine="auto"`` falls back to it when a remedy is on).
"""

from ._consensus import consensus_gradients
from ._instance_noise import InstanceNoise, InstanceNoiseDraws
from ._look_ahead_updates import optimizer_update
from ._minibatch_std import MinibatchStd, minibatch_std
from ._packing import pack, pack_copies
from ._schedules import UPDATE_SCHEDULES
from ._unrolled import Functional, look_ahead

__all__ = [
    "UPDATE_SCHEDULES",
    "Functional",
    "consensus_gradients",
    "InstanceNoise",
    "InstanceNoiseDraws",
    "MinibatchStd",
    "look_ahead",
    "minibatch_std",
    "optimizer_update",
    "pack",
    "pack_copies",
]
